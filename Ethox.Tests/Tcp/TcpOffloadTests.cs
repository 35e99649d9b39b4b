using System;
using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Nic;
using Ethox.Tests.Layer;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>
/// TCP over a device with offloads: a super-segment (the kernel's GSO/GRO, up to 64 KiB) is one segment of many MSS,
/// taken whole (RFC 9293 §3.10.7.4 puts no bound on a segment's length but the window); a checksum the kernel left partial
/// is trusted only with the device's word; what the host sends leaves its checksum to a device that takes it.
/// </summary>
public class TcpOffloadTests
{
    private const DeviceOffloads Offloads = DeviceOffloads.TransmitChecksumPartial | DeviceOffloads.TransmitSegmentation;

    private static TcpScript Established(DeviceOffloads offloads)
    {
        var s = new TcpScript(offloads: offloads);
        s.Accept();
        s.Tick(10);
        return s;
    }

    // The peer's data as the kernel hands over a super-segment: one TCP header, the pseudo-header sum of the whole in the
    // checksum field, and a device word saying "partial checksum at the TCP header, cut into segments of 1448 bytes".
    private static (byte[] Frame, PacketOffload Offload) SuperSegment(TcpScript s, byte[] data)
    {
        var repr = s.Segment(TcpFlags.Ack | TcpFlags.Psh) with { PayloadLength = data.Length };
        var tcp = new byte[repr.HeaderLength + data.Length];
        data.CopyTo(tcp.AsSpan(repr.HeaderLength));
        repr.TryEmit(tcp, RawPeer.V4, TwoHosts.V4A, partialChecksum: true);
        var frame = RawPeer.Ipv4(RawPeer.V4, TwoHosts.V4A, IpProtocol.Tcp, tcp, TwoHosts.MacA);
        var offload = PacketOffload.PartialChecksum(34, 16) with
        {
            Segmentation = SegmentationKind.TcpV4,
            SegmentSize = 1448,
            HeaderLength = (ushort)(34 + repr.HeaderLength),
        };
        return (frame, offload);
    }

    private static byte[] Data(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }

    [Test]
    public void A_super_segment_of_many_mss_is_taken_whole_and_acknowledged_at_once()
    {
        var s = Established(Offloads);
        var (frame, offload) = SuperSegment(s, Data(20_000));
        var seen = s.Inject(frame, offload);
        s.PeerNext += 20_000;
        Assert.That(s.App[s.Key].Read, Is.EqualTo(20_000));
        // RFC 1122 §4.2.3.2 / RFC 5681 §4.2: at least every second full-sized segment is acknowledged: this one counts for 13.
        Assert.That(TcpScript.Single(seen, TcpFlags.Ack).Ack, Is.EqualTo(s.PeerNext));
        Assert.That(s.Counters.Errors.Total, Is.Zero);
        Assert.That(s.SentOffloads[0].Checksum, Is.EqualTo(ChecksumStatus.Partial), "the ACK leaves its checksum to the device");
        Assert.That(s.SentOffloads[0].ChecksumStart, Is.EqualTo(34));
        Assert.That(s.SentOffloads[0].ChecksumOffset, Is.EqualTo(16));
    }

    [Test]
    public void Super_segments_in_a_row_fill_the_window_and_every_byte_arrives_in_order()
    {
        var s = Established(Offloads);
        for (int i = 0; i < 4; i++)
        {
            var (frame, offload) = SuperSegment(s, Data(14_480));
            var seen = s.Inject(frame, offload);
            s.PeerNext += 14_480;
            Assert.That(TcpScript.Single(seen, TcpFlags.Ack).Ack, Is.EqualTo(s.PeerNext));
        }
        Assert.That(s.App[s.Key].Read, Is.EqualTo(4 * 14_480));
    }

    [Test]
    public void A_partial_checksum_without_the_devices_word_is_a_bad_checksum()
    {
        var s = Established(Offloads);
        var (frame, _) = SuperSegment(s, Data(3000));
        var seen = s.Inject(frame);
        Assert.That(seen, Is.Empty);
        Assert.That(s.App[s.Key].Read, Is.Zero);
        Assert.That(s.Counters.Errors.BadChecksum, Is.EqualTo(1));
    }

    [Test]
    public void A_corrupted_segment_with_a_full_checksum_is_still_rejected_over_a_device_with_offloads()
    {
        var s = Established(Offloads);
        var repr = s.Segment(TcpFlags.Ack | TcpFlags.Psh) with { PayloadLength = 100 };
        var tcp = new byte[repr.HeaderLength + 100];
        repr.TryEmit(tcp, RawPeer.V4, TwoHosts.V4A);
        tcp[^1] ^= 1;
        var seen = s.Inject(RawPeer.Ipv4(RawPeer.V4, TwoHosts.V4A, IpProtocol.Tcp, tcp, TwoHosts.MacA));
        Assert.That(seen, Is.Empty);
        Assert.That(s.Counters.Errors.BadChecksum, Is.EqualTo(1));
    }

