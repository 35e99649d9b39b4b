using System;
using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Tests.Layer;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>What the receiving side answers: PAWS (RFC 7323 §5), ACK timing (RFC 1122 §4.2.3.2, RFC 5681 §4.2), SACK and D-SACK (RFC 2018, RFC 2883).</summary>
public class TcpReceiveRulesTests
{
    private static TcpScript Established()
    {
        var s = new TcpScript();
        s.Accept();
        return s;
    }

    // In-order data is verified (RFC 9293 §3.1, RFC 1071 §4) either left in its frame (the ring was empty: the user reads it
    // there) or while it is copied into the receive ring (the ring holds data): either way a corrupt segment must be dropped
    // and counted, and the bytes a copy left beyond RCV.NXT never read.
    [TestCase(false, TestName = "Corrupt_in_order_data_is_dropped_by_its_checksum_and_what_it_copied_is_never_read(ring empty)")]
    [TestCase(true, TestName = "Corrupt_in_order_data_is_dropped_by_its_checksum_and_what_it_copied_is_never_read(ring holding data)")]
    public void Corrupt_in_order_data_is_dropped_by_its_checksum_and_what_it_copied_is_never_read(bool ringHoldsData)
    {
        var s = Established();
        s.App.CheckPattern = true;
        long start = 0;
        if (ringHoldsData)
        {
            s.App.ReadPaused = true;
            s.SendData(Enumerable.Range(0, 100).Select(i => TcpApp.PatternAt(i)).ToArray());
            start = 100;
        }
        var data = Enumerable.Range(0, 1000).Select(i => TcpApp.PatternAt(start + i)).ToArray();
        var repr = s.Segment(TcpFlags.Ack | TcpFlags.Psh) with { PayloadLength = data.Length };
        var tcp = new byte[repr.HeaderLength + data.Length];
        data.CopyTo(tcp.AsSpan(repr.HeaderLength));
        repr.TryEmit(tcp, RawPeer.V4, TwoHosts.V4A);
        tcp[repr.HeaderLength + 500] ^= 0x40;
        var seen = s.Inject(RawPeer.Ipv4(RawPeer.V4, TwoHosts.V4A, IpProtocol.Tcp, tcp, TwoHosts.MacA));
        Assert.That(seen, Is.Empty, "a segment that fails its checksum is not answered");
        Assert.That(s.Counters.Errors.BadChecksum, Is.EqualTo(1));
        Assert.That(s.App[s.Key].Read, Is.Zero);
        Assert.That(s.Tcp.GetInfo(s.Key, out var info) == TcpStatus.Ok && info.Readable == start, Is.True, "nothing of it became readable");

        // The intact segment (the peer's retransmission) takes the same place and is read as sent.
        s.App.ReadPaused = false;
        s.SendData(data);
        Assert.That(s.App[s.Key].Read, Is.EqualTo(start + 1000));
        Assert.That(s.App[s.Key].PatternError, Is.False);
    }

    [Test]
    public void Paws_drops_old_timestamp()
    {
        var s = Established();
        s.Tick(10);
        s.SendData(new byte[100]);
        Assert.That(s.App[s.Key].Read, Is.EqualTo(100));
        // RFC 7323 §5.3 R1: TSval older than TS.Recent: an old duplicate; dropped and acknowledged.
        var old = s.Segment(TcpFlags.Ack | TcpFlags.Psh) with { Timestamps = new TcpTimestamps(s.PeerClock - 5, s.EchoOfHost) };
        var seen = s.Send(old, new byte[100]);
        Assert.That(TcpScript.Single(seen, TcpFlags.Ack).Ack, Is.EqualTo(s.PeerNext), "the data was not taken");
        Assert.That(s.App[s.Key].Read, Is.EqualTo(100));
        Assert.That(s.Counters.PawsDrops, Is.EqualTo(1));
    }

    [Test]
    public void Paws_stops_trusting_a_ts_recent_idle_for_more_than_24_days_rfc7323_section_5_5()
    {
        var s = Established();
        s.Tick(10);
        s.SendData(new byte[100]);
        var old = s.Segment(TcpFlags.Ack | TcpFlags.Psh) with { Timestamps = new TcpTimestamps(s.PeerClock - 5, s.EchoOfHost) };
        s.Now += Duration.FromSeconds(24 * 24 * 3600 - 3600);
        s.Send(old, new byte[100]);
        Assert.That(s.Counters.PawsDrops, Is.EqualTo(1), "idle 23 days and 23 hours: TS.Recent still holds");
        s.Now += Duration.FromSeconds(3 * 3600);
        var older = s.Segment(TcpFlags.Ack | TcpFlags.Psh) with { Timestamps = new TcpTimestamps(s.PeerClock - 7, s.EchoOfHost) };
        s.Send(older, new byte[100]);
        Assert.That(s.App[s.Key].Read, Is.EqualTo(200), "past 24 days an old-looking TSval is taken: the peer's clock may have wrapped its sign bit");
        Assert.That(s.Counters.PawsDrops, Is.EqualTo(1));
    }

