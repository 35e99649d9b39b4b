using System.Collections.Generic;
using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>Loss recovery, segment by segment: RFC 5681 §3.2, RFC 3042, RFC 6675, RFC 6582, RFC 6298 §5.</summary>
public class TcpRecoveryTests
{
    private const int Mss = 1460 - 12;

    /// <summary>An established connection whose host has sent <paramref name="segments"/> full segments, none acknowledged yet.</summary>
    private static (TcpScript s, List<SeenSegment> flight) InFlight(int segments, bool sack = true, int extra = 0)
    {
        var s = new TcpScript { Sack = sack };
        s.Accept();
        Assert.That(s.Tcp.Write(s.Key, new byte[(segments + extra) * Mss], out _), Is.EqualTo(TcpStatus.Ok));
        var flight = s.Poll();
        Assert.That(flight, Has.Count.EqualTo(segments));
        return (s, flight);
    }

    private static TcpRepr DupAck(TcpScript s, params (int From, int To)[] sacked)
    {
        s.Tick();
        var blocks = new TcpSackBlocks();
        foreach (var (from, to) in sacked.Reverse()) blocks.TryAdd(new TcpSackBlock(s.HostNext + from * Mss, s.HostNext + to * Mss), out blocks);
        return s.Segment() with { SackBlocks = s.Sack ? blocks : default };
    }

    [Test]
    public void Third_duplicate_ack_triggers_fast_retransmit_of_the_first_hole()
    {
        var (s, flight) = InFlight(10);
        s.Took(flight[0]);
        s.Send(s.Segment());
        // Segment 1 is lost; 2, 3 and 4 arrive: three duplicate ACKs.
        s.Send(DupAck(s, (1, 2)));
        s.Send(DupAck(s, (1, 3)));
        var third = s.Send(DupAck(s, (1, 4)));
        var resent = third.Where(x => x.Seq == s.HostNext).ToList();
        Assert.That(resent, Has.Count.EqualTo(1), "RFC 5681 §3.2: the segment at SND.UNA goes again, before any timeout");
        Assert.That(resent[0].Payload, Has.Length.EqualTo(Mss));
        Assert.That(s.Counters.FastRetransmits, Is.EqualTo(1));
        Assert.That(s.Counters.Timeouts, Is.Zero);
    }

    [Test]
    public void Fast_retransmit_starts_recovery_and_cuts_the_window_wherever_snd_una_lies_rfc6582_section_3_2()
    {
        // "recover" only holds back a new recovery while the go-back-N after a timeout is under way (RFC 6582 §3.2
        // step 1); before any timeout, and whichever half of the sequence space SND.UNA is in, three duplicates start one.
        int upperHalf = 0;
        for (ulong key = 1; key <= 8; key++)
        {
            var s = new TcpScript(key: key) { Sack = false };
            s.Accept();
            Assert.That(s.Tcp.Write(s.Key, new byte[10 * Mss], out _), Is.EqualTo(TcpStatus.Ok));
            Assert.That(s.Poll(), Has.Count.EqualTo(10));
            for (int i = 0; i < 3; i++) s.Send(DupAck(s));
            Assert.That(s.Counters.FastRetransmits, Is.EqualTo(1), $"ISS near {s.HostNext}");
            Assert.That(s.Tcp.GetInfo(s.Key, out var info), Is.EqualTo(TcpStatus.Ok));
            Assert.That(info.SlowStartThreshold, Is.LessThan(10 * Mss), $"ISS near {s.HostNext}: the window was cut");
            if (s.HostNext.Value >= 1u << 31) upperHalf++;
        }
        Assert.That(upperHalf, Is.InRange(1, 7), "both halves of the sequence space were tried");
    }

    [Test]
    public void First_two_duplicate_acks_release_new_segments()
    {
        // The window is full (IW = 10 segments in flight) and more data waits.
        var (s, flight) = InFlight(10, extra: 5);
        var first = s.Send(DupAck(s, (1, 2)));
        var second = s.Send(DupAck(s, (1, 3)));
        // RFC 3042: each of the first two duplicate ACKs sends one new segment beyond cwnd.
        Assert.That(first.Count(x => x.Payload.Length > 0 && x.Seq >= flight[^1].Seq + Mss), Is.EqualTo(1));
        Assert.That(second.Count(x => x.Payload.Length > 0 && x.Seq >= flight[^1].Seq + Mss), Is.EqualTo(1));
        Assert.That(s.Counters.FastRetransmits, Is.Zero);
    }

