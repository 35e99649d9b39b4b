using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using Ethox.Wire;

namespace Ethox.Tests.Tools;

/// <summary>A layer our parsers refused: the tshark protocol name, why, and whether even its header was refused.</summary>
/// <param name="Layer">The tshark protocol name (<c>ip</c>, <c>ipv6</c>, <c>tcp</c>, <c>udp</c>…), the prefix of its fields.</param>
/// <param name="Error">What our parser returned.</param>
/// <param name="HeaderRefused">True when no view of the header exists (its fields and everything above are not reported).</param>
public readonly record struct Rejection(string Layer, WireError Error, bool HeaderRefused);

/// <summary>
/// What Ethox.Wire's parsers report for one Ethernet frame, under tshark's display-filter field names and in tshark's
/// text formats, so that a frame compares with <see cref="Tshark.Fields(string, string[])"/> as one dictionary.
/// A field that occurs several times (VLAN tags, options, the datagram quoted in an ICMP error) keeps its values in
/// the order tshark walks them. Only views, option readers and the reprs' checksum verdicts are used: this is the
/// wire-format reading of the frame, not the semantic checks a layer adds on top.
/// </summary>
/// <remarks>
/// Besides values, a description says which fields are not comparable and why (<see cref="SkipReason"/>): fields
/// above a header our parsers refused, and the UDP header of a datagram cut short (see <see cref="Udp"/>). Fields of a
/// TCP header quoted in an ICMP error are lenient (<see cref="IsLenient"/>): tshark decodes a quoted header only as far
/// as it chooses (it stops after the sequence number in a Redirect and never adds the fields it derives from stream
/// tracking), so only the ports, which RFC 792's "64 bits of data" always carries, are required there.
/// </remarks>
public sealed class EthoxFields
{
    // Protocols above the network layer: not reported once the network header (or its extension chain) is refused.
    private static readonly string[] UpperLayerPrefixes = ["icmp.", "icmpv6.", "udp.", "tcp.", "dhcp.", "igmp."];

    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly List<(string Prefix, string Reason)> _skipped = [];
    private readonly HashSet<string> _lenientPrefixes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _strictInLenient = new(StringComparer.Ordinal);
    private readonly List<Rejection> _rejections = [];

    private EthoxFields() { }

    /// <summary>Describes an Ethernet frame (link type 1).</summary>
    public static EthoxFields Describe(byte[] frame)
    {
        var fields = new EthoxFields();
        fields.Ethernet(frame);
        return fields;
    }

    /// <summary>Every field name given a value.</summary>
    public IEnumerable<string> Keys => _values.Keys;

    /// <summary>The layers our parsers refused, in the order met.</summary>
    public IReadOnlyList<Rejection> Rejections => _rejections;

    /// <summary>True when <paramref name="key"/> was given a value.</summary>
    public bool Has(string key) => _values.ContainsKey(key);

    /// <summary>The values of <paramref name="key"/> joined by commas (tshark's aggregator), or "" when absent.</summary>
    public string Value(string key) => _values.TryGetValue(key, out var list) ? string.Join(',', list) : "";

    /// <summary>Why <paramref name="key"/> is not compared on this frame, or null when it is.</summary>
    public string? SkipReason(string key)
    {
        if (Has(key)) return null;
        foreach (var (prefix, reason) in _skipped)
            if (key.StartsWith(prefix, StringComparison.Ordinal)) return reason;
        return null;
    }

    /// <summary>True when tshark may leave <paramref name="key"/> out on this frame (when it reports it, it must agree).</summary>
    public bool IsLenient(string key)
    {
        if (_strictInLenient.Contains(key)) return false;
        foreach (string prefix in _lenientPrefixes)
            if (key.StartsWith(prefix, StringComparison.Ordinal)) return true;
        return false;
    }

    // ------------------------------------------------------------------ plumbing

    private void Add(string key, string value)
    {
        if (!_values.TryGetValue(key, out var list)) _values[key] = list = [];
        list.Add(value);
    }

