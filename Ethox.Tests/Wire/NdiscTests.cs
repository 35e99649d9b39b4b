using System;
using Ethox.Wire;
using NUnit.Framework;
using static Ethox.Tests.Wire.IpTestSupport;

namespace Ethox.Tests.Wire;

public class NdiscTests
{
    private static readonly EthernetAddress Mac1 = EthernetAddress.Parse("02:00:00:00:00:01");
    private static readonly EthernetAddress Mac2 = EthernetAddress.Parse("02:00:00:00:00:02");
    private static readonly EthernetAddress Mac3 = EthernetAddress.Parse("02:00:00:00:00:03");
    private static readonly Ipv6Address Ll1 = Ipv6Address.Parse("fe80::1");
    private static readonly Ipv6Address Ll2 = Ipv6Address.Parse("fe80::2");

    private static (byte[] Message, Ipv6Address Source, Ipv6Address Destination) MessageOf(string vector) => Icmpv6Tests.MessageOf(vector);

    private static NdiscRepr ParseRepr(string vector)
    {
        var (message, source, destination) = MessageOf(vector);
        return ParseRepr(message, source, destination);
    }

    private static NdiscRepr ParseRepr(byte[] message, Ipv6Address source, Ipv6Address destination)
    {
        Assert.That(Icmpv6Packet.TryParse(message, out var packet, out var error), Is.True, error.Describe());
        Assert.That(NdiscRepr.TryParse(packet, source, destination, out var repr, out error), Is.True, error.Describe());
        return repr;
    }

    private static WireError ParseError(byte[] message, Ipv6Address source, Ipv6Address destination, bool fixChecksum = true)
    {
        Icmpv6Packet.TryParse(message, out var packet, out var error);
        if (fixChecksum) packet.FillChecksum(source, destination);
        NdiscRepr.TryParse(packet, source, destination, out _, out error);
        return error;
    }

    private static void AssertEmitsLikeScapy(NdiscRepr repr, string vector)
    {
        var (expected, source, destination) = MessageOf(vector);
        var buffer = new byte[repr.BufferLength];
        Assert.That(repr.TryEmit(buffer, source, destination), Is.True);
        Assert.That(buffer, Is.EqualTo(expected), repr.Type.ToString());
    }

    [Test]
    public void Router_solicitation_with_source_link_layer_address_matches_scapy()
    {
        var expected = NdiscRepr.RouterSolicitation(Mac1);
        Assert.That(ParseRepr(IpScapyVectors.NdiscRouterSolicitation), Is.EqualTo(expected));
        AssertEmitsLikeScapy(expected, IpScapyVectors.NdiscRouterSolicitation);
    }

    [Test]
    public void Router_advertisement_fields_and_options_match_scapy()
    {
        var prefix = new NdiscPrefixInformation(64, true, true, 86400, 14400, Ipv6Address.Parse("2001:db8:1::"));
        var expected = NdiscRepr.RouterAdvertisement(64, NdiscRouterFlags.ManagedAddressConfiguration | NdiscRouterFlags.OtherConfiguration, 1800, 30000, 1000, Mac2)
            with { Mtu = 1500, Prefix = prefix };
        var repr = ParseRepr(IpScapyVectors.NdiscRouterAdvertisement);
        Assert.That((repr.CurrentHopLimit, repr.RouterFlags, repr.RouterLifetime, repr.ReachableTime, repr.RetransTimer),
            Is.EqualTo(((byte)64, NdiscRouterFlags.ManagedAddressConfiguration | NdiscRouterFlags.OtherConfiguration, (ushort)1800, 30000u, 1000u)));
        Assert.That((repr.SourceLinkLayerAddress, repr.Mtu, repr.Prefix), Is.EqualTo(((EthernetAddress?)Mac2, (uint?)1500, (NdiscPrefixInformation?)prefix)));
        Assert.That(repr, Is.EqualTo(expected));
        AssertEmitsLikeScapy(expected, IpScapyVectors.NdiscRouterAdvertisement);
    }

