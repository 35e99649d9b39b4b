using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>RFC 9293 §3.3.2 and §3.5-§3.6: every path through the state diagram, driven segment by segment.</summary>
public class TcpStateMachineTests
{
    /// <summary>Established, then our FIN sent and acknowledged: FIN-WAIT-2.</summary>
    private static TcpScript InFinWait2()
    {
        var s = new TcpScript();
        s.Accept();
        Assert.That(s.Tcp.Close(s.Key), Is.EqualTo(TcpStatus.Ok));
        s.Took(TcpScript.Single(s.Poll(), TcpFlags.Fin));
        s.Send(s.Segment());
        Assert.That(s.State, Is.EqualTo(TcpState.FinWait2));
        return s;
    }

    /// <summary>FIN-WAIT-2, then the peer's FIN: TIME-WAIT.</summary>
    private static TcpScript InTimeWait()
    {
        var s = InFinWait2();
        s.SendData([], TcpFlags.Fin | TcpFlags.Ack);
        Assert.That(s.State, Is.EqualTo(TcpState.TimeWait));
        return s;
    }

    [Test]
    public void Passive_open_goes_listen_syn_received_established()
    {
        var s = new TcpScript();
        s.Tcp.Listen(TcpScript.HostPort);
        s.PeerNext = s.PeerIss;
        var synAck = TcpScript.Single(s.Send(s.Segment(TcpFlags.Syn) with { MaxSegmentSize = 1460, SackPermitted = true, WindowScale = 7, Timestamps = new TcpTimestamps(s.PeerClock, 0) }), TcpFlags.Syn | TcpFlags.Ack);
        s.Key = s.App.LastKey;
        Assert.That(s.State, Is.EqualTo(TcpState.SynReceived));
        Assert.That(synAck.Ack, Is.EqualTo(s.PeerIss + 1));
        Assert.That(synAck.Header.SackPermitted && synAck.Header.WindowScale is not null && synAck.Header.Timestamps is { EchoReply: 5000 }, Is.True,
            "the SYN-ACK answers each option the SYN offered");
        s.PeerNext += 1;
        s.HostNext = synAck.Seq + 1;
        s.Send(s.Segment());
        Assert.That(s.State, Is.EqualTo(TcpState.Established));
        Assert.That(s.Counters.PassiveOpens, Is.EqualTo(1));
    }

    [Test]
    public void Active_open_goes_syn_sent_established()
    {
        var s = new TcpScript();
        var syn = s.Connect();
        Assert.That(syn.Header.MaxSegmentSize, Is.EqualTo(1460));
        Assert.That(syn.Header.SackPermitted && syn.Header.WindowScale is not null && syn.Header.Timestamps is { EchoReply: 0 }, Is.True);
        Assert.That(s.State, Is.EqualTo(TcpState.Established));
        Assert.That(s.App.AllEvents.HasFlag(TcpEvents.Connected) || s.App.Connected == 1, Is.True);
    }

    [Test]
    public void Simultaneous_open_passes_through_syn_received()
    {
        // RFC 9293 §3.5 Figure 7: both ends send a SYN; each answers the other's with SYN-ACK.
        var s = new TcpScript();
        var syn = s.OpenFromHost();
        var crossing = s.Segment(TcpFlags.Syn) with { AcknowledgmentNumber = default, MaxSegmentSize = 1460, SackPermitted = true, WindowScale = 7, Timestamps = new TcpTimestamps(s.PeerClock, 0) };
        var synAck = TcpScript.Single(s.Send(crossing), TcpFlags.Syn | TcpFlags.Ack);
        Assert.That(s.State, Is.EqualTo(TcpState.SynReceived));
        Assert.That(synAck.Seq, Is.EqualTo(syn.Seq), "the same ISN, now with an ACK");
        Assert.That(synAck.Ack, Is.EqualTo(s.PeerIss + 1));
        s.PeerNext += 1;
        s.Tick();
        s.Send(s.Segment(TcpFlags.Syn | TcpFlags.Ack) with { SequenceNumber = s.PeerIss, MaxSegmentSize = 1460, SackPermitted = true, WindowScale = 7 });
        Assert.That(s.State, Is.EqualTo(TcpState.Established));
        Assert.That(s.App.Connected, Is.EqualTo(1));
    }

