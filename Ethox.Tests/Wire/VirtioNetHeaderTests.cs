using System;
using System.Buffers.Binary;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

public class VirtioNetHeaderTests
{
    // What Linux writes in front of a TCP/IPv4 super-segment from its own stack (include/linux/virtio_net.h,
    // virtio_net_hdr_from_skb): NEEDS_CSUM, GSO_TCPV4, hdr_len 66 (14 + 20 + 32), gso_size 1448, csum_start 34
    // (14 + 20: the TCP header), csum_offset 16 (the TCP checksum field), little-endian on this host.
    private static readonly byte[] KernelTcpV4 = [0x01, 0x01, 0x42, 0x00, 0xA8, 0x05, 0x22, 0x00, 0x10, 0x00];

    [Test]
    public void A_kernel_header_for_a_tcp_super_segment_reads_as_partial_checksum_and_tcpv4_segmentation()
    {
        Assume.That(BitConverter.IsLittleEndian, "the legacy header is in host byte order; the bytes above are little-endian");
        Assert.That(VirtioNetHeader.TryRead(KernelTcpV4, out var header), Is.True);
        Assert.That(header, Is.EqualTo(new VirtioNetHeader(VirtioNetFlags.NeedsChecksum, VirtioGsoType.TcpV4, false, 66, 1448, 34, 16)));
    }

    [Test]
    public void A_header_is_written_in_host_byte_order_and_reads_back_the_same()
    {
        var header = new VirtioNetHeader(VirtioNetFlags.NeedsChecksum, VirtioGsoType.TcpV6, Ecn: true, 86, 1428, 54, 16);
        var bytes = new byte[VirtioNetHeader.Length];
        Assert.That(header.TryWrite(bytes), Is.True);
        Assert.That(bytes[1], Is.EqualTo(0x84), "gso_type: TCPV6 (4) with the ECN bit (0x80)");
        ushort csumStart = BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(6)) : BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(6));
        Assert.That(csumStart, Is.EqualTo(54));
        Assert.That(VirtioNetHeader.TryRead(bytes, out var back), Is.True);
        Assert.That(back, Is.EqualTo(header));
    }

    [Test]
    public void A_plain_frame_has_an_all_zero_header()
    {
        var bytes = new byte[12];
        Array.Fill(bytes, (byte)0xEE);
        Assert.That(default(VirtioNetHeader).TryWrite(bytes), Is.True);
        Assert.That(bytes[..10], Is.All.Zero);
        Assert.That(bytes[10], Is.EqualTo(0xEE), "nothing beyond the header is touched");
        Assert.That(VirtioNetHeader.TryRead(bytes, out var header), Is.True);
        Assert.That(header, Is.EqualTo(default(VirtioNetHeader)));
    }

    [Test]
    public void A_buffer_shorter_than_the_header_is_refused_without_throwing()
    {
        Assert.That(VirtioNetHeader.TryRead(new byte[9], out var header), Is.False);
        Assert.That(header, Is.EqualTo(default(VirtioNetHeader)));
        Assert.That(default(VirtioNetHeader).TryWrite(new byte[9]), Is.False);
    }

    [Test]
    public void Unknown_flags_and_segmentation_kinds_are_kept_for_the_caller_to_judge()
    {
        Assert.That(VirtioNetHeader.TryRead(new byte[] { 0xFF, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0 }, out var header), Is.True);
        Assert.That((byte)header.Flags, Is.EqualTo(0xFF));
        Assert.That((byte)header.GsoType, Is.EqualTo(0x7F));
        Assert.That(header.Ecn, Is.False);
    }
}
