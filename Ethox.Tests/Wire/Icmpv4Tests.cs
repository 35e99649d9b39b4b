using System;
using Ethox.Wire;
using NUnit.Framework;
using static Ethox.Tests.Wire.IpTestSupport;

namespace Ethox.Tests.Wire;

public class Icmpv4Tests
{
    private static readonly Ipv4Address A = Ipv4Address.Parse("198.18.0.1");
    private static readonly Ipv4Address B = Ipv4Address.Parse("198.18.0.2");

    // The ICMP message of a scapy IPv4 packet (no options in these vectors).
    private static byte[] MessageOf(string vector) => Hex(vector)[20..];

    private static Icmpv4Repr ParseRepr(byte[] message)
    {
        Assert.That(Icmpv4Packet.TryParse(message, out var packet, out var error), Is.True, error.Describe());
        Assert.That(Icmpv4Repr.TryParse(packet, out var repr, out error), Is.True, error.Describe());
        return repr;
    }

    [Test]
    public void Scapy_echo_request_parses_field_by_field()
    {
        var message = MessageOf(IpScapyVectors.Icmpv4EchoRequest);
        Assert.That(Icmpv4Packet.TryParse(message, out var p, out _), Is.True);
        Assert.That((p.Type, p.Code, p.Checksum, p.Identifier, p.SequenceNumber), Is.EqualTo((Icmpv4Type.EchoRequest, (byte)0, (ushort)0xB68D, (ushort)0x1234, (ushort)7)));
        Assert.That(p.VerifyChecksum(), Is.True);
        Assert.That(p.IsError, Is.False);
        Assert.That(p.Payload.ToArray(), Is.EqualTo("0123456789abcdef"u8.ToArray()));
        Assert.That(ParseRepr(message), Is.EqualTo(Icmpv4Repr.EchoRequest(0x1234, 7, 16)));
    }

    [Test]
    public void Echo_request_turned_into_its_reply_in_place_matches_scapy()
    {
        var frame = Hex(IpScapyVectors.Icmpv4EchoRequest);
        Assert.That(Ipv4Packet.TryParse(frame, out var ip, out _), Is.True);
        Assert.That(Icmpv4Packet.TryParse(ip.Payload, out var icmp, out _), Is.True);
        Assert.That(Icmpv4Repr.TryParse(icmp, out var request, out _), Is.True);
        var reply = Icmpv4Repr.EchoReply(request.Identifier, request.SequenceNumber, request.PayloadLength);
        Assert.That(reply.TryEmit(ip.Payload, icmp.Payload), Is.True, "the data overlaps the buffer exactly");
        (ip.Source, ip.Destination) = (ip.Destination, ip.Source);
        ip.FillChecksum();
        Assert.That(frame, Is.EqualTo(Hex(IpScapyVectors.Icmpv4EchoReply)));
    }

    [Test]
    public void Quoted_datagram_header_is_readable_although_only_548_bytes_of_628_were_quoted()
    {
        var message = MessageOf(IpScapyVectors.Icmpv4PortUnreachable);
        Assert.That(Icmpv4Packet.TryParse(message, out var p, out _), Is.True);
        Assert.That((p.Type, p.Code, p.IsError), Is.EqualTo((Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.PortUnreachable, true)));
        Assert.That(p.TryGetQuotedDatagram(out var quoted, out var error), Is.True, error.Describe());
        Assert.That((quoted.TotalLength, quoted.IsTruncated, quoted.Payload.Length), Is.EqualTo(((ushort)628, true, 528)));
        Assert.That((quoted.Source, quoted.Destination, quoted.Protocol, quoted.Identification), Is.EqualTo((B, A, IpProtocol.Udp, (ushort)99)));
        Assert.That(quoted.Payload[..4].ToArray(), Is.EqualTo(new byte[] { 0x9C, 0x40, 0x82, 0x9A }), "UDP ports 40000 -> 33434");
        Assert.That(ParseRepr(message), Is.EqualTo(Icmpv4Repr.DestinationUnreachable(Icmpv4UnreachableCode.PortUnreachable, 628)));
    }

    [Test]
    public void Fragmentation_needed_carries_the_next_hop_mtu()
    {
        var repr = ParseRepr(MessageOf(IpScapyVectors.Icmpv4FragmentationNeeded));
        Assert.That((repr.Type, repr.Code, repr.NextHopMtu), Is.EqualTo((Icmpv4Type.DestinationUnreachable, (byte)4, (ushort)1400)), "RFC 1191 §4");
    }

