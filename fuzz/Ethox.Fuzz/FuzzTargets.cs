using System;
using System.IO;
using Ethox.Wire;

namespace Ethox.Fuzzing;

/// <summary>
/// One fuzz target per wire parser, plus "frame" (a whole Ethernet frame through the pretty-printer),
/// "stack" (a whole Ethernet frame through HeaderStack, which must agree with the views and reprs), "pcap", and
/// "tcpstate" (segments into a TCP connection walked to a chosen state, <see cref="TcpStateTarget"/>). Each parser target parses the input, walks every option/extension reader, and where it
/// parses, checks the round trip (repr → emit → parse gives the same repr). A failed invariant throws,
/// which AFL++ records as a crash. The unit tests run the same code over the seed corpora, over
/// every truncation of the fixtures and over a million seeded mutations.
/// </summary>
public static class FuzzTargets
{
    public static readonly string[] Names =
        ["ethernet", "arp", "ipv4", "ipv6", "icmpv4", "icmpv6", "udp", "tcp", "dhcpv4", "igmp", "frame", "rawip", "stack", "tcpstate", "pcap"];

    /// <summary>
    /// True for the targets that parse one packet and allocate nothing; false for "pcap" (a file through a stream) and
    /// "tcpstate" (a whole host and a scripted peer per input).
    /// </summary>
    public static bool IsPacketTarget(string name) => name is not ("pcap" or "tcpstate");

    // Pseudo-header addresses. Properties, not static fields: the instrumented Ethox.Wire must not run
    // before SharpFuzz has set up AFL's shared memory, and this class's static constructor runs earlier.
    private static IpAddress V4A => new Ipv4Address(198, 18, 0, 1);
    private static IpAddress V4B => new Ipv4Address(198, 18, 0, 2);
    private static IpAddress V6A => new Ipv6Address(0x2001_0db8_0000_0000UL, 1);
    private static IpAddress V6B => new Ipv6Address(0x2001_0db8_0000_0000UL, 2);

    public static bool IsKnown(string name) => Array.IndexOf(Names, name) >= 0;

    /// <summary>
    /// Runs one target; the input may be modified in place (views have setters, the printer does not write). Returns
    /// true when the target's parser accepted the input (and the round trip, where the target has one, was checked),
    /// so that a caller can tell a parser that refuses everything from one that works.
    /// </summary>
    public static bool Run(string name, Span<byte> data) => name switch
    {
        "ethernet" => Ethernet(data),
        "arp" => Arp(data),
        "ipv4" => Ipv4(data),
        "ipv6" => Ipv6(data),
        "icmpv4" => Icmpv4(data),
        "icmpv6" => Icmpv6(data),
        "udp" => Udp(data),
        "tcp" => Tcp(data),
        "dhcpv4" => Dhcpv4(data),
        "igmp" => Igmp(data),
        "frame" => Print(data, PcapLinkType.Ethernet),
        "rawip" => Print(data, PcapLinkType.RawIp),
        "stack" => Stack(data),
        "tcpstate" => TcpStateTarget.Run(data),
        "pcap" => Pcap(data),
        _ => throw new ArgumentException($"unknown target {name}"),
    };

    /// <summary>
    /// Runs every packet target (<see cref="IsPacketTarget"/>) on the same input; returns the targets that accepted
    /// it as a bit mask (bit i for <see cref="Names"/>[i]).
    /// </summary>
    public static int RunAllPacketTargets(Span<byte> data, Span<byte> scratch)
    {
        int accepted = 0;
        for (int i = 0; i < Names.Length; i++)
        {
            if (!IsPacketTarget(Names[i])) continue;
            data.CopyTo(scratch);
            if (Run(Names[i], scratch[..data.Length])) accepted |= 1 << i;
        }
        return accepted;
    }

    internal static void Check(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException("fuzz invariant failed: " + what);
    }

    private static bool Ethernet(Span<byte> data)
    {
        if (!EthernetRepr.TryParse(data, out var repr, out _)) return false;
        Span<byte> scratch = stackalloc byte[64];
        Check(repr.TryEmit(scratch), "ethernet emit");
        Check(EthernetRepr.TryParse(scratch, out var again, out _) && again == repr, "ethernet round trip");
        return true;
    }

    private static bool Arp(Span<byte> data)
    {
        if (!ArpPacket.TryParse(data, out var packet, out _) || !ArpRepr.TryParse(packet, out var repr, out _)) return false;
        Span<byte> scratch = stackalloc byte[64];
        Check(repr.TryEmit(scratch), "arp emit");
        Check(ArpRepr.TryParse(scratch, out var again, out _) && again == repr, "arp round trip");
        return true;
    }