    private void Add(string key, long value) => Add(key, value.ToString(CultureInfo.InvariantCulture));
    private void Add(string key, bool value) => Add(key, value ? "1" : "0");
    private void AddHex(string key, ulong value, int digits) => Add(key, "0x" + value.ToString("x" + digits, CultureInfo.InvariantCulture));

    /// <summary>tshark's checksum status: 1 good, 0 bad, 2 not verified.</summary>
    private void AddStatus(string key, bool partial, WireError error)
        => Add(key, partial ? "2" : error == WireError.BadChecksum ? "0" : "1");

    private void Reject(string layer, WireError error, bool headerRefused)
    {
        _rejections.Add(new Rejection(layer, error, headerRefused));
        if (headerRefused) Skip(layer + ".", $"our parser refused the {layer} header ({error.Describe()})");
    }

    private void Skip(string prefix, string reason) => _skipped.Add((prefix, reason));

    private void SkipUpperLayers(string reason)
    {
        foreach (string prefix in UpperLayerPrefixes) Skip(prefix, reason);
    }

    // ------------------------------------------------------------------ link layer

    private void Ethernet(Span<byte> bytes)
    {
        if (!EthernetFrame.TryParse(bytes, out var eth, out var error))
        {
            Reject("eth", error, headerRefused: true);
            Skip("", "the Ethernet header was refused");
            return;
        }
        Add("eth.dst", eth.Destination.ToString());
        Add("eth.src", eth.Source.ToString());
        AddHex("eth.type", eth.TagCount > 0 ? (ushort)eth.Tag(0).Tpid : (ushort)eth.EtherType, 4);
        for (int i = 0; i < eth.TagCount; i++)
        {
            var tag = eth.Tag(i);
            // tshark gives an 802.1ad S-tag (TPID 0x88a8) its own protocol, without a type field; 802.1Q tags are "vlan"
            // with the type that follows each of them (the next tag's TPID, or the payload's EtherType).
            string layer = tag.Tpid == EtherType.QinQ ? "ieee8021ad" : "vlan";
            Add(layer + ".id", tag.VlanId);
            Add(layer + ".priority", tag.Priority);
            Add(layer + ".dei", tag.DropEligible);
            if (tag.Tpid != EtherType.QinQ)
                AddHex("vlan.etype", i + 1 < eth.TagCount ? (ushort)eth.Tag(i + 1).Tpid : (ushort)eth.EtherType, 4);
        }
        switch (eth.EtherType)
        {
            case EtherType.Ipv4: Ipv4(eth.Payload, quoted: false); break;
            case EtherType.Ipv6: Ipv6(eth.Payload, quoted: false); break;
            case EtherType.Arp: Arp(eth.Payload); break;
        }
    }

    private void Arp(Span<byte> bytes)
    {
        if (!ArpPacket.TryParse(bytes, out var arp, out var error)) { Reject("arp", error, headerRefused: true); return; }
        Add("arp.hw.type", (ushort)arp.HardwareType);
        AddHex("arp.proto.type", (ushort)arp.ProtocolType, 4);
        Add("arp.hw.size", arp.HardwareLength);
        Add("arp.proto.size", arp.ProtocolLength);
        Add("arp.opcode", (ushort)arp.Operation);
        if (!arp.IsEthernetIpv4) return;
        Add("arp.src.hw_mac", arp.SenderHardwareAddress.ToString());
        Add("arp.src.proto_ipv4", arp.SenderProtocolAddress.ToString());
        Add("arp.dst.hw_mac", arp.TargetHardwareAddress.ToString());
        Add("arp.dst.proto_ipv4", arp.TargetProtocolAddress.ToString());
    }

    // ------------------------------------------------------------------ network layer

