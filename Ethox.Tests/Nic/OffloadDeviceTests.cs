using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Ethox.Layer;
using Ethox.Nic;
using Ethox.Tests.Layer;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Nic;

/// <summary>
/// The devices' side of the offloads: the virtio-net header in Ethox's terms, frame sizes, and the wrappers (fault
/// injector, pcap recorder, pipe) carrying each frame's metadata along with its bytes.
/// </summary>
public class OffloadDeviceTests
{
    private static readonly PacketOffload UdpPartial = PacketOffload.PartialChecksum(34, 6);

    [Test]
    public void A_kernel_header_becomes_the_metadata_the_layers_read()
    {
        var gso = new VirtioNetHeader(VirtioNetFlags.NeedsChecksum, VirtioGsoType.TcpV6, false, 86, 1428, 54, 16);
        Assert.That(VirtioOffload.TryFromReceived(gso, 20_000, out var offload), Is.True);
        Assert.That(offload, Is.EqualTo(new PacketOffload
        {
            Checksum = ChecksumStatus.Partial, ChecksumStart = 54, ChecksumOffset = 16,
            Segmentation = SegmentationKind.TcpV6, SegmentSize = 1428, HeaderLength = 86,
        }));
        Assert.That(VirtioOffload.TryFromReceived(new VirtioNetHeader(VirtioNetFlags.DataValid, VirtioGsoType.None, false, 0, 0, 0, 0), 60, out offload), Is.True);
        Assert.That(offload, Is.EqualTo(new PacketOffload { Checksum = ChecksumStatus.Verified }));
        Assert.That(VirtioOffload.TryFromReceived(default, 60, out offload), Is.True);
        Assert.That(offload, Is.EqualTo(default(PacketOffload)));
    }

    [Test]
    public void A_udp_super_datagram_is_taken_to_be_cut_ufo_is_not_and_a_partial_checksum_outside_the_frame_vouches_for_nothing()
    {
        Assert.That(VirtioOffload.TryFromReceived(new VirtioNetHeader(VirtioNetFlags.NeedsChecksum, VirtioGsoType.UdpL4, false, 42, 1472, 34, 6), 9000, out var udp), Is.True);
        Assert.That(udp, Is.EqualTo(PacketOffload.PartialChecksum(34, 6) with { Segmentation = SegmentationKind.Udp, SegmentSize = 1472, HeaderLength = 42 }));
        Assert.That(VirtioOffload.TryFromReceived(new VirtioNetHeader(VirtioNetFlags.NeedsChecksum, VirtioGsoType.Udp, false, 42, 1472, 34, 6), 9000, out _), Is.False);
        Assert.That(VirtioOffload.TryFromReceived(new VirtioNetHeader(VirtioNetFlags.None, (VirtioGsoType)9, false, 0, 0, 0, 0), 60, out _), Is.False);
        Assert.That(VirtioOffload.TryFromReceived(new VirtioNetHeader(VirtioNetFlags.NeedsChecksum, VirtioGsoType.None, false, 0, 0, 58, 16), 60, out var offload), Is.True);
        Assert.That(offload.Checksum, Is.EqualTo(ChecksumStatus.Unverified));
    }

    [Test]
    public void A_transmit_request_becomes_the_header_the_kernel_reads()
    {
        var tso = PacketOffload.PartialChecksum(34, 16) with { Segmentation = SegmentationKind.TcpV4, SegmentSize = 1448, HeaderLength = 66 };
        Assert.That(VirtioOffload.ForTransmit(tso), Is.EqualTo(new VirtioNetHeader(VirtioNetFlags.NeedsChecksum, VirtioGsoType.TcpV4, false, 66, 1448, 34, 16)));
        Assert.That(VirtioOffload.ForTransmit(UdpPartial), Is.EqualTo(new VirtioNetHeader(VirtioNetFlags.NeedsChecksum, VirtioGsoType.None, false, 0, 0, 34, 6)));
        Assert.That(VirtioOffload.ForTransmit(default), Is.EqualTo(default(VirtioNetHeader)));
    }

