using System;
using System.Linq;
using Ethox.Layer;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

public class IcmpLayerTests
{
    private static Ipv4Packet Parse4(byte[] frame, out Icmpv4Packet icmp)
    {
        Assert.That(EthernetFrame.TryParse(frame, out var eth, out _), Is.True);
        Assert.That(Ipv4Packet.TryParse(eth.Payload, out var ip, out _), Is.True);
        Assert.That(ip.VerifyChecksum(), Is.True);
        Assert.That(Icmpv4Packet.TryParse(ip.Payload, out icmp, out _), Is.True);
        Assert.That(icmp.VerifyChecksum(), Is.True);
        return ip;
    }

    [Test]
    public void Echo_request_is_answered_in_place_with_the_same_identifier_sequence_and_data()
    {
        var t = new HostAndPeer();
        var request = RawPeer.Echo4(RawPeer.V4, TwoHosts.V4A, 0x1234, 7, 56);
        var sent = t.Exchange(request);
        Assert.That(sent, Has.Count.EqualTo(1));
        var ip = Parse4(sent[0], out var icmp);
        Assert.That(ip.Source, Is.EqualTo(TwoHosts.V4A));
        Assert.That(ip.Destination, Is.EqualTo(RawPeer.V4));
        Assert.That(icmp.Type, Is.EqualTo(Icmpv4Type.EchoReply));
        Assert.That(icmp.Identifier, Is.EqualTo(0x1234));
        Assert.That(icmp.SequenceNumber, Is.EqualTo(7));
        Assert.That(icmp.Payload.ToArray(), Is.EqualTo(request.AsSpan(14 + 20 + 8).ToArray()));
    }

    [Test]
    public void Echo_request_with_ip_options_is_answered_without_them()
    {
        var t = new HostAndPeer();
        var icmp = new byte[8 + 16];
        Icmpv4Repr.EchoRequest(1, 2, 16).TryEmit(icmp, new byte[16]);
        var packet = new byte[24 + icmp.Length];
        icmp.CopyTo(packet.AsSpan(24));
        byte[] options = [1, 1, 1, 0]; // NOP NOP NOP EOL
        new Ipv4Repr(RawPeer.V4, TwoHosts.V4A, IpProtocol.Icmp, icmp.Length, 64) { OptionsLength = 4 }.TryEmit(packet, options);
        var sent = t.Exchange(RawPeer.Ethernet(TwoHosts.MacA, EtherType.Ipv4, packet));
        var ip = Parse4(sent.Single(), out var reply);
        Assert.That(ip.HeaderLength, Is.EqualTo(20));
        Assert.That(reply.Type, Is.EqualTo(Icmpv4Type.EchoReply));
        Assert.That(reply.SequenceNumber, Is.EqualTo(2));
    }

    [Test]
    public void Echo_request_to_broadcast_is_ignored_by_default()
    {
        var t = new HostAndPeer();
        var sent = t.Exchange(RawPeer.Echo4(RawPeer.V4, new Ipv4Address(198, 18, 0, 255), 1, 1, 8, EthernetAddress.Broadcast));
        Assert.That(sent, Is.Empty);
        Assert.That(t.Host.Ip.IcmpCounters.EchoIgnored, Is.EqualTo(1));
    }

    [Test]
    public void Echo_request_over_ipv6_is_answered_with_a_valid_checksum()
    {
        var t = new HostAndPeer();
        var sent = t.Exchange(RawPeer.Echo6(RawPeer.V6, TwoHosts.V6A, 9, 10, 100));
        Assert.That(sent, Has.Count.EqualTo(1));
        EthernetFrame.TryParse(sent[0], out var eth, out _);
        Assert.That(Ipv6Packet.TryParse(eth.Payload, out var ip, out _), Is.True);
        Assert.That(ip.Source, Is.EqualTo(TwoHosts.V6A));
        Assert.That(Icmpv6Packet.TryParse(ip.Payload, out var icmp, out _), Is.True);
        Assert.That(icmp.Type, Is.EqualTo(Icmpv6Type.EchoReply));
        Assert.That(icmp.VerifyChecksum(ip.Source, ip.Destination), Is.True);
        Assert.That(icmp.SequenceNumber, Is.EqualTo(10));
    }

