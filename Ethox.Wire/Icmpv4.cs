using System;
using System.Buffers.Binary;

namespace Ethox.Wire;

/// <summary>ICMP message types (RFC 792, RFC 1812, IANA "ICMP Type Numbers").</summary>
public enum Icmpv4Type : byte
{
    /// <summary>Echo Reply (RFC 792).</summary>
    EchoReply = 0,
    /// <summary>Destination Unreachable (RFC 792); codes in <see cref="Icmpv4UnreachableCode"/>.</summary>
    DestinationUnreachable = 3,
    /// <summary>Source Quench (RFC 792, deprecated by RFC 6633).</summary>
    SourceQuench = 4,
    /// <summary>Redirect (RFC 792); codes in <see cref="Icmpv4RedirectCode"/>.</summary>
    Redirect = 5,
    /// <summary>Echo Request (RFC 792).</summary>
    EchoRequest = 8,
    /// <summary>Router Advertisement (RFC 1256).</summary>
    RouterAdvertisement = 9,
    /// <summary>Router Solicitation (RFC 1256).</summary>
    RouterSolicitation = 10,
    /// <summary>Time Exceeded (RFC 792); codes in <see cref="Icmpv4TimeExceededCode"/>.</summary>
    TimeExceeded = 11,
    /// <summary>Parameter Problem (RFC 792); codes in <see cref="Icmpv4ParameterProblemCode"/>.</summary>
    ParameterProblem = 12,
    /// <summary>Timestamp (RFC 792).</summary>
    Timestamp = 13,
    /// <summary>Timestamp Reply (RFC 792).</summary>
    TimestampReply = 14,
}

/// <summary>Destination Unreachable codes (RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1).</summary>
public enum Icmpv4UnreachableCode : byte
{
    /// <summary>Net unreachable.</summary>
    NetUnreachable = 0,
    /// <summary>Host unreachable.</summary>
    HostUnreachable = 1,
    /// <summary>Protocol unreachable.</summary>
    ProtocolUnreachable = 2,
    /// <summary>Port unreachable.</summary>
    PortUnreachable = 3,
    /// <summary>Fragmentation needed and DF set; carries the next-hop MTU (RFC 1191 §4).</summary>
    FragmentationNeeded = 4,
    /// <summary>Source route failed.</summary>
    SourceRouteFailed = 5,
    /// <summary>Destination network unknown.</summary>
    DestinationNetworkUnknown = 6,
    /// <summary>Destination host unknown.</summary>
    DestinationHostUnknown = 7,
    /// <summary>Source host isolated.</summary>
    SourceHostIsolated = 8,
    /// <summary>Communication with destination network administratively prohibited.</summary>
    NetworkProhibited = 9,
    /// <summary>Communication with destination host administratively prohibited.</summary>
    HostProhibited = 10,
    /// <summary>Network unreachable for type of service.</summary>
    NetworkUnreachableForTos = 11,
    /// <summary>Host unreachable for type of service.</summary>
    HostUnreachableForTos = 12,
    /// <summary>Communication administratively prohibited (RFC 1812).</summary>
    CommunicationProhibited = 13,
    /// <summary>Host precedence violation (RFC 1812).</summary>
    HostPrecedenceViolation = 14,
    /// <summary>Precedence cutoff in effect (RFC 1812).</summary>
    PrecedenceCutoff = 15,
}

/// <summary>Time Exceeded codes (RFC 792).</summary>
public enum Icmpv4TimeExceededCode : byte
{
    /// <summary>TTL exceeded in transit.</summary>
    TtlExceeded = 0,
    /// <summary>Fragment reassembly time exceeded.</summary>
    FragmentReassemblyTimeExceeded = 1,
}

/// <summary>Parameter Problem codes (RFC 792, RFC 1108, RFC 1812).</summary>
public enum Icmpv4ParameterProblemCode : byte
{
    /// <summary>The pointer indicates the error.</summary>
    PointerIndicatesError = 0,
    /// <summary>Missing a required option.</summary>
    MissingRequiredOption = 1,
    /// <summary>Bad length.</summary>
    BadLength = 2,
}

/// <summary>Redirect codes (RFC 792).</summary>
public enum Icmpv4RedirectCode : byte
{
    /// <summary>Redirect datagrams for the network.</summary>
    Network = 0,
    /// <summary>Redirect datagrams for the host.</summary>
    Host = 1,
    /// <summary>Redirect datagrams for the type of service and network.</summary>
    TosNetwork = 2,
    /// <summary>Redirect datagrams for the type of service and host.</summary>
    TosHost = 3,
}

