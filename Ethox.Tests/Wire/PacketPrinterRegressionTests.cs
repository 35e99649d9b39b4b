using System;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

/// <summary>
/// Regression tests for the pretty-printer faults the tshark comparison of the fixtures found: a valid first fragment
/// was reported as a truncated or badly checksummed datagram, a header whose length runs past the frame lost its
/// addresses, and a routing header's final destination was not shown.
/// </summary>
public class PacketPrinterRegressionTests
{
    private static readonly EthernetAddress MacA = EthernetAddress.Parse("02:00:00:00:00:01");
    private static readonly EthernetAddress MacB = EthernetAddress.Parse("02:00:00:00:00:02");
    private static readonly Ipv4Address V4A = Ipv4Address.Parse("198.18.0.1");
    private static readonly Ipv4Address V4B = Ipv4Address.Parse("198.18.0.2");
    private static readonly Ipv6Address V6A = Ipv6Address.Parse("2001:db8::1");
    private static readonly Ipv6Address V6B = Ipv6Address.Parse("2001:db8::2");
    private static readonly Ipv6Address V6Final = Ipv6Address.Parse("2001:db8:1::3");

    private static string Print(ReadOnlySpan<byte> frame)
    {
        var line = new char[512];
        return new string(line, 0, PacketPrinter.Format(frame.ToArray(), PcapLinkType.Ethernet, line));
    }

    /// <summary>The start of a UDP datagram of 1208 bytes: ports and a length field covering the whole datagram.</summary>
    private static void WriteUdpStart(Span<byte> at)
    {
        at[..8].Clear();
        at[0] = 0x9C; at[1] = 0x41; // 40001
        at[2] = 0x27; at[3] = 0x0F; // 9999
        at[4] = 0x04; at[5] = 0xB8; // 1208
        at[6] = 0x12; at[7] = 0x34; // the checksum over the whole datagram, not verifiable here
        at[8..].Fill(0x61);
    }

    [Test]
    public void First_ipv4_fragment_is_a_fragment_not_a_truncated_datagram()
    {
        var frame = new byte[14 + 20 + 512];
        new EthernetRepr(MacA, MacB, EtherType.Ipv4).TryEmit(frame);
        WriteUdpStart(frame.AsSpan(34));
        var ip = new Ipv4Repr(V4A, V4B, IpProtocol.Udp, 512, 64) { Identification = 7, MoreFragments = true };
        Assert.That(ip.TryEmit(frame.AsSpan(14)), Is.True);

        string line = Print(frame);

        Assert.That(line, Does.EndWith("frag 0+, fragment of UDP"));
        Assert.That(line, Does.Not.Contain("]"));
    }

    [Test]
    public void First_ipv6_fragment_is_a_fragment_not_a_truncated_datagram()
    {
        var frame = new byte[14 + 40 + 8 + 512];
        new EthernetRepr(MacA, MacB, EtherType.Ipv6).TryEmit(frame);
        new Ipv6Repr(V6A, V6B, IpProtocol.Ipv6Fragment, 8 + 512, 64).TryEmit(frame.AsSpan(14));
        new Ipv6FragmentInfo(0, true, 0x1234).TryEmit(frame.AsSpan(54), IpProtocol.Udp);
        WriteUdpStart(frame.AsSpan(62));

        string line = Print(frame);

        Assert.That(line, Does.EndWith("fragment 0+ id 4660, fragment of UDP"));
        Assert.That(line, Does.Not.Contain("]"));
    }

    [Test]
    public void Ipv4_header_whose_total_length_runs_past_the_frame_still_names_its_addresses()
    {
        var buffer = new byte[14 + 200];
        new EthernetRepr(MacA, MacB, EtherType.Ipv4).TryEmit(buffer);
        new Ipv4Repr(V4A, V4B, IpProtocol.Udp, 180, 64).TryEmit(buffer.AsSpan(14));

        string line = Print(buffer.AsSpan(0, 14 + 28));

        Assert.That(line, Is.EqualTo("02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4 198.18.0.1 > 198.18.0.2 [ipv4 truncated]"));
    }

    [Test]
    public void Ipv6_header_whose_payload_length_runs_past_the_frame_still_names_its_addresses()
    {
        var buffer = new byte[14 + 40 + 400];
        new EthernetRepr(MacA, MacB, EtherType.Ipv6).TryEmit(buffer);
        new Ipv6Repr(V6A, V6B, IpProtocol.Udp, 400, 64).TryEmit(buffer.AsSpan(14));

        string line = Print(buffer.AsSpan(0, 14 + 40 + 14));

        Assert.That(line, Is.EqualTo("02:00:00:00:00:01 > 02:00:00:00:00:02, IPv6 2001:db8::1 > 2001:db8::2 [ipv6 truncated]"));
    }

    [Test]
    public void Routing_header_with_segments_left_names_the_final_destination()
    {
        // A type 2 routing header (RFC 6275 §6.4): one address, the final destination, and one segment left.
        var frame = new byte[14 + 40 + 24 + 8];
        new EthernetRepr(MacA, MacB, EtherType.Ipv6).TryEmit(frame);
        new Ipv6Repr(V6A, V6B, IpProtocol.Ipv6Route, 24 + 8, 64).TryEmit(frame.AsSpan(14));
        var route = frame.AsSpan(54, 24);
        route[0] = (byte)IpProtocol.Udp;
        route[1] = 2;
        route[2] = 2;
        route[3] = 1;
        V6Final.WriteTo(route[8..]);
        Assert.That(new UdpRepr(40000, 9999, 0).TryEmit(frame.AsSpan(78), V6A, V6Final), Is.True);

        string line = Print(frame);

        Assert.That(line, Does.Contain("routing type 2 left 1 final 2001:db8:1::3, UDP 40000 > 9999 len 0"));
        Assert.That(line, Does.Not.Contain("]"), "the UDP checksum is over the final destination (RFC 8200 §8.1)");
    }
}