    private static bool Ipv4(Span<byte> data)
    {
        if (!Ipv4Packet.TryParse(data, out var packet, out _)) return false;
        var options = packet.Options;
        while (options.TryNext(out _)) { }
        if (!Ipv4Repr.TryParse(packet, out var repr, out _)) return false;
        Span<byte> scratch = stackalloc byte[128];
        if (repr.TotalLength > scratch.Length) return true; // parsed; too long for the round trip
        Check(repr.TryEmit(scratch, packet.OptionBytes), "ipv4 emit");
        Check(Ipv4Repr.TryParse(scratch[..repr.TotalLength], out var again, out _) && again == repr, "ipv4 round trip");
        return true;
    }

    private static bool Ipv6(Span<byte> data)
    {
        if (!Ipv6Packet.TryParse(data, out var packet, out _)) return false;
        var headers = packet.ExtensionHeaders;
        while (headers.TryNext(out var header))
        {
            var options = header.Options;
            if (header.Type is IpProtocol.HopByHop or IpProtocol.Ipv6Options)
                while (options.TryNext(out _)) { }
            if (header.Type == IpProtocol.Ipv6Fragment) Ipv6FragmentHeader.TryParse(header.Bytes, out _, out _);
            if (header.Type == IpProtocol.Ipv6Route) Ipv6RoutingHeader.TryParse(header.Bytes, out _, out _);
        }
        packet.TryGetUpperLayer(out _, out _);
        var repr = Ipv6Repr.Parse(packet);
        Span<byte> scratch = stackalloc byte[2048];
        if (repr.HeaderLength + repr.PayloadLength > scratch.Length) return true; // parsed; too long for the round trip
        Check(repr.TryEmit(scratch), "ipv6 emit");
        Check(Ipv6Repr.TryParse(scratch[..(repr.HeaderLength + repr.PayloadLength)], out var again, out _) && again == repr, "ipv6 round trip");
        return true;
    }

    private static bool Icmpv4(Span<byte> data)
    {
        if (!Icmpv4Packet.TryParse(data, out var packet, out _)) return false;
        if (packet.IsError) packet.TryGetQuotedDatagram(out _, out _);
        if (!Icmpv4Repr.TryParse(packet, out var repr, out _)) return false;
        Span<byte> scratch = stackalloc byte[1500];
        if (repr.BufferLength > scratch.Length || repr.PayloadLength > packet.Payload.Length) return true; // parsed; no round trip for it
        Check(repr.TryEmit(scratch, packet.Payload[..repr.PayloadLength]), "icmpv4 emit");
        Check(Icmpv4Packet.TryParse(scratch[..repr.BufferLength], out var again, out _)
              && Icmpv4Repr.TryParse(again, out var repr2, out _) && repr2 == repr, "icmpv4 round trip");
        return true;
    }

    private static bool Icmpv6(Span<byte> data)
    {
        if (!Icmpv6Packet.TryParse(data, out var packet, out _)) return false;
        // Random input has random checksums: fill it so the deeper parsers are reached.
        packet.FillChecksum(V6A.V6, V6B.V6);
        if (packet.IsError) packet.TryGetQuotedPacket(out _, out _);
        bool parsed = Icmpv6Repr.TryParse(packet, V6A.V6, V6B.V6, out _, out _);
        if (NdiscPacket.TryParse(packet, out var nd, out _))
        {
            var options = nd.Options;
            while (options.TryNext(out var option))
            {
                _ = option.LinkLayerAddress;
                _ = option.PrefixInformation;
                _ = option.Mtu;
            }
            parsed |= NdiscRepr.TryParse(packet, V6A.V6, V6B.V6, out _, out _);
        }
        if (MldPacket.TryParse(packet, out var mld, out _))
        {
            var records = mld.Records;
            while (records.TryNext(out var record)) _ = record.AuxData.Length;
            parsed |= MldRepr.TryParse(packet, V6A.V6, V6B.V6, out _, out _);
        }
        return parsed;
    }

    private static bool Udp(Span<byte> data)
    {
        Span<byte> scratch = stackalloc byte[2048];
        bool v4 = UdpRoundTrip(data, V4A, V4B, scratch);
        bool v6 = UdpRoundTrip(data, V6A, V6B, scratch);
        return v4 || v6;
    }