    /// <summary>An IPv4 header; <paramref name="quoted"/> for the datagram an ICMP error quotes (may be cut short).</summary>
    private void Ipv4(Span<byte> bytes, bool quoted)
    {
        Ipv4Packet ip;
        WireError error;
        bool parsed = quoted ? Ipv4Packet.TryParseQuoted(bytes, out ip, out error) : Ipv4Packet.TryParse(bytes, out ip, out error);
        if (!parsed)
        {
            Reject("ip", error, headerRefused: true);
            SkipUpperLayers("our parser refused the IPv4 header below it");
            return;
        }
        Add("ip.version", ip.Version);
        Add("ip.hdr_len", ip.HeaderLength);
        Add("ip.dsfield.dscp", ip.Dscp);
        Add("ip.dsfield.ecn", ip.Ecn);
        Add("ip.len", ip.TotalLength);
        AddHex("ip.id", ip.Identification, 4);
        Add("ip.flags.rb", ip.ReservedFlag);
        Add("ip.flags.df", ip.DontFragment);
        Add("ip.flags.mf", ip.MoreFragments);
        Add("ip.frag_offset", ip.FragmentOffset);
        Add("ip.ttl", ip.TimeToLive);
        Add("ip.proto", (byte)ip.Protocol);
        Ipv4Repr.TryParse(ip, out _, out error);
        AddStatus("ip.checksum.status", partial: false, error);
        Add("ip.src", ip.Source.ToString());
        Add("ip.dst", ip.Destination.ToString());
        Ipv4Options(ip);

        if (ip.FragmentOffset != 0) return; // a later fragment: its payload starts mid-datagram, no upper-layer header
        // A first fragment, or a quote cut short, carries only the start of the upper-layer datagram.
        bool partial = ip.MoreFragments || ip.IsTruncated;
        Transport(ip.Protocol, ip.Payload, ip.Source, ip.Destination, quoted, partial);
    }

    private void Ipv4Options(Ipv4Packet ip)
    {
        var reader = ip.Options;
        int consumed = 0;
        while (reader.TryNext(out var option))
        {
            Add("ip.opt.type", (byte)option.Type);
            if (option.Type == Ipv4OptionType.NoOperation) { consumed++; continue; }
            Add("ip.opt.len", 2 + option.Data.Length);
            if (option.Type == Ipv4OptionType.RouterAlert && option.Data.Length == 2)
                Add("ip.opt.ra", BinaryPrimitives.ReadUInt16BigEndian(option.Data));
            consumed += 2 + option.Data.Length;
        }
        if (reader.Error != WireError.None) { Reject("ip", reader.Error, headerRefused: false); return; }
        // The walk stopped before the end of the area only at End of Option List, which tshark lists (once).
        if (consumed < ip.OptionBytes.Length) Add("ip.opt.type", (byte)Ipv4OptionType.EndOfList);
    }

    /// <summary>An IPv6 header and its extension headers; <paramref name="quoted"/> for a packet quoted in ICMPv6.</summary>
    private void Ipv6(Span<byte> bytes, bool quoted)
    {
        Ipv6Packet ip;
        WireError error;
        bool parsed = quoted ? Ipv6Packet.TryParseQuoted(bytes, out ip, out error) : Ipv6Packet.TryParse(bytes, out ip, out error);
        if (!parsed)
        {
            Reject("ipv6", error, headerRefused: true);
            Skip("ip.version", "our parser refused the IPv6 header");
            SkipUpperLayers("our parser refused the IPv6 header below it");
            return;
        }
        // tshark's IPv6 dissector also files the version nibble under the shared field ip.version.
        Add("ip.version", ip.Version);
        Add("ipv6.version", ip.Version);
        AddHex("ipv6.tclass", ip.TrafficClass, 8);
        AddHex("ipv6.flow", ip.FlowLabel, 6);
        Add("ipv6.plen", ip.PayloadLength);
        Add("ipv6.nxt", (byte)ip.NextHeader);
        Add("ipv6.hlim", ip.HopLimit);
        Add("ipv6.src", ip.Source.ToString());
        Add("ipv6.dst", ip.Destination.ToString());

        var headers = ip.ExtensionHeaders;
        while (headers.TryNext(out var header))
            ExtensionHeader(header);
        error = headers.Error;
        Ipv6UpperLayer upper = default;
        if (error == WireError.None) ip.TryGetUpperLayer(out upper, out error);
        if (error != WireError.None)
        {
            Reject("ipv6", error, headerRefused: false);
            SkipUpperLayers("our parser refused the IPv6 extension header chain");
            return;
        }
        if (upper.Fragment is { FragmentOffset: not 0 } || upper.Protocol == IpProtocol.Ipv6NoNext) return;
        bool partial = upper.Fragment is { MoreFragments: true } || ip.IsTruncated;
        Transport(upper.Protocol, ip.Payload[upper.Offset..], ip.Source, upper.FinalDestination, quoted, partial);
    }