    [Test]
    public void Sack_recovery_resends_only_the_holes()
    {
        var (s, flight) = InFlight(10);
        // Segments 0, 3 and 6 are lost; the receiver SACKs 1-2, 4-5 and 7-9.
        var seen = s.Send(DupAck(s, (1, 3)));
        seen.AddRange(s.Send(DupAck(s, (1, 3), (4, 6))));
        seen.AddRange(s.Send(DupAck(s, (1, 3), (4, 6), (7, 10))));
        seen.AddRange(s.Poll());
        var resent = seen.Where(x => x.Payload.Length > 0).Select(x => (x.Seq - s.HostNext) / Mss).Distinct().OrderBy(x => x).ToList();
        Assert.That(resent, Is.EqualTo(new[] { 0, 3, 6 }), "RFC 6675 NextSeg(): the holes IsLost() finds, nothing SACKed");
        // Rule 4 may add one rescue copy of the highest unSACKed segment (6), never more.
        Assert.That(seen.Count(x => x.Payload.Length > 0), Is.InRange(3, 4));
        Assert.That(seen.Count(x => x.Payload.Length > 0 && x.Seq != s.HostNext + 6 * Mss), Is.EqualTo(2), "holes 0 and 3 once each");
    }

    [Test]
    public void Partial_ack_in_newreno_recovery_resends_the_next_hole_at_once()
    {
        var (s, flight) = InFlight(10, sack: false);
        for (int i = 0; i < 3; i++) s.Send(DupAck(s));
        Assert.That(s.Counters.FastRetransmits, Is.EqualTo(1));
        // The retransmitted segment 0 arrives; segment 4 was lost too: the ACK stops there (a partial ACK).
        s.HostNext += 4 * Mss;
        s.Tick();
        var seen = s.Send(s.Segment());
        Assert.That(seen.Any(x => x.Seq == s.HostNext && x.Payload.Length == Mss), Is.True, "RFC 6582 §3.2 step 3: the next hole goes at once");
        Assert.That(s.Counters.Timeouts, Is.Zero);
    }

    [Test]
    public void Retransmission_timeout_resends_the_oldest_segment_and_doubles()
    {
        var (s, flight) = InFlight(3);
        var rto = s.Tcp.GetInfo(s.Key, out var info) == TcpStatus.Ok ? info.Rto : default;
        var resends = new List<(Instant At, SeenSegment Segment)>();
        for (int i = 0; i < 4; i++)
        {
            var due = s.Host.NextDeadline();
            var seen = s.Advance(due - s.Now);
            foreach (var seg in seen) resends.Add((s.Now, seg));
        }
        var heads = resends.Where(x => x.Segment.Seq == s.HostNext).ToList();
        Assert.That(heads, Has.Count.GreaterThanOrEqualTo(3));
        var gaps = heads.Zip(heads.Skip(1), (a, b) => (b.At - a.At).Microseconds).ToList();
        Assert.That(gaps[1], Is.EqualTo(2 * gaps[0]).Within(gaps[0] / 10), "RFC 6298 §5.5: the timer backs off");
        Assert.That(s.Counters.Timeouts, Is.GreaterThanOrEqualTo(3));
        Assert.That(rto.Microseconds, Is.GreaterThanOrEqualTo(s.Tcp.Settings.MinRto.Microseconds));
    }

    [Test]
    public void Connection_times_out_after_the_r2_interval()
    {
        var (s, _) = InFlight(1);
        s.Advance(s.Tcp.Settings.ConnectionTimeout - Duration.FromSeconds(5));
        Assert.That(s.State, Is.EqualTo(TcpState.Established));
        s.Advance(Duration.FromSeconds(70));
        Assert.That(s.App.TimedOut, Is.EqualTo(1), "RFC 1122 §4.2.3.5: R2 passed without an ACK");
        Assert.That(s.Tcp.Count, Is.Zero);
    }

