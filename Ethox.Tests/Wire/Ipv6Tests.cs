using System;
using Ethox.Wire;
using NUnit.Framework;
using static Ethox.Tests.Wire.IpTestSupport;

namespace Ethox.Tests.Wire;

public class Ipv6Tests
{
    private static readonly Ipv6Address A = Ipv6Address.Parse("2001:db8::1");
    private static readonly Ipv6Address B = Ipv6Address.Parse("2001:db8::2");

    [Test]
    public void Scapy_udp_packet_parses_field_by_field()
    {
        var bytes = Hex(IpScapyVectors.Ipv6Udp);
        Assert.That(Ipv6Packet.TryParse(bytes, out var p, out var error), Is.True, error.Describe());
        Assert.That(p.Version, Is.EqualTo(6));
        Assert.That(p.TrafficClass, Is.EqualTo(0xB9));
        Assert.That((p.Dscp, p.Ecn), Is.EqualTo(((byte)46, (byte)1)));
        Assert.That(p.FlowLabel, Is.EqualTo(0x12345));
        Assert.That(p.PayloadLength, Is.EqualTo(13));
        Assert.That(p.NextHeader, Is.EqualTo(IpProtocol.Udp));
        Assert.That(p.HopLimit, Is.EqualTo(64));
        Assert.That((p.Source, p.Destination), Is.EqualTo((A, B)));
        Assert.That(p.Payload.ToArray(), Is.EqualTo(bytes[40..]));
        Assert.That(p.TryGetUpperLayer(out var upper, out _), Is.True);
        Assert.That(upper, Is.EqualTo(new Ipv6UpperLayer(IpProtocol.Udp, 0) { FinalDestination = B }));

        var repr = Ipv6Repr.Parse(p);
        Assert.That(repr, Is.EqualTo(new Ipv6Repr(A, B, IpProtocol.Udp, 13, 64) { Dscp = 46, Ecn = 1, FlowLabel = 0x12345 }));
        var buffer = new byte[bytes.Length];
        Assert.That(repr.TryEmit(buffer), Is.True);
        bytes.AsSpan(40).CopyTo(buffer.AsSpan(40));
        Assert.That(buffer, Is.EqualTo(bytes), "emitted header is byte-identical to scapy's");
    }

    [Test]
    public void Setters_write_the_packed_fields_without_disturbing_neighbours()
    {
        var bytes = Hex(IpScapyVectors.Ipv6Udp);
        Ipv6Packet.TryParse(bytes, out var p, out _);
        p.Ecn = 3;
        Assert.That((p.Dscp, p.Ecn, p.FlowLabel, p.Version), Is.EqualTo(((byte)46, (byte)3, 0x12345u, (byte)6)));
        p.FlowLabel = 0xFFFFF;
        Assert.That((p.TrafficClass, p.FlowLabel), Is.EqualTo(((byte)0xBB, 0xFFFFFu)));
        p.Dscp = 0;
        Assert.That((p.TrafficClass, p.FlowLabel), Is.EqualTo(((byte)3, 0xFFFFFu)));
    }

