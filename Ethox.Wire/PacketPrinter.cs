using System;

namespace Ethox.Wire;

/// <summary>
/// One line per frame, like tcpdump: each layer it understood, separated by ", ", then the first
/// error it met in plain words in brackets (<c>[tcp bad checksum]</c>, <c>[ipv4 truncated]</c>).
/// Writes into a caller-owned span; never allocates, never throws, whatever the bytes.
/// </summary>
/// <example><c>02:00:00:00:00:01 &gt; 02:00:00:00:00:02, IPv4 198.18.0.1 &gt; 198.18.0.2 ttl 64 len 60, TCP 40000 &gt; 80 [SYN,ACK] seq 1000 ack 2000 win 65535 &lt;mss 1460,sackOK,ts 123456 654321,nop,wscale 7&gt; len 0</c></example>
public static class PacketPrinter
{
    /// <summary>Formats <paramref name="frame"/> (Ethernet, or a bare IP packet for <see cref="PcapLinkType.RawIp"/>) into <paramref name="writer"/>.</summary>
    public static void Format(Span<byte> frame, PcapLinkType link, ref SpanTextWriter writer)
    {
        if (link == PcapLinkType.Ethernet) Ethernet(frame, ref writer);
        else Ip(frame, ref writer);
    }

    /// <summary>Formats into a char span and returns the number of characters written (cut when it does not fit).</summary>
    public static int Format(Span<byte> frame, PcapLinkType link, Span<char> destination)
    {
        var writer = new SpanTextWriter(destination);
        Format(frame, link, ref writer);
        return writer.Length;
    }

    private static void Ethernet(Span<byte> bytes, ref SpanTextWriter w)
    {
        if (!EthernetFrame.TryParse(bytes, out var frame, out var error)) { Error(ref w, "ethernet", error); return; }
        w.Append(frame.Source);
        w.Append(" > ");
        w.Append(frame.Destination);
        for (int i = 0; i < frame.TagCount; i++)
        {
            var tag = frame.Tag(i);
            w.Append(tag.Tpid == EtherType.QinQ ? ", 802.1ad vlan " : ", 802.1Q vlan ");
            w.Append(tag.VlanId);
            w.Append(" p ");
            w.Append(tag.Priority);
        }
        switch (frame.EtherType)
        {
            case EtherType.Ipv4:
            case EtherType.Ipv6:
                Ip(frame.Payload, ref w);
                break;
            case EtherType.Arp:
                Arp(frame.Payload, ref w);
                break;
            default:
                w.Append(frame.IsLengthField ? ", 802.3 length " : ", ethertype 0x");
                if (frame.IsLengthField) w.Append((ushort)frame.EtherType);
                else w.Append((ushort)frame.EtherType, "x4");
                break;
        }
    }

    private static void Arp(Span<byte> bytes, ref SpanTextWriter w)
    {
        if (!ArpPacket.TryParse(bytes, out var arp, out var error) || !ArpRepr.TryParse(arp, out var repr, out error))
        {
            Error(ref w, "arp", error);
            return;
        }
        if (repr.Operation == ArpOperation.Request)
        {
            w.Append(", ARP who-has ");
            w.Append(repr.TargetProtocolAddress);
            w.Append(" tell ");
            w.Append(repr.SenderProtocolAddress);
        }
        else
        {
            w.Append(", ARP reply ");
            w.Append(repr.SenderProtocolAddress);
            w.Append(" is-at ");
            w.Append(repr.SenderHardwareAddress);
        }
    }

    private static void Ip(Span<byte> bytes, ref SpanTextWriter w)
    {
        if (bytes.Length > 0 && bytes[0] >> 4 == 6) Ipv6(bytes, ref w);
        else Ipv4(bytes, ref w);
    }

