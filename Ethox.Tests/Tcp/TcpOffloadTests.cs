using System;
using Ethox.Layer;
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
}