    [Test]
    public void Unknown_options_are_skipped_and_every_prefix_is_readable()
    {
        var (message, source, destination) = MessageOf(IpScapyVectors.NdiscRouterAdvertisementMore);
        Icmpv6Packet.TryParse(message, out var packet, out _);
        Assert.That(NdiscPacket.TryParse(packet, out var view, out _), Is.True);
        var options = view.Options;
        Assert.That(options.TryNext(out var first), Is.True, "the RDNSS option (RFC 8106) before it is skipped");
        Assert.That((first.Type, first.Length), Is.EqualTo((NdiscOptionType.PrefixInformation, 32)));
        Assert.That(first.PrefixInformation, Is.EqualTo(new NdiscPrefixInformation(64, true, false, 600, 300, Ipv6Address.Parse("2001:db8:1::"))));
        Assert.That(options.TryNext(out var second), Is.True);
        Assert.That(second.PrefixInformation, Is.EqualTo(new NdiscPrefixInformation(48, false, true, 700, 400, Ipv6Address.Parse("2001:db8:2::"))));
        Assert.That((second.LinkLayerAddress, second.Mtu), Is.EqualTo((default(EthernetAddress), 0u)), "accessors of other types read as zero");
        Assert.That(options.TryNext(out _), Is.False);
        Assert.That(options.Error, Is.EqualTo(WireError.None));
        Assert.That(ParseRepr(message, source, destination).Prefix!.Value.PrefixLength, Is.EqualTo(64), "the repr keeps the first prefix");
    }

    [Test]
    public void Neighbor_solicitation_and_advertisement_match_scapy()
    {
        var ns = NdiscRepr.NeighborSolicitation(Ll2, Mac1);
        Assert.That(ParseRepr(IpScapyVectors.NdiscNeighborSolicitation), Is.EqualTo(ns));
        AssertEmitsLikeScapy(ns, IpScapyVectors.NdiscNeighborSolicitation);

        var dad = NdiscRepr.NeighborSolicitation(Ll2, null);
        Assert.That(ParseRepr(IpScapyVectors.NdiscNeighborSolicitationDad), Is.EqualTo(dad), "DAD: from ::, no source link-layer address");
        AssertEmitsLikeScapy(dad, IpScapyVectors.NdiscNeighborSolicitationDad);

        var na = NdiscRepr.NeighborAdvertisement(NdiscNeighborFlags.Solicited | NdiscNeighborFlags.Override, Ll2, Mac2);
        Assert.That(ParseRepr(IpScapyVectors.NdiscNeighborAdvertisement), Is.EqualTo(na));
        AssertEmitsLikeScapy(na, IpScapyVectors.NdiscNeighborAdvertisement);
    }

    [Test]
    public void A_solicitation_is_answered_with_an_advertisement_in_place()
    {
        var frame = Hex(IpScapyVectors.NdiscNeighborSolicitation);
        Assert.That(Ipv6Packet.TryParse(frame, out var ip, out _), Is.True);
        Icmpv6Packet.TryParse(ip.Payload, out var icmp, out _);
        Assert.That(NdiscRepr.TryParse(icmp, ip.Source, ip.Destination, out var ns, out var error), Is.True, error.Describe());
        Assert.That(ns.SourceLinkLayerAddress, Is.EqualTo(Mac1));

        var na = NdiscRepr.NeighborAdvertisement(NdiscNeighborFlags.Solicited | NdiscNeighborFlags.Override, ns.Target, Mac2);
        Assert.That(na.BufferLength, Is.EqualTo(ip.Payload.Length), "an NA with TLLA is as long as an NS with SLLA");
        ip.Destination = ip.Source;
        ip.Source = ns.Target;
        Assert.That(na.TryEmit(ip.Payload, ip.Source, ip.Destination), Is.True);
        Assert.That(frame, Is.EqualTo(Hex(IpScapyVectors.NdiscNeighborAdvertisement)));
    }