    private static void Ipv4(Span<byte> bytes, ref SpanTextWriter w)
    {
        if (!Ipv4Packet.TryParse(bytes, out var ip, out var error))
        {
            // A whole header whose Total Length runs past the frame still names its addresses.
            if (error == WireError.Truncated && Ipv4Packet.TryParseQuoted(bytes, out var cut, out _))
                Addresses(", IPv4 ", cut.Source, cut.Destination, ref w);
            Error(ref w, "ipv4", error);
            return;
        }
        Addresses(", IPv4 ", ip.Source, ip.Destination, ref w);
        w.Append(" ttl ");
        w.Append(ip.TimeToLive);
        w.Append(" id ");
        w.Append(ip.Identification);
        w.Append(" len ");
        w.Append(ip.TotalLength);
        if (ip.DontFragment) w.Append(" DF");
        if (ip.IsFragment)
        {
            w.Append(" frag ");
            w.Append(ip.FragmentByteOffset);
            if (ip.MoreFragments) w.Append('+');
        }
        if (ip.HeaderLength > Ipv4Packet.MinHeaderLength) Ipv4Options(ip, ref w);
        if (!ip.VerifyChecksum()) { Error(ref w, "ipv4", WireError.BadChecksum); return; }
        // Any fragment, the first included, holds only part of the upper-layer datagram: its length and checksum
        // cannot be judged before reassembly (RFC 791 §3.2).
        if (ip.IsFragment) { w.Append(", fragment of "); w.Append(ProtocolName(ip.Protocol)); return; }
        if (!Ipv4Repr.TryParse(ip, out _, out error)) { Error(ref w, "ipv4", error); return; }
        Transport(ip.Protocol, ip.Payload, new IpAddress(ip.Source), new IpAddress(ip.Destination), ref w);
    }

    private static void Ipv4Options(Ipv4Packet ip, ref SpanTextWriter w)
    {
        w.Append(" opts <");
        var reader = ip.Options;
        bool first = true;
        while (reader.TryNext(out var option))
        {
            if (!first) w.Append(',');
            first = false;
            w.Append(option.Type switch
            {
                Ipv4OptionType.EndOfList => "eol",
                Ipv4OptionType.NoOperation => "nop",
                Ipv4OptionType.RecordRoute => "rr",
                Ipv4OptionType.Timestamp => "ts",
                Ipv4OptionType.RouterAlert => "ra",
                _ => "opt",
            });
        }
        w.Append('>');
        if (reader.Error != WireError.None) Error(ref w, "ipv4 options", reader.Error);
    }

    private static void Ipv6(Span<byte> bytes, ref SpanTextWriter w)
    {
        if (!Ipv6Packet.TryParse(bytes, out var ip, out var error))
        {
            // A whole header whose Payload Length runs past the frame still names its addresses.
            if (error == WireError.Truncated && Ipv6Packet.TryParseQuoted(bytes, out var cut, out _))
                Addresses(", IPv6 ", cut.Source, cut.Destination, ref w);
            Error(ref w, "ipv6", error);
            return;
        }
        Addresses(", IPv6 ", ip.Source, ip.Destination, ref w);
        w.Append(" hlim ");
        w.Append(ip.HopLimit);
        w.Append(" plen ");
        w.Append(ip.PayloadLength);
        if (ip.FlowLabel != 0) { w.Append(" flow 0x"); w.Append(ip.FlowLabel, "x5"); }

        var headers = ip.ExtensionHeaders;
        while (headers.TryNext(out var header))
        {
            w.Append(", ");
            w.Append(ProtocolName(header.Type));
            if (header.Type == IpProtocol.Ipv6Fragment && Ipv6FragmentHeader.TryParse(header.Bytes, out var frag, out _))
            {
                w.Append(' ');
                w.Append(frag.FragmentByteOffset);
                if (frag.MoreFragments) w.Append('+');
                w.Append(" id ");
                w.Append(frag.Identification);
                // As for IPv4, a first fragment too holds only part of the upper-layer packet (RFC 8200 §4.5).
                if (frag.FragmentOffset != 0 || frag.MoreFragments) { w.Append(", fragment of "); w.Append(ProtocolName(frag.NextHeader)); return; }
            }
            else if (header.Type == IpProtocol.Ipv6Route && Ipv6RoutingHeader.TryParse(header.Bytes, out var route, out _))
            {
                w.Append(" type ");
                w.Append(route.RoutingType);
                w.Append(" left ");
                w.Append(route.SegmentsLeft);
                // While segments are left, the packet is bound for another address (RFC 8200 §8.1).
                if (route.TryGetFinalDestination(out var final)) { w.Append(" final "); w.Append(final); }
            }
        }
        if (headers.Error != WireError.None) { Error(ref w, "ipv6 extension header", headers.Error); return; }
        if (!ip.TryGetUpperLayer(out var upper, out error)) { Error(ref w, "ipv6 extension header", error); return; }
        if (upper.Protocol == IpProtocol.Ipv6NoNext) { w.Append(", no next header"); return; }
        Transport(upper.Protocol, ip.Payload[upper.Offset..], new IpAddress(ip.Source), new IpAddress(upper.FinalDestination), ref w);
    }

