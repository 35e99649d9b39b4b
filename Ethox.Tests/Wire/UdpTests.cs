using System;
using System.Text;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

public class UdpTests
{
    private static readonly IpAddress V4A = Ipv4Address.Parse("198.18.0.1");
    private static readonly IpAddress V4B = Ipv4Address.Parse("198.18.0.2");
    private static readonly IpAddress V6A = Ipv6Address.Parse("2001:db8::1");
    private static readonly IpAddress V6B = Ipv6Address.Parse("2001:db8::2");

    // scapy: IP(src='198.18.0.1', dst='198.18.0.2')/UDP(sport=5353, dport=53)/Raw(b'hello'), UDP part
    private static byte[] V4Datagram => Convert.FromHexString("14e90035000d1abc68656c6c6f");
    // scapy: IPv6(src='2001:db8::1', dst='2001:db8::2')/UDP(sport=546, dport=547)/Raw(b'dhcpv6!'), UDP part
    private static byte[] V6Datagram => Convert.FromHexString("02220223000f410764686370763621");
    // scapy: IP(src='198.18.0.1', dst='198.18.0.2')/UDP(sport=1000, dport=2000)/Raw(bytes.fromhex('67fa')):
    // the payload word is chosen so that the checksum computes to zero, which scapy (like us) sends as ffff.
    private static byte[] V4ZeroSum => Convert.FromHexString("03e807d0000affff67fa");

    [Test]
    public void Scapy_ipv4_datagram_reads_field_by_field_rfc768()
    {
        Assert.That(UdpDatagram.TryParse(V4Datagram, out var d, out var err), Is.True, err.Describe());
        Assert.That(d.SourcePort, Is.EqualTo(5353));
        Assert.That(d.DestinationPort, Is.EqualTo(53));
        Assert.That(d.Length, Is.EqualTo(13));
        Assert.That(d.Checksum, Is.EqualTo(0x1abc));
        Assert.That(Encoding.ASCII.GetString(d.Payload), Is.EqualTo("hello"));
        Assert.That(d.VerifyChecksum(V4A, V4B), Is.True);
        Assert.That(UdpRepr.TryParse(d, V4A, V4B, out var repr, out err), Is.True, err.Describe());
        Assert.That(repr, Is.EqualTo(new UdpRepr(5353, 53, 5)));
        Assert.That(UdpRepr.TryParse(d, V4A, Ipv4Address.Parse("198.18.0.3"), out _, out err), Is.False, "the pseudo-header covers the addresses");
        Assert.That(err, Is.EqualTo(WireError.BadChecksum));
    }

    [Test]
    public void Emit_over_ipv4_and_ipv6_is_byte_identical_to_scapy()
    {
        var buf = new byte[13];
        "hello"u8.CopyTo(buf.AsSpan(8));
        Assert.That(new UdpRepr(5353, 53, 5).TryEmit(buf, V4A, V4B), Is.True);
        Assert.That(buf, Is.EqualTo(V4Datagram));

        buf = new byte[20];
        "dhcpv6!"u8.CopyTo(buf.AsSpan(8));
        Assert.That(new UdpRepr(546, 547, 7).TryEmit(buf, V6A, V6B), Is.True);
        Assert.That(buf.AsSpan(0, 15).ToArray(), Is.EqualTo(V6Datagram));
        Assert.That(UdpDatagram.TryParse(buf, out var d, out _), Is.True);
        Assert.That(UdpRepr.TryParse(d, V6A, V6B, out var repr, out var err), Is.True, err.Describe());
        Assert.That(repr.PayloadLength, Is.EqualTo(7));
    }

    [Test]
    public void Computed_zero_checksum_is_sent_as_ffff_rfc768()
    {
        var buf = new byte[10];
        buf[8] = 0x67; buf[9] = 0xfa;
        Assert.That(new UdpRepr(1000, 2000, 2).TryEmit(buf, V4A, V4B), Is.True);
        Assert.That(buf, Is.EqualTo(V4ZeroSum));
        UdpDatagram.TryParse(buf, out var d, out _);
        Assert.That(d.VerifyChecksum(V4A, V4B), Is.True);
    }

    [Test]
    public void Zero_checksum_means_none_over_ipv4_rfc768()
    {
        var buf = V4Datagram;
        buf[6] = 0; buf[7] = 0;
        buf[9] ^= 0xFF; // payload changed too: nothing is checked
        UdpDatagram.TryParse(buf, out var d, out _);
        Assert.That(UdpRepr.TryParse(d, V4A, V4B, out _, out var err), Is.True, err.Describe());
    }

    [Test]
    public void Zero_checksum_over_ipv6_is_dropped_rfc8200_section_8_1()
    {
        var buf = V6Datagram;
        buf[6] = 0; buf[7] = 0;
        UdpDatagram.TryParse(buf, out var d, out _);
        Assert.That(UdpRepr.TryParse(d, V6A, V6B, out _, out var err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.BadChecksum));
    }