    private void ExtensionHeader(Ipv6ExtensionHeader header)
    {
        switch (header.Type)
        {
            case IpProtocol.HopByHop:
            case IpProtocol.Ipv6Options:
                string name = header.Type == IpProtocol.HopByHop ? "ipv6.hopopts" : "ipv6.dstopts";
                Add(name + ".nxt", (byte)header.NextHeader);
                Add(name + ".len", header.Bytes[1]);
                var options = header.Options;
                while (options.TryNext(out var option))
                {
                    AddHex("ipv6.opt.type", (byte)option.Type, 2);
                    if (option.Type == Ipv6OptionType.Pad1) continue;
                    Add("ipv6.opt.length", option.Data.Length);
                    if (option.Type == Ipv6OptionType.RouterAlert && option.Data.Length == 2)
                        Add("ipv6.opt.router_alert", BinaryPrimitives.ReadUInt16BigEndian(option.Data));
                }
                if (options.Error != WireError.None) Reject("ipv6", options.Error, headerRefused: false);
                break;
            case IpProtocol.Ipv6Route:
                Ipv6RoutingHeader.TryParse(header.Bytes, out var route, out _);
                Add("ipv6.routing.nxt", (byte)route.NextHeader);
                Add("ipv6.routing.len", header.Bytes[1]);
                Add("ipv6.routing.type", route.RoutingType);
                Add("ipv6.routing.segleft", route.SegmentsLeft);
                break;
            case IpProtocol.Ipv6Fragment:
                Ipv6FragmentHeader.TryParse(header.Bytes, out var fragment, out _);
                Add("ipv6.fraghdr.nxt", (byte)fragment.NextHeader);
                Add("ipv6.fraghdr.offset", fragment.FragmentOffset);
                Add("ipv6.fraghdr.more", fragment.MoreFragments);
                AddHex("ipv6.fraghdr.ident", fragment.Identification, 8);
                break;
        }
    }

    // ------------------------------------------------------------------ transport layer

    private void Transport(IpProtocol protocol, Span<byte> bytes, IpAddress source, IpAddress destination, bool quoted, bool partial)
    {
        switch (protocol)
        {
            case IpProtocol.Tcp: Tcp(bytes, source, destination, quoted, partial); break;
            case IpProtocol.Udp: Udp(bytes, source, destination, quoted, partial); break;
            case IpProtocol.Icmp: Icmpv4(bytes, quoted, partial); break;
            case IpProtocol.Icmpv6: Icmpv6(bytes, source.V6, destination.V6, quoted, partial); break;
            case IpProtocol.Igmp: Igmp(bytes, partial); break;
        }
    }

    /// <summary>
    /// A UDP header. Our view honours the length field (RFC 768), so it refuses a datagram of which only the start is
    /// here (a first fragment, a quote cut short) as truncated; tshark decodes such a header without verifying its
    /// checksum. Then only the verdict is compared: neither side can verify it.
    /// </summary>
    private void Udp(Span<byte> bytes, IpAddress source, IpAddress destination, bool quoted, bool partial)
    {
        if (!UdpDatagram.TryParse(bytes, out var udp, out var error))
        {
            if (partial && error == WireError.Truncated)
            {
                Skip("udp.", "the UDP datagram is longer than the bytes carried (first fragment or cut quote); our view honours its length");
                Add("udp.checksum.status", "2");
                return;
            }
            Reject("udp", error, headerRefused: true);
            return;
        }
        Add("udp.srcport", udp.SourcePort);
        Add("udp.dstport", udp.DestinationPort);
        Add("udp.length", udp.Length);
        // A zero checksum over IPv4 means none was computed (RFC 768): valid, but nothing was verified.
        bool none = udp.Checksum == 0 && source.IsV4;
        UdpRepr.TryParse(udp, source, destination, out _, out error);
        AddStatus("udp.checksum.status", partial || none, error);
        if (!quoted && (udp.SourcePort is 67 or 68 || udp.DestinationPort is 67 or 68)) Dhcp(udp.Payload);
    }