    [Test]
    public void Without_a_transmit_offload_the_host_finishes_every_checksum_itself()
    {
        var s = Established(DeviceOffloads.None);
        int acks = 0;
        for (int i = 0; i < 4; i++)
        {
            // Two MSS' worth unacknowledged brings an ACK at once (RFC 1122 §4.2.3.2).
            if (s.SendData(Data(1000)).Count == 0) continue;
            acks++;
            Assert.That(s.SentOffloads, Is.All.EqualTo(default(PacketOffload)));
        }
        Assert.That(acks, Is.GreaterThanOrEqualTo(1));
    }

    // RFC 6928's initial window of ten segments leaves as one super-segment of ten whole MSS (1448 data bytes each with
    // the timestamps option), its checksum the pseudo-header sum of all of it; the rest waits for the window.
    [Test]
    public void New_data_leaves_as_one_super_segment_of_whole_mss_within_the_initial_window()
    {
        var s = new TcpScript(offloads: Offloads);
        s.Connect();
        Assert.That(s.Tcp.Write(s.Key, Data(20_000), out int written), Is.EqualTo(TcpStatus.Ok));
        Assert.That(written, Is.EqualTo(20_000));
        var seen = s.Poll();
        var burst = TcpScript.Single(seen, TcpFlags.Ack);
        Assert.That(burst.Payload, Has.Length.EqualTo(10 * 1448));
        Assert.That(s.SentOffloads[0], Is.EqualTo(PacketOffload.PartialChecksum(34, 16) with
        {
            Segmentation = SegmentationKind.TcpV4, SegmentSize = 1448, HeaderLength = 14 + 20 + 32,
        }));
        s.Took(burst);
        // The ACK opens the window: one segment rides in the ACK's own buffer (an answer in place, MTU-sized), the two
        // whole segments left go as one super-segment; the 1176-byte tail waits for their ACK (RFC 9293 §3.7.4, Nagle: a
        // short segment waits while data is unacknowledged), as it would without TSO.
        var more = s.Send(s.Segment());
        Assert.That(more.Select(x => x.Payload.Length), Is.EqualTo(new[] { 1448, 2 * 1448 }));
        Assert.That(s.SentOffloads.Select(o => o.Segmentation), Is.EqualTo(new[] { SegmentationKind.None, SegmentationKind.TcpV4 }));
        s.Took(more[^1]);
        var tail = TcpScript.Single(s.Send(s.Segment()), TcpFlags.Ack);
        Assert.That(tail.Payload, Has.Length.EqualTo(20_000 - 13 * 1448));
        Assert.That(s.SentOffloads[0].Segmentation, Is.EqualTo(SegmentationKind.None), "a single segment needs no cutting");
        Assert.That(s.SentOffloads[0].Checksum, Is.EqualTo(ChecksumStatus.Partial));
    }

    // Without Nagle (RFC 9293 §3.7.4 lets an application turn it off) a short tail at the end of the data would leave at
    // once after the whole segments: it rides in the super-segment instead, as the device's last, shorter segment (the
    // kernel's GSO cuts it so). A tail the window cuts off still waits, as with Nagle.
    [Test]
    public void Without_nagle_the_short_tail_at_the_end_of_the_data_rides_in_the_super_segment()
    {
        var s = new TcpScript(offloads: Offloads);
        s.Connect(new TcpConnectionOptions { Nagle = false });
        Assert.That(s.Tcp.Write(s.Key, Data(20_000), out int written), Is.EqualTo(TcpStatus.Ok));
        Assert.That(written, Is.EqualTo(20_000));
        var burst = TcpScript.Single(s.Poll(), TcpFlags.Ack);
        Assert.That(burst.Payload, Has.Length.EqualTo(10 * 1448), "the initial window ends on a whole segment");
        s.Took(burst);
        // The ACK opens the window for the rest: one segment in the ACK's own buffer (an answer in place, MTU-sized), then
        // two whole MSS and the 1176-byte tail in one super-segment.
        var more = s.Send(s.Segment());
        Assert.That(more.Select(x => x.Payload.Length), Is.EqualTo(new[] { 1448, 2 * 1448 + 1176 }));
        Assert.That(s.SentOffloads[^1] is { Segmentation: SegmentationKind.TcpV4, SegmentSize: 1448 }, Is.True);
    }