    [Test]
    public void Bad_checksum_is_reported_unless_verification_is_offloaded()
    {
        var buf = V6Datagram;
        buf[10] ^= 1;
        UdpDatagram.TryParse(buf, out var d, out _);
        Assert.That(UdpRepr.TryParse(d, V6A, V6B, out _, out var err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.BadChecksum));
        Assert.That(UdpRepr.TryParse(d, V6A, V6B, out var repr, out err, verifyChecksum: false), Is.True, err.Describe());
        Assert.That(repr.DestinationPort, Is.EqualTo(547));
    }

    [Test]
    public void Length_field_is_honoured_payload_slice_is_exact()
    {
        // Link padding after the datagram is not payload.
        var padded = new byte[V4Datagram.Length + 20];
        V4Datagram.CopyTo(padded, 0);
        Assert.That(UdpDatagram.TryParse(padded, out var d, out _), Is.True);
        Assert.That(d.Bytes.Length, Is.EqualTo(13));
        Assert.That(d.Payload.Length, Is.EqualTo(5));
        Assert.That(UdpRepr.TryParse(d, V4A, V4B, out _, out var err), Is.True, err.Describe());

        foreach (ushort bad in new ushort[] { 0, 1, 7 })
        {
            var buf = V4Datagram;
            buf[4] = (byte)(bad >> 8); buf[5] = (byte)bad;
            Assert.That(UdpDatagram.TryParse(buf, out _, out err), Is.False);
            Assert.That(err, Is.EqualTo(WireError.Malformed), $"length {bad}");
        }
        foreach (ushort beyond in new ushort[] { 14, 0xFFFF })
        {
            var buf = V4Datagram;
            buf[4] = (byte)(beyond >> 8); buf[5] = (byte)beyond;
            Assert.That(UdpDatagram.TryParse(buf, out _, out err), Is.False);
            Assert.That(err, Is.EqualTo(WireError.Truncated), $"length {beyond}");
        }
        var headerOnly = V4Datagram[..8];
        headerOnly[5] = 8;
        Assert.That(UdpDatagram.TryParse(headerOnly, out d, out _), Is.True);
        Assert.That(d.Payload.IsEmpty, Is.True);
    }

    [Test]
    public void Emit_refuses_small_buffers_and_oversized_payloads()
    {
        Assert.That(new UdpRepr(1, 2, 5).TryEmit(new byte[12], V4A, V4B), Is.False);
        Assert.That(new UdpRepr(1, 2, -1).TryEmit(new byte[12], V4A, V4B), Is.False);
        Assert.That(new UdpRepr(1, 2, UdpRepr.MaxPayloadLength + 1).TryEmit(new byte[70_000], V4A, V4B), Is.False);
        Assert.That(new UdpRepr(1, 2, UdpRepr.MaxPayloadLength).TryEmit(new byte[70_000], V4A, V4B), Is.True);
    }

    [Test]
    public void Every_prefix_is_truncated()
    {
        Assert.That(PrefixAndMutation.EveryPrefix(V4Datagram, ParseV4), Is.All.EqualTo(WireError.Truncated));
        Assert.That(PrefixAndMutation.EveryPrefix(V6Datagram, ParseV6), Is.All.EqualTo(WireError.Truncated));
    }

    [Test]
    public void Random_mutations_never_throw()
    {
        int accepted = PrefixAndMutation.Mutate([V4Datagram, V4ZeroSum], 20_000, 768, ParseV4)
                     + PrefixAndMutation.Mutate([V6Datagram], 20_000, 8200, ParseV6);
        Assert.That(accepted, Is.GreaterThan(100));
    }

    [Test]
    public void Parse_and_emit_allocate_nothing()
    {
        var buf = V6Datagram;
        ParseV6(buf);
        int done = 0;
        UdpRepr last = default;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            if (UdpDatagram.TryParse(buf, out var d, out _) && UdpRepr.TryParse(d, V6A, V6B, out var repr, out _) && repr.TryEmit(buf, V6A, V6B))
            {
                done++;
                last = repr;
            }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(done, Is.EqualTo(1000));
        Assert.That(last, Is.EqualTo(new UdpRepr(546, 547, 7)));
        Assert.That(buf, Is.EqualTo(V6Datagram), "the datagram emitted over itself, checksum included, is the one parsed");
    }

    private static WireError ParseV4(Span<byte> buffer) => ParseEverything(buffer, V4A, V4B);
    private static WireError ParseV6(Span<byte> buffer) => ParseEverything(buffer, V6A, V6B);

    private static WireError ParseEverything(Span<byte> buffer, IpAddress source, IpAddress destination)
    {
        if (!UdpDatagram.TryParse(buffer, out var d, out var err)) return err;
        _ = d.Payload.Length + d.SourcePort + d.DestinationPort;
        if (!UdpRepr.TryParse(d, source, destination, out var repr, out err)) return err;
        Span<byte> copy = stackalloc byte[d.Bytes.Length];
        d.Payload.CopyTo(copy[8..]);
        Assert.That(repr.TryEmit(copy, source, destination), Is.True);
        return WireError.None;
    }
}
