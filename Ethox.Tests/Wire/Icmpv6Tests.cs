using System;
using Ethox.Wire;
using NUnit.Framework;
using static Ethox.Tests.Wire.IpTestSupport;

namespace Ethox.Tests.Wire;

public class Icmpv6Tests
{
    private static readonly Ipv6Address A = Ipv6Address.Parse("2001:db8::1");
    private static readonly Ipv6Address B = Ipv6Address.Parse("2001:db8::2");

    /// <summary>The ICMPv6 message of a scapy IPv6 packet, with the packet's addresses.</summary>
    internal static (byte[] Message, Ipv6Address Source, Ipv6Address Destination) MessageOf(string vector)
    {
        var packet = Hex(vector);
        var (offset, length) = UpperLayerOf(packet);
        var (source, destination) = AddressesOf(packet);
        return (packet.AsSpan(offset, length).ToArray(), source, destination);
    }

    private static Icmpv6Repr ParseRepr(string vector)
    {
        var (message, source, destination) = MessageOf(vector);
        Assert.That(Icmpv6Packet.TryParse(message, out var packet, out var error), Is.True, error.Describe());
        Assert.That(Icmpv6Repr.TryParse(packet, source, destination, out var repr, out error), Is.True, error.Describe());
        return repr;
    }

    [Test]
    public void Scapy_echo_request_parses_field_by_field()
    {
        var (message, source, destination) = MessageOf(IpScapyVectors.Icmpv6EchoRequest);
        Assert.That(Icmpv6Packet.TryParse(message, out var p, out _), Is.True);
        Assert.That((p.Type, p.Code, p.Checksum, p.Identifier, p.SequenceNumber, p.IsError),
            Is.EqualTo((Icmpv6Type.EchoRequest, (byte)0, (ushort)0xB1D6, (ushort)0x4321, (ushort)9, false)));
        Assert.That(p.VerifyChecksum(source, destination), Is.True, "checksum over the IPv6 pseudo-header (RFC 4443 §2.3)");
        Assert.That(p.VerifyChecksum(destination, Ipv6Address.Loopback), Is.False);
        Assert.That(p.Payload.ToArray(), Is.EqualTo("0123456789abcdef"u8.ToArray()));
        Assert.That(ParseRepr(IpScapyVectors.Icmpv6EchoRequest), Is.EqualTo(Icmpv6Repr.EchoRequest(0x4321, 9, 16)));
    }

    [Test]
    public void Echo_request_turned_into_its_reply_in_place_matches_scapy()
    {
        var frame = Hex(IpScapyVectors.Icmpv6EchoRequest);
        Assert.That(Ipv6Packet.TryParse(frame, out var ip, out _), Is.True);
        Icmpv6Packet.TryParse(ip.Payload, out var icmp, out _);
        Assert.That(Icmpv6Repr.TryParse(icmp, ip.Source, ip.Destination, out var request, out _), Is.True);
        (ip.Source, ip.Destination) = (ip.Destination, ip.Source);
        var reply = Icmpv6Repr.EchoReply(request.Identifier, request.SequenceNumber, request.PayloadLength);
        Assert.That(reply.TryEmit(ip.Payload, ip.Source, ip.Destination, icmp.Payload), Is.True);
        Assert.That(frame, Is.EqualTo(Hex(IpScapyVectors.Icmpv6EchoReply)));
    }

    [Test]
    public void Errors_quote_as_much_as_fits_in_the_minimum_mtu_and_match_scapy()
    {
        var offending = Hex(IpScapyVectors.Offending6);
        Assert.That(offending.Length, Is.EqualTo(1448));
        Assert.That(Icmpv6Repr.QuotedLength(offending.Length), Is.EqualTo(1232), "1280 - 40 - 8 (RFC 4443 §2.4(c))");
        Assert.That(Icmpv6Repr.QuotedLength(200), Is.EqualTo(200));

        var cases = new (Icmpv6Repr Repr, string Vector)[]
        {
            (Icmpv6Repr.DestinationUnreachable(Icmpv6UnreachableCode.PortUnreachable, offending.Length), IpScapyVectors.Icmpv6PortUnreachable),
            (Icmpv6Repr.PacketTooBig(1280, offending.Length), IpScapyVectors.Icmpv6PacketTooBig),
            (Icmpv6Repr.TimeExceeded(Icmpv6TimeExceededCode.HopLimitExceeded, offending.Length), IpScapyVectors.Icmpv6TimeExceeded),
            (Icmpv6Repr.ParameterProblem(Icmpv6ParameterProblemCode.UnrecognizedNextHeader, 40, offending.Length), IpScapyVectors.Icmpv6ParameterProblem),
        };
        foreach (var (repr, vector) in cases)
        {
            Assert.That(ParseRepr(vector), Is.EqualTo(repr), repr.Type.ToString());
            var (expected, source, destination) = MessageOf(vector);
            var buffer = new byte[repr.BufferLength];
            Assert.That(repr.TryEmit(buffer, source, destination, offending), Is.True);
            Assert.That(buffer, Is.EqualTo(expected), repr.Type.ToString());
        }
    }

    [Test]
    public void Packet_too_big_carries_the_mtu_and_parameter_problem_its_pointer()
    {
        Assert.That(ParseRepr(IpScapyVectors.Icmpv6PacketTooBig).Mtu, Is.EqualTo(1280));
        var problem = ParseRepr(IpScapyVectors.Icmpv6ParameterProblem);
        Assert.That((problem.Code, problem.Pointer), Is.EqualTo(((byte)Icmpv6ParameterProblemCode.UnrecognizedNextHeader, 40u)));
    }

