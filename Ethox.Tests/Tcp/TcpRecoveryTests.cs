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
        Assert.That(seen.Count(x => x.Payload.Length > 0), Is.EqualTo(3), "each hole once");
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
        s.Advance(Duration.FromSeconds(3));
        Assert.That(s.Counters.Timeouts, Is.GreaterThanOrEqualTo(2));
        s.Took(flight[0]);
        s.Tick();
        s.Send(s.Segment());
        Assert.That(s.Tcp.GetInfo(s.Key, out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.Rto.Microseconds, Is.LessThan(1_000_000), "RFC 6298 §5.7 note: backoff ends with new data acknowledged");
        Assert.That(info.CongestionWindow, Is.LessThanOrEqualTo(2 * info.SendMss), "RFC 5681 §3.1: after a timeout cwnd restarts from the loss window");
    }
}