    [Test]
    public void Receive_buffers_grow_to_a_super_segment_only_when_the_device_hands_them_over()
    {
        var all = VirtioOffload.Capabilities(Medium.Ethernet, 1500, VirtioOffload.Effective(DeviceOffloads.All));
        Assert.That(all.Offloads, Is.EqualTo(DeviceOffloads.All));
        Assert.That(all.MaxFrameLength, Is.EqualTo(1522));
        Assert.That(all.MaxReceiveFrameLength, Is.EqualTo(22 + 65535));
        Assert.That(all.MaxTransmitFrameLength, Is.EqualTo(22 + 65535));
        var checksumsOnly = VirtioOffload.Capabilities(Medium.Ip, 1500, VirtioOffload.Effective(DeviceOffloads.TransmitChecksumPartial));
        Assert.That(checksumsOnly.Offloads, Is.EqualTo(DeviceOffloads.ReceiveChecksumPartial | DeviceOffloads.ReceiveChecksumVerified | DeviceOffloads.TransmitChecksumPartial));
        Assert.That(checksumsOnly.MaxReceiveFrameLength, Is.EqualTo(1500));
        Assert.That(VirtioOffload.Effective(DeviceOffloads.TransmitSegmentation), Is.EqualTo(DeviceOffloads.ReceiveChecksumPartial | DeviceOffloads.ReceiveChecksumVerified),
            "segmentation needs the checksum offload");
        Assert.That(VirtioOffload.Effective(DeviceOffloads.None), Is.EqualTo(DeviceOffloads.None));
        Assert.That(new DeviceCapabilities(Medium.Ethernet, 1500), Is.EqualTo(new DeviceCapabilities(Medium.Ethernet, 1500) { Offloads = DeviceOffloads.None }),
            "the two-argument capabilities are those of a device without offloads");
    }

    [Test]
    public void A_pipe_with_offloads_carries_each_frames_metadata_and_super_segments_whole()
    {
        var (a, b) = Pipe.CreatePair(4, 1500, Medium.Ethernet, DeviceOffloads.Transmit);
        Assert.That(a.Capabilities.Offloads, Is.EqualTo(DeviceOffloads.All & ~DeviceOffloads.ReceiveChecksumVerified));
        var big = new byte[40_000];
        var tso = PacketOffload.PartialChecksum(34, 16) with { Segmentation = SegmentationKind.TcpV4, SegmentSize = 1448, HeaderLength = 66 };
        var peer = new RawPeer(b);
        new RawPeer(a).Inject(big, Instant.Zero, tso);
        peer.Drain(Instant.Zero);
        Assert.That(peer.Frames.Single(), Has.Length.EqualTo(40_000));
        Assert.That(peer.Offloads.Single(), Is.EqualTo(tso));
        Assert.That(b.Counters.RxSegmented, Is.EqualTo(1));
        Assert.That(b.Counters.RxChecksumPartial, Is.EqualTo(1));
        Assert.That(a.Counters.TxSegmented, Is.EqualTo(1));
    }

    // A bit flipped on the wire: the checksum the device would have finished is finished first, the flip comes after, and
    // nothing vouches for the frame any more, so the receiver's check finds it.
    [Test]
    public void A_corrupted_frame_has_its_partial_checksum_finished_before_the_flip_and_loses_the_devices_word()
    {
        var (a, b) = Pipe.CreatePair(4, 1500, Medium.Ethernet, DeviceOffloads.TransmitChecksumPartial);
        var faults = new FaultInjector<PipeEnd>(b, new FaultSettings { CorruptProbability = 1 }, FaultSettings.None, seed: 11);
        var udp = new byte[8 + 100];
        new UdpRepr(1000, 7, 100).TryEmit(udp, new Ipv4Address(198, 18, 0, 1), new Ipv4Address(198, 18, 0, 2), partialChecksum: true);
        var frame = RawPeer.Ipv4(new Ipv4Address(198, 18, 0, 1), new Ipv4Address(198, 18, 0, 2), IpProtocol.Udp, udp);
        new RawPeer(a).Inject(frame, Instant.Zero, UdpPartial);
        var got = new Recording();
        Assert.That(faults.Receive(4, ref got, Instant.Zero), Is.EqualTo(1));
        Assert.That(got.Offloads.Single(), Is.EqualTo(default(PacketOffload)));
        var finished = (byte[])frame.Clone();
        Assert.That(UdpPartial.TryFinishChecksum(finished), Is.True);
        int flipped = 0;
        for (int i = 0; i < frame.Length; i++) flipped += System.Numerics.BitOperations.PopCount((uint)(finished[i] ^ got.Frames.Single()[i]));
        Assert.That(flipped, Is.EqualTo(1));
        Assert.That(faults.ReceiveCounters.Corrupted, Is.EqualTo(1));
    }