    [Test]
    public void Quoted_packet_header_is_readable_although_it_was_cut_short()
    {
        var (message, _, _) = MessageOf(IpScapyVectors.Icmpv6PortUnreachable);
        Icmpv6Packet.TryParse(message, out var p, out _);
        Assert.That(p.IsError, Is.True);
        Assert.That(p.TryGetQuotedPacket(out var quoted, out var error), Is.True, error.Describe());
        Assert.That((quoted.PayloadLength, quoted.IsTruncated, quoted.Payload.Length), Is.EqualTo(((ushort)1408, true, 1192)));
        Assert.That((quoted.Source, quoted.Destination, quoted.NextHeader, quoted.HopLimit), Is.EqualTo((B, A, IpProtocol.Udp, (byte)1)));
        Assert.That(quoted.TryGetUpperLayer(out var upper, out _), Is.True);
        Assert.That(upper, Is.EqualTo(new Ipv6UpperLayer(IpProtocol.Udp, 0) { FinalDestination = A }));
    }

    [Test]
    public void Bad_checksum_unknown_types_and_short_quotes_are_statuses()
    {
        var (message, source, destination) = MessageOf(IpScapyVectors.Icmpv6TimeExceeded);
        Icmpv6Packet.TryParse(message, out var p, out _);
        Assert.That(Icmpv6Repr.TryParse(p, source, Ipv6Address.Loopback, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.BadChecksum), "the pseudo-header binds the message to its addresses");

        var (ns, nsSource, nsDestination) = MessageOf(IpScapyVectors.NdiscNeighborSolicitation);
        Icmpv6Packet.TryParse(ns, out p, out _);
        Assert.That(Icmpv6Repr.TryParse(p, nsSource, nsDestination, out _, out error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Unsupported), "neighbor discovery has its own repr");

        var shortQuote = Icmpv6Repr.TimeExceeded(Icmpv6TimeExceededCode.HopLimitExceeded, 39);
        var buffer = new byte[shortQuote.BufferLength];
        Assert.That(shortQuote.TryEmit(buffer, A, B, Hex(IpScapyVectors.Offending6)), Is.True);
        Icmpv6Packet.TryParse(buffer, out p, out _);
        Assert.That(Icmpv6Repr.TryParse(p, A, B, out _, out error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Truncated), "an error must quote at least the IPv6 header");

        Assert.That(Icmpv6Packet.TryParse(new byte[7], out _, out error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Truncated));
        Assert.That((Icmpv6Repr.EchoRequest(1, 1, 0) with { Type = Icmpv6Type.RouterSolicitation }).TryEmit(new byte[8], A, B, default), Is.False);
        Assert.That(Icmpv6Repr.EchoRequest(1, 1, 4).TryEmit(new byte[11], A, B, new byte[4]), Is.False);
        Assert.That(Icmpv6Repr.EchoRequest(1, 1, 4).TryEmit(new byte[12], A, B, new byte[3]), Is.False);
    }

    [Test]
    public void Parse_and_emit_do_not_allocate()
    {
        var (message, source, destination) = MessageOf(IpScapyVectors.Icmpv6PacketTooBig);
        var output = new byte[message.Length];
        int done = 0;
        Icmpv6Repr last = default;
        long allocated = AllocatedBy(1000, () =>
        {
            if (Icmpv6Packet.TryParse(message, out var p, out _) && Icmpv6Repr.TryParse(p, source, destination, out var repr, out _)
                && repr.TryEmit(output, source, destination, p.Payload))
            {
                done++;
                last = repr;
            }
        });
        Assert.That(allocated, Is.Zero);
        Assert.That(done, Is.EqualTo(1 + 1000), "the warm-up and every measured run parsed and emitted");
        Assert.That((last.Type, last.Mtu, last.PayloadLength), Is.EqualTo((Icmpv6Type.PacketTooBig, 1280u, 1232)));
        Assert.That(output, Is.EqualTo(message), "emitted as scapy built it");
    }

    internal static void Exercise(byte[] data)
    {
        if (!Icmpv6Packet.TryParse(data, out var p, out var error))
        {
            Assert.That(error, Is.EqualTo(WireError.Truncated));
            return;
        }
        _ = (p.Type, p.Code, p.Checksum, p.Identifier, p.SequenceNumber, p.Mtu, p.Pointer, p.IsError, p.Body.Length);
        if (p.TryGetQuotedPacket(out var quoted, out _)) _ = (quoted.PayloadLength, quoted.Source, quoted.Payload.Length, quoted.IsTruncated);
        for (int pass = 0; pass < 2; pass++, p.FillChecksum(A, B))
        {
            bool ok = Icmpv6Repr.TryParse(p, A, B, out var repr, out error);
            Assert.That(ok, Is.EqualTo(error == WireError.None));
            if (!ok) continue;
            var output = new byte[repr.BufferLength];
            Assert.That(repr.TryEmit(output, A, B, p.Payload), Is.True);
            Assert.That(Icmpv6Packet.TryParse(output, out var again, out _) && Icmpv6Repr.TryParse(again, A, B, out var back, out _) && back == repr, Is.True);
        }
    }

    private static byte[][] Seeds => new[]
    {
        MessageOf(IpScapyVectors.Icmpv6EchoRequest).Message, MessageOf(IpScapyVectors.Icmpv6PacketTooBig).Message[..120],
        MessageOf(IpScapyVectors.Icmpv6ParameterProblem).Message[..64], MessageOf(IpScapyVectors.Icmpv6TimeExceeded).Message[..48],
    };

    [Test]
    public void Every_prefix_of_every_vector_returns_a_status()
    {
        foreach (var seed in Seeds) EveryPrefix(seed, Exercise);
    }

    [Test]
    public void Random_mutations_never_throw() => Fuzz(4443, 35_000, Seeds, Exercise);
}