    private static bool UdpRoundTrip(Span<byte> data, IpAddress src, IpAddress dst, Span<byte> scratch)
    {
        if (!UdpDatagram.TryParse(data, out var datagram, out _)) return false;
        if (!UdpRepr.TryParse(datagram, src, dst, out var repr, out _, verifyChecksum: false)) return false;
        if (repr.EmittedLength > scratch.Length) return true; // parsed; too long for the round trip
        datagram.Payload.CopyTo(scratch[UdpDatagram.HeaderLength..]);
        Check(repr.TryEmit(scratch[..repr.EmittedLength], src, dst), "udp emit");
        Check(UdpDatagram.TryParse(scratch[..repr.EmittedLength], out var again, out _), "udp reparse");
        Check(UdpRepr.TryParse(again, src, dst, out var repr2, out _) && repr2 == repr, "udp round trip");
        return true;
    }

    private static bool Tcp(Span<byte> data)
    {
        if (!TcpSegment.TryParse(data, out var segment, out _)) return false;
        TcpOptionSetAgreesWithReader(segment.Options);
        if (!TcpRepr.TryParse(segment, V4A, V4B, out var repr, out _, verifyChecksum: false)) return false;
        Span<byte> scratch = stackalloc byte[2048];
        if (repr.EmittedLength > scratch.Length) return true; // parsed; too long for the round trip
        segment.Payload.CopyTo(scratch[repr.HeaderLength..]);
        Check(repr.TryEmit(scratch[..repr.EmittedLength], V4A, V4B), "tcp emit");
        Check(TcpSegment.TryParse(scratch[..repr.EmittedLength], out var again, out _), "tcp reparse view");
        Check(TcpRepr.TryParse(again, V4A, V4B, out var repr2, out _), "tcp reparse");
        Check(repr2.SequenceNumber == repr.SequenceNumber && repr2.AcknowledgmentNumber == repr.AcknowledgmentNumber
              && repr2.Flags == repr.Flags && repr2.WindowSize == repr.WindowSize && repr2.PayloadLength == repr.PayloadLength
              && repr2.MaxSegmentSize == repr.MaxSegmentSize && repr2.WindowScale == repr.WindowScale
              && repr2.SackPermitted == repr.SackPermitted && repr2.Timestamps == repr.Timestamps
              && repr2.SackBlocks.Count == repr.EmittedSackBlockCount, "tcp round trip");
        return true;
    }

    /// <summary>
    /// The option set (by prediction of the usual layouts or by its general walk) must refuse exactly what the option
    /// reader refuses and otherwise hold the last option of each kind the reader finds.
    /// </summary>
    public static void TcpOptionSetAgreesWithReader(ReadOnlySpan<byte> area)
    {
        bool parsed = TcpOptionSet.TryParse(area, out var set, out var error);
        var reader = new TcpOptionReader(area);
        ushort? mss = null;
        byte? scale = null;
        bool sackPermitted = false;
        TcpTimestamps? timestamps = null;
        TcpSackBlocks sack = default;
        while (reader.TryNext(out var option))
        {
            switch (option.Kind)
            {
                case TcpOptionKind.MaxSegmentSize: mss = option.MaxSegmentSize; break;
                case TcpOptionKind.WindowScale: scale = Math.Min(option.WindowScale, TcpRepr.MaxWindowScale); break;
                case TcpOptionKind.SackPermitted: sackPermitted = true; break;
                case TcpOptionKind.Timestamps: timestamps = option.Timestamps; break;
                case TcpOptionKind.Sack: sack = option.SackBlocks; break;
            }
        }
        Check(parsed == (reader.Error == WireError.None) && error == reader.Error, "tcp option set verdict");
        if (!parsed) return;
        Check(set.MaxSegmentSize == mss && set.WindowScale == scale && set.SackPermitted == sackPermitted && set.Timestamps == timestamps
              && set.ReadSackBlocks(area) == sack && set.SackBlockCount == sack.Count, "tcp option set values");
    }

    private static bool Dhcpv4(Span<byte> data)
    {
        if (!Dhcpv4Message.TryParse(data, out var message, out _)) return false;
        var options = message.OptionReader;
        while (options.TryNext(out var option)) _ = option.MessageType;
        return Dhcpv4Repr.TryParse(message, out _, out _);
    }

    private static bool Igmp(Span<byte> data)
    {
        if (!IgmpPacket.TryParse(data, out var packet, out _)) return false;
        var records = packet.GroupRecords;
        while (records.TryNext(out var record))
            foreach (var source in record.Sources) _ = source.Value;
        return IgmpRepr.TryParse(packet, out _, out _);
    }