    private void Tcp(Span<byte> bytes, IpAddress source, IpAddress destination, bool quoted, bool partial)
    {
        if (!TcpSegment.TryParse(bytes, out var tcp, out var error))
        {
            Reject("tcp", error, headerRefused: true);
            return;
        }
        if (quoted)
        {
            _lenientPrefixes.Add("tcp.");
            _strictInLenient.Add("tcp.srcport");
            _strictInLenient.Add("tcp.dstport");
        }
        Add("tcp.srcport", tcp.SourcePort);
        Add("tcp.dstport", tcp.DestinationPort);
        Add("tcp.seq_raw", tcp.SequenceNumber.Value);
        Add("tcp.ack_raw", tcp.AcknowledgmentNumber.Value);
        AddHex("tcp.flags", (ushort)tcp.Flags, 4);
        Add("tcp.window_size_value", tcp.WindowSize);
        Add("tcp.hdr_len", tcp.HeaderLength);
        Add("tcp.len", tcp.Payload.Length);
        Add("tcp.urgent_pointer", tcp.UrgentPointer);
        TcpRepr.TryParse(tcp, source, destination, out _, out error);
        AddStatus("tcp.checksum.status", partial, error);

        var reader = tcp.OptionReader;
        int consumed = 0;
        while (reader.TryNext(out var option))
        {
            Add("tcp.option_kind", (byte)option.Kind);
            if (option.Kind == TcpOptionKind.NoOperation) { consumed++; continue; }
            Add("tcp.option_len", 2 + option.Data.Length);
            consumed += 2 + option.Data.Length;
            switch (option.Kind)
            {
                case TcpOptionKind.MaxSegmentSize: Add("tcp.options.mss_val", option.MaxSegmentSize); break;
                case TcpOptionKind.WindowScale: Add("tcp.options.wscale.shift", option.WindowScale); break;
                case TcpOptionKind.SackPermitted: Add("tcp.options.sack_perm", true); break;
                case TcpOptionKind.Timestamps:
                    Add("tcp.options.timestamp.tsval", option.Timestamps.Value);
                    Add("tcp.options.timestamp.tsecr", option.Timestamps.EchoReply);
                    break;
                case TcpOptionKind.Sack:
                    var blocks = option.SackBlocks;
                    for (int i = 0; i < blocks.Count; i++)
                    {
                        Add("tcp.options.sack_le", blocks[i].Left.Value);
                        Add("tcp.options.sack_re", blocks[i].Right.Value);
                    }
                    break;
            }
        }
        if (reader.Error != WireError.None) { Reject("tcp", reader.Error, headerRefused: false); return; }
        // Our walk ends at End of Option List (RFC 9293 §3.1). tshark does not stop there: it reads each following
        // padding byte, which the RFC says is zero, as one more End of Option List. Non-zero padding would be read
        // differently by tshark, so it is marked to show up in the comparison.
        var area = tcp.Options;
        for (int i = consumed; i < area.Length; i++)
            Add("tcp.option_kind", area[i] == 0 ? "0" : "non-zero padding after EOL");
    }

    private void Icmpv4(Span<byte> bytes, bool quoted, bool partial)
    {
        if (!Icmpv4Packet.TryParse(bytes, out var icmp, out var error)) { Reject("icmp", error, headerRefused: true); return; }
        Add("icmp.type", (byte)icmp.Type);
        Add("icmp.code", icmp.Code);
        Icmpv4Repr.TryParse(icmp, out _, out error);
        AddStatus("icmp.checksum.status", partial, error);
        switch (icmp.Type)
        {
            case Icmpv4Type.EchoRequest or Icmpv4Type.EchoReply or Icmpv4Type.Timestamp or Icmpv4Type.TimestampReply:
                Add("icmp.ident", icmp.Identifier);
                Add("icmp.seq", icmp.SequenceNumber);
                break;
            case Icmpv4Type.DestinationUnreachable when icmp.Code == (byte)Icmpv4UnreachableCode.FragmentationNeeded:
                Add("icmp.mtu", icmp.NextHopMtu);
                break;
            case Icmpv4Type.ParameterProblem:
                Add("icmp.pointer", icmp.Pointer);
                break;
            case Icmpv4Type.Redirect:
                Add("icmp.redir_gw", icmp.Gateway.ToString());
                break;
        }
        if (icmp.IsError && !quoted && !partial) Ipv4(icmp.Payload, quoted: true);
    }

