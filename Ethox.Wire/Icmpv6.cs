using System;
using System.Buffers.Binary;

namespace Ethox.Wire;

/// <summary>ICMPv6 message types (RFC 4443 §2.1, RFC 4861 §4, RFC 2710 §3, RFC 3810 §5).</summary>
public enum Icmpv6Type : byte
{
    /// <summary>Destination Unreachable (RFC 4443 §3.1); codes in <see cref="Icmpv6UnreachableCode"/>.</summary>
    DestinationUnreachable = 1,
    /// <summary>Packet Too Big (RFC 4443 §3.2).</summary>
    PacketTooBig = 2,
    /// <summary>Time Exceeded (RFC 4443 §3.3); codes in <see cref="Icmpv6TimeExceededCode"/>.</summary>
    TimeExceeded = 3,
    /// <summary>Parameter Problem (RFC 4443 §3.4); codes in <see cref="Icmpv6ParameterProblemCode"/>.</summary>
    ParameterProblem = 4,
    /// <summary>Echo Request (RFC 4443 §4.1).</summary>
    EchoRequest = 128,
    /// <summary>Echo Reply (RFC 4443 §4.2).</summary>
    EchoReply = 129,
    /// <summary>Multicast Listener Query, MLDv1 or MLDv2 (RFC 2710 §3.6, RFC 3810 §5.1).</summary>
    MulticastListenerQuery = 130,
    /// <summary>Version 1 Multicast Listener Report (RFC 2710 §3.7).</summary>
    MulticastListenerReport = 131,
    /// <summary>Multicast Listener Done (RFC 2710 §3.8).</summary>
    MulticastListenerDone = 132,
    /// <summary>Router Solicitation (RFC 4861 §4.1).</summary>
    RouterSolicitation = 133,
    /// <summary>Router Advertisement (RFC 4861 §4.2).</summary>
    RouterAdvertisement = 134,
    /// <summary>Neighbor Solicitation (RFC 4861 §4.3).</summary>
    NeighborSolicitation = 135,
    /// <summary>Neighbor Advertisement (RFC 4861 §4.4).</summary>
    NeighborAdvertisement = 136,
    /// <summary>Redirect (RFC 4861 §4.5).</summary>
    Redirect = 137,
    /// <summary>Version 2 Multicast Listener Report (RFC 3810 §5.2).</summary>
    MulticastListenerReportV2 = 143,
}

/// <summary>Destination Unreachable codes (RFC 4443 §3.1).</summary>
public enum Icmpv6UnreachableCode : byte
{
    /// <summary>No route to destination.</summary>
    NoRoute = 0,
    /// <summary>Communication with destination administratively prohibited.</summary>
    AdministrativelyProhibited = 1,
    /// <summary>Beyond scope of source address.</summary>
    BeyondScope = 2,
    /// <summary>Address unreachable.</summary>
    AddressUnreachable = 3,
    /// <summary>Port unreachable.</summary>
    PortUnreachable = 4,
    /// <summary>Source address failed ingress/egress policy.</summary>
    SourcePolicyFailed = 5,
    /// <summary>Reject route to destination.</summary>
    RejectRoute = 6,
}

/// <summary>Time Exceeded codes (RFC 4443 §3.3).</summary>
public enum Icmpv6TimeExceededCode : byte
{
    /// <summary>Hop limit exceeded in transit.</summary>
    HopLimitExceeded = 0,
    /// <summary>Fragment reassembly time exceeded.</summary>
    FragmentReassemblyTimeExceeded = 1,
}

/// <summary>Parameter Problem codes (RFC 4443 §3.4, RFC 7112 §6).</summary>
public enum Icmpv6ParameterProblemCode : byte
{
    /// <summary>Erroneous header field encountered.</summary>
    ErroneousHeaderField = 0,
    /// <summary>Unrecognized Next Header type encountered.</summary>
    UnrecognizedNextHeader = 1,
    /// <summary>Unrecognized IPv6 option encountered.</summary>
    UnrecognizedOption = 2,
    /// <summary>The first fragment has an incomplete header chain (RFC 7112).</summary>
    IncompleteHeaderChain = 3,
}

