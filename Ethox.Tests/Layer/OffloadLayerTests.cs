using System;
using System.Buffers.Binary;
using Ethox.Layer;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

/// <summary>
/// Design principle 8: the layers trust what the device vouches for (a checksum it verified, or one the local kernel left
/// partial: virtio-net DATA_VALID and NEEDS_CSUM) and check everything else in software; what they send in place is
/// complete unless the device takes a partial checksum, and then it is left for the device to finish.
/// </summary>
public class OffloadLayerTests
{
    private const ushort EchoPort = 7, PeerPort = 40000;
    private static readonly byte[] Data = "offloaded by the kernel"u8.ToArray();
    // Ethernet (14) + IPv4 (20): where the UDP header starts; the checksum is 6 bytes into it.
    private static readonly PacketOffload UdpPartial = PacketOffload.PartialChecksum(34, 6);

    // A UDP datagram as the local kernel hands it over with checksum offload on: the field holds only the pseudo-header sum.
    private static byte[] PartialUdpFrame()
    {
        var udp = new byte[8 + Data.Length];
        Data.CopyTo(udp.AsSpan(8));
        new UdpRepr(PeerPort, EchoPort, Data.Length).TryEmit(udp, RawPeer.V4, TwoHosts.V4A, partialChecksum: true);
        return RawPeer.Ipv4(RawPeer.V4, TwoHosts.V4A, Ethox.Wire.IpProtocol.Udp, udp);
    }

    private static HostAndPeer EchoHost(DeviceOffloads offloads)
    {
        var h = new HostAndPeer(ipv6: false, offloads: offloads);
        h.Host.Udp.Bind(EchoPort);
        h.Host.App.Echo = true;
        return h;
    }

    private static bool UdpChecksumVerifies(byte[] frame)
        => Ipv4Packet.TryParse(frame.AsSpan(14), out var ip, out _) && UdpDatagram.TryParse(ip.Payload, out var udp, out _)
           && udp.VerifyChecksum(ip.Source, ip.Destination);

    [Test]
    public void A_udp_datagram_whose_checksum_the_kernel_left_partial_is_delivered_and_answered_with_a_partial_checksum()
    {
        var h = EchoHost(DeviceOffloads.TransmitChecksumPartial);
        var sent = h.Exchange(PartialUdpFrame(), UdpPartial);
        Assert.That(h.Host.App.Received, Is.EqualTo(1));
        Assert.That(h.Host.App.LastPayload, Is.EqualTo(Data));
        Assert.That(h.Host.Udp.Counters.Errors.Total, Is.Zero);
        Assert.That(sent, Has.Count.EqualTo(1));
        Assert.That(h.Peer.Offloads[0], Is.EqualTo(UdpPartial), "the echo leaves its checksum to the device");
        Assert.That(UdpChecksumVerifies(sent[0]), Is.False, "not finished yet");
        h.Peer.FinishChecksums();
        Assert.That(UdpChecksumVerifies(sent[0]), Is.True, "the device's finish makes it right");
    }

    [Test]
    public void The_same_frame_without_the_devices_word_fails_its_checksum_and_is_counted()
    {
        var h = EchoHost(DeviceOffloads.TransmitChecksumPartial);
        var sent = h.Exchange(PartialUdpFrame());
        Assert.That(h.Host.App.Received, Is.Zero);
        Assert.That(h.Host.Udp.Counters.Errors.BadChecksum, Is.EqualTo(1));
        Assert.That(sent, Is.Empty);
    }

    // A partial checksum vouches only for the header it points at: pointing at the IPv4 header it says nothing of UDP's.
    [Test]
    public void A_partial_mark_that_points_at_another_header_vouches_for_nothing()
    {
        var h = EchoHost(DeviceOffloads.TransmitChecksumPartial);
        h.Exchange(PartialUdpFrame(), PacketOffload.PartialChecksum(14, 10));
        Assert.That(h.Host.App.Received, Is.Zero);
        Assert.That(h.Host.Udp.Counters.Errors.BadChecksum, Is.EqualTo(1));
    }

    [Test]
    public void A_corrupted_datagram_with_a_full_checksum_is_still_rejected_when_the_device_says_nothing()
    {
        var h = EchoHost(DeviceOffloads.TransmitChecksumPartial);
        var frame = RawPeer.Udp4(RawPeer.V4, TwoHosts.V4A, PeerPort, EchoPort, Data);
        frame[^1] ^= 0x40;
        h.Exchange(frame);
        Assert.That(h.Host.App.Received, Is.Zero);
        Assert.That(h.Host.Udp.Counters.Errors.BadChecksum, Is.EqualTo(1));
    }

