using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>RFC 5961 and RFC 9293 §3.10.7.4: which RST, SYN and ACK segments a synchronized connection believes.</summary>
public class TcpResetRulesTests
{
    private static TcpScript Established()
    {
        var s = new TcpScript();
        s.Accept();
        Assert.That(s.State, Is.EqualTo(TcpState.Established));
        return s;
    }

    [Test]
    public void Rst_at_the_next_expected_sequence_resets_the_connection()
    {
        var s = Established();
        var seen = s.Send(s.Segment(TcpFlags.Rst));
        Assert.That(seen, Is.Empty, "a RST is never answered");
        Assert.That(s.App.Resets, Is.EqualTo(1));
        Assert.That(s.State, Is.EqualTo(TcpState.Closed));
    }

    [Test]
    public void Rst_in_window_gets_challenge_ack()
    {
        var s = Established();
        var seen = s.Send(s.Segment(TcpFlags.Rst) with { SequenceNumber = s.PeerNext + 1000 });
        var challenge = TcpScript.Single(seen, TcpFlags.Ack);
        // RFC 5961 §3.2: the challenge ACK carries RCV.NXT, so only a peer that sees it can answer with an exact RST.
        Assert.That(challenge.Ack, Is.EqualTo(s.PeerNext));
        Assert.That(challenge.Seq, Is.EqualTo(s.HostNext));
        Assert.That(s.State, Is.EqualTo(TcpState.Established));
        Assert.That(s.Counters.ChallengeAcks, Is.EqualTo(1));
        // The real peer answers the challenge with a RST at the exact number.
        s.Send(s.Segment(TcpFlags.Rst) with { SequenceNumber = challenge.Ack });
        Assert.That(s.State, Is.EqualTo(TcpState.Closed));
    }

    [Test]
    public void Rst_outside_the_window_is_dropped_silently()
    {
        var s = Established();
        Assert.That(s.Send(s.Segment(TcpFlags.Rst) with { SequenceNumber = s.PeerNext - 1 }), Is.Empty);
        Assert.That(s.Send(s.Segment(TcpFlags.Rst) with { SequenceNumber = s.PeerNext + (1 << 30) }), Is.Empty);
        Assert.That(s.State, Is.EqualTo(TcpState.Established));
        Assert.That(s.Counters.ChallengeAcks, Is.Zero);
    }

    [Test]
    public void Syn_in_a_synchronized_state_gets_challenge_ack_whatever_its_number()
    {
        var s = Established();
        foreach (int offset in new[] { 0, 500, -500, 1 << 30 })
        {
            var seen = s.Send(s.Segment(TcpFlags.Syn) with { SequenceNumber = s.PeerNext + offset, AcknowledgmentNumber = default });
            var challenge = TcpScript.Single(seen, TcpFlags.Ack);
            Assert.That(challenge.Has(TcpFlags.Syn) || challenge.Has(TcpFlags.Rst), Is.False);
            Assert.That(challenge.Ack, Is.EqualTo(s.PeerNext), $"offset {offset}");
        }
        Assert.That(s.State, Is.EqualTo(TcpState.Established), "RFC 5961 §4.2: a SYN no longer resets");
    }

    [Test]
    public void Challenge_acks_are_rate_limited()
    {
        var s = Established();
        s.Tcp.SetChallengeAckLimit(burst: 5, Duration.FromSeconds(1));
        int answered = 0;
        for (int i = 0; i < 50; i++)
            answered += s.Send(s.Segment(TcpFlags.Rst) with { SequenceNumber = s.PeerNext + 100 + i }).Count;
        Assert.That(answered, Is.EqualTo(5), "RFC 5961 §7: at most the burst within the interval");
        Assert.That(s.Counters.ChallengeAcksLimited, Is.EqualTo(45));
        s.Advance(Duration.FromSeconds(1));
        Assert.That(s.Send(s.Segment(TcpFlags.Rst) with { SequenceNumber = s.PeerNext + 7 }), Has.Count.EqualTo(1), "the bucket refills");
    }

