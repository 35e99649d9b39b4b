using System;
using System.Buffers.Binary;
using Ethox.Wire;

namespace Ethox.Layer.Ip;

/// <summary>
/// An ICMP or ICMPv6 error about one of our TCP or UDP datagrams, decoded once for the transport: what
/// happened, who said so, and the quoted datagram's addresses, ports and (TCP) sequence number.
/// </summary>
/// <remarks>
/// Everything quoted comes from the network unverified: a transport acts on it only after checking it
/// against its own state (RFC 5927 §4.1 for TCP; for UDP at least that <see cref="QuotedSource"/> is ours,
/// RFC 8201 §5.2).
/// </remarks>
public readonly record struct IcmpTransportError
{
    /// <summary>What the error says, across both families.</summary>
    public IcmpErrorClass Class { get; init; }
    /// <summary>The ICMP or ICMPv6 type as received.</summary>
    public byte Type { get; init; }
    /// <summary>The code as received.</summary>
    public byte Code { get; init; }
    /// <summary>IPv4 (ICMP) or IPv6 (ICMPv6).</summary>
    public IpVersion Version { get; init; }
    /// <summary>
    /// A hard error in the sense of RFC 1122 §4.2.3.9 and RFC 9293 §3.9.2.2 (RFC 5461 discusses them): IPv4 protocol,
    /// port unreachable and fragmentation needed (codes 2-4), and administratively prohibited (codes 9, 10, 13);
    /// ICMPv6 administratively prohibited, port unreachable, source policy and reject route (codes 1, 4-6; 5 and 6
    /// refine 1, RFC 4443 §3.1). Net and host unreachable, time exceeded, parameter problem and Packet Too Big are
    /// soft: a routing transient, not proof. A transport handles <see cref="IcmpErrorClass.PacketTooBig"/> by its
    /// MTU before it looks at this flag; a connection is never aborted for it.
    /// </summary>
    public bool IsHard { get; init; }
    /// <summary>
    /// The MTU of the hop that refused the datagram: the frag-needed Next-Hop MTU (RFC 1191 §4), or the next lower
    /// plateau under the quoted Total Length when an old router left it zero (RFC 1191 §5,
    /// <see cref="PathMtuTable.PlateauBelow"/>); the Packet Too Big MTU (RFC 8201 §4). Zero for other errors.
    /// </summary>
    public int NextHopMtu { get; init; }
    /// <summary>Who sent the ICMP message (a router on the path, or the destination itself).</summary>
    public IpAddress Reporter { get; init; }
    /// <summary>The quoted datagram's source: ours if the error is genuine.</summary>
    public IpAddress QuotedSource { get; init; }
    /// <summary>The quoted datagram's destination (the final one when it carried an IPv6 routing header).</summary>
    public IpAddress QuotedDestination { get; init; }
    /// <summary>The quoted datagram's transport: <see cref="IpProtocol.Tcp"/> or <see cref="IpProtocol.Udp"/>.</summary>
    public IpProtocol Protocol { get; init; }
    /// <summary>The quoted source port (ours).</summary>
    public ushort SourcePort { get; init; }
    /// <summary>The quoted destination port (the peer's).</summary>
    public ushort DestinationPort { get; init; }
    /// <summary>TCP: the quoted sequence number (bytes 4-7 of the quoted header), for the RFC 5927 §4.1 check; 0 for UDP.</summary>
    public uint QuotedSequence { get; init; }
    /// <summary>The interface the error arrived on, whose path MTU table the transport may lower.</summary>
    public IpEndpoint? Endpoint { get; init; }
    /// <summary>When the error arrived.</summary>
    public Instant Timestamp { get; init; }

    /// <summary>
    /// Destination unreachable, port unreachable (ICMP code 3, ICMPv6 code 4): nothing listens on that port at the
    /// destination (RFC 1122 §4.1.3.1 has a host answer so), the ICMP form of a refused connection.
    /// </summary>
    public bool IsPortUnreachable => Class == IcmpErrorClass.Unreachable
        && Code == (Version == IpVersion.V4 ? (byte)Icmpv4UnreachableCode.PortUnreachable : (byte)Icmpv6UnreachableCode.PortUnreachable);

    /// <summary>Our end of the quoted datagram: <see cref="QuotedSource"/> and <see cref="SourcePort"/>.</summary>
    public TransportAddress QuotedLocal => new(QuotedSource, SourcePort);
    /// <summary>The peer's end of the quoted datagram: <see cref="QuotedDestination"/> and <see cref="DestinationPort"/>.</summary>
    public TransportAddress QuotedRemote => new(QuotedDestination, DestinationPort);

    /// <summary>Bytes of the quoted transport header an error must carry: ports and, for TCP, the sequence number (RFC 792, RFC 1812 §4.3.2.3).</summary>
    private const int QuotedTransportBytes = 8;

    /// <summary>
    /// Decodes a received ICMP (over IPv4) or ICMPv6 (over IPv6) message: true when it is Destination
    /// Unreachable, Packet Too Big, Time Exceeded or Parameter Problem, sent to a unicast
    /// address of ours (RFC 1122 §3.2.2: errors never go to a group), quoting at least a whole IP header and
    /// the first 8 bytes of a TCP or UDP header (IPv6 extension headers walked, at most
    /// <see cref="Ipv6ExtensionHeaderReader.MaxHeaders"/>; a quoted non-first fragment has no transport header).
    /// Never throws; reads only <paramref name="packet"/>'s payload.
    /// </summary>
    public static bool TryDecode(IpPacket packet, out IcmpTransportError error)
    {
        error = default;
        if (!packet.IsReceived || packet.IsMulticast) return false;
        var message = packet.Payload;
        if (message.Length < Icmpv4Packet.HeaderLength) return false; // ICMPv6 error headers are 8 bytes too
        byte type = message[0], code = message[1];
        var quote = message[Icmpv4Packet.HeaderLength..];
        IcmpErrorClass errorClass;
        bool hard;
        int mtu = 0;
        IpProtocol protocol;
        IpAddress source, destination;
        Span<byte> transport;
        if (packet.Version == IpVersion.V4 && packet.Protocol == IpProtocol.Icmp)
        {
            if (!ClassifyV4((Icmpv4Type)type, (Icmpv4UnreachableCode)code, out errorClass, out hard)) return false;
            if (!Ipv4Packet.TryParseQuoted(quote, out var quoted, out _) || quoted.FragmentOffset != 0) return false;
            if (errorClass == IcmpErrorClass.PacketTooBig)
            {
                mtu = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
                if (mtu == 0) mtu = PathMtuTable.PlateauBelow(quoted.TotalLength);
            }
            protocol = quoted.Protocol;
            source = quoted.Source;
            destination = quoted.Destination;
            transport = quoted.Payload;
        }
        else if (packet.Version == IpVersion.V6 && packet.Protocol == IpProtocol.Icmpv6)
        {
            if (!ClassifyV6((Icmpv6Type)type, code, out errorClass, out hard)) return false;
            if (!Ipv6Packet.TryParseQuoted(quote, out var quoted, out _) || !quoted.TryGetUpperLayer(out var upper, out _)) return false;
            if (upper.Fragment is { FragmentOffset: not 0 }) return false;
            if (errorClass == IcmpErrorClass.PacketTooBig)
                mtu = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(message[4..]), int.MaxValue);
            protocol = upper.Protocol;
            source = quoted.Source;
            destination = upper.FinalDestination;
            transport = quoted.Payload[upper.Offset..];
        }
        else return false;
        if (protocol is not (IpProtocol.Tcp or IpProtocol.Udp) || transport.Length < QuotedTransportBytes) return false;
        error = new IcmpTransportError
        {
            Class = errorClass,
            Type = type,
            Code = code,
            Version = packet.Version,
            IsHard = hard,
            NextHopMtu = mtu,
            Reporter = packet.Source,
            QuotedSource = source,
            QuotedDestination = destination,
            Protocol = protocol,
            SourcePort = BinaryPrimitives.ReadUInt16BigEndian(transport),
            DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]),
            QuotedSequence = protocol == IpProtocol.Tcp ? BinaryPrimitives.ReadUInt32BigEndian(transport[4..]) : 0,
            Endpoint = packet.Endpoint,
            Timestamp = packet.Timestamp,
        };
        return true;
    }

    private static bool ClassifyV4(Icmpv4Type type, Icmpv4UnreachableCode code, out IcmpErrorClass errorClass, out bool hard)
    {
        hard = false;
        switch (type)
        {
            case Icmpv4Type.DestinationUnreachable:
                errorClass = code == Icmpv4UnreachableCode.FragmentationNeeded ? IcmpErrorClass.PacketTooBig : IcmpErrorClass.Unreachable;
                hard = code is Icmpv4UnreachableCode.ProtocolUnreachable or Icmpv4UnreachableCode.PortUnreachable
                    or Icmpv4UnreachableCode.FragmentationNeeded or Icmpv4UnreachableCode.NetworkProhibited
                    or Icmpv4UnreachableCode.HostProhibited or Icmpv4UnreachableCode.CommunicationProhibited;
                return true;
            case Icmpv4Type.TimeExceeded: errorClass = IcmpErrorClass.TimeExceeded; return true;
            case Icmpv4Type.ParameterProblem: errorClass = IcmpErrorClass.ParameterProblem; return true;
            // Source Quench is dropped by the IP layer (RFC 6633 §2) and never gets here; redirects are not errors of a transport.
            default: errorClass = default; return false;
        }
    }

    private static bool ClassifyV6(Icmpv6Type type, byte code, out IcmpErrorClass errorClass, out bool hard)
    {
        hard = false;
        switch (type)
        {
            case Icmpv6Type.DestinationUnreachable:
                errorClass = IcmpErrorClass.Unreachable;
                hard = (Icmpv6UnreachableCode)code is Icmpv6UnreachableCode.AdministrativelyProhibited or Icmpv6UnreachableCode.PortUnreachable
                    or Icmpv6UnreachableCode.SourcePolicyFailed or Icmpv6UnreachableCode.RejectRoute;
                return true;
            case Icmpv6Type.PacketTooBig: errorClass = IcmpErrorClass.PacketTooBig; return true;
            case Icmpv6Type.TimeExceeded: errorClass = IcmpErrorClass.TimeExceeded; return true;
            case Icmpv6Type.ParameterProblem: errorClass = IcmpErrorClass.ParameterProblem; return true;
            default: errorClass = default; return false;
        }
    }
}