    // RFC 9293 §3.10.7.4: the peer's SYN-ACK again after we are established (our ACK of it lost, or dropped by the
    // peer's full accept queue) is not acceptable and is answered with an ACK, which completes the peer's handshake.
    [Test]
    public void Established_active_opener_answers_a_retransmitted_syn_ack_with_an_ack()
    {
        var s = new TcpScript();
        s.Connect();
        s.Tick();
        var again = s.Segment(TcpFlags.Syn | TcpFlags.Ack) with { SequenceNumber = s.PeerIss, MaxSegmentSize = 1460, SackPermitted = true, WindowScale = 7 };
        var ack = TcpScript.Single(s.Send(again), TcpFlags.Ack);
        Assert.That(ack.Ack, Is.EqualTo(s.PeerNext));
        Assert.That(ack.Has(TcpFlags.Syn), Is.False);
        Assert.That(s.State, Is.EqualTo(TcpState.Established));
    }

    [Test]
    public void Active_close_goes_fin_wait_1_fin_wait_2_time_wait_then_the_slot_is_free()
    {
        var s = new TcpScript();
        s.Accept();
        Assert.That(s.Tcp.Close(s.Key), Is.EqualTo(TcpStatus.Ok));
        var fin = TcpScript.Single(s.Poll(), TcpFlags.Fin | TcpFlags.Ack);
        Assert.That(s.State, Is.EqualTo(TcpState.FinWait1));
        s.Took(fin);
        s.Send(s.Segment());
        Assert.That(s.State, Is.EqualTo(TcpState.FinWait2));
        var ack = TcpScript.Single(s.SendData([], TcpFlags.Fin | TcpFlags.Ack), TcpFlags.Ack);
        Assert.That(ack.Ack, Is.EqualTo(s.PeerNext), "the peer's FIN is acknowledged");
        Assert.That(s.State, Is.EqualTo(TcpState.TimeWait));
        Assert.That(s.App.Closed, Is.EqualTo(1), "the user is done with the key once TIME-WAIT starts");
        Assert.That(s.Tcp.Write(s.Key, new byte[1], out _), Is.EqualTo(TcpStatus.StaleKey).Or.EqualTo(TcpStatus.InvalidState));
        s.Advance(s.Tcp.Settings.TimeWait - Duration.FromSeconds(1));
        Assert.That(s.Tcp.Count, Is.EqualTo(1), "2·MSL not over yet");
        s.Advance(Duration.FromSeconds(2));
        Assert.That(s.Tcp.Count, Is.Zero);
    }

    [Test]
    public void Passive_close_goes_close_wait_last_ack_closed()
    {
        var s = new TcpScript();
        s.App.CloseWhenDone = false;
        s.Accept();
        var ack = TcpScript.Single(s.SendData([], TcpFlags.Fin | TcpFlags.Ack), TcpFlags.Ack);
        Assert.That(ack.Ack, Is.EqualTo(s.PeerNext));
        Assert.That(s.State, Is.EqualTo(TcpState.CloseWait));
        Assert.That(s.App[s.Key].PeerClosed, Is.True);
        Assert.That(s.Tcp.Close(s.Key), Is.EqualTo(TcpStatus.Ok));
        var fin = TcpScript.Single(s.Poll(), TcpFlags.Fin);
        Assert.That(s.State, Is.EqualTo(TcpState.LastAck));
        s.Took(fin);
        s.Send(s.Segment());
        Assert.That(s.Tcp.Count, Is.Zero, "LAST-ACK ends in CLOSED with no TIME-WAIT");
        Assert.That(s.App.Closed, Is.EqualTo(1));
    }