    [Test]
    public void Ack_of_data_never_sent_is_answered_and_the_segment_dropped()
    {
        var s = Established();
        // RFC 9293 §3.10.7.4 fifth / RFC 5961 §5.2: SEG.ACK > SND.NXT: send an ACK, drop the segment (and its data).
        var seen = s.Send(s.Segment(TcpFlags.Ack | TcpFlags.Psh) with { AcknowledgmentNumber = s.HostNext + 5000 }, new byte[100]);
        var ack = TcpScript.Single(seen, TcpFlags.Ack);
        Assert.That(ack.Ack, Is.EqualTo(s.PeerNext), "the 100 bytes were not taken");
        Assert.That(s.Tcp.GetInfo(s.Key, out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.Readable, Is.Zero);
    }

    [Test]
    public void Ack_too_far_in_the_past_is_answered_and_the_segment_dropped()
    {
        var s = Established();
        // RFC 5961 §5.2: SEG.ACK < SND.UNA − MAX.SND.WND is a blind injection attempt.
        var seen = s.Send(s.Segment(TcpFlags.Ack | TcpFlags.Psh) with { AcknowledgmentNumber = s.HostNext - (1 << 30) }, new byte[100]);
        Assert.That(TcpScript.Single(seen, TcpFlags.Ack).Ack, Is.EqualTo(s.PeerNext));
    }

    [Test]
    public void Segment_before_the_window_is_answered_with_the_expected_number()
    {
        var s = Established();
        s.SendData(new byte[100]);
        s.Advance(Duration.FromMilliseconds(300));
        // An old duplicate: acknowledged again (RFC 9293 §3.10.7.4 first), reported as a D-SACK (RFC 2883 §4).
        var seen = s.Send(s.Segment(TcpFlags.Ack | TcpFlags.Psh) with { SequenceNumber = s.PeerNext - 100 }, new byte[100]);
        var ack = TcpScript.Single(seen, TcpFlags.Ack);
        Assert.That(ack.Ack, Is.EqualTo(s.PeerNext));
        Assert.That(ack.Header.SackBlocks.Count, Is.EqualTo(1));
        Assert.That(ack.Header.SackBlocks[0], Is.EqualTo(new TcpSackBlock(s.PeerNext - 100, s.PeerNext)));
        Assert.That(s.Counters.OutOfWindow, Is.EqualTo(1));
    }

    [Test]
    public void Pure_ack_at_the_right_window_edge_is_taken()
    {
        // The peer numbers a pure ACK at RCV.NXT + RCV.WND (as Linux's tcp_acceptable_seq does once its data fills our
        // window). RFC 9293 asks for special allowance for ACKs, and BSD and Linux read such an ACK: so do we.
        var s = new TcpScript(bufferSize: 4096);
        s.App.ReadPaused = true;
        s.Accept();
        s.SendData(new byte[1000]);
        Assert.That(s.Tcp.Write(s.Key, new byte[10], out int written), Is.EqualTo(TcpStatus.Ok));
        Assert.That(written, Is.EqualTo(10));
        var data = s.Poll().Concat(s.Advance(Duration.FromMilliseconds(50))).First(x => x.Payload.Length > 0);
        Assert.That(data.Ack, Is.EqualTo(s.PeerNext));
        s.Took(data);
        var rightEdge = data.Ack + data.Header.WindowSize;
        Assert.That(rightEdge > s.PeerNext, Is.True, "the window is open");
        s.Send(s.Segment() with { SequenceNumber = rightEdge });
        Assert.That(s.Tcp.GetInfo(s.Key, out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.Queued, Is.Zero, "the ACK at the edge acknowledged the host's 10 bytes");
        Assert.That(s.Counters.OutOfWindow, Is.Zero);
    }
}