    [Test]
    public void Errors_quote_as_much_as_fits_in_576_bytes_and_match_scapy()
    {
        Assert.That(Icmpv4Repr.QuotedLength(628), Is.EqualTo(548), "576 - 20 - 8 (RFC 1812 §4.3.2.3)");
        Assert.That(Icmpv4Repr.QuotedLength(100), Is.EqualTo(100));
        Assert.That(Icmpv4Repr.QuotedLength(628, maxDatagramLength: 1500), Is.EqualTo(628));
        Assert.That(Icmpv4Repr.QuotedLength(628, maxDatagramLength: 10), Is.EqualTo(0));

        var offending = Hex(IpScapyVectors.Offending4);
        var gateway = Ipv4Address.Parse("198.18.0.254");
        var cases = new (Icmpv4Repr Repr, string Vector)[]
        {
            (Icmpv4Repr.DestinationUnreachable(Icmpv4UnreachableCode.PortUnreachable, offending.Length), IpScapyVectors.Icmpv4PortUnreachable),
            (Icmpv4Repr.DestinationUnreachable(Icmpv4UnreachableCode.FragmentationNeeded, offending.Length, nextHopMtu: 1400), IpScapyVectors.Icmpv4FragmentationNeeded),
            (Icmpv4Repr.TimeExceeded(Icmpv4TimeExceededCode.TtlExceeded, offending.Length), IpScapyVectors.Icmpv4TimeExceeded),
            (Icmpv4Repr.ParameterProblem(Icmpv4ParameterProblemCode.PointerIndicatesError, 8, offending.Length, maxDatagramLength: 56), IpScapyVectors.Icmpv4ParameterProblem),
            (Icmpv4Repr.Redirect(Icmpv4RedirectCode.Host, gateway, offending.Length, maxDatagramLength: 56), IpScapyVectors.Icmpv4Redirect),
        };
        foreach (var (repr, vector) in cases)
        {
            var expected = MessageOf(vector);
            Assert.That(ParseRepr(expected), Is.EqualTo(repr), vector[..60]);
            var buffer = new byte[repr.BufferLength];
            Assert.That(repr.TryEmit(buffer, offending), Is.True);
            Assert.That(buffer, Is.EqualTo(expected), repr.Type.ToString());
        }
    }

    [Test]
    public void An_error_can_be_built_over_the_datagram_it_quotes()
    {
        // The offending datagram sits where the error's IP header will go; its quote moves 28 bytes on.
        var offending = Hex(IpScapyVectors.Offending4);
        var buffer = new byte[1000];
        offending.CopyTo(buffer, 0);
        var repr = Icmpv4Repr.DestinationUnreachable(Icmpv4UnreachableCode.PortUnreachable, offending.Length);
        Assert.That(repr.TryEmit(buffer.AsSpan(20), buffer.AsSpan(0, offending.Length)), Is.True);
        var header = new Ipv4Repr(A, B, IpProtocol.Icmp, repr.BufferLength, 64) { Identification = 1 };
        Assert.That(header.TryEmit(buffer), Is.True);
        Assert.That(buffer.AsSpan(0, header.TotalLength).ToArray(), Is.EqualTo(Hex(IpScapyVectors.Icmpv4PortUnreachable)));
    }

    [Test]
    public void Checksum_covers_the_whole_message()
    {
        var message = MessageOf(IpScapyVectors.Icmpv4PortUnreachable);
        message[^1] ^= 0x40;
        Assert.That(Icmpv4Packet.TryParse(message, out var p, out _), Is.True);
        Assert.That(Icmpv4Repr.TryParse(p, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.BadChecksum));
        p.FillChecksum();
        Assert.That(p.VerifyChecksum(), Is.True);
    }