    private static void Transport(IpProtocol protocol, Span<byte> bytes, IpAddress source, IpAddress destination, ref SpanTextWriter w)
    {
        switch (protocol)
        {
            case IpProtocol.Tcp: Tcp(bytes, source, destination, ref w); break;
            case IpProtocol.Udp: Udp(bytes, source, destination, ref w); break;
            case IpProtocol.Icmp: Icmpv4(bytes, ref w); break;
            case IpProtocol.Icmpv6: Icmpv6(bytes, source.V6, destination.V6, ref w); break;
            case IpProtocol.Igmp: Igmp(bytes, ref w); break;
            default:
                w.Append(", protocol ");
                w.Append((byte)protocol);
                break;
        }
    }

    private static void Tcp(Span<byte> bytes, IpAddress source, IpAddress destination, ref SpanTextWriter w)
    {
        if (!TcpSegment.TryParse(bytes, out var tcp, out var error)) { Error(ref w, "tcp", error); return; }
        w.Append(", TCP ");
        w.Append(tcp.SourcePort);
        w.Append(" > ");
        w.Append(tcp.DestinationPort);
        w.Append(" [");
        TcpFlagNames(tcp.Flags, ref w);
        w.Append("] seq ");
        w.Append(tcp.SequenceNumber.Value);
        if ((tcp.Flags & TcpFlags.Ack) != 0) { w.Append(" ack "); w.Append(tcp.AcknowledgmentNumber.Value); }
        w.Append(" win ");
        w.Append(tcp.WindowSize);
        if (tcp.HeaderLength > TcpSegment.MinHeaderLength)
        {
            w.Append(" <");
            var reader = tcp.OptionReader;
            bool first = true;
            while (reader.TryNext(out var option))
            {
                if (!first) w.Append(',');
                first = false;
                TcpOptionText(option, ref w);
            }
            w.Append('>');
            if (reader.Error != WireError.None) { Error(ref w, "tcp options", reader.Error); return; }
        }
        w.Append(" len ");
        w.Append(tcp.Payload.Length);
        if (!tcp.VerifyChecksum(source, destination)) Error(ref w, "tcp", WireError.BadChecksum);
    }

    private static void TcpOptionText(TcpOption option, ref SpanTextWriter w)
    {
        switch (option.Kind)
        {
            case TcpOptionKind.EndOfList: w.Append("eol"); break;
            case TcpOptionKind.NoOperation: w.Append("nop"); break;
            case TcpOptionKind.MaxSegmentSize: w.Append("mss "); w.Append(option.MaxSegmentSize); break;
            case TcpOptionKind.WindowScale: w.Append("wscale "); w.Append(option.WindowScale); break;
            case TcpOptionKind.SackPermitted: w.Append("sackOK"); break;
            case TcpOptionKind.Timestamps:
                w.Append("ts ");
                w.Append(option.Timestamps.Value);
                w.Append(' ');
                w.Append(option.Timestamps.EchoReply);
                break;
            case TcpOptionKind.Sack:
                var blocks = option.SackBlocks;
                w.Append("sack ");
                w.Append(blocks.Count);
                for (int i = 0; i < blocks.Count; i++)
                {
                    w.Append(" {");
                    w.Append(blocks[i].Left.Value);
                    w.Append(':');
                    w.Append(blocks[i].Right.Value);
                    w.Append('}');
                }
                break;
            default:
                w.Append("opt-");
                w.Append((byte)option.Kind);
                break;
        }
    }