    // The device lends the frame directly (a pipe never says "verified"): DATA_VALID is trusted, and without a transmit
    // offload the echo written in place carries a full checksum.
    [TestCase(ChecksumStatus.Verified)]
    [TestCase(ChecksumStatus.Partial)]
    public void A_datagram_the_device_vouches_for_is_answered_in_place_with_a_full_checksum_when_the_device_takes_none(ChecksumStatus status)
    {
        var host = new TestHost(TwoHosts.MacA);
        host.Ip.AddAddress(TwoHosts.V4A, 24, Instant.FromMilliseconds(1000));
        host.Udp.Bind(EchoPort);
        host.App.Echo = true;
        var frame = PartialUdpFrame();
        if (status == ChecksumStatus.Verified) BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(40), 0x1234); // wrong, but verified
        var buffer = new byte[1522];
        frame.CopyTo(buffer, 0);
        var verdict = PacketVerdict.None;
        var offload = status == ChecksumStatus.Verified ? new PacketOffload { Checksum = ChecksumStatus.Verified } : UdpPartial;
        host.Stack.Receive(new RawPacket(buffer, frame.Length, Instant.FromMilliseconds(1000), ref verdict, offload, DeviceOffloads.None));
        Assert.That(host.App.Received, Is.EqualTo(1));
        Assert.That(verdict.SendLength, Is.GreaterThan(0));
        Assert.That(verdict.Offload, Is.EqualTo(default(PacketOffload)));
        Assert.That(UdpChecksumVerifies(buffer[..verdict.SendLength]), Is.True);
    }

    // A packet that waits for ARP leaves later from another buffer, without the offload: its checksum is finished first.
    [Test]
    public void A_datagram_held_for_address_resolution_has_its_partial_checksum_finished_before_it_waits()
    {
        var h = new HostAndPeer(ipv6: false, offloads: DeviceOffloads.TransmitChecksumPartial);
        h.Host.Udp.Bind(PeerPort);
        h.Host.App.Queue(new TransportAddress(RawPeer.V4, EchoPort), PeerPort, Data);
        var sent = h.Advance(Duration.Zero);
        Assert.That(sent, Has.Count.EqualTo(1), "the ARP request");
        Assert.That(h.Host.Ip.Counters.Held, Is.EqualTo(1));
        Assert.That(h.Peer.Offloads[0], Is.EqualTo(default(PacketOffload)), "the ARP request in the same buffer is not marked");
        sent = h.Exchange(RawPeer.Arp(ArpOperation.Reply, RawPeer.V4, TwoHosts.V4A, destination: TwoHosts.MacA));
        Assert.That(sent, Has.Count.EqualTo(1), "the held datagram");
        Assert.That(h.Peer.Offloads[0], Is.EqualTo(default(PacketOffload)));
        Assert.That(UdpChecksumVerifies(sent[0]), Is.True);
    }

    [Test]
    public void A_device_refuses_an_offload_it_does_not_perform()
    {
        var buffer = new byte[100];
        var verdict = PacketVerdict.None;
        var plain = new RawPacket(buffer, 0, default, ref verdict, default, DeviceOffloads.None);
        Assert.That(plain.Send(60, UdpPartial), Is.False);
        Assert.That(verdict.SendLength, Is.EqualTo(-1));
        var offloading = new RawPacket(buffer, 0, default, ref verdict, default, DeviceOffloads.TransmitChecksumPartial);
        Assert.That(offloading.Send(40, UdpPartial), Is.False, "the checksum field lies beyond the frame");
        Assert.That(offloading.Send(60, new PacketOffload { Checksum = ChecksumStatus.Verified }), Is.False, "verified is a receive statement");
        var tso = UdpPartial with { Segmentation = SegmentationKind.TcpV4, SegmentSize = 1448, HeaderLength = 54 };
        Assert.That(offloading.Send(60, tso), Is.False, "no segmentation on this buffer");
        Assert.That(offloading.Send(60, UdpPartial), Is.True);
        Assert.That(verdict.Offload, Is.EqualTo(UdpPartial));
        Assert.That(offloading.Send(60), Is.True);
        Assert.That(verdict.Offload, Is.EqualTo(default(PacketOffload)), "a plain send clears what an earlier one asked");
    }
}