    [Test]
    public void Port_unreachable_quotes_the_offending_datagram()
    {
        var t = new HostAndPeer();
        var datagram = RawPeer.Udp4(RawPeer.V4, TwoHosts.V4A, 1234, 9, "probe"u8);
        var ip = Parse4(t.Exchange(datagram).Single(), out var icmp);
        Assert.That(ip.Destination, Is.EqualTo(RawPeer.V4));
        Assert.That(icmp.Type, Is.EqualTo(Icmpv4Type.DestinationUnreachable));
        Assert.That(icmp.Code, Is.EqualTo((byte)Icmpv4UnreachableCode.PortUnreachable));
        Assert.That(icmp.Payload.ToArray(), Is.EqualTo(datagram.AsSpan(14).ToArray()));
    }

    [Test]
    public void Unknown_protocol_gets_protocol_unreachable_over_ipv4_and_parameter_problem_over_ipv6()
    {
        var t = new HostAndPeer();
        Parse4(t.Exchange(RawPeer.Ipv4(RawPeer.V4, TwoHosts.V4A, (IpProtocol)253, new byte[12])).Single(), out var icmp);
        Assert.That(icmp.Type, Is.EqualTo(Icmpv4Type.DestinationUnreachable));
        Assert.That(icmp.Code, Is.EqualTo((byte)Icmpv4UnreachableCode.ProtocolUnreachable));
        var sent = t.Exchange(RawPeer.Ipv6(RawPeer.V6, TwoHosts.V6A, (IpProtocol)253, new byte[12])).Single();
        EthernetFrame.TryParse(sent, out var eth, out _);
        Ipv6Packet.TryParse(eth.Payload, out var ip6, out _);
        Icmpv6Packet.TryParse(ip6.Payload, out var icmp6, out _);
        Assert.That(icmp6.Type, Is.EqualTo(Icmpv6Type.ParameterProblem));
        Assert.That(icmp6.Code, Is.EqualTo((byte)Icmpv6ParameterProblemCode.UnrecognizedNextHeader));
        Assert.That(icmp6.Pointer, Is.EqualTo(6u), "points at the IPv6 header's next-header field");
        Assert.That(t.Host.Ip.Counters.DroppedUnknownProtocol, Is.EqualTo(2));
    }

    [Test]
    public void No_error_answers_a_broadcast_or_an_icmp_error()
    {
        var t = new HostAndPeer();
        Assert.That(t.Exchange(RawPeer.Udp4(RawPeer.V4, Ipv4Address.Broadcast, 1234, 9, "b"u8, EthernetAddress.Broadcast)), Is.Empty);
        var error = new byte[8 + 28];
        Icmpv4Repr.DestinationUnreachable(Icmpv4UnreachableCode.PortUnreachable, 28).TryEmit(error, new byte[28]);
        var unknownAfterError = RawPeer.Ipv4(RawPeer.V4, TwoHosts.V4A, IpProtocol.Icmp, error);
        Assert.That(t.Exchange(unknownAfterError), Is.Empty);
        Assert.That(t.Host.Ip.IcmpCounters.ErrorsSuppressed, Is.EqualTo(1));
        Assert.That(t.Host.Ip.IcmpCounters.ErrorsReceived, Is.EqualTo(1));
    }

    [Test]
    public void Errors_are_rate_limited_by_a_token_bucket_on_explicit_time()
    {
        var t = new HostAndPeer();
        t.Host.Ip.SetIcmpErrorRateLimit(3, Duration.FromMilliseconds(100));
        int answered = 0;
        for (int i = 0; i < 10; i++) answered += t.Exchange(RawPeer.Udp4(RawPeer.V4, TwoHosts.V4A, 1234, 9, "x"u8)).Count;
        Assert.That(answered, Is.EqualTo(3));
        Assert.That(t.Host.Ip.IcmpCounters.ErrorsRateLimited, Is.EqualTo(7));
        t.Advance(Duration.FromMilliseconds(100));
        Assert.That(t.Exchange(RawPeer.Udp4(RawPeer.V4, TwoHosts.V4A, 1234, 9, "x"u8)), Has.Count.EqualTo(1));
    }

    [Test]
    public void Bad_ip_checksum_is_counted_and_dropped()
    {
        var t = new HostAndPeer();
        var frame = RawPeer.Echo4(RawPeer.V4, TwoHosts.V4A, 1, 1, 8);
        frame[14 + 10] ^= 0xFF;
        Assert.That(t.Exchange(frame), Is.Empty);
        Assert.That(t.Host.Ip.Counters.Errors.BadChecksum, Is.EqualTo(1));
    }
}