    [Test]
    public void Redirect_parses_with_its_redirected_header()
    {
        var (message, source, destination) = MessageOf(IpScapyVectors.NdiscRedirect);
        var repr = ParseRepr(message, source, destination);
        Assert.That(repr, Is.EqualTo(NdiscRepr.Redirect(Ipv6Address.Parse("fe80::3"), Ipv6Address.Parse("2001:db8::99"), Mac3)));

        Icmpv6Packet.TryParse(message, out var packet, out _);
        NdiscPacket.TryParse(packet, out var view, out _);
        Assert.That((view.Target, view.Destination), Is.EqualTo((repr.Target, repr.Destination)));
        var options = view.Options;
        Assert.That(options.TryNext(out var tll), Is.True);
        Assert.That((tll.Type, tll.LinkLayerAddress), Is.EqualTo((NdiscOptionType.TargetLinkLayerAddress, Mac3)));
        Assert.That(options.TryNext(out var redirected), Is.True);
        Assert.That(redirected.Type, Is.EqualTo(NdiscOptionType.RedirectedHeader));
        var quote = redirected.RedirectedPacket.ToArray();
        Assert.That(Ipv6Packet.TryParseQuoted(quote, out var quoted, out var error), Is.True, error.Describe());
        Assert.That((quoted.Source, quoted.Destination, quoted.NextHeader), Is.EqualTo((Ll1, repr.Destination, IpProtocol.Udp)));

        var withoutQuote = new byte[repr.BufferLength];
        Assert.That(repr.TryEmit(withoutQuote, source, destination), Is.True);
        Assert.That(withoutQuote.AsSpan(4).SequenceEqual(message.AsSpan(4, withoutQuote.Length - 4)), Is.True,
            "the same fixed part and target link-layer option as scapy's (the checksum differs: no redirected header)");
    }

    [Test]
    public void Option_of_length_zero_is_malformed()
    {
        var (message, source, destination) = MessageOf(IpScapyVectors.NdiscNeighborSolicitation);
        message[25] = 0;
        Assert.That(ParseError(message, source, destination), Is.EqualTo(WireError.Malformed), "RFC 4861 §4.6");

        var reader = new NdiscOptionReader(new byte[] { 99, 1, 0, 0, 0, 0, 0, 0, 99, 0 });
        Assert.That(reader.TryNext(out _), Is.False, "the unknown option is skipped, the zero-length one stops the walk");
        Assert.That(reader.Error, Is.EqualTo(WireError.Malformed));
    }

    [Test]
    public void Options_past_the_end_or_of_the_wrong_length_are_statuses()
    {
        var (message, source, destination) = MessageOf(IpScapyVectors.NdiscNeighborSolicitation);
        message[25] = 2;
        Assert.That(ParseError(message, source, destination), Is.EqualTo(WireError.Truncated));

        var ra = MessageOf(IpScapyVectors.NdiscRouterAdvertisement);
        var copy = (byte[])ra.Message.Clone();
        copy[16 + 8 + 1] = 2; // MTU option claims 16 bytes
        Assert.That(ParseError(copy, ra.Source, ra.Destination), Is.EqualTo(WireError.Malformed));
        copy = (byte[])ra.Message.Clone();
        copy[16 + 16 + 2] = 129; // prefix length over 128
        Assert.That(ParseError(copy, ra.Source, ra.Destination), Is.EqualTo(WireError.Malformed));
        Assert.That(ParseError(ra.Message[..15], ra.Source, ra.Destination), Is.EqualTo(WireError.Truncated), "shorter than the RA's fixed part");
    }