    private void Icmpv6(Span<byte> bytes, Ipv6Address source, Ipv6Address destination, bool quoted, bool partial)
    {
        if (!Icmpv6Packet.TryParse(bytes, out var icmp, out var error)) { Reject("icmpv6", error, headerRefused: true); return; }
        Add("icmpv6.type", (byte)icmp.Type);
        Add("icmpv6.code", icmp.Code);
        Icmpv6Repr.TryParse(icmp, source, destination, out _, out error);
        AddStatus("icmpv6.checksum.status", partial, error);
        switch (icmp.Type)
        {
            case Icmpv6Type.EchoRequest or Icmpv6Type.EchoReply:
                AddHex("icmpv6.echo.identifier", icmp.Identifier, 4);
                Add("icmpv6.echo.sequence_number", icmp.SequenceNumber);
                break;
            case Icmpv6Type.PacketTooBig:
                Add("icmpv6.mtu", icmp.Mtu);
                break;
            case Icmpv6Type.ParameterProblem:
                Add("icmpv6.pointer", icmp.Pointer);
                break;
            case Icmpv6Type.RouterSolicitation or Icmpv6Type.RouterAdvertisement or Icmpv6Type.NeighborSolicitation
                or Icmpv6Type.NeighborAdvertisement or Icmpv6Type.Redirect:
                Ndisc(icmp, quoted || partial);
                break;
            case Icmpv6Type.MulticastListenerQuery or Icmpv6Type.MulticastListenerReport or Icmpv6Type.MulticastListenerDone
                or Icmpv6Type.MulticastListenerReportV2:
                Mld(icmp);
                break;
        }
        if (icmp.IsError && !quoted && !partial) Ipv6(icmp.Payload, quoted: true);
    }

    private void Ndisc(Icmpv6Packet icmp, bool nested)
    {
        if (!NdiscPacket.TryParse(icmp, out var nd, out var error)) { Reject("icmpv6", error, headerRefused: true); return; }
        switch (nd.Type)
        {
            case Icmpv6Type.RouterAdvertisement:
                Add("icmpv6.nd.ra.cur_hop_limit", nd.CurrentHopLimit);
                AddHex("icmpv6.nd.ra.flag", (byte)nd.RouterFlags, 2);
                Add("icmpv6.nd.ra.router_lifetime", nd.RouterLifetime);
                Add("icmpv6.nd.ra.reachable_time", nd.ReachableTime);
                Add("icmpv6.nd.ra.retrans_timer", nd.RetransTimer);
                break;
            case Icmpv6Type.NeighborSolicitation:
                Add("icmpv6.nd.ns.target_address", nd.Target.ToString());
                break;
            case Icmpv6Type.NeighborAdvertisement:
                Add("icmpv6.nd.na.flag.r", (nd.NeighborFlags & NdiscNeighborFlags.Router) != 0);
                Add("icmpv6.nd.na.flag.s", (nd.NeighborFlags & NdiscNeighborFlags.Solicited) != 0);
                Add("icmpv6.nd.na.flag.o", (nd.NeighborFlags & NdiscNeighborFlags.Override) != 0);
                Add("icmpv6.nd.na.target_address", nd.Target.ToString());
                break;
            case Icmpv6Type.Redirect:
                Add("icmpv6.nd.rd.target_address", nd.Target.ToString());
                Add("icmpv6.rd.na.destination_address", nd.Destination.ToString());
                break;
        }
        var options = nd.Options;
        while (options.TryNext(out var option))
        {
            Add("icmpv6.opt.type", (byte)option.Type);
            Add("icmpv6.opt.length", option.Length / 8);
            switch (option.Type)
            {
                case NdiscOptionType.SourceLinkLayerAddress or NdiscOptionType.TargetLinkLayerAddress:
                    Add("icmpv6.opt.linkaddr", option.LinkLayerAddress.ToString());
                    break;
                case NdiscOptionType.Mtu:
                    Add("icmpv6.opt.mtu", option.Mtu);
                    break;
                case NdiscOptionType.PrefixInformation:
                    var prefix = option.PrefixInformation;
                    Add("icmpv6.opt.prefix.length", prefix.PrefixLength);
                    Add("icmpv6.opt.prefix.flag.l", prefix.OnLink);
                    Add("icmpv6.opt.prefix.flag.a", prefix.Autonomous);
                    Add("icmpv6.opt.prefix.valid_lifetime", prefix.ValidLifetime);
                    Add("icmpv6.opt.prefix.preferred_lifetime", prefix.PreferredLifetime);
                    Add("icmpv6.opt.prefix", prefix.Prefix.ToString());
                    break;
                case NdiscOptionType.RedirectedHeader when !nested:
                    // The option quotes as much of the redirected packet as fits (RFC 4861 §4.6.3); the option reader
                    // hands out read-only bytes, so the quote is viewed from a copy.
                    Ipv6(option.RedirectedPacket.ToArray(), quoted: true);
                    break;
            }
        }
        if (options.Error != WireError.None) Reject("icmpv6", options.Error, headerRefused: false);
    }