    [Test]
    public void Extension_header_chain_is_walked_to_the_upper_layer()
    {
        var bytes = Hex(IpScapyVectors.Ipv6ExtensionChain);
        Assert.That(Ipv6Packet.TryParse(bytes, out var p, out _), Is.True);
        var reader = p.ExtensionHeaders;

        Assert.That(reader.TryNext(out var hbh), Is.True);
        Assert.That((hbh.Type, hbh.Length, hbh.NextHeader), Is.EqualTo((IpProtocol.HopByHop, 8, IpProtocol.Ipv6Options)));
        var options = hbh.Options;
        Assert.That(options.TryNext(out var alert), Is.True);
        Assert.That((alert.Type, alert.Offset, alert.Data.ToArray()), Is.EqualTo((Ipv6OptionType.RouterAlert, 2, new byte[] { 0, 0 })));
        Assert.That((alert.FailureAction, alert.MayChange), Is.EqualTo((Ipv6OptionFailureAction.Skip, false)));
        Assert.That(options.TryNext(out var pad), Is.True);
        Assert.That((pad.Type, pad.Offset, pad.Data.Length), Is.EqualTo((Ipv6OptionType.PadN, 6, 0)));
        Assert.That(options.TryNext(out _), Is.False);
        Assert.That(options.Error, Is.EqualTo(WireError.None));

        Assert.That(reader.TryNext(out var dest), Is.True);
        Assert.That((dest.Type, dest.Length, dest.NextHeader), Is.EqualTo((IpProtocol.Ipv6Options, 8, IpProtocol.Ipv6Route)));
        options = dest.Options;
        Assert.That(options.TryNext(out pad), Is.True);
        Assert.That((pad.Type, pad.Data.Length), Is.EqualTo((Ipv6OptionType.PadN, 4)));

        Assert.That(reader.TryNext(out var routing), Is.True);
        Assert.That((routing.Type, routing.Length), Is.EqualTo((IpProtocol.Ipv6Route, 24)));
        Assert.That(Ipv6RoutingHeader.TryParse(routing.Bytes, out var rh, out _), Is.True);
        Assert.That((rh.RoutingType, rh.SegmentsLeft, rh.NextHeader, rh.Length), Is.EqualTo(((byte)0, (byte)1, IpProtocol.Ipv6Fragment, 24)));
        Assert.That(Ipv6Address.Read(rh.Data[4..]), Is.EqualTo(Ipv6Address.Parse("2001:db8::9")));

        Assert.That(reader.TryNext(out var fragment), Is.True);
        Assert.That((fragment.Type, fragment.Length), Is.EqualTo((IpProtocol.Ipv6Fragment, 8)));
        Assert.That(Ipv6FragmentHeader.TryParse(fragment.Bytes, out var fh, out _), Is.True);
        Assert.That((fh.NextHeader, fh.FragmentOffset, fh.MoreFragments, fh.Identification), Is.EqualTo((IpProtocol.Udp, (ushort)0, true, 0xDEADBEEFu)));

        Assert.That(reader.TryNext(out _), Is.False);
        Assert.That((reader.Error, reader.NextHeader, reader.Offset), Is.EqualTo((WireError.None, IpProtocol.Udp, 48)));

        // The chain holds a routing header with segments left: the pseudo-header uses its final address (RFC 8200 §8.1).
        Assert.That(p.TryGetUpperLayer(out var upper, out _), Is.True);
        Assert.That(upper, Is.EqualTo(new Ipv6UpperLayer(IpProtocol.Udp, 48) { Fragment = new Ipv6FragmentInfo(0, true, 0xDEADBEEF), FinalDestination = Ipv6Address.Parse("2001:db8::9") }));
        Assert.That(p.Payload[48..].Length, Is.EqualTo(12), "UDP header and 4 bytes of data");
    }

    [Test]
    public void A_later_fragment_stops_the_walk_at_its_fragment_data()
    {
        var bytes = Hex(IpScapyVectors.Ipv6LaterFragment);
        Assert.That(Ipv6Packet.TryParse(bytes, out var p, out _), Is.True);
        Assert.That(p.TryGetUpperLayer(out var upper, out _), Is.True);
        Assert.That(upper.Protocol, Is.EqualTo(IpProtocol.Udp));
        Assert.That(upper.Offset, Is.EqualTo(8));
        Assert.That(upper.Fragment, Is.EqualTo(new Ipv6FragmentInfo(100, false, 7)));
        Assert.That(upper.Fragment!.Value.FragmentByteOffset, Is.EqualTo(800), "Fragment Offset is in 8-byte units");

        // Fragment data that looks like another extension header is not walked (RFC 8200 §4.5).
        bytes[40] = (byte)IpProtocol.Ipv6Options;
        Ipv6Packet.TryParse(bytes, out p, out _);
        Assert.That(p.TryGetUpperLayer(out upper, out _), Is.True);
        Assert.That((upper.Protocol, upper.Offset), Is.EqualTo((IpProtocol.Ipv6Options, 8)));
    }

    [Test]
    public void Hop_by_hop_options_anywhere_but_first_are_malformed()
    {
        var bytes = Hex(IpScapyVectors.Ipv6HopByHopNotFirst);
        Assert.That(Ipv6Packet.TryParse(bytes, out var p, out _), Is.True);
        Assert.That(p.TryGetUpperLayer(out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Malformed), "RFC 8200 §4.1");
    }

    [Test]
    public void More_than_8_extension_headers_are_too_long()
    {
        foreach (int count in new[] { 8, 9 })
        {
            var buffer = new byte[40 + 8 * count + 8];
            new Ipv6Repr(A, B, IpProtocol.Ipv6Options, 8 * count + 8, 64).TryEmit(buffer);
            for (int i = 0; i < count; i++) buffer[40 + 8 * i] = (byte)(i == count - 1 ? IpProtocol.Udp : IpProtocol.Ipv6Options);
            Ipv6Packet.TryParse(buffer, out var p, out _);
            bool ok = p.TryGetUpperLayer(out var upper, out var error);
            if (count == Ipv6ExtensionHeaderReader.MaxHeaders)
                Assert.That((ok, upper.Protocol, upper.Offset), Is.EqualTo((true, IpProtocol.Udp, 64)));
            else
                Assert.That((ok, error), Is.EqualTo((false, WireError.TooLong)));
        }
    }