    [Test]
    public void Messages_that_RFC_4861_says_to_discard_are_malformed()
    {
        var ns = MessageOf(IpScapyVectors.NdiscNeighborSolicitation);
        var copy = (byte[])ns.Message.Clone();
        copy[1] = 1;
        Assert.That(ParseError(copy, ns.Source, ns.Destination), Is.EqualTo(WireError.Malformed), "non-zero code");
        copy = (byte[])ns.Message.Clone();
        copy[8] = 0xFF;
        Assert.That(ParseError(copy, ns.Source, ns.Destination), Is.EqualTo(WireError.Malformed), "multicast target");
        Assert.That(ParseError(ns.Message, Ipv6Address.Unspecified, ns.Destination), Is.EqualTo(WireError.Malformed),
            "NS from :: with a source link-layer address (§7.1.1)");
        var dad = MessageOf(IpScapyVectors.NdiscNeighborSolicitationDad);
        Assert.That(ParseError(dad.Message, dad.Source, Ipv6Address.LinkLocalAllNodes), Is.EqualTo(WireError.Malformed),
            "DAD NS not sent to a solicited-node group (§7.1.1)");

        var na = MessageOf(IpScapyVectors.NdiscNeighborAdvertisement);
        Assert.That(ParseError(na.Message, na.Source, Ipv6Address.LinkLocalAllNodes), Is.EqualTo(WireError.Malformed), "solicited NA to a multicast group (§7.1.2)");

        var ra = MessageOf(IpScapyVectors.NdiscRouterAdvertisement);
        Assert.That(ParseError(ra.Message, Ipv6Address.Parse("2001:db8::2"), ra.Destination), Is.EqualTo(WireError.Malformed), "RA from a global address (§6.1.2)");

        var rs = MessageOf(IpScapyVectors.NdiscRouterSolicitation);
        Assert.That(ParseError(rs.Message, Ipv6Address.Unspecified, rs.Destination), Is.EqualTo(WireError.Malformed), "RS from :: with SLLA (§6.1.1)");

        var redirect = MessageOf(IpScapyVectors.NdiscRedirect);
        Assert.That(ParseError(redirect.Message, Ipv6Address.Parse("2001:db8::2"), redirect.Destination), Is.EqualTo(WireError.Malformed), "redirect from a global address (§8.1)");
        copy = (byte[])redirect.Message.Clone();
        copy[8] = 0x20; // target 2001:… is neither link-local nor the destination
        Assert.That(ParseError(copy, redirect.Source, redirect.Destination), Is.EqualTo(WireError.Malformed));

        Assert.That(ParseError(ns.Message, ns.Source, Ipv6Address.Loopback, fixChecksum: false), Is.EqualTo(WireError.BadChecksum));
        var echo = MessageOf(IpScapyVectors.Icmpv6EchoRequest);
        Assert.That(ParseError(echo.Message, echo.Source, echo.Destination), Is.EqualTo(WireError.Unsupported));
    }

    [Test]
    public void View_fields_of_other_message_types_read_as_zero_and_ignore_writes()
    {
        var (message, _, _) = MessageOf(IpScapyVectors.NdiscRouterSolicitation);
        Icmpv6Packet.TryParse(message, out var packet, out _);
        NdiscPacket.TryParse(packet, out var rs, out _);
        var before = (byte[])message.Clone();
        rs.Target = Ll1;
        rs.Destination = Ll1;
        rs.RouterLifetime = 5;
        rs.NeighborFlags = NdiscNeighborFlags.Router;
        Assert.That(message, Is.EqualTo(before));
        Assert.That((rs.Target, rs.Destination, rs.RouterLifetime, rs.NeighborFlags, rs.CurrentHopLimit),
            Is.EqualTo((default(Ipv6Address), default(Ipv6Address), (ushort)0, NdiscNeighborFlags.None, (byte)0)));
    }