    private static void TcpFlagNames(TcpFlags flags, ref SpanTextWriter w)
    {
        bool any = false;
        Flag(TcpFlags.Syn, "SYN", flags, ref any, ref w);
        Flag(TcpFlags.Fin, "FIN", flags, ref any, ref w);
        Flag(TcpFlags.Rst, "RST", flags, ref any, ref w);
        Flag(TcpFlags.Psh, "PSH", flags, ref any, ref w);
        Flag(TcpFlags.Ack, "ACK", flags, ref any, ref w);
        Flag(TcpFlags.Urg, "URG", flags, ref any, ref w);
        Flag(TcpFlags.Ece, "ECE", flags, ref any, ref w);
        Flag(TcpFlags.Cwr, "CWR", flags, ref any, ref w);
        Flag(TcpFlags.Ae, "AE", flags, ref any, ref w);
        if (!any) w.Append("none");

        static void Flag(TcpFlags bit, string name, TcpFlags flags, ref bool any, ref SpanTextWriter w)
        {
            if ((flags & bit) == 0) return;
            if (any) w.Append(',');
            w.Append(name);
            any = true;
        }
    }

    private static void Udp(Span<byte> bytes, IpAddress source, IpAddress destination, ref SpanTextWriter w)
    {
        if (!UdpDatagram.TryParse(bytes, out var udp, out var error)) { Error(ref w, "udp", error); return; }
        w.Append(", UDP ");
        w.Append(udp.SourcePort);
        w.Append(" > ");
        w.Append(udp.DestinationPort);
        w.Append(" len ");
        w.Append(udp.Payload.Length);
        if (!UdpRepr.TryParse(udp, source, destination, out _, out error)) { Error(ref w, "udp", error); return; }
        if (udp.SourcePort is 67 or 68 || udp.DestinationPort is 67 or 68) Dhcp(udp.Payload, ref w);
    }

    private static void Dhcp(Span<byte> bytes, ref SpanTextWriter w)
    {
        if (!Dhcpv4Repr.TryParse(bytes, out var dhcp, out var error)) { Error(ref w, "dhcp", error); return; }
        w.Append(", DHCP ");
        w.Append(dhcp.MessageType switch
        {
            Dhcpv4MessageType.Discover => "discover",
            Dhcpv4MessageType.Offer => "offer",
            Dhcpv4MessageType.Request => "request",
            Dhcpv4MessageType.Decline => "decline",
            Dhcpv4MessageType.Ack => "ack",
            Dhcpv4MessageType.Nak => "nak",
            Dhcpv4MessageType.Release => "release",
            Dhcpv4MessageType.Inform => "inform",
            _ => "bootp",
        });
        w.Append(" xid 0x");
        w.Append(dhcp.TransactionId, "x8");
        w.Append(" chaddr ");
        w.Append(dhcp.ClientHardwareAddress);
    }

    private static void Icmpv4(Span<byte> bytes, ref SpanTextWriter w)
    {
        if (!Icmpv4Packet.TryParse(bytes, out var icmp, out var error)) { Error(ref w, "icmp", error); return; }
        w.Append(", ICMP ");
        switch (icmp.Type)
        {
            case Icmpv4Type.EchoRequest:
            case Icmpv4Type.EchoReply:
                w.Append(icmp.Type == Icmpv4Type.EchoRequest ? "echo request id " : "echo reply id ");
                w.Append(icmp.Identifier);
                w.Append(" seq ");
                w.Append(icmp.SequenceNumber);
                break;
            case Icmpv4Type.DestinationUnreachable:
                w.Append(icmp.Code switch
                {
                    0 => "net unreachable",
                    1 => "host unreachable",
                    2 => "protocol unreachable",
                    3 => "port unreachable",
                    4 => "fragmentation needed, mtu ",
                    _ => "unreachable, code ",
                });
                if (icmp.Code == 4) w.Append(icmp.NextHopMtu);
                else if (icmp.Code > 4) w.Append(icmp.Code);
                break;
            case Icmpv4Type.TimeExceeded: w.Append(icmp.Code == 0 ? "time exceeded in transit" : "reassembly time exceeded"); break;
            case Icmpv4Type.ParameterProblem: w.Append("parameter problem, pointer "); w.Append(icmp.Pointer); break;
            case Icmpv4Type.Redirect: w.Append("redirect to "); w.Append(icmp.Gateway); break;
            default: w.Append("type "); w.Append((byte)icmp.Type); w.Append(" code "); w.Append(icmp.Code); break;
        }
        if (!icmp.VerifyChecksum()) { Error(ref w, "icmp", WireError.BadChecksum); return; }
        if (icmp.IsError && icmp.TryGetQuotedDatagram(out var quoted, out _))
        {
            w.Append(", quoting ");
            w.Append(quoted.Source);
            w.Append(" > ");
            w.Append(quoted.Destination);
            w.Append(' ');
            w.Append(ProtocolName(quoted.Protocol));
        }
    }