    private static bool Print(Span<byte> data, PcapLinkType link)
    {
        Span<char> line = stackalloc char[512];
        int n = PacketPrinter.Format(data, link, line);
        Check(n <= line.Length, "printer length");
        return n > 0;
    }

    private static bool Stack(Span<byte> data)
    {
        var verified = CompareHeaderStack(data, verifyChecksums: true);
        CompareHeaderStack(data, verifyChecksums: false);
        return verified == WireError.None;
    }

    /// <summary>
    /// Walks <paramref name="frame"/> with <see cref="HeaderStack.TryParse"/> and with the views and reprs, layer by layer
    /// as the stack documents it, and throws unless both give the same status and, on success, the same value for every
    /// field and the same slices (same memory, same length). Returns the status. Allocates nothing.
    /// </summary>
    public static WireError CompareHeaderStack(Span<byte> frame, bool verifyChecksums)
    {
        bool parsed = HeaderStack.TryParse(frame, out var stack, out var error, verifyChecksums);
        var expected = ReferenceWalk(frame, verifyChecksums, parsed, stack);
        Check(parsed == (expected == WireError.None) && error == expected, "stack status equals the views' status");
        return error;
    }

    // The reference: the views and reprs in the order HeaderStack's remarks give. Fields are compared only while the
    // stack parsed (a stack that failed is empty).
    private static WireError ReferenceWalk(Span<byte> frame, bool verify, bool parsed, in HeaderStack stack)
    {
        if (!EthernetFrame.TryParse(frame, out var eth, out var error)) return error;
        if (parsed)
        {
            Check(stack.Bytes == frame && stack.EtherType == eth.EtherType && stack.TagCount == eth.TagCount
                  && stack.EthernetSource == eth.Source && stack.EthernetDestination == eth.Destination
                  && stack.NetworkBytes == eth.Payload && stack.Ethernet.HeaderLength == eth.HeaderLength, "stack ethernet");
        }
        if (eth.EtherType == EtherType.Ipv4)
        {
            if (!Ipv4Packet.TryParse(eth.Payload, out var ip, out error)) return error;
            if (verify && !Ipv4Repr.TryParse(ip, out _, out error)) return error;
            if (parsed)
            {
                Check(stack.IpVersion == IpVersion.V4 && stack.Ipv4Source == ip.Source && stack.Ipv4Destination == ip.Destination
                      && stack.IpSource == ip.Source && stack.IpDestination == ip.Destination && stack.Ipv6Source == default
                      && stack.HopLimit == ip.TimeToLive && stack.Protocol == ip.Protocol && stack.IsFragment == ip.IsFragment
                      && stack.IpPayloadLength == ip.TotalLength - ip.HeaderLength && stack.IpPayload == ip.Payload
                      && stack.Ipv4.Bytes == ip.Bytes && stack.Ipv6.Bytes.IsEmpty, "stack ipv4");
            }
            if (ip.IsFragment) return NoTransport(parsed, stack, ip.Payload);
            return ReferenceTransport(ip.Protocol, ip.Payload, new IpAddress(ip.Source), new IpAddress(ip.Destination), verify, parsed, stack);
        }
        if (eth.EtherType == EtherType.Ipv6)
        {
            if (!Ipv6Packet.TryParse(eth.Payload, out var ip, out error)) return error;
            if (!ip.TryGetUpperLayer(out var upper, out error)) return error;
            bool fragment = upper.Fragment is { } f && (f.FragmentOffset != 0 || f.MoreFragments);
            if (parsed)
            {
                Check(stack.IpVersion == IpVersion.V6 && stack.Ipv6Source == ip.Source && stack.Ipv6Destination == ip.Destination
                      && stack.IpSource == ip.Source && stack.IpDestination == ip.Destination && stack.Ipv4Source == default
                      && stack.HopLimit == ip.HopLimit && stack.Protocol == upper.Protocol && stack.IsFragment == fragment
                      && stack.IpPayloadLength == ip.PayloadLength && stack.IpPayload == ip.Payload
                      && stack.Ipv6.Bytes == ip.Bytes && stack.Ipv4.Bytes.IsEmpty, "stack ipv6");
            }
            var upperBytes = ip.Payload[upper.Offset..];
            if (fragment) return NoTransport(parsed, stack, upperBytes);
            return ReferenceTransport(upper.Protocol, upperBytes, new IpAddress(ip.Source), new IpAddress(upper.FinalDestination), verify, parsed, stack);
        }
        if (parsed)
        {
            Check(stack.IpVersion == IpVersion.Unspecified && stack.IpPayload.IsEmpty && stack.IpPayloadLength == 0 && stack.HopLimit == 0
                  && stack.Ipv4.Bytes.IsEmpty && stack.Ipv6.Bytes.IsEmpty && stack.TransportBytes.IsEmpty, "stack without ip");
            NoTransport(parsed, stack, stack.TransportBytes);
        }
        return WireError.None;
    }