/// <summary>
/// A checked view of an ICMPv6 message (RFC 4443 §2.1): the 4-byte header (type, code, checksum) and the message
/// body, whose first four bytes every message type gives a meaning. This is the one view under echo and errors
/// (<see cref="Icmpv6Repr"/>), neighbor discovery (<see cref="NdiscPacket"/>) and MLD (<see cref="MldPacket"/>);
/// they share its checksum (with the IPv6 pseudo-header, RFC 4443 §2.3) and its header emission.
/// </summary>
public readonly ref struct Icmpv6Packet
{
    /// <summary>Type, code, checksum and the first 32-bit word of the body: 8 bytes, the shortest message.</summary>
    public const int MinimumLength = 8;

    private readonly Span<byte> _buffer;

    private Icmpv6Packet(Span<byte> buffer) => _buffer = buffer;

    /// <summary>Checks that <paramref name="buffer"/> holds at least 8 bytes and views the whole buffer as one message.</summary>
    public static bool TryParse(Span<byte> buffer, out Icmpv6Packet packet, out WireError error)
    {
        packet = default;
        if (buffer.Length < MinimumLength) { error = WireError.Truncated; return false; }
        packet = new Icmpv6Packet(buffer);
        error = WireError.None;
        return true;
    }

    /// <summary>
    /// Starts emitting a message of exactly <paramref name="message"/> (at least 8 bytes, checked by the caller):
    /// writes type and code and clears the checksum and the first body word. The caller writes the rest, then calls
    /// <see cref="FillChecksum"/>.
    /// </summary>
    internal static Icmpv6Packet Begin(Span<byte> message, Icmpv6Type type, byte code)
    {
        message[..MinimumLength].Clear();
        message[0] = (byte)type;
        message[1] = code;
        return new Icmpv6Packet(message);
    }

    /// <summary>The whole message.</summary>
    public Span<byte> Bytes => _buffer;

    /// <summary>Message type.</summary>
    public Icmpv6Type Type
    {
        get => (Icmpv6Type)_buffer[0];
        set => _buffer[0] = (byte)value;
    }

    /// <summary>Message code.</summary>
    public byte Code
    {
        get => _buffer[1];
        set => _buffer[1] = value;
    }

    /// <summary>The checksum field as stored.</summary>
    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], value);
    }

    /// <summary>True for error messages: types 0-127 (RFC 4443 §2.1).</summary>
    public bool IsError => (byte)Type < 128;

    /// <summary>Everything after the 4-byte header.</summary>
    public Span<byte> Body => _buffer[4..];

    /// <summary>Echo identifier (bytes 4-5).</summary>
    public ushort Identifier
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[4..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[4..], value);
    }

    /// <summary>Echo sequence number (bytes 6-7).</summary>
    public ushort SequenceNumber
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[6..], value);
    }

    /// <summary>Packet Too Big: the MTU of the next-hop link (bytes 4-7, RFC 4443 §3.2).</summary>
    public uint Mtu
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_buffer[4..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_buffer[4..], value);
    }

    /// <summary>Parameter Problem: the offset of the error in the quoted packet (bytes 4-7, RFC 4443 §3.4).</summary>
    public uint Pointer
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_buffer[4..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_buffer[4..], value);
    }

    /// <summary>The body after the first 32-bit word: echo data, or the quoted packet of an error.</summary>
    public Span<byte> Payload => _buffer[MinimumLength..];

    /// <summary>
    /// Views the packet quoted by an error leniently (see <see cref="Ipv6Packet.TryParseQuoted"/>): its header fields
    /// are readable even though only part of it was quoted.
    /// </summary>
    public bool TryGetQuotedPacket(out Ipv6Packet quoted, out WireError error) => Ipv6Packet.TryParseQuoted(Payload, out quoted, out error);

    /// <summary>True when the checksum over the IPv6 pseudo-header and the whole message verifies (RFC 4443 §2.3).</summary>
    public bool VerifyChecksum(Ipv6Address source, Ipv6Address destination)
        => Wire.Checksum.Verify(PseudoHeaderSum(source, destination), _buffer);

    /// <summary>Computes and stores the checksum over the IPv6 pseudo-header and the whole message.</summary>
    public void FillChecksum(Ipv6Address source, Ipv6Address destination)
    {
        Checksum = 0;
        Checksum = Wire.Checksum.Compute(PseudoHeaderSum(source, destination), _buffer);
    }

    /// <summary>The first step of every repr's parse: the checksum, or <see cref="WireError.BadChecksum"/>.</summary>
    internal bool TryVerify(Ipv6Address source, Ipv6Address destination, out WireError error)
    {
        error = VerifyChecksum(source, destination) ? WireError.None : WireError.BadChecksum;
        return error == WireError.None;
    }

    private ushort PseudoHeaderSum(Ipv6Address source, Ipv6Address destination)
        => Wire.Checksum.PseudoHeaderSum(source, destination, (byte)IpProtocol.Icmpv6, _buffer.Length);
}