    // TSO between two stacks over a pipe that segments and checksums (as two virtual machines' interfaces on one host): the
    // sender hands the device super-segments of whole MSS within its windows, the receiver takes them whole (GSO), and the
    // echoed pattern comes back intact without a retransmission. Fewer frames than segments cross the pipe.
    [TestCase(false)]
    [TestCase(true)]
    public void Bulk_data_leaves_in_super_segments_of_whole_mss_and_is_echoed_intact(bool v6)
    {
        const int Bytes = 4 << 20;
        var p = new SegmentingPair();
        var key = p.A.App.Connect(new TransportAddress(v6 ? TcpPair.V6B : TcpPair.V4B, 7), Bytes, p.Now);
        p.RunUntil(() => p.A.App.Closed > 0);
        ref var c = ref p.A.App[key];
        Assert.That(c.Read, Is.EqualTo(Bytes), $"A: {p.LinkA.Counters}\nB: {p.LinkB.Counters}");
        Assert.That(c.PatternError, Is.False);
        Assert.That(p.A.Tcp.Counters.Retransmits + p.B.Tcp.Counters.Retransmits, Is.Zero);
        Assert.That(p.A.Tcp.Counters.Errors.Total + p.B.Tcp.Counters.Errors.Total, Is.Zero);
        TestContext.Out.WriteLine($"A: {p.LinkA.Counters}\nB: {p.LinkB.Counters}");
        Assert.That(p.LinkA.Counters.TxSegmented, Is.GreaterThan(0));
        Assert.That(p.LinkB.Counters.TxSegmented, Is.GreaterThan(0), "the echo server sends super-segments too");
        int mss = v6 ? 1440 - 12 : 1460 - 12;
        Assert.That(p.LinkA.Counters.TxFrames, Is.LessThan(Bytes / mss), "fewer frames, ACKs included, than the data alone needs segments");
    }

    // Design principle 1 on the offload path: partial checksums both ways, super-segments out and in, nothing allocated.
    [Test]
    public void A_transfer_in_super_segments_allocates_nothing_after_warm_up()
    {
        var p = new SegmentingPair();
        p.A.App.Hash = p.B.App.Hash = false;
        var key = p.A.App.Connect(new TransportAddress(TcpPair.V4B, 7), 1L << 40, p.Now);
        long target = 0;
        Func<bool> reached = () => p.A.App[key].Read >= target;
        void Step()
        {
            target = p.A.App[key].Read + (1 << 20);
            p.RunUntil(reached);
        }
        for (int i = 0; i < 3; i++) Step();
        long readBefore = p.A.App[key].Read, segmentedBefore = p.LinkA.Counters.TxSegmented;
        long allocated = Tools.Allocations.Least(() => { for (int i = 0; i < 4; i++) Step(); });
        Assert.That(allocated, Is.Zero);
        Assert.That(p.A.App[key].Read - readBefore, Is.GreaterThanOrEqualTo(4 << 20), "at least 4 MiB echoed per measured run");
        Assert.That(p.A.App[key].PatternError, Is.False);
        Assert.That(p.LinkA.Counters.TxSegmented, Is.GreaterThan(segmentedBefore), "super-segments went out while measured");
    }

    /// <summary>Two TCP hosts over a pipe that takes partial checksums and segments (TSO), B an echo server on port 7, in simulated time.</summary>
    private sealed class SegmentingPair
    {
        public PipeEnd LinkA, LinkB;
        public readonly TcpHost A, B;
        public Instant Now = Instant.FromMilliseconds(1000);

        public SegmentingPair()
        {
            (LinkA, LinkB) = Pipe.CreatePair(512, 1500, Medium.Ethernet, DeviceOffloads.Transmit);
            A = new TcpHost(TwoHosts.MacA, Now, key: 11);
            B = new TcpHost(TwoHosts.MacB, Now, key: 22);
            foreach (var (host, v4, v6) in new[] { (A, TcpPair.V4A, TcpPair.V6A), (B, TcpPair.V4B, TcpPair.V6B) })
            {
                host.Ip.DadTransmits = 0;
                host.Ip.AddAddress(v4, 24, Now);
                host.Ip.AddAddress(v6, 64, Now);
            }
            B.App.Echo = true;
            B.Tcp.Listen(7);
        }

        /// <summary>Polls both hosts, 100 µs a round while frames move, to the next deadline when idle, until <paramref name="done"/> (at most 200 000 rounds).</summary>
        public void RunUntil(Func<bool> done)
        {
            for (int round = 0; round < 200_000 && !done(); round++)
            {
                int moved = A.Poll(ref LinkA, Now) + B.Poll(ref LinkB, Now);
                A.App.PumpAll();
                B.App.PumpAll();
                var next = Instant.Min(A.NextDeadline(), B.NextDeadline());
                Now = moved > 0 || next <= Now ? Now + Duration.FromMicroseconds(100) : next;
            }
        }
    }
}