/// <summary>
/// A checked view of an ICMP message (RFC 792): type, code, checksum, a 4-byte type-specific field and the body.
/// The buffer is the whole message, i.e. the exact payload of its IPv4 packet.
/// </summary>
public readonly ref struct Icmpv4Packet
{
    /// <summary>Type, code, checksum and the 4-byte type-specific field: 8 bytes.</summary>
    public const int HeaderLength = 8;

    private readonly Span<byte> _buffer;

    private Icmpv4Packet(Span<byte> buffer) => _buffer = buffer;

    /// <summary>Checks that <paramref name="buffer"/> holds the 8-byte header and views the whole buffer as the message.</summary>
    public static bool TryParse(Span<byte> buffer, out Icmpv4Packet packet, out WireError error)
    {
        packet = default;
        if (buffer.Length < HeaderLength) { error = WireError.Truncated; return false; }
        packet = new Icmpv4Packet(buffer);
        error = WireError.None;
        return true;
    }

    /// <summary>
    /// Starts emitting a message of exactly <paramref name="message"/> (at least 8 bytes, checked by the caller):
    /// writes type and code and clears the checksum and the type-specific field.
    /// </summary>
    internal static Icmpv4Packet Begin(Span<byte> message, Icmpv4Type type, byte code)
    {
        message[..HeaderLength].Clear();
        message[0] = (byte)type;
        message[1] = code;
        return new Icmpv4Packet(message);
    }

    /// <summary>The whole message.</summary>
    public Span<byte> Bytes => _buffer;

    /// <summary>Message type.</summary>
    public Icmpv4Type Type
    {
        get => (Icmpv4Type)_buffer[0];
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

    /// <summary>Echo/Timestamp identifier (bytes 4-5).</summary>
    public ushort Identifier
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[4..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[4..], value);
    }

    /// <summary>Echo/Timestamp sequence number (bytes 6-7).</summary>
    public ushort SequenceNumber
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[6..], value);
    }

    /// <summary>Next-hop MTU of a "fragmentation needed" message (bytes 6-7, RFC 1191 §4); 0 from pre-RFC 1191 routers.</summary>
    public ushort NextHopMtu
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[6..], value);
    }

    /// <summary>Parameter Problem pointer: the offset of the faulty byte in the quoted header (byte 4).</summary>
    public byte Pointer
    {
        get => _buffer[4];
        set => _buffer[4] = value;
    }

    /// <summary>Redirect gateway address (bytes 4-7).</summary>
    public Ipv4Address Gateway
    {
        get => Ipv4Address.Read(_buffer[4..]);
        set => value.WriteTo(_buffer[4..]);
    }

    /// <summary>The four type-specific bytes after the checksum.</summary>
    public Span<byte> RestOfHeader => _buffer[4..HeaderLength];

    /// <summary>The body after the 8-byte header: echo data, or the quoted datagram of an error.</summary>
    public Span<byte> Payload => _buffer[HeaderLength..];

    /// <summary>True for the error messages handled here, which quote the datagram that caused them (RFC 1122 §3.2.2).</summary>
    public bool IsError => Icmpv4Repr.IsErrorType(Type);

    /// <summary>
    /// Views the quoted datagram of an error message leniently (see <see cref="Ipv4Packet.TryParseQuoted"/>):
    /// its header fields are readable even though only part of its payload was quoted.
    /// </summary>
    public bool TryGetQuotedDatagram(out Ipv4Packet quoted, out WireError error) => Ipv4Packet.TryParseQuoted(Payload, out quoted, out error);

    /// <summary>True when the checksum over the whole message verifies (RFC 792).</summary>
    public bool VerifyChecksum() => Wire.Checksum.Verify(_buffer);

    /// <summary>Computes and stores the checksum over the whole message.</summary>
    public void FillChecksum()
    {
        Checksum = 0;
        Checksum = Wire.Checksum.Compute(_buffer);
    }
}