    private static void Icmpv6(Span<byte> bytes, Ipv6Address source, Ipv6Address destination, ref SpanTextWriter w)
    {
        if (!Icmpv6Packet.TryParse(bytes, out var icmp, out var error)) { Error(ref w, "icmpv6", error); return; }
        w.Append(", ICMPv6 ");
        switch (icmp.Type)
        {
            case Icmpv6Type.EchoRequest:
            case Icmpv6Type.EchoReply:
                w.Append(icmp.Type == Icmpv6Type.EchoRequest ? "echo request id " : "echo reply id ");
                w.Append(icmp.Identifier);
                w.Append(" seq ");
                w.Append(icmp.SequenceNumber);
                break;
            case Icmpv6Type.DestinationUnreachable: w.Append("destination unreachable, code "); w.Append(icmp.Code); break;
            case Icmpv6Type.PacketTooBig: w.Append("packet too big, mtu "); w.Append(icmp.Mtu); break;
            case Icmpv6Type.TimeExceeded: w.Append("time exceeded, code "); w.Append(icmp.Code); break;
            case Icmpv6Type.ParameterProblem: w.Append("parameter problem, pointer "); w.Append(icmp.Pointer); break;
            case Icmpv6Type.RouterSolicitation:
            case Icmpv6Type.RouterAdvertisement:
            case Icmpv6Type.NeighborSolicitation:
            case Icmpv6Type.NeighborAdvertisement:
            case Icmpv6Type.Redirect:
                Ndisc(icmp, ref w);
                break;
            case Icmpv6Type.MulticastListenerQuery:
            case Icmpv6Type.MulticastListenerReport:
            case Icmpv6Type.MulticastListenerDone:
            case Icmpv6Type.MulticastListenerReportV2:
                Mld(icmp, ref w);
                break;
            default: w.Append("type "); w.Append((byte)icmp.Type); w.Append(" code "); w.Append(icmp.Code); break;
        }
        if (!icmp.VerifyChecksum(source, destination)) Error(ref w, "icmpv6", WireError.BadChecksum);
    }