    private static WireError ReferenceTransport(IpProtocol protocol, Span<byte> bytes, in IpAddress source, in IpAddress destination,
        bool verify, bool parsed, in HeaderStack stack)
    {
        WireError error;
        if (protocol == IpProtocol.Tcp)
        {
            if (!TcpSegment.TryParse(bytes, out var segment, out error)
                || !TcpRepr.TryParse(segment, source, destination, out var tcp, out error, verify))
                return error;
            if (parsed)
            {
                ref readonly var options = ref stack.TcpOptions;
                Check(stack.Transport == TransportKind.Tcp && stack.SourcePort == tcp.SourcePort && stack.DestinationPort == tcp.DestinationPort
                      && stack.SequenceNumber == tcp.SequenceNumber && stack.AcknowledgmentNumber == tcp.AcknowledgmentNumber
                      && stack.TcpFlags == tcp.Flags && stack.WindowSize == tcp.WindowSize && stack.UrgentPointer == tcp.UrgentPointer
                      && options.MaxSegmentSize == tcp.MaxSegmentSize && options.WindowScale == tcp.WindowScale
                      && options.SackPermitted == tcp.SackPermitted && options.Timestamps == tcp.Timestamps
                      && options.SackBlockCount == tcp.SackBlocks.Count && stack.TcpSackBlocks == tcp.SackBlocks
                      && stack.Tcp.Bytes == segment.Bytes && stack.Udp.Bytes.IsEmpty && stack.TransportBytes == segment.Bytes
                      && stack.Payload == segment.Payload && stack.Payload.Length == tcp.PayloadLength, "stack tcp");
            }
            return WireError.None;
        }
        if (protocol == IpProtocol.Udp)
        {
            if (!UdpDatagram.TryParse(bytes, out var datagram, out error)
                || !UdpRepr.TryParse(datagram, source, destination, out var udp, out error, verify))
                return error;
            if (parsed)
            {
                Check(stack.Transport == TransportKind.Udp && stack.SourcePort == udp.SourcePort && stack.DestinationPort == udp.DestinationPort
                      && stack.SequenceNumber == default && stack.TcpFlags == TcpFlags.None && stack.TcpOptions.MaxSegmentSize is null
                      && stack.Udp.Bytes == datagram.Bytes && stack.Tcp.Bytes.IsEmpty && stack.TransportBytes == datagram.Bytes
                      && stack.Payload == datagram.Payload && stack.Payload.Length == udp.PayloadLength, "stack udp");
            }
            return WireError.None;
        }
        return NoTransport(parsed, stack, bytes);
    }

    // Not TCP or UDP, or a fragment: the walk ends at the IP layer, and every transport getter reads zeros.
    private static WireError NoTransport(bool parsed, in HeaderStack stack, Span<byte> upperBytes)
    {
        if (parsed)
        {
            Check(stack.Transport == TransportKind.None && stack.TransportBytes == upperBytes && stack.Payload.IsEmpty
                  && stack.SourcePort == 0 && stack.DestinationPort == 0 && stack.SequenceNumber == default
                  && stack.AcknowledgmentNumber == default && stack.TcpFlags == TcpFlags.None && stack.WindowSize == 0
                  && stack.UrgentPointer == 0 && stack.TcpOptions.Timestamps is null && stack.TcpSackBlocks.Count == 0
                  && stack.Tcp.Bytes.IsEmpty && stack.Udp.Bytes.IsEmpty, "stack without transport");
        }
        return WireError.None;
    }

    private static bool Pcap(Span<byte> data)
    {
        using var stream = new MemoryStream(data.ToArray(), writable: false);
        if (!PcapReader.TryOpen(stream, out var reader, out _)) return false;
        var frame = new byte[1 << 16];
        for (int i = 0; i < 10_000; i++)
        {
            var status = reader!.TryReadNext(frame, out var record);
            if (status != PcapReadStatus.Record) return true;
            Check(record.CapturedLength <= frame.Length, "pcap record fits");
        }
        return true;
    }
}