    [Test]
    public void An_ack_after_timeouts_restores_the_rto_from_the_estimate()
    {
        var (s, flight) = InFlight(1);
        // Two timeouts; the peer's ACK then answers the last retransmission at once (its echo measures a short RTT).
        while (s.Counters.Timeouts < 2) s.Advance(Duration.FromMilliseconds(10));
        s.Took(flight[0]);
        s.Tick();
        s.Send(s.Segment());
        Assert.That(s.Tcp.GetInfo(s.Key, out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.Rto.Microseconds, Is.LessThan(1_000_000), "RFC 6298 §5.7 note: backoff ends with new data acknowledged");
        Assert.That(info.CongestionWindow, Is.LessThanOrEqualTo(2 * info.SendMss), "RFC 5681 §3.1: after a timeout cwnd restarts from the loss window");
    }

    [Test]
    public void Lost_retransmission_is_sent_again_by_the_recovery_probe_before_the_rto()
    {
        var (s, flight) = InFlight(10);
        // Segment 0 is lost; 1-9 arrive and are SACKed: fast retransmit of 0.
        s.Send(DupAck(s, (1, 2)));
        s.Send(DupAck(s, (1, 3)));
        var third = s.Send(DupAck(s, (1, 10)));
        Assert.That(third.Count(x => x.Seq == s.HostNext), Is.InRange(1, 2), "the fast retransmit (and rule 4's rescue copy)");
        // That retransmission is lost too, and nothing else is in flight to reveal it: after max(2·SRTT, 10 ms) the
        // probe sends it again, long before the 200 ms RTO (RFC 8985 §7's probe timeout, applied in recovery).
        var seen = s.Advance(Duration.FromMilliseconds(15));
        Assert.That(seen.Count(x => x.Seq == s.HostNext && x.Payload.Length == Mss), Is.EqualTo(1));
        Assert.That(s.Counters.RecoveryProbes, Is.EqualTo(1));
        Assert.That(s.Counters.Timeouts, Is.Zero);
        // Once only while SND.UNA stands still: the next expiry is the RTO.
        s.Advance(Duration.FromMilliseconds(150));
        Assert.That(s.Counters.RecoveryProbes, Is.EqualTo(1));
    }

    [Test]
    public void Losses_among_the_resends_after_a_timeout_are_repaired_from_the_scoreboard()
    {
        var (s, flight) = InFlight(10, extra: 10);
        var resent = s.Advance(s.Tcp.Settings.MinRto + Duration.FromMilliseconds(50)).Where(x => x.Payload.Length > 0).ToList();
        Assert.That(s.Counters.Timeouts, Is.EqualTo(1));
        Assert.That(s.Counters.TailLossProbes, Is.EqualTo(1), "a tail loss probe (new data) went first, unanswered");
        Assert.That(resent.Count(x => x.Seq == s.HostNext), Is.EqualTo(1), "RFC 6298 §5.4: the oldest segment, cwnd = 1");
        Assert.That(s.Tcp.GetInfo(s.Key, out var before), Is.EqualTo(TcpStatus.Ok));
        // Segment 0 arrives; of the go-back-N resends that follow, segment 1 is lost and 2, 3, 4… are SACKed.
        s.HostNext += Mss;
        var sent = s.Send(s.Segment()).Where(x => x.Payload.Length > 0).ToList();
        for (int i = 1; i <= 4 && s.Counters.FastRetransmits == 0; i++)
            sent.AddRange(s.Send(DupAck(s, (1, 1 + i))).Where(x => x.Payload.Length > 0));
        // RFC 6582 and RFC 6675 §5.1 allow no new recovery phase before the timeout's recovery point is passed;
        // the scoreboard still shows segment 1 lost, and it is repaired at once, without a second cut of the window.
        Assert.That(s.Counters.FastRetransmits, Is.EqualTo(1));
        var again = s.Poll();
        Assert.That(sent.Concat(again).Count(x => x.Seq == s.HostNext), Is.GreaterThanOrEqualTo(2), "segment 1: the go-back-N resend, then the repair");
        Assert.That(s.Tcp.GetInfo(s.Key, out var after), Is.EqualTo(TcpStatus.Ok));
        Assert.That(after.SlowStartThreshold, Is.EqualTo(before.SlowStartThreshold), "no second cut");
        Assert.That(s.Counters.Timeouts, Is.EqualTo(1));
    }

    [Test]
    public void Tail_loss_probe_sends_the_last_segment_again_when_nothing_new_waits()
    {
        var (s, flight) = InFlight(3);
        // No ACK at all for two RTTs (the whole tail lost): RFC 8985 §7.3 probes with the last segment sent.
        var probe = s.Advance(Duration.FromMilliseconds(15)).Where(x => x.Payload.Length > 0).ToList();
        Assert.That(probe, Has.Count.EqualTo(1));
        Assert.That(probe[0].Seq, Is.EqualTo(flight[2].Seq));
        Assert.That(s.Counters.TailLossProbes, Is.EqualTo(1));
        Assert.That(s.Counters.Timeouts, Is.Zero);
        Assert.That(s.Advance(Duration.FromMilliseconds(100)).Count(x => x.Payload.Length > 0), Is.Zero, "one probe per advance of SND.UNA; then the RTO");
    }

    [Test]
    public void Tail_loss_probe_after_our_fin_sends_the_last_data_and_the_fin_never_the_fin_as_a_byte_rfc8985_section_7_3()
    {
        var s = new TcpScript();
        s.Accept();
        var data = new byte[2 * Mss + 100];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i % 251 + 1);
        Assert.That(s.Tcp.Write(s.Key, data, out _), Is.EqualTo(TcpStatus.Ok));
        Assert.That(s.Tcp.Close(s.Key), Is.EqualTo(TcpStatus.Ok));
        var flight = s.Poll();
        var fin = flight.Single(x => x.Has(TcpFlags.Fin));
        var finSeq = fin.Seq + fin.Payload.Length;
        Assert.That(finSeq, Is.EqualTo(s.HostNext + data.Length));
        // The whole tail, FIN included, is lost: the probe timeout (RFC 8985 §7.2) comes before the RTO.
        var probe = s.Advance(Duration.FromMilliseconds(15)).Where(x => x.Payload.Length > 0 || x.Has(TcpFlags.Fin)).ToList();
        Assert.That(s.Counters.TailLossProbes, Is.EqualTo(1));
        Assert.That(probe, Has.Count.EqualTo(1));
        Assert.That(probe[0].Has(TcpFlags.Fin), Is.True, "the last segment again, FIN and all");
        Assert.That(probe[0].Seq + probe[0].Payload.Length, Is.EqualTo(finSeq), "its data ends where the FIN sits");
        Assert.That(probe[0].Payload, Is.EqualTo(data[^probe[0].Payload.Length..]), "our bytes, not the FIN's place filled with whatever the buffer held");
    }