    private static void Ndisc(Icmpv6Packet icmp, ref SpanTextWriter w)
    {
        if (!NdiscPacket.TryParse(icmp, out var nd, out var error)) { Error(ref w, "ndisc", error); return; }
        switch (nd.Type)
        {
            case Icmpv6Type.RouterSolicitation: w.Append("router solicitation"); break;
            case Icmpv6Type.RouterAdvertisement:
                w.Append("router advertisement lifetime ");
                w.Append(nd.RouterLifetime);
                break;
            case Icmpv6Type.NeighborSolicitation: w.Append("neighbor solicitation who-has "); w.Append(nd.Target); break;
            case Icmpv6Type.NeighborAdvertisement:
                w.Append("neighbor advertisement tgt-is ");
                w.Append(nd.Target);
                var f = nd.NeighborFlags;
                if (f != NdiscNeighborFlags.None)
                {
                    w.Append(" [");
                    if ((f & NdiscNeighborFlags.Router) != 0) w.Append('R');
                    if ((f & NdiscNeighborFlags.Solicited) != 0) w.Append('S');
                    if ((f & NdiscNeighborFlags.Override) != 0) w.Append('O');
                    w.Append(']');
                }
                break;
            default: w.Append("redirect "); w.Append(nd.Destination); w.Append(" to "); w.Append(nd.Target); break;
        }
        var options = nd.Options;
        while (options.TryNext(out var option))
        {
            switch (option.Type)
            {
                case NdiscOptionType.SourceLinkLayerAddress: w.Append(", source link-address "); w.Append(option.LinkLayerAddress); break;
                case NdiscOptionType.TargetLinkLayerAddress: w.Append(", target link-address "); w.Append(option.LinkLayerAddress); break;
                case NdiscOptionType.Mtu: w.Append(", mtu "); w.Append(option.Mtu); break;
                case NdiscOptionType.PrefixInformation:
                    var prefix = option.PrefixInformation;
                    w.Append(", prefix ");
                    w.Append(prefix.Prefix);
                    w.Append('/');
                    w.Append(prefix.PrefixLength);
                    break;
            }
        }
        if (options.Error != WireError.None) Error(ref w, "ndisc option", options.Error);
    }

    private static void Mld(Icmpv6Packet icmp, ref SpanTextWriter w)
    {
        if (!MldPacket.TryParse(icmp, out var mld, out var error)) { Error(ref w, "mld", error); return; }
        switch (mld.Type)
        {
            case Icmpv6Type.MulticastListenerQuery:
                w.Append(mld.IsVersion2 ? "multicast listener query v2 " : "multicast listener query ");
                w.Append(mld.MulticastAddress);
                break;
            case Icmpv6Type.MulticastListenerReport: w.Append("multicast listener report "); w.Append(mld.MulticastAddress); break;
            case Icmpv6Type.MulticastListenerDone: w.Append("multicast listener done "); w.Append(mld.MulticastAddress); break;
            default:
                w.Append("multicast listener report v2, ");
                w.Append(mld.RecordCount);
                w.Append(" record(s)");
                var records = mld.Records;
                while (records.TryNext(out var record)) { w.Append(' '); w.Append(record.MulticastAddress); }
                if (records.Error != WireError.None) Error(ref w, "mld record", records.Error);
                break;
        }
    }

    private static void Igmp(Span<byte> bytes, ref SpanTextWriter w)
    {
        if (!IgmpRepr.TryParse(bytes, out var igmp, out var error)) { Error(ref w, "igmp", error); return; }
        w.Append(", IGMP");
        w.Append(igmp.Version switch { IgmpVersion.V1 => "v1 ", IgmpVersion.V2 => "v2 ", _ => "v3 " });
        w.Append(igmp.Type switch
        {
            IgmpMessageType.MembershipQuery => "query ",
            IgmpMessageType.LeaveGroup => "leave ",
            _ => "report ",
        });
        w.Append(igmp.Group);
    }

    private static void Addresses<T>(ReadOnlySpan<char> name, T source, T destination, ref SpanTextWriter w) where T : ISpanFormattable
    {
        w.Append(name);
        w.Append(source);
        w.Append(" > ");
        w.Append(destination);
    }

    private static string ProtocolName(IpProtocol protocol) => protocol switch
    {
        IpProtocol.Tcp => "TCP",
        IpProtocol.Udp => "UDP",
        IpProtocol.Icmp => "ICMP",
        IpProtocol.Icmpv6 => "ICMPv6",
        IpProtocol.Igmp => "IGMP",
        IpProtocol.HopByHop => "hop-by-hop",
        IpProtocol.Ipv6Route => "routing",
        IpProtocol.Ipv6Fragment => "fragment",
        IpProtocol.Ipv6Options => "destination options",
        IpProtocol.Ipv6NoNext => "no next header",
        _ => "protocol",
    };

    private static void Error(ref SpanTextWriter w, ReadOnlySpan<char> layer, WireError error)
    {
        w.Append(" [");
        w.Append(layer);
        w.Append(' ');
        w.Append(error.Describe());
        w.Append(']');
    }
}