    [Test]
    public void Paws_does_not_apply_to_rst()
    {
        var s = Established();
        s.Tick(10);
        s.SendData(new byte[10]);
        s.Send(s.Segment(TcpFlags.Rst) with { Timestamps = new TcpTimestamps(s.PeerClock - 5, 0) });
        Assert.That(s.State, Is.EqualTo(TcpState.Closed), "RFC 7323 §5.3: a RST is not checked against TS.Recent");
    }

    [Test]
    public void Timestamp_echoes_the_segment_that_covered_the_last_ack_sent()
    {
        var s = Established();
        s.Tick(10);
        uint first = s.PeerClock;
        s.SendData(new byte[100]);
        var acks = s.Advance(Duration.FromMilliseconds(250));
        Assert.That(acks.Last().Header.Timestamps!.Value.EchoReply, Is.EqualTo(first));
        // A later segment beyond a hole does not update TS.Recent (RFC 7323 §4.3 (2)): the ACK still echoes the older value.
        s.Tick(10);
        var ahead = s.Segment(TcpFlags.Ack | TcpFlags.Psh) with { SequenceNumber = s.PeerNext + 500 };
        var dup = TcpScript.Single(s.Send(ahead, new byte[100]), TcpFlags.Ack);
        Assert.That(dup.Header.Timestamps!.Value.EchoReply, Is.EqualTo(first));
    }

    [Test]
    public void Every_second_full_sized_segment_is_acknowledged_at_once()
    {
        var s = Established();
        var full = new byte[1460 - 12]; // MSS less the timestamps option
        Assert.That(s.SendData(full), Is.Empty, "the first one waits for the delayed-ACK timer");
        var ack = TcpScript.Single(s.SendData(full), TcpFlags.Ack);
        Assert.That(ack.Ack, Is.EqualTo(s.PeerNext), "RFC 5681 §4.2: at least every second full-sized segment");
    }

    // RFC 5681 §4.2 (SHOULD every second full-sized segment), relaxed on request as Linux's GRO relaxes it: a batch of ten
    // segments that arrive together gets one ACK, on the transmit turn after the batch, covering all of them; without the
    // option the same batch gets five.
    [TestCase(true, 1)]
    [TestCase(false, 5)]
    public void Coalesced_acks_answer_a_batch_of_full_segments_with_one_ack(bool coalesce, int acks)
    {
        var s = new TcpScript();
        s.App.Options = new TcpConnectionOptions { CoalesceAcks = coalesce };
        s.Accept();
        var seen = s.SendDataBatch(10, 1460 - 12);
        Assert.That(seen.Count, Is.EqualTo(acks), string.Join("; ", seen));
        Assert.That(seen.All(a => a.Has(TcpFlags.Ack) && a.Payload.Length == 0), Is.True);
        Assert.That(seen.Last().Ack, Is.EqualTo(s.PeerNext), "the last ACK covers the whole batch");
        Assert.That(s.App[s.Key].Read, Is.EqualTo(10 * (1460 - 12)));
    }

    // What may not wait for the batch's end with coalesced ACKs either: a duplicate ACK with SACK for out-of-order data
    // (RFC 5681 §4.2, RFC 2018), and the ACK that fills the hole.
    [Test]
    public void Coalesced_acks_still_answer_out_of_order_data_at_once()
    {
        var s = new TcpScript();
        s.App.Options = new TcpConnectionOptions { CoalesceAcks = true };
        s.Accept();
        var ack = TcpScript.Single(s.Send(s.Segment(TcpFlags.Ack) with { SequenceNumber = s.PeerNext + 1000 }, new byte[500]), TcpFlags.Ack);
        Assert.That(ack.Ack, Is.EqualTo(s.PeerNext));
        Assert.That(ack.Header.SackBlocks.Count, Is.EqualTo(1));
        var fill = TcpScript.Single(s.SendData(new byte[1000]), TcpFlags.Ack);
        Assert.That(fill.Ack, Is.EqualTo(s.PeerNext + 500));
    }