    [Test]
    public void Simultaneous_close_passes_through_closing_to_time_wait()
    {
        var s = new TcpScript();
        s.Accept();
        s.Tcp.Close(s.Key);
        var fin = TcpScript.Single(s.Poll(), TcpFlags.Fin);
        // The peer's FIN crosses ours: it does not acknowledge our FIN.
        var seen = s.SendData([], TcpFlags.Fin | TcpFlags.Ack);
        Assert.That(s.State, Is.EqualTo(TcpState.Closing));
        Assert.That(seen.Any(x => x.Ack == s.PeerNext), Is.True, "the crossing FIN is acknowledged");
        s.Took(fin);
        s.Send(s.Segment());
        Assert.That(s.State, Is.EqualTo(TcpState.TimeWait));
    }

    [Test]
    public void Half_closed_connection_keeps_receiving()
    {
        var s = InFinWait2();
        for (int i = 0; i < 3; i++) s.SendData(new byte[1000]);
        Assert.That(s.App[s.Key].Read, Is.EqualTo(3000), "RFC 9293 §3.6: a half-closed connection still delivers data");
    }

    [Test]
    public void Time_wait_acknowledges_a_retransmitted_fin_and_starts_over()
    {
        var s = InTimeWait();
        s.Advance(Duration.FromSeconds(50));
        // Our ACK of its FIN was lost: the peer sends the FIN again.
        s.Tick();
        var again = s.Send(s.Segment(TcpFlags.Fin | TcpFlags.Ack) with { SequenceNumber = s.PeerNext - 1 });
        Assert.That(TcpScript.Single(again, TcpFlags.Ack).Ack, Is.EqualTo(s.PeerNext));
        s.Advance(Duration.FromSeconds(50));
        Assert.That(s.State, Is.EqualTo(TcpState.TimeWait), "the 2·MSL timer restarted with the retransmitted FIN");
        s.Advance(Duration.FromSeconds(11));
        Assert.That(s.Tcp.Count, Is.Zero);
    }

    [Test]
    public void Syn_with_a_newer_timestamp_reopens_time_wait()
    {
        var s = InTimeWait();
        var oldKey = s.Key;
        Assert.That(s.State, Is.EqualTo(TcpState.TimeWait));
        // RFC 6191 §2: a SYN whose timestamp is newer than TS.Recent may reuse the tuple at once.
        s.Tick(100);
        var synAck = TcpScript.Single(s.Send(s.Segment(TcpFlags.Syn) with { SequenceNumber = s.PeerNext - 5000, AcknowledgmentNumber = default, MaxSegmentSize = 1460, SackPermitted = true, WindowScale = 7 }), TcpFlags.Syn | TcpFlags.Ack);
        Assert.That(synAck.Ack, Is.EqualTo(s.PeerNext - 5000 + 1));
        Assert.That(s.App.LastKey, Is.Not.EqualTo(oldKey));
        Assert.That(s.Tcp.StateOf(s.App.LastKey), Is.EqualTo(TcpState.SynReceived));
    }

    [Test]
    public void Syn_with_an_old_timestamp_does_not_reopen_time_wait()
    {
        var s = InTimeWait();
        var seen = s.Send(s.Segment(TcpFlags.Syn) with { AcknowledgmentNumber = default, Timestamps = new TcpTimestamps(s.PeerClock - 10, 0) });
        Assert.That(seen.Any(x => x.Has(TcpFlags.Syn)), Is.False);
        Assert.That(s.State, Is.EqualTo(TcpState.TimeWait));
    }

    [Test]
    public void Syn_sent_answers_an_unacceptable_ack_with_rst()
    {
        // RFC 9293 §3.10.7.3: an ACK outside ISS < SEG.ACK <= SND.NXT gets <SEQ=SEG.ACK><CTL=RST>, and the attempt goes on.
        var s = new TcpScript();
        var syn = s.OpenFromHost();
        var bogus = syn.Seq + 1000;
        var rst = TcpScript.Single(s.Send(s.Segment(TcpFlags.Syn | TcpFlags.Ack) with { SequenceNumber = s.PeerIss, AcknowledgmentNumber = bogus }), TcpFlags.Rst);
        Assert.That(rst.Seq, Is.EqualTo(bogus));
        Assert.That(s.State, Is.EqualTo(TcpState.SynSent));
    }