    private void Mld(Icmpv6Packet icmp)
    {
        if (!MldPacket.TryParse(icmp, out var mld, out var error)) { Reject("icmpv6", error, headerRefused: true); return; }
        if (mld.Type == Icmpv6Type.MulticastListenerReportV2)
        {
            Add("icmpv6.mldr.nb_mcast_records", mld.RecordCount);
            var records = mld.Records;
            while (records.TryNext(out var record))
            {
                Add("icmpv6.mldr.mar.record_type", (byte)record.Type);
                Add("icmpv6.mldr.mar.aux_data_len", record.AuxDataLength / 4);
                Add("icmpv6.mldr.mar.nb_sources", record.SourceCount);
                Add("icmpv6.mldr.mar.multicast_address", record.MulticastAddress.ToString());
                for (int i = 0; i < record.SourceCount; i++)
                    Add("icmpv6.mldr.mar.source_address", record.Source(i).ToString());
            }
            if (records.Error != WireError.None) Reject("icmpv6", records.Error, headerRefused: false);
            return;
        }
        if (mld.IsVersion2)
        {
            Add("icmpv6.mld.maximum_response_code", mld.MaximumResponseCode);
            Add("icmpv6.mld.multicast_address", mld.MulticastAddress.ToString());
            Add("icmpv6.mld.flag.s", mld.SuppressRouterSideProcessing);
            Add("icmpv6.mld.flag.qrv", mld.Robustness);
            Add("icmpv6.mld.qqi", mld.QueryIntervalCode);
            Add("icmpv6.mld.nb_sources", mld.SourceCount);
            for (int i = 0; i < mld.SourceCount; i++) Add("icmpv6.mld.source_address", mld.Source(i).ToString());
            return;
        }
        Add("icmpv6.mld.maximum_response_delay", mld.MaximumResponseCode);
        Add("icmpv6.mld.multicast_address", mld.MulticastAddress.ToString());
    }