    [Test]
    public void Emit_refuses_short_buffers_and_other_types()
    {
        var na = NdiscRepr.NeighborAdvertisement(NdiscNeighborFlags.Router, Ll2, Mac2);
        Assert.That(na.TryEmit(new byte[31], Ll2, Ll1), Is.False);
        Assert.That((na with { Type = Icmpv6Type.EchoReply }).TryEmit(new byte[64], Ll2, Ll1), Is.False);
        Assert.That((na with { Prefix = new NdiscPrefixInformation(129, true, true, 1, 1, default) }).TryEmit(new byte[64], Ll2, Ll1), Is.False);
    }

    [Test]
    public void Parse_and_emit_do_not_allocate()
    {
        var (message, source, destination) = MessageOf(IpScapyVectors.NdiscRouterAdvertisement);
        var output = new byte[message.Length];
        int done = 0;
        NdiscRepr last = default;
        long allocated = AllocatedBy(1000, () =>
        {
            if (Icmpv6Packet.TryParse(message, out var p, out _) && NdiscRepr.TryParse(p, source, destination, out var repr, out _)
                && repr.TryEmit(output, source, destination))
            {
                done++;
                last = repr;
            }
        });
        Assert.That(allocated, Is.Zero);
        Assert.That(done, Is.EqualTo(1 + 1000), "the warm-up and every measured run parsed and emitted");
        Assert.That((last.Type, last.RouterLifetime, last.ReachableTime, last.RetransTimer),
            Is.EqualTo((Icmpv6Type.RouterAdvertisement, (ushort)1800, 30000u, 1000u)));
        Assert.That(output, Is.EqualTo(message), "emitted as scapy built it");
    }

    internal static void Exercise(byte[] data)
    {
        if (!Icmpv6Packet.TryParse(data, out var p, out _)) return;
        if (NdiscPacket.TryParse(p, out var view, out _))
        {
            _ = (view.CurrentHopLimit, view.RouterFlags, view.RouterLifetime, view.ReachableTime, view.RetransTimer, view.NeighborFlags, view.Target, view.Destination);
            var options = view.Options;
            while (options.TryNext(out var option))
                _ = (option.Type, option.Length, option.LinkLayerAddress, option.Mtu, option.PrefixInformation, option.RedirectedPacket.Length, option.Data.Length);
        }
        // Link-local source and solicited-node destination pass the address rules, so the fuzz reaches the options.
        var source = Ll1;
        var destination = Ipv6Address.Parse("ff02::1:ff00:2");
        for (int pass = 0; pass < 2; pass++, p.FillChecksum(source, destination))
        {
            bool ok = NdiscRepr.TryParse(p, source, destination, out var repr, out var error);
            Assert.That(ok, Is.EqualTo(error == WireError.None));
            if (!ok) continue;
            var output = new byte[repr.BufferLength];
            Assert.That(repr.TryEmit(output, source, destination), Is.True);
            Assert.That(Icmpv6Packet.TryParse(output, out var again, out _), Is.True);
            Assert.That(NdiscRepr.TryParse(again, source, destination, out var back, out _), Is.True);
            Assert.That(back, Is.EqualTo(repr));
        }
    }

    private static byte[][] Seeds => new[]
    {
        MessageOf(IpScapyVectors.NdiscRouterSolicitation).Message, MessageOf(IpScapyVectors.NdiscRouterAdvertisement).Message,
        MessageOf(IpScapyVectors.NdiscRouterAdvertisementMore).Message, MessageOf(IpScapyVectors.NdiscNeighborSolicitation).Message,
        MessageOf(IpScapyVectors.NdiscNeighborAdvertisement).Message, MessageOf(IpScapyVectors.NdiscRedirect).Message,
    };

    [Test]
    public void Every_prefix_of_every_vector_returns_a_status()
    {
        foreach (var seed in Seeds) EveryPrefix(seed, Exercise);
    }

    [Test]
    public void Random_mutations_never_throw() => Fuzz(4861, 35_000, Seeds, Exercise);
}