    [Test]
    public void Delayed_ack_goes_out_when_its_timer_runs_out()
    {
        var s = Established();
        Assert.That(s.SendData(new byte[10]), Is.Empty);
        var early = s.Advance(s.Tcp.Settings.DelayedAck - Duration.FromMilliseconds(1));
        Assert.That(early, Is.Empty);
        var ack = TcpScript.Single(s.Advance(Duration.FromMilliseconds(2)), TcpFlags.Ack);
        Assert.That(ack.Ack, Is.EqualTo(s.PeerNext));
        Assert.That(s.Tcp.Settings.DelayedAck <= TcpTimerSettings.MaxDelayedAck, Is.True, "RFC 1122 §4.2.3.2: at most 0.5 s (we cap at 200 ms)");
    }

    [Test]
    public void Out_of_order_data_gets_an_immediate_ack_with_a_sack_block()
    {
        var s = Established();
        var seen = s.Send(s.Segment(TcpFlags.Ack) with { SequenceNumber = s.PeerNext + 1000 }, new byte[500]);
        var ack = TcpScript.Single(seen, TcpFlags.Ack);
        Assert.That(ack.Ack, Is.EqualTo(s.PeerNext), "RFC 5681 §4.2: a duplicate ACK at once");
        Assert.That(ack.Header.SackBlocks.Count, Is.EqualTo(1));
        Assert.That(ack.Header.SackBlocks[0], Is.EqualTo(new TcpSackBlock(s.PeerNext + 1000, s.PeerNext + 1500)));
        // The hole fills: the ACK covers everything, at once (it fills a gap).
        var fill = TcpScript.Single(s.SendData(new byte[1000]), TcpFlags.Ack);
        Assert.That(fill.Ack, Is.EqualTo(s.PeerNext + 500));
        Assert.That(fill.Header.SackBlocks.Count, Is.Zero);
        Assert.That(s.App[s.Key].Read, Is.EqualTo(1500));
    }

    [Test]
    public void Sack_blocks_report_the_most_recent_range_first()
    {
        var s = Established();
        s.Send(s.Segment() with { SequenceNumber = s.PeerNext + 1000 }, new byte[100]);
        s.Send(s.Segment() with { SequenceNumber = s.PeerNext + 3000 }, new byte[100]);
        var ack = TcpScript.Single(s.Send(s.Segment() with { SequenceNumber = s.PeerNext + 2000 }, new byte[100]), TcpFlags.Ack);
        var blocks = ack.Header.SackBlocks;
        Assert.That(blocks.Count, Is.EqualTo(3));
        Assert.That(blocks[0].Left, Is.EqualTo(s.PeerNext + 2000), "RFC 2018 §4: the block of the segment that triggered the ACK first");
    }

    [Test]
    public void Duplicate_data_is_reported_as_a_dsack_block()
    {
        var s = Established();
        s.SendData(new byte[300]);
        s.Advance(Duration.FromMilliseconds(250));
        var ack = TcpScript.Single(s.Send(s.Segment() with { SequenceNumber = s.PeerNext - 300 }, new byte[300]), TcpFlags.Ack);
        Assert.That(ack.Header.SackBlocks.Count, Is.EqualTo(1));
        var dsack = ack.Header.SackBlocks[0];
        Assert.That(dsack.Left, Is.EqualTo(s.PeerNext - 300), "RFC 2883 §4: the duplicate, below the cumulative ACK");
        Assert.That(dsack.Right, Is.EqualTo(s.PeerNext));
    }

    [Test]
    public void Window_never_shrinks_and_opens_by_at_least_a_segment()
    {
        var s = new TcpScript(bufferSize: 8192);
        s.App.ReadPaused = true;
        s.Accept();
        for (int i = 0; i < 8; i++) s.SendData(new byte[1000]);
        var acks = s.Advance(Duration.FromMilliseconds(250));
        var last = acks.Last();
        Assert.That(last.Header.WindowSize, Is.LessThanOrEqualTo(192));
        var rightEdge = last.Ack + last.Header.WindowSize;
        // The user reads 100 bytes: too little to advertise (RFC 9293 §3.8.6.2.2 receiver SWS avoidance).
        Assert.That(s.Tcp.Read(s.Key, new byte[100], out int read), Is.EqualTo(TcpStatus.Ok));
        Assert.That(read, Is.EqualTo(100));
        Assert.That(s.Poll(), Is.Empty, "no window update for 100 bytes");
        Assert.That(s.Tcp.Read(s.Key, new byte[4000], out read), Is.EqualTo(TcpStatus.Ok));
        var update = TcpScript.Single(s.Poll(), TcpFlags.Ack);
        Assert.That(update.Ack + update.Header.WindowSize - rightEdge, Is.GreaterThanOrEqualTo(1460 - 12), "the update is worth a segment");
    }
}