    private void Igmp(Span<byte> bytes, bool partial)
    {
        if (!IgmpPacket.TryParse(bytes, out var igmp, out var error)) { Reject("igmp", error, headerRefused: true); return; }
        if (igmp.Version != IgmpVersion.Unknown) Add("igmp.version", (byte)igmp.Version);
        AddHex("igmp.type", (byte)igmp.Type, 2);
        IgmpRepr.TryParse(igmp, out _, out error);
        AddStatus("igmp.checksum.status", partial, error);
        if (igmp.Type == IgmpMessageType.V3MembershipReport)
        {
            Add("igmp.num_grp_recs", igmp.NumberOfGroupRecords);
            var records = igmp.GroupRecords;
            while (records.TryNext(out var record))
            {
                Add("igmp.record_type", (byte)record.RecordType);
                Add("igmp.aux_data_len", record.AuxDataLength);
                var sources = record.Sources;
                Add("igmp.num_src", sources.Count);
                Add("igmp.maddr", record.MulticastAddress.ToString());
                foreach (var source in sources) Add("igmp.saddr", source.ToString());
            }
            return;
        }
        Add("igmp.max_resp", igmp.MaxResponseCode);
        Add("igmp.maddr", igmp.GroupAddress.ToString());
        if (igmp.Version == IgmpVersion.V3)
        {
            Add("igmp.s", igmp.SuppressRouterProcessing);
            Add("igmp.qrv", igmp.QuerierRobustness);
            Add("igmp.qqic", igmp.QueryIntervalCode);
            Add("igmp.num_src", igmp.NumberOfSources);
            foreach (var source in igmp.Sources) Add("igmp.saddr", source.ToString());
        }
    }

    // ------------------------------------------------------------------ application layer

    private void Dhcp(Span<byte> bytes)
    {
        if (!Dhcpv4Message.TryParse(bytes, out var message, out var error)) { Reject("dhcp", error, headerRefused: true); return; }
        Add("dhcp.type", (byte)message.Operation);
        AddHex("dhcp.hw.type", (byte)message.HardwareType, 2);
        Add("dhcp.hw.len", message.HardwareLength);
        Add("dhcp.hops", message.Hops);
        AddHex("dhcp.id", message.TransactionId, 8);
        Add("dhcp.secs", message.Seconds);
        Add("dhcp.flags.bc", message.Broadcast);
        Add("dhcp.hw.mac_addr", message.ClientHardwareAddress.ToString());
        Add("dhcp.ip.client", message.ClientAddress.ToString());
        Add("dhcp.ip.your", message.YourAddress.ToString());
        Add("dhcp.ip.server", message.ServerAddress.ToString());
        Add("dhcp.ip.relay", message.RelayAgentAddress.ToString());
        if (!Dhcpv4Repr.TryParse(message, out var dhcp, out error)) { Reject("dhcp", error, headerRefused: false); return; }
        Add("dhcp.option.dhcp", (byte)dhcp.MessageType);
        // A client identifier of hardware type 1 holds a MAC (RFC 2132 §9.14); tshark decodes it with the same fields as
        // the fixed part's htype and chaddr.
        if (dhcp.ClientIdentifier.Length == 1 + EthernetAddress.Length && dhcp.ClientIdentifier[0] == (byte)ArpHardwareType.Ethernet)
        {
            AddHex("dhcp.hw.type", dhcp.ClientIdentifier[0], 2);
            Add("dhcp.hw.mac_addr", EthernetAddress.Read(dhcp.ClientIdentifier[1..]).ToString());
        }
        if (dhcp.ServerIdentifier is { } server) Add("dhcp.option.dhcp_server_id", server.ToString());
        if (dhcp.RequestedIpAddress is { } requested) Add("dhcp.option.requested_ip_address", requested.ToString());
        if (dhcp.LeaseTime is { } lease) Add("dhcp.option.ip_address_lease_time", lease);
        if (dhcp.RenewalTime is { } t1) Add("dhcp.option.renewal_time_value", t1);
        if (dhcp.RebindingTime is { } t2) Add("dhcp.option.rebinding_time_value", t2);
        if (dhcp.SubnetMask is { } mask) Add("dhcp.option.subnet_mask", mask.ToString());
        foreach (var router in dhcp.Routers) Add("dhcp.option.router", router.ToString());
        foreach (var dns in dhcp.DnsServers) Add("dhcp.option.domain_name_server", dns.ToString());
        if (dhcp.MaxMessageSize is { } max) Add("dhcp.option.dhcp_max_message_size", max);
        foreach (byte code in dhcp.ParameterRequestList) Add("dhcp.option.request_list_item", code);
    }
}
