using System;
using System.Buffers.Binary;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

/// <summary>
/// A checksum left partial for an offload (the pseudo-header sum in the field, virtio-net NEEDS_CSUM) and finished
/// later, by the device or by <see cref="Checksum.FinishPartial"/>, equals the checksum computed at once.
/// </summary>
public class PartialChecksumTests
{
    private static readonly IpAddress V4Source = new Ipv4Address(198, 18, 0, 1), V4Destination = new Ipv4Address(198, 18, 0, 2);
    private static readonly IpAddress V6Source = Ipv6Address.Parse("2001:db8::1"), V6Destination = Ipv6Address.Parse("2001:db8::2");

    private static byte[] Payload(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [TestCase(false, 0)]
    [TestCase(false, 1)]
    [TestCase(false, 1447)]
    [TestCase(true, 1448)]
    [TestCase(true, 65_000)]
    public void A_tcp_checksum_left_partial_and_finished_in_software_equals_the_one_computed_at_once(bool v6, int length)
    {
        var (source, destination) = v6 ? (V6Source, V6Destination) : (V4Source, V4Destination);
        var repr = new TcpRepr { SourcePort = 80, DestinationPort = 40000, Flags = TcpFlags.Ack, SequenceNumber = new TcpSeqNumber(7), PayloadLength = length };
        var full = new byte[repr.HeaderLength + length];
        Payload(length, length).CopyTo(full.AsSpan(repr.HeaderLength));
        var partial = (byte[])full.Clone();
        Assert.That(repr.TryEmit(full, source, destination), Is.True);
        Assert.That(repr.TryEmit(partial, source, destination, partialChecksum: true), Is.True);
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(partial.AsSpan(16)),
            Is.EqualTo(Checksum.PseudoHeaderSum(source, destination, (byte)IpProtocol.Tcp, full.Length)), "the field holds the pseudo-header sum");
        Assert.That(Checksum.FinishPartial(partial, 16), Is.True);
        Assert.That(partial, Is.EqualTo(full));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void A_udp_checksum_left_partial_and_finished_in_software_equals_the_one_computed_at_once(bool v6)
    {
        var (source, destination) = v6 ? (V6Source, V6Destination) : (V4Source, V4Destination);
        var repr = new UdpRepr(7, 40000, 333);
        var full = new byte[repr.EmittedLength];
        Payload(333, 768).CopyTo(full.AsSpan(8));
        var partial = (byte[])full.Clone();
        repr.TryEmit(full, source, destination);
        repr.TryEmit(partial, source, destination, partialChecksum: true);
        Assert.That(Checksum.FinishPartial(partial, 6), Is.True);
        Assert.That(partial, Is.EqualTo(full));
        Assert.That(UdpDatagram.TryParse(partial, out var datagram, out _) && datagram.VerifyChecksum(source, destination), Is.True);
    }

    // RFC 768: a computed zero is sent as all ones, since zero means "no checksum"; the offload path must do the same.
    [Test]
    public void A_udp_checksum_that_finishes_to_zero_goes_out_as_all_ones()
    {
        var repr = new UdpRepr(7, 40000, 2);
        var datagram = new byte[repr.EmittedLength];
        repr.TryEmit(datagram, V4Source, V4Destination);
        // A last data word equal to the checksum of the datagram with that word zero makes the sum all ones.
        ushort word = BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(8), word);
        var partial = (byte[])datagram.Clone();
        repr.TryEmit(datagram, V4Source, V4Destination);
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(6)), Is.EqualTo(0xFFFF), "computed at once");
        repr.TryEmit(partial, V4Source, V4Destination, partialChecksum: true);
        Assert.That(Checksum.FinishPartial(partial, 6), Is.True);
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(partial.AsSpan(6)), Is.EqualTo(0xFFFF), "finished later");
    }

    [Test]
    public void A_field_outside_the_data_is_refused_without_throwing()
    {
        var data = new byte[20];
        Assert.That(Checksum.FinishPartial(data, 19), Is.False);
        Assert.That(Checksum.FinishPartial(data, -1), Is.False);
        Assert.That(Checksum.FinishPartial(Span<byte>.Empty, 0), Is.False);
        Assert.That(Checksum.FinishPartial(data, 18), Is.True);
    }
}