    [Test]
    public void Extension_header_past_the_payload_is_truncated_and_option_past_its_header_is_malformed()
    {
        var bytes = Hex(IpScapyVectors.Ipv6ExtensionChain);
        bytes[40 + 16 + 1] = 9; // routing header claims 80 bytes
        Ipv6Packet.TryParse(bytes, out var p, out _);
        Assert.That(p.TryGetUpperLayer(out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Truncated));

        var reader = new Ipv6OptionReader(new byte[] { 17, 0, 0, 5, 2, 0, 0, 1 });
        Assert.That(reader.TryNext(out var pad1), Is.True);
        Assert.That(pad1.Type, Is.EqualTo(Ipv6OptionType.Pad1));
        Assert.That(reader.TryNext(out _), Is.True);
        Assert.That(reader.TryNext(out _), Is.False, "the last byte starts a PadN without a length byte");
        Assert.That(reader.Error, Is.EqualTo(WireError.Malformed));

        reader = new Ipv6OptionReader(new byte[] { 17, 0, 0xC5, 1, 0, 1, 5, 0 });
        Assert.That(reader.TryNext(out var unknown), Is.True);
        Assert.That((unknown.FailureAction, unknown.MayChange), Is.EqualTo((Ipv6OptionFailureAction.DiscardAndSendIcmpUnlessMulticast, false)));
        Assert.That(reader.TryNext(out _), Is.False);
        Assert.That(reader.Error, Is.EqualTo(WireError.Malformed), "a PadN of 5 bytes with 1 byte left");
    }

    [Test]
    public void Router_alert_hop_by_hop_header_is_byte_identical_to_scapy()
    {
        var expected = Hex(IpScapyVectors.MldV1Query).AsSpan(40, 8).ToArray();
        var buffer = new byte[8];
        Assert.That(Ipv6ExtensionHeader.TryEmitRouterAlert(buffer, IpProtocol.Icmpv6), Is.True);
        Assert.That(buffer, Is.EqualTo(expected));
        Assert.That(Ipv6ExtensionHeader.TryEmitRouterAlert(new byte[7], IpProtocol.Icmpv6), Is.False);
    }

    [Test]
    public void Fragment_header_fields_round_trip()
    {
        var info = new Ipv6FragmentInfo(0x1FFF, true, 0x01020304);
        var buffer = new byte[8];
        Assert.That(info.TryEmit(buffer, IpProtocol.Tcp), Is.True);
        Assert.That(buffer, Is.EqualTo(new byte[] { 6, 0, 0xFF, 0xF9, 1, 2, 3, 4 }));
        Assert.That(Ipv6FragmentHeader.TryParse(buffer, out var header, out _), Is.True);
        Assert.That(Ipv6FragmentInfo.Parse(header), Is.EqualTo(info));
        header.MoreFragments = false;
        header.FragmentOffset = 3;
        Assert.That(Ipv6FragmentInfo.Parse(header), Is.EqualTo(new Ipv6FragmentInfo(3, false, 0x01020304)));
        Assert.That((info with { FragmentOffset = 0x2000 }).TryEmit(buffer, IpProtocol.Tcp), Is.False);
        Assert.That(Ipv6FragmentHeader.TryParse(new byte[7], out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Truncated));
    }

    [Test]
    public void Payload_length_is_honoured()
    {
        var bytes = Hex(IpScapyVectors.Ipv6Udp);
        var padded = new byte[bytes.Length + 7];
        bytes.CopyTo(padded);
        Assert.That(Ipv6Packet.TryParse(padded, out var p, out _), Is.True);
        Assert.That((p.Bytes.Length, p.Payload.Length), Is.EqualTo((53, 13)));
        Assert.That(Ipv6Packet.TryParse(bytes.AsSpan(0, 52), out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Truncated));
        Assert.That(Ipv6Packet.TryParseQuoted(bytes.AsSpan(0, 44), out p, out error), Is.True, error.Describe());
        Assert.That((p.IsTruncated, p.PayloadLength, p.Payload.Length), Is.EqualTo((true, (ushort)13, 4)));
        bytes[0] = 0x4B;
        Assert.That(Ipv6Packet.TryParse(bytes, out _, out error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Malformed), "version 4 in an IPv6 header");
    }

    [Test]
    public void Emit_refuses_small_buffers_and_fields_that_do_not_fit()
    {
        var repr = new Ipv6Repr(A, B, IpProtocol.Tcp, 20, 64);
        Assert.That(repr.TryEmit(new byte[59]), Is.False);
        Assert.That(repr.TryEmit(new byte[60]), Is.True);
        Assert.That((repr with { FlowLabel = 0x100000 }).TryEmit(new byte[60]), Is.False);
        Assert.That((repr with { Ecn = 4 }).TryEmit(new byte[60]), Is.False);
        Assert.That((repr with { PayloadLength = 65536 }).TryEmit(new byte[70000]), Is.False);
    }