/// <summary>
/// The high-level form of an ICMP message: echo request and reply, and the errors Destination Unreachable,
/// Time Exceeded, Parameter Problem and Redirect. The body (echo data, or the quoted datagram) is not held:
/// <see cref="PayloadLength"/> says how long it is, and <see cref="TryEmit"/> copies it from a span.
/// </summary>
public readonly record struct Icmpv4Repr
{
    /// <summary>The message type.</summary>
    public Icmpv4Type Type { get; init; }
    /// <summary>The message code.</summary>
    public byte Code { get; init; }
    /// <summary>Echo identifier.</summary>
    public ushort Identifier { get; init; }
    /// <summary>Echo sequence number.</summary>
    public ushort SequenceNumber { get; init; }
    /// <summary>Next-hop MTU of Destination Unreachable code 4 (RFC 1191 §4); zero otherwise.</summary>
    public ushort NextHopMtu { get; init; }
    /// <summary>Parameter Problem pointer.</summary>
    public byte Pointer { get; init; }
    /// <summary>Redirect gateway.</summary>
    public Ipv4Address Gateway { get; init; }
    /// <summary>Length of the body: echo data, or the quoted part of the offending datagram.</summary>
    public int PayloadLength { get; init; }

    /// <summary>The emitted message length: 8 plus <see cref="PayloadLength"/>.</summary>
    public int BufferLength => Icmpv4Packet.HeaderLength + PayloadLength;

    /// <summary>
    /// True for the error types this library handles: Destination Unreachable, Time Exceeded, Parameter Problem and
    /// Redirect. Source Quench, though it quotes a datagram too, is deprecated and to be ignored (RFC 6633 §1).
    /// </summary>
    public static bool IsErrorType(Icmpv4Type type)
        => type is Icmpv4Type.DestinationUnreachable or Icmpv4Type.TimeExceeded or Icmpv4Type.ParameterProblem or Icmpv4Type.Redirect;

    /// <summary>
    /// How much of an offending datagram of <paramref name="offendingLength"/> bytes an error quotes so that the error
    /// datagram (a 20-byte IPv4 header, the 8-byte ICMP header and the quote) stays within
    /// <paramref name="maxDatagramLength"/> bytes, by default 576 (RFC 1812 §4.3.2.3).
    /// </summary>
    public static int QuotedLength(int offendingLength, int maxDatagramLength = Ipv4Packet.MinimumReassemblyLength)
        => Math.Clamp(maxDatagramLength - Ipv4Packet.MinHeaderLength - Icmpv4Packet.HeaderLength, 0, Math.Max(offendingLength, 0));

    /// <summary>An Echo Request with <paramref name="dataLength"/> bytes of data.</summary>
    public static Icmpv4Repr EchoRequest(ushort identifier, ushort sequenceNumber, int dataLength)
        => new() { Type = Icmpv4Type.EchoRequest, Identifier = identifier, SequenceNumber = sequenceNumber, PayloadLength = dataLength };

    /// <summary>An Echo Reply with <paramref name="dataLength"/> bytes of data (the request's, RFC 792).</summary>
    public static Icmpv4Repr EchoReply(ushort identifier, ushort sequenceNumber, int dataLength)
        => new() { Type = Icmpv4Type.EchoReply, Identifier = identifier, SequenceNumber = sequenceNumber, PayloadLength = dataLength };

    /// <summary>
    /// A Destination Unreachable quoting as much of an offending datagram of <paramref name="offendingLength"/> bytes as
    /// fits in <paramref name="maxDatagramLength"/>; <paramref name="nextHopMtu"/> is for code 4 (RFC 1191 §4).
    /// </summary>
    public static Icmpv4Repr DestinationUnreachable(Icmpv4UnreachableCode code, int offendingLength, ushort nextHopMtu = 0, int maxDatagramLength = Ipv4Packet.MinimumReassemblyLength)
        => Error(Icmpv4Type.DestinationUnreachable, (byte)code, offendingLength, maxDatagramLength) with { NextHopMtu = nextHopMtu };

    /// <summary>A Time Exceeded quoting as much of the offending datagram as fits in <paramref name="maxDatagramLength"/>.</summary>
    public static Icmpv4Repr TimeExceeded(Icmpv4TimeExceededCode code, int offendingLength, int maxDatagramLength = Ipv4Packet.MinimumReassemblyLength)
        => Error(Icmpv4Type.TimeExceeded, (byte)code, offendingLength, maxDatagramLength);

    /// <summary>A Parameter Problem pointing at byte <paramref name="pointer"/> of the offending header.</summary>
    public static Icmpv4Repr ParameterProblem(Icmpv4ParameterProblemCode code, byte pointer, int offendingLength, int maxDatagramLength = Ipv4Packet.MinimumReassemblyLength)
        => Error(Icmpv4Type.ParameterProblem, (byte)code, offendingLength, maxDatagramLength) with { Pointer = pointer };

    /// <summary>A Redirect to <paramref name="gateway"/>.</summary>
    public static Icmpv4Repr Redirect(Icmpv4RedirectCode code, Ipv4Address gateway, int offendingLength, int maxDatagramLength = Ipv4Packet.MinimumReassemblyLength)
        => Error(Icmpv4Type.Redirect, (byte)code, offendingLength, maxDatagramLength) with { Gateway = gateway };

    private static Icmpv4Repr Error(Icmpv4Type type, byte code, int offendingLength, int maxDatagramLength)
        => new() { Type = type, Code = code, PayloadLength = QuotedLength(offendingLength, maxDatagramLength) };

    /// <summary>
    /// Reads a checked message. A checksum that does not verify is <see cref="WireError.BadChecksum"/>; types other
    /// than echo and the errors are <see cref="WireError.Unsupported"/>; an error must quote at least a whole IPv4
    /// header and 8 bytes of its payload (RFC 1122 §3.2.2), or it is <see cref="WireError.Truncated"/> (or
    /// <see cref="WireError.Malformed"/> when the quote is not IPv4).
    /// </summary>
    public static bool TryParse(Icmpv4Packet packet, out Icmpv4Repr repr, out WireError error)
    {
        repr = default;
        if (!packet.VerifyChecksum()) { error = WireError.BadChecksum; return false; }
        var type = packet.Type;
        var common = new Icmpv4Repr { Type = type, Code = packet.Code, PayloadLength = packet.Payload.Length };
        switch (type)
        {
            case Icmpv4Type.EchoRequest or Icmpv4Type.EchoReply:
                repr = common with { Identifier = packet.Identifier, SequenceNumber = packet.SequenceNumber };
                error = WireError.None;
                return true;
            case var _ when IsErrorType(type):
                if (!packet.TryGetQuotedDatagram(out var quoted, out error)) return false;
                if (quoted.Payload.Length < 8 && quoted.Payload.Length < quoted.TotalLength - quoted.HeaderLength)
                {
                    error = WireError.Truncated;
                    return false;
                }
                repr = type switch
                {
                    Icmpv4Type.DestinationUnreachable => common with { NextHopMtu = packet.Code == (byte)Icmpv4UnreachableCode.FragmentationNeeded ? packet.NextHopMtu : (ushort)0 },
                    Icmpv4Type.ParameterProblem => common with { Pointer = packet.Pointer },
                    Icmpv4Type.Redirect => common with { Gateway = packet.Gateway },
                    _ => common,
                };
                return true;
            default:
                error = WireError.Unsupported;
                return false;
        }
    }

    /// <summary>
    /// Writes the message into the start of <paramref name="buffer"/>: the first <see cref="PayloadLength"/> bytes of
    /// <paramref name="payload"/> (echo data, or the offending datagram) and then the header and checksum. The body is
    /// copied first, so <paramref name="payload"/> may overlap <paramref name="buffer"/>: an echo request can be turned
    /// into its reply in place, and an error built over the datagram it quotes. False when <paramref name="buffer"/>
    /// is shorter than <see cref="BufferLength"/>, <paramref name="payload"/> is shorter than <see cref="PayloadLength"/>,
    /// or the type is not one this repr emits.
    /// </summary>
    public bool TryEmit(Span<byte> buffer, ReadOnlySpan<byte> payload)
    {
        if (PayloadLength < 0 || payload.Length < PayloadLength || buffer.Length < BufferLength) return false;
        if (Type is not (Icmpv4Type.EchoRequest or Icmpv4Type.EchoReply) && !IsErrorType(Type)) return false;
        var message = buffer[..BufferLength];
        payload[..PayloadLength].CopyTo(message[Icmpv4Packet.HeaderLength..]);
        var packet = Icmpv4Packet.Begin(message, Type, Code);
        switch (Type)
        {
            case Icmpv4Type.EchoRequest or Icmpv4Type.EchoReply:
                packet.Identifier = Identifier;
                packet.SequenceNumber = SequenceNumber;
                break;
            case Icmpv4Type.DestinationUnreachable:
                packet.NextHopMtu = NextHopMtu;
                break;
            case Icmpv4Type.ParameterProblem:
                packet.Pointer = Pointer;
                break;
            case Icmpv4Type.Redirect:
                packet.Gateway = Gateway;
                break;
        }
        packet.FillChecksum();
        return true;
    }
}