    [Test]
    public void Tail_loss_probe_sends_new_data_beyond_cwnd_when_some_waits()
    {
        var (s, flight) = InFlight(10, extra: 5);
        var probe = s.Advance(Duration.FromMilliseconds(15)).Where(x => x.Payload.Length > 0).ToList();
        Assert.That(probe, Has.Count.EqualTo(1));
        Assert.That(probe[0].Seq, Is.EqualTo(flight[9].Seq + Mss), "RFC 8985 §7.3: new data first, if the peer's window takes it");
        // Its SACK is a duplicate ACK; with the next one, limited transmit (cwnd + 2 segments, the probe being one of
        // them) sends one more new segment: data keeps flowing toward three duplicate ACKs and a fast retransmit.
        var after = s.Send(DupAck(s, (10, 11)));
        after.AddRange(s.Send(DupAck(s, (8, 9), (10, 11))));
        Assert.That(after.Count(x => x.Payload.Length > 0), Is.EqualTo(1), "RFC 3042");
        Assert.That(after.Single(x => x.Payload.Length > 0).Seq, Is.EqualTo(flight[9].Seq + 2 * Mss));
    }

    [Test]
    public void Acks_keep_pushing_the_probe_timeout_back()
    {
        var (s, flight) = InFlight(4);
        for (int i = 0; i < 3; i++)
        {
            s.Advance(Duration.FromMilliseconds(8));
            s.Took(flight[i]);
            s.Tick();
            s.Send(s.Segment());
        }
        Assert.That(s.Advance(Duration.FromMilliseconds(8)).Count(x => x.Payload.Length > 0), Is.Zero);
        Assert.That(s.Counters.TailLossProbes, Is.Zero, "RFC 8985 §7.2: every ACK of new data restarts the PTO");
    }
}