    [Test]
    public void Walking_the_chain_does_not_allocate()
    {
        var bytes = Hex(IpScapyVectors.Ipv6ExtensionChain);
        int parsed = 0, headers = 0, options = 0, emitted = 0;
        Ipv6UpperLayer upper = default;
        long allocated = AllocatedBy(1000, () =>
        {
            if (!Ipv6Packet.TryParse(bytes, out var p, out _)) return;
            parsed++;
            if (!p.TryGetUpperLayer(out upper, out _)) return;
            var reader = p.ExtensionHeaders;
            while (reader.TryNext(out var header))
            {
                headers++;
                if (header.Type is not (IpProtocol.HopByHop or IpProtocol.Ipv6Options)) continue;
                var walk = header.Options;
                while (walk.TryNext(out _)) options++;
            }
            if (Ipv6Repr.Parse(p).TryEmit(bytes)) emitted++;
        });
        Assert.That(allocated, Is.Zero);
        const int Runs = 1 + 1000; // the warm-up and the measured runs
        Assert.That((parsed, emitted), Is.EqualTo((Runs, Runs)));
        Assert.That(headers, Is.EqualTo(Runs * 4), "hop-by-hop, destination options, routing, fragment");
        Assert.That(options, Is.EqualTo(Runs * 3), "router alert and its padding, then PadN");
        Assert.That(upper.Protocol, Is.EqualTo(IpProtocol.Udp));
        Assert.That(bytes, Is.EqualTo(Hex(IpScapyVectors.Ipv6ExtensionChain)), "the header emitted over itself is the one parsed");
    }

    internal static void Exercise(byte[] data)
    {
        foreach (bool quoted in new[] { false, true })
        {
            bool ok = quoted ? Ipv6Packet.TryParseQuoted(data, out var p, out var error) : Ipv6Packet.TryParse(data, out p, out error);
            Assert.That(ok, Is.EqualTo(error == WireError.None));
            if (!ok) continue;
            _ = (p.TrafficClass, p.Dscp, p.Ecn, p.FlowLabel, p.PayloadLength, p.IsTruncated, p.NextHeader, p.HopLimit, p.Source, p.Destination);
            var reader = p.ExtensionHeaders;
            int count = 0;
            while (reader.TryNext(out var header))
            {
                Assert.That(++count, Is.LessThanOrEqualTo(Ipv6ExtensionHeaderReader.MaxHeaders));
                _ = (header.NextHeader, header.Length);
                var options = header.Options;
                while (options.TryNext(out var option)) _ = (option.Type, option.Data.Length, option.FailureAction, option.Offset);
                if (Ipv6RoutingHeader.TryParse(header.Bytes, out var rh, out _)) _ = (rh.RoutingType, rh.SegmentsLeft, rh.Data.Length);
                if (Ipv6FragmentHeader.TryParse(header.Bytes, out var fh, out _)) _ = Ipv6FragmentInfo.Parse(fh);
            }
            Assert.That(reader.Offset, Is.LessThanOrEqualTo(p.Payload.Length));
            if (p.TryGetUpperLayer(out var upper, out _)) Assert.That(upper.Offset, Is.LessThanOrEqualTo(p.Payload.Length));
            var repr = Ipv6Repr.Parse(p);
            if (!quoted)
            {
                var output = new byte[repr.HeaderLength + repr.PayloadLength];
                Assert.That(repr.TryEmit(output), Is.True);
                Assert.That(output.AsSpan(0, 40).SequenceEqual(data.AsSpan(0, 40)), Is.True);
            }
        }
    }

    [Test]
    public void Every_prefix_of_every_vector_returns_a_status()
    {
        foreach (var v in new[] { IpScapyVectors.Ipv6Udp, IpScapyVectors.Ipv6ExtensionChain, IpScapyVectors.Ipv6LaterFragment, IpScapyVectors.Ipv6HopByHopNotFirst, IpScapyVectors.MldV2Report })
            EveryPrefix(Hex(v), Exercise);
    }

    [Test]
    public void Random_mutations_never_throw()
        => Fuzz(8200, 35_000, new[] { Hex(IpScapyVectors.Ipv6Udp), Hex(IpScapyVectors.Ipv6ExtensionChain), Hex(IpScapyVectors.Ipv6LaterFragment), Hex(IpScapyVectors.MldV2Query) }, Exercise);
}