/// <summary>
/// The high-level form of the ICMPv6 messages of RFC 4443: echo request and reply, and the errors Destination
/// Unreachable, Packet Too Big, Time Exceeded and Parameter Problem. The body (echo data, or the quoted packet) is not
/// held: <see cref="PayloadLength"/> says how long it is, and <see cref="TryEmit"/> copies it from a span.
/// Neighbor discovery and MLD have their own reprs (<see cref="NdiscRepr"/>, <see cref="MldRepr"/>).
/// </summary>
public readonly record struct Icmpv6Repr
{
    /// <summary>The message type.</summary>
    public Icmpv6Type Type { get; init; }
    /// <summary>The message code.</summary>
    public byte Code { get; init; }
    /// <summary>Echo identifier.</summary>
    public ushort Identifier { get; init; }
    /// <summary>Echo sequence number.</summary>
    public ushort SequenceNumber { get; init; }
    /// <summary>Packet Too Big: the MTU of the next-hop link (RFC 4443 §3.2).</summary>
    public uint Mtu { get; init; }
    /// <summary>Parameter Problem: the offset of the error in the quoted packet (RFC 4443 §3.4).</summary>
    public uint Pointer { get; init; }
    /// <summary>Length of the body: echo data, or the quoted part of the offending packet.</summary>
    public int PayloadLength { get; init; }

    /// <summary>The emitted message length: 8 plus <see cref="PayloadLength"/>.</summary>
    public int BufferLength => Icmpv6Packet.MinimumLength + PayloadLength;

    /// <summary>
    /// How much of an offending packet of <paramref name="offendingLength"/> bytes an error quotes so that the error
    /// packet (the 40-byte IPv6 header, the 8-byte ICMPv6 header and the quote) stays within
    /// <paramref name="maxPacketLength"/>, by default the IPv6 minimum MTU of 1280 (RFC 4443 §2.4(c)).
    /// </summary>
    public static int QuotedLength(int offendingLength, int maxPacketLength = Ipv6Packet.MinimumMtu)
        => Math.Clamp(maxPacketLength - Ipv6Packet.HeaderLength - Icmpv6Packet.MinimumLength, 0, Math.Max(offendingLength, 0));

    /// <summary>An Echo Request with <paramref name="dataLength"/> bytes of data.</summary>
    public static Icmpv6Repr EchoRequest(ushort identifier, ushort sequenceNumber, int dataLength)
        => new() { Type = Icmpv6Type.EchoRequest, Identifier = identifier, SequenceNumber = sequenceNumber, PayloadLength = dataLength };

    /// <summary>An Echo Reply with <paramref name="dataLength"/> bytes of data (the request's, RFC 4443 §4.2).</summary>
    public static Icmpv6Repr EchoReply(ushort identifier, ushort sequenceNumber, int dataLength)
        => new() { Type = Icmpv6Type.EchoReply, Identifier = identifier, SequenceNumber = sequenceNumber, PayloadLength = dataLength };

    /// <summary>A Destination Unreachable quoting as much of the offending packet as fits in <paramref name="maxPacketLength"/>.</summary>
    public static Icmpv6Repr DestinationUnreachable(Icmpv6UnreachableCode code, int offendingLength, int maxPacketLength = Ipv6Packet.MinimumMtu)
        => Error(Icmpv6Type.DestinationUnreachable, (byte)code, offendingLength, maxPacketLength);

    /// <summary>A Packet Too Big announcing <paramref name="mtu"/>.</summary>
    public static Icmpv6Repr PacketTooBig(uint mtu, int offendingLength, int maxPacketLength = Ipv6Packet.MinimumMtu)
        => Error(Icmpv6Type.PacketTooBig, 0, offendingLength, maxPacketLength) with { Mtu = mtu };

    /// <summary>A Time Exceeded.</summary>
    public static Icmpv6Repr TimeExceeded(Icmpv6TimeExceededCode code, int offendingLength, int maxPacketLength = Ipv6Packet.MinimumMtu)
        => Error(Icmpv6Type.TimeExceeded, (byte)code, offendingLength, maxPacketLength);

    /// <summary>A Parameter Problem pointing at byte <paramref name="pointer"/> of the offending packet.</summary>
    public static Icmpv6Repr ParameterProblem(Icmpv6ParameterProblemCode code, uint pointer, int offendingLength, int maxPacketLength = Ipv6Packet.MinimumMtu)
        => Error(Icmpv6Type.ParameterProblem, (byte)code, offendingLength, maxPacketLength) with { Pointer = pointer };

    private static Icmpv6Repr Error(Icmpv6Type type, byte code, int offendingLength, int maxPacketLength)
        => new() { Type = type, Code = code, PayloadLength = QuotedLength(offendingLength, maxPacketLength) };

    private static bool IsKnown(Icmpv6Type type)
        => type is Icmpv6Type.EchoRequest or Icmpv6Type.EchoReply or Icmpv6Type.DestinationUnreachable
            or Icmpv6Type.PacketTooBig or Icmpv6Type.TimeExceeded or Icmpv6Type.ParameterProblem;

    /// <summary>
    /// Reads a checked message sent from <paramref name="source"/> to <paramref name="destination"/>. A checksum that
    /// does not verify is <see cref="WireError.BadChecksum"/>; types other than echo and the four errors are
    /// <see cref="WireError.Unsupported"/>; an error that does not quote at least a whole IPv6 header is
    /// <see cref="WireError.Truncated"/> (<see cref="WireError.Malformed"/> when the quote is not IPv6).
    /// </summary>
    public static bool TryParse(Icmpv6Packet packet, Ipv6Address source, Ipv6Address destination, out Icmpv6Repr repr, out WireError error)
    {
        repr = default;
        if (!packet.TryVerify(source, destination, out error)) return false;
        var type = packet.Type;
        if (!IsKnown(type)) { error = WireError.Unsupported; return false; }
        if (packet.IsError && !packet.TryGetQuotedPacket(out _, out error)) return false;
        repr = new Icmpv6Repr { Type = type, Code = packet.Code, PayloadLength = packet.Payload.Length };
        repr = type switch
        {
            Icmpv6Type.EchoRequest or Icmpv6Type.EchoReply => repr with { Identifier = packet.Identifier, SequenceNumber = packet.SequenceNumber },
            Icmpv6Type.PacketTooBig => repr with { Mtu = packet.Mtu },
            Icmpv6Type.ParameterProblem => repr with { Pointer = packet.Pointer },
            _ => repr,
        };
        return true;
    }

    /// <summary>
    /// Writes the message into the start of <paramref name="buffer"/>: the first <see cref="PayloadLength"/> bytes of
    /// <paramref name="payload"/> (echo data, or the offending packet), then the header, then the checksum over the
    /// pseudo-header of <paramref name="source"/> and <paramref name="destination"/>. The body is copied first, so
    /// <paramref name="payload"/> may overlap <paramref name="buffer"/> (an in-place echo reply, or an error built over
    /// the packet it quotes). False when <paramref name="buffer"/> is shorter than <see cref="BufferLength"/>,
    /// <paramref name="payload"/> shorter than <see cref="PayloadLength"/>, or the type is not one this repr emits.
    /// </summary>
    public bool TryEmit(Span<byte> buffer, Ipv6Address source, Ipv6Address destination, ReadOnlySpan<byte> payload)
    {
        if (!IsKnown(Type) || PayloadLength < 0 || payload.Length < PayloadLength || buffer.Length < BufferLength) return false;
        var message = buffer[..BufferLength];
        payload[..PayloadLength].CopyTo(message[Icmpv6Packet.MinimumLength..]);
        var packet = Icmpv6Packet.Begin(message, Type, Code);
        switch (Type)
        {
            case Icmpv6Type.EchoRequest or Icmpv6Type.EchoReply:
                packet.Identifier = Identifier;
                packet.SequenceNumber = SequenceNumber;
                break;
            case Icmpv6Type.PacketTooBig:
                packet.Mtu = Mtu;
                break;
            case Icmpv6Type.ParameterProblem:
                packet.Pointer = Pointer;
                break;
        }
        packet.FillChecksum(source, destination);
        return true;
    }
}