    [Test]
    public void The_fault_injector_stands_for_a_wire_of_mtu_sized_frames_and_offers_no_segmentation()
    {
        var (a, _) = Pipe.CreatePair(4, 1500, Medium.Ethernet, DeviceOffloads.Transmit);
        var faults = new FaultInjector<PipeEnd>(a, FaultSettings.None, FaultSettings.None, seed: 1);
        Assert.That(faults.Capabilities.Offloads & DeviceOffloads.TransmitSegmentation, Is.EqualTo(DeviceOffloads.None));
        Assert.That(faults.Capabilities.Offloads & DeviceOffloads.TransmitChecksumPartial, Is.EqualTo(DeviceOffloads.TransmitChecksumPartial));
        Assert.That(faults.Capabilities.MaxTransmitFrameLength, Is.EqualTo(1522));
        Assert.That(faults.Capabilities.MaxReceiveFrameLength, Is.EqualTo(22 + 65535));
    }

    // tcpdump on an interface with offloads shows frames as they pass: checksums unfinished, no virtio-net header. The
    // recorder does the same and hands the metadata on in both directions.
    [Test]
    public void The_pcap_recorder_writes_frames_as_they_pass_and_hands_their_metadata_on()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ethox-offload-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap");
        try
        {
            var (a, b) = Pipe.CreatePair(4, 1500, Medium.Ethernet, DeviceOffloads.TransmitChecksumPartial);
            var frame = new byte[120];
            new Random(5).NextBytes(frame);
            using (var file = File.Create(path))
            {
                var recorder = new PcapRecorder<PipeEnd>(a, file);
                Assert.That(recorder.Capabilities, Is.EqualTo(a.Capabilities));
                var send = new OneFrame(frame, UdpPartial);
                Assert.That(recorder.Transmit(1, ref send, Instant.Zero), Is.EqualTo(1));
                var peer = new RawPeer(b);
                peer.Drain(Instant.Zero);
                Assert.That(peer.Offloads.Single(), Is.EqualTo(UdpPartial), "the transmit request reaches the wrapped device");
                peer.Inject(frame, Instant.Zero, UdpPartial);
                var got = new Recording();
                Assert.That(recorder.Receive(1, ref got, Instant.Zero), Is.EqualTo(1));
                Assert.That(got.Offloads.Single(), Is.EqualTo(UdpPartial), "the receive metadata reaches the layers");
                recorder.Flush();
            }
            using var read = File.OpenRead(path);
            Assert.That(PcapReader.TryOpen(read, out var reader, out _), Is.True);
            var buffer = new byte[2000];
            for (int i = 0; i < 2; i++)
            {
                Assert.That(reader!.TryReadNext(buffer, out var record), Is.EqualTo(PcapReadStatus.Record));
                Assert.That(buffer.AsSpan(0, record.CapturedLength).ToArray(), Is.EqualTo(frame), "as it passed, checksum unfinished");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private struct OneFrame(byte[] frame, PacketOffload offload) : ISend<RawPacket>
    {
        public void Send(RawPacket packet)
        {
            frame.CopyTo(packet.Capacity);
            packet.Send(frame.Length, offload);
        }
    }

    private readonly struct Recording() : IRecv<RawPacket>
    {
        public readonly List<byte[]> Frames = [];
        public readonly List<PacketOffload> Offloads = [];

        public void Receive(RawPacket packet)
        {
            Frames.Add(packet.Frame.ToArray());
            Offloads.Add(packet.Offload);
        }
    }
}