    [Test]
    public void Errors_must_quote_the_ip_header_and_8_bytes_and_unknown_types_are_unsupported()
    {
        var offending = Hex(IpScapyVectors.Offending4);
        foreach (var (quote, expected) in new[] { (27, WireError.Truncated), (19, WireError.Truncated), (28, WireError.None) })
        {
            var repr = Icmpv4Repr.TimeExceeded(Icmpv4TimeExceededCode.TtlExceeded, offending.Length, maxDatagramLength: 28 + quote);
            var buffer = new byte[repr.BufferLength];
            repr.TryEmit(buffer, offending);
            Icmpv4Packet.TryParse(buffer, out var p, out _);
            Icmpv4Repr.TryParse(p, out _, out var error);
            Assert.That(error, Is.EqualTo(expected), $"{quote} bytes quoted");
        }

        var notIp = Icmpv4Repr.TimeExceeded(Icmpv4TimeExceededCode.TtlExceeded, 28);
        var message = new byte[notIp.BufferLength];
        notIp.TryEmit(message, new byte[28]);
        Icmpv4Packet.TryParse(message, out var packet, out _);
        Assert.That(Icmpv4Repr.TryParse(packet, out _, out var err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Malformed), "a quote that is not IPv4");

        message = new byte[8];
        message[0] = (byte)Icmpv4Type.Timestamp;
        Icmpv4Packet.TryParse(message, out packet, out _);
        packet.FillChecksum();
        Assert.That(Icmpv4Repr.TryParse(packet, out _, out err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Unsupported));
        Assert.That((Icmpv4Repr.EchoRequest(1, 2, 0) with { Type = Icmpv4Type.Timestamp }).TryEmit(new byte[8], default), Is.False);
    }

    [Test]
    public void Emit_refuses_short_buffers_and_short_payloads()
    {
        var repr = Icmpv4Repr.EchoRequest(1, 2, 10);
        Assert.That(repr.TryEmit(new byte[17], new byte[10]), Is.False);
        Assert.That(repr.TryEmit(new byte[18], new byte[9]), Is.False);
        Assert.That(repr.TryEmit(new byte[18], new byte[10]), Is.True);
        Assert.That(Icmpv4Packet.TryParse(new byte[7], out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Truncated));
    }

    [Test]
    public void Parse_and_emit_do_not_allocate()
    {
        var message = MessageOf(IpScapyVectors.Icmpv4PortUnreachable);
        var output = new byte[message.Length];
        int done = 0;
        Icmpv4Repr last = default;
        long allocated = AllocatedBy(1000, () =>
        {
            if (Icmpv4Packet.TryParse(message, out var p, out _) && Icmpv4Repr.TryParse(p, out var repr, out _) && repr.TryEmit(output, p.Payload))
            {
                done++;
                last = repr;
            }
        });
        Assert.That(allocated, Is.Zero);
        Assert.That(done, Is.EqualTo(1 + 1000), "the warm-up and every measured run parsed and emitted");
        Assert.That((last.Type, last.Code, last.PayloadLength), Is.EqualTo((Icmpv4Type.DestinationUnreachable, (byte)3, 548)));
        Assert.That(output, Is.EqualTo(message), "emitted as scapy built it");
    }

    internal static void Exercise(byte[] data)
    {
        if (!Icmpv4Packet.TryParse(data, out var p, out var error))
        {
            Assert.That(error, Is.EqualTo(WireError.Truncated));
            return;
        }
        _ = (p.Type, p.Code, p.Checksum, p.Identifier, p.SequenceNumber, p.NextHopMtu, p.Pointer, p.Gateway, p.RestOfHeader.Length, p.IsError);
        if (p.TryGetQuotedDatagram(out var quoted, out _)) _ = (quoted.TotalLength, quoted.Source, quoted.Payload.Length, quoted.IsTruncated);
        // A mutation usually breaks the checksum; mend it on the second pass to reach the checks behind it.
        for (int pass = 0; pass < 2; pass++, p.FillChecksum())
        {
            bool ok = Icmpv4Repr.TryParse(p, out var repr, out error);
            Assert.That(ok, Is.EqualTo(error == WireError.None));
            if (!ok) continue;
            var output = new byte[repr.BufferLength];
            Assert.That(repr.TryEmit(output, p.Payload), Is.True);
            Assert.That(Icmpv4Packet.TryParse(output, out var again, out _) && Icmpv4Repr.TryParse(again, out var back, out _) && back == repr, Is.True);
        }
    }

    private static byte[][] Seeds => new[]
    {
        MessageOf(IpScapyVectors.Icmpv4EchoRequest), MessageOf(IpScapyVectors.Icmpv4FragmentationNeeded), MessageOf(IpScapyVectors.Icmpv4ParameterProblem),
        MessageOf(IpScapyVectors.Icmpv4Redirect), MessageOf(IpScapyVectors.Icmpv4TimeExceeded),
    };

    [Test]
    public void Every_prefix_of_every_vector_returns_a_status()
    {
        foreach (var seed in Seeds) EveryPrefix(seed, Exercise);
    }

    [Test]
    public void Random_mutations_never_throw() => Fuzz(792, 35_000, Seeds, Exercise);
}