    [Test]
    public void Syn_sent_ignores_a_rst_without_an_acceptable_ack()
    {
        var s = new TcpScript();
        var syn = s.OpenFromHost();
        s.Send(s.Segment(TcpFlags.Rst | TcpFlags.Ack) with { SequenceNumber = default, AcknowledgmentNumber = syn.Seq + 7 });
        s.Send(s.Segment(TcpFlags.Rst) with { SequenceNumber = default, AcknowledgmentNumber = default });
        Assert.That(s.State, Is.EqualTo(TcpState.SynSent), "a blind RST cannot kill an opening connection");
        s.Send(s.Segment(TcpFlags.Rst | TcpFlags.Ack) with { SequenceNumber = default, AcknowledgmentNumber = syn.Seq + 1 });
        Assert.That(s.App.Resets, Is.EqualTo(1), "connection refused");
        Assert.That(s.State, Is.EqualTo(TcpState.Closed));
    }

    [Test]
    public void Rst_in_syn_received_of_a_passive_open_frees_the_slot_quietly()
    {
        var s = new TcpScript();
        s.Tcp.Listen(TcpScript.HostPort);
        s.PeerNext = s.PeerIss;
        var synAck = TcpScript.Single(s.Send(s.Segment(TcpFlags.Syn) with { MaxSegmentSize = 1460 }), TcpFlags.Syn | TcpFlags.Ack);
        Assert.That(s.Tcp.Count, Is.EqualTo(1));
        s.Send(s.Segment(TcpFlags.Rst) with { SequenceNumber = s.PeerIss + 1 });
        Assert.That(s.Tcp.Count, Is.Zero, "RFC 9293 §3.10.7.4: back to LISTEN");
        Assert.That(s.Tcp.IsListening(TcpScript.HostPort), Is.True);
        Assert.That(synAck.Seq != default, Is.True);
    }

    [Test]
    public void A_half_open_connection_holds_its_listeners_backlog_place_until_established_or_reset()
    {
        var s = new TcpScript();
        Assert.That(s.Tcp.Listen(TcpScript.HostPort, backlog: 1), Is.EqualTo(TcpStatus.Ok));
        TcpRepr Syn(ushort port) => s.Segment(TcpFlags.Syn) with { SourcePort = port, SequenceNumber = s.PeerIss, MaxSegmentSize = 1460, Timestamps = null };

        s.PeerNext = s.PeerIss;
        var synAck = TcpScript.Single(s.Send(Syn(TcpScript.PeerPort)), TcpFlags.Syn | TcpFlags.Ack);
        TcpScript.Single(s.Send(Syn(40_001)), TcpFlags.Syn | TcpFlags.Ack);
        Assert.That((s.Counters.PassiveOpens, s.Counters.SynCookiesSent), Is.EqualTo((1L, 1L)), "a backlog of one: the second SYN gets a cookie");

        s.PeerNext = s.PeerIss + 1;
        s.HostNext = synAck.Seq + 1;
        s.Send(s.Segment() with { Timestamps = null });
        Assert.That(s.Tcp.Count, Is.EqualTo(1));
        TcpScript.Single(s.Send(Syn(40_002)), TcpFlags.Syn | TcpFlags.Ack);
        Assert.That((s.Counters.PassiveOpens, s.Counters.SynCookiesSent), Is.EqualTo((2L, 1L)), "established, the first left the backlog");

        s.Send(s.Segment(TcpFlags.Rst) with { SourcePort = 40_002, SequenceNumber = s.PeerIss + 1, Timestamps = null });
        Assert.That(s.Tcp.Count, Is.EqualTo(1));
        TcpScript.Single(s.Send(Syn(40_003)), TcpFlags.Syn | TcpFlags.Ack);
        Assert.That((s.Counters.PassiveOpens, s.Counters.SynCookiesSent), Is.EqualTo((3L, 1L)), "reset, the second left it too");
    }
}
