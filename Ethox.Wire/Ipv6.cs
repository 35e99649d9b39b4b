using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ethox.Wire;

/// <summary>
/// A checked view of an IPv6 packet (RFC 8200 §3). The view ends at 40 + Payload Length: bytes after it in the
/// buffer (Ethernet padding) are not part of the packet. Jumbograms (RFC 2675, Payload Length 0 with a Jumbo
/// option) are not supported: a zero Payload Length means an empty payload.
/// </summary>
public readonly ref struct Ipv6Packet
{
    /// <summary>The fixed header: 40 bytes.</summary>
    public const int HeaderLength = 40;
    /// <summary>The minimum link MTU every IPv6 link must carry (RFC 8200 §5).</summary>
    public const int MinimumMtu = 1280;

    private readonly Span<byte> _buffer;

    private Ipv6Packet(Span<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Checks the version and Payload Length against <paramref name="buffer"/> and views the packet.
    /// A buffer longer than the packet is fine (link padding); a shorter one is <see cref="WireError.Truncated"/>.
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out Ipv6Packet packet, out WireError error)
        => TryParse(buffer, quoted: false, out packet, out error);

    /// <summary>
    /// Views the packet quoted in an ICMPv6 error (RFC 4443 §2.4(c)): the fixed header must be whole, but the packet
    /// may be cut short of its Payload Length. <see cref="Payload"/> is then whatever was quoted, and
    /// <see cref="IsTruncated"/> says so.
    /// </summary>
    public static bool TryParseQuoted(Span<byte> buffer, out Ipv6Packet packet, out WireError error)
        => TryParse(buffer, quoted: true, out packet, out error);

    private static bool TryParse(Span<byte> buffer, bool quoted, out Ipv6Packet packet, out WireError error)
    {
        error = Validate(buffer, quoted, out int length);
        packet = error == WireError.None ? new Ipv6Packet(buffer[..length]) : default;
        return error == WireError.None;
    }

    /// <summary>
    /// The checks of <see cref="TryParse(Span{byte}, out Ipv6Packet, out WireError)"/> (and of the quoted form), shared
    /// with <see cref="HeaderStack"/>. Gives the packet's length in <paramref name="buffer"/>: 40 + Payload Length, or
    /// less for a quote cut short.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static WireError Validate(ReadOnlySpan<byte> buffer, bool quoted, out int length)
    {
        length = 0;
        if (buffer.Length < HeaderLength) return WireError.Truncated;
        ref byte start = ref MemoryMarshal.GetReference(buffer); // the fixed header is there: read it without slicing
        if (start >> 4 != 6) return WireError.Malformed;
        int total = HeaderLength + BigEndian.Read16(ref start, 4);
        if (buffer.Length < total && !quoted) return WireError.Truncated;
        length = Math.Min(total, buffer.Length);
        return WireError.None;
    }

    /// <summary>Views a buffer whose header is being written by <see cref="Ipv6Repr.TryEmit"/>, or a packet checked by <see cref="HeaderStack"/>.</summary>
    internal static Ipv6Packet Unchecked(Span<byte> buffer) => new(buffer);

    /// <summary>The packet: header and payload, ending at 40 + Payload Length (or at the end of a quote).</summary>
    public Span<byte> Bytes => _buffer;

    /// <summary>The version field (always 6 in a parsed packet).</summary>
    public byte Version => (byte)(_buffer[0] >> 4);

    /// <summary>The Traffic Class byte (RFC 8200 §7): DSCP and ECN.</summary>
    public byte TrafficClass
    {
        get => (byte)((_buffer[0] & 0x0F) << 4 | _buffer[1] >> 4);
        set
        {
            _buffer[0] = (byte)(0x60 | value >> 4);
            _buffer[1] = (byte)((value & 0x0F) << 4 | (_buffer[1] & 0x0F));
        }
    }

    /// <summary>Differentiated Services code point: the top six bits of the Traffic Class (RFC 2474 §3).</summary>
    public byte Dscp
    {
        get => (byte)(TrafficClass >> 2);
        set => TrafficClass = (byte)((value & 0x3F) << 2 | (TrafficClass & 0x03));
    }

    /// <summary>Explicit Congestion Notification: the low two bits of the Traffic Class (RFC 3168 §5).</summary>
    public byte Ecn
    {
        get => (byte)(TrafficClass & 0x03);
        set => TrafficClass = (byte)((TrafficClass & 0xFC) | (value & 0x03));
    }

    /// <summary>The 20-bit Flow Label (RFC 6437).</summary>
    public uint FlowLabel
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_buffer) & 0xF_FFFF;
        set => BinaryPrimitives.WriteUInt32BigEndian(_buffer, (BinaryPrimitives.ReadUInt32BigEndian(_buffer) & 0xFFF0_0000) | (value & 0xF_FFFF));
    }

    /// <summary>Payload Length: the bytes after the fixed header, extension headers included.</summary>
    public ushort PayloadLength
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[4..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[4..], value);
    }

    /// <summary>True for a quoted packet (see <see cref="TryParseQuoted"/>) that was cut short of its Payload Length.</summary>
    public bool IsTruncated => HeaderLength + PayloadLength > _buffer.Length;

    /// <summary>The type of the header after the fixed header (an extension header or the upper-layer protocol).</summary>
    public IpProtocol NextHeader
    {
        get => (IpProtocol)_buffer[6];
        set => _buffer[6] = (byte)value;
    }

    /// <summary>Hop Limit.</summary>
    public byte HopLimit
    {
        get => _buffer[7];
        set => _buffer[7] = value;
    }

    /// <summary>Source address.</summary>
    public Ipv6Address Source
    {
        get => Ipv6Address.Read(_buffer[8..]);
        set => value.WriteTo(_buffer[8..]);
    }

    /// <summary>Destination address.</summary>
    public Ipv6Address Destination
    {
        get => Ipv6Address.Read(_buffer[24..]);
        set => value.WriteTo(_buffer[24..]);
    }

    /// <summary>The payload: exactly Payload Length bytes after the fixed header (or up to the end of a quote).</summary>
    public Span<byte> Payload => _buffer[HeaderLength..];

    /// <summary>A reader over the extension header chain that starts the payload (RFC 8200 §4).</summary>
    public Ipv6ExtensionHeaderReader ExtensionHeaders => new(NextHeader, Payload);

    /// <summary>
    /// Walks the extension headers to the upper-layer protocol and the offset of its header in <see cref="Payload"/>,
    /// collecting the fragment header's fields if there is one. In a fragment with a non-zero offset the data at the
    /// offset is the middle of the fragmentable part, not an upper-layer header (RFC 8200 §4.5).
    /// </summary>
    // Inlined: returned through an out parameter, the result was built in a temporary and copied as a block, and that
    // wide read of fields just written by narrow stores stalled store forwarding on every packet.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetUpperLayer(out Ipv6UpperLayer upperLayer, out WireError error)
    {
        var reader = ExtensionHeaders;
        Ipv6FragmentInfo? fragment = null;
        var finalDestination = Destination;
        while (reader.TryNext(out var header))
        {
            if (header.Type == IpProtocol.Ipv6Fragment && Ipv6FragmentHeader.TryParse(header.Bytes, out var view, out _))
                fragment = Ipv6FragmentInfo.Parse(view);
            else if (header.Type == IpProtocol.Ipv6Route && Ipv6RoutingHeader.TryParse(header.Bytes, out var route, out _)
                     && route.TryGetFinalDestination(out var final))
                finalDestination = final;
        }
        error = reader.Error;
        upperLayer = error == WireError.None
            ? new Ipv6UpperLayer(reader.NextHeader, reader.Offset) { Fragment = fragment, FinalDestination = finalDestination }
            : default;
        return error == WireError.None;
    }
}

/// <summary>Where the upper-layer data of an IPv6 packet starts, as found by <see cref="Ipv6Packet.TryGetUpperLayer"/>.</summary>
/// <param name="Protocol">The Next Header value that ended the chain: the upper-layer protocol, No Next Header, or an unknown type.</param>
/// <param name="Offset">The offset of that protocol's data from the start of <see cref="Ipv6Packet.Payload"/>.</param>
public readonly record struct Ipv6UpperLayer(IpProtocol Protocol, int Offset)
{
    /// <summary>The fragment header's fields, when the packet is a fragment.</summary>
    public Ipv6FragmentInfo? Fragment { get; init; }

    /// <summary>
    /// The destination for the upper-layer checksum's pseudo-header (RFC 8200 §8.1): the header's destination,
    /// or, while a routing header still has segments left, the final destination it names.
    /// </summary>
    public Ipv6Address FinalDestination { get; init; }
}

/// <summary>One extension header found by <see cref="Ipv6ExtensionHeaderReader"/>.</summary>
public readonly ref struct Ipv6ExtensionHeader
{
    /// <summary>Wraps one extension header's bytes.</summary>
    internal Ipv6ExtensionHeader(IpProtocol type, Span<byte> bytes) { Type = type; Bytes = bytes; }

    /// <summary>What this header is (the Next Header value that introduced it).</summary>
    public IpProtocol Type { get; }
    /// <summary>The whole header, Next Header byte included.</summary>
    public Span<byte> Bytes { get; }
    /// <summary>The header's length in bytes.</summary>
    public int Length => Bytes.Length;
    /// <summary>The type of the header that follows.</summary>
    public IpProtocol NextHeader => (IpProtocol)Bytes[0];
    /// <summary>The options of a Hop-by-Hop or Destination Options header (RFC 8200 §4.2).</summary>
    public Ipv6OptionReader Options => new(Bytes);

    /// <summary>The length of the header written by <see cref="TryEmitRouterAlert"/>: 8 bytes.</summary>
    public const int RouterAlertLength = 8;

    /// <summary>
    /// Writes a Hop-by-Hop Options header holding only a Router Alert option (RFC 2711 §2) padded with a PadN to
    /// 8 bytes, as MLD messages must carry (RFC 2710 §3, RFC 3810 §5; value 0 means MLD). False when the buffer is short.
    /// </summary>
    public static bool TryEmitRouterAlert(Span<byte> buffer, IpProtocol nextHeader, ushort value = 0)
    {
        if (buffer.Length < RouterAlertLength) return false;
        buffer[0] = (byte)nextHeader;
        buffer[1] = 0;
        buffer[2] = (byte)Ipv6OptionType.RouterAlert;
        buffer[3] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[4..], value);
        buffer[6] = (byte)Ipv6OptionType.PadN;
        buffer[7] = 0;
        return true;
    }
}

/// <summary>
/// Walks an IPv6 extension header chain (RFC 8200 §4): Hop-by-Hop Options, Routing, Fragment and Destination Options.
/// The walk stops without error at any other Next Header value (the upper-layer protocol, No Next Header, or a type
/// it does not know) and after a fragment header with a non-zero offset (what follows is fragment data). Then
/// <see cref="NextHeader"/> and <see cref="Offset"/> say what starts where. A Hop-by-Hop header anywhere but first is
/// <see cref="WireError.Malformed"/> (RFC 8200 §4.1); more than <see cref="MaxHeaders"/> headers is
/// <see cref="WireError.TooLong"/>; a header that runs past the payload is <see cref="WireError.Truncated"/>.
/// </summary>
public ref struct Ipv6ExtensionHeaderReader
{
    /// <summary>
    /// Chains longer than this are refused: a conformant chain of the kinds walked here has at most five headers
    /// (RFC 8200 §4.1: each once, Destination Options twice), and long chains are a known evasion (RFC 7112, RFC 9098).
    /// </summary>
    public const int MaxHeaders = 8;

    private readonly Span<byte> _payload;
    private int _count;
    private bool _done;

    /// <summary>Reads the chain in <paramref name="payload"/>, whose first header is of type <paramref name="nextHeader"/>.</summary>
    public Ipv6ExtensionHeaderReader(IpProtocol nextHeader, Span<byte> payload)
    {
        _payload = payload;
        NextHeader = nextHeader;
        Offset = 0;
        Error = WireError.None;
        _count = 0;
        _done = false;
    }

    /// <summary>The type of the data at <see cref="Offset"/>: after the walk, the upper-layer protocol.</summary>
    public IpProtocol NextHeader { get; private set; }
    /// <summary>The offset in the payload of the next header to read: after the walk, of the upper-layer data.</summary>
    public int Offset { get; private set; }
    /// <summary>Why the walk stopped: <see cref="WireError.None"/> when it reached a non-extension header.</summary>
    public WireError Error { get; private set; }

    /// <summary>True for the extension header types this reader walks.</summary>
    public static bool IsExtensionHeader(IpProtocol type)
        => type is IpProtocol.HopByHop or IpProtocol.Ipv6Route or IpProtocol.Ipv6Fragment or IpProtocol.Ipv6Options;

    /// <summary>Yields the next extension header; false at the end of the chain or on an error (see <see cref="Error"/>).</summary>
    public bool TryNext(out Ipv6ExtensionHeader header)
    {
        header = default;
        if (_done || Error != WireError.None || !IsExtensionHeader(NextHeader)) return false;
        if (_count == MaxHeaders) return Fail(WireError.TooLong);
        if (NextHeader == IpProtocol.HopByHop && _count > 0) return Fail(WireError.Malformed);
        var rest = _payload[Offset..];
        // Every extension header is a multiple of 8 bytes; the fragment header's length byte is reserved (RFC 8200 §4.5).
        if (rest.Length < 8) return Fail(WireError.Truncated);
        int length = NextHeader == IpProtocol.Ipv6Fragment ? Ipv6FragmentHeader.Length : (rest[1] + 1) * 8;
        if (length > rest.Length) return Fail(WireError.Truncated);
        header = new Ipv6ExtensionHeader(NextHeader, rest[..length]);
        _count++;
        Offset += length;
        NextHeader = header.NextHeader;
        if (header.Type == IpProtocol.Ipv6Fragment && Ipv6FragmentHeader.Unchecked(header.Bytes).FragmentOffset != 0)
            _done = true;
        return true;
    }

    private bool Fail(WireError error)
    {
        Error = error;
        return false;
    }
}

/// <summary>A checked view of an IPv6 Fragment header (RFC 8200 §4.5): 8 bytes.</summary>
public readonly ref struct Ipv6FragmentHeader
{
    /// <summary>The header's fixed length.</summary>
    public const int Length = 8;

    private readonly Span<byte> _buffer;

    private Ipv6FragmentHeader(Span<byte> buffer) => _buffer = buffer;

    /// <summary>Checks that <paramref name="buffer"/> holds 8 bytes and views them.</summary>
    public static bool TryParse(Span<byte> buffer, out Ipv6FragmentHeader header, out WireError error)
    {
        header = default;
        if (buffer.Length < Length) { error = WireError.Truncated; return false; }
        header = new Ipv6FragmentHeader(buffer[..Length]);
        error = WireError.None;
        return true;
    }

    /// <summary>Views 8 bytes already known to be there.</summary>
    internal static Ipv6FragmentHeader Unchecked(Span<byte> buffer) => new(buffer);

    /// <summary>The type of the header after the fragment header.</summary>
    public IpProtocol NextHeader
    {
        get => (IpProtocol)_buffer[0];
        set => _buffer[0] = (byte)value;
    }

    /// <summary>The Fragment Offset, in units of 8 bytes (13 bits).</summary>
    public ushort FragmentOffset
    {
        get => (ushort)(BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]) >> 3);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)((value << 3) | (BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]) & 0x7)));
    }

    /// <summary>The offset in bytes of this fragment's data in the fragmentable part.</summary>
    public int FragmentByteOffset => FragmentOffset * 8;

    /// <summary>The M flag: more fragments follow.</summary>
    public bool MoreFragments
    {
        get => (_buffer[3] & 1) != 0;
        set => _buffer[3] = (byte)(value ? _buffer[3] | 1 : _buffer[3] & ~1);
    }

    /// <summary>Identification: the same in every fragment of one original packet.</summary>
    public uint Identification
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_buffer[4..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_buffer[4..], value);
    }
}

/// <summary>The fields of an IPv6 Fragment header.</summary>
/// <param name="FragmentOffset">Offset in units of 8 bytes (13 bits).</param>
/// <param name="MoreFragments">The M flag.</param>
/// <param name="Identification">The identification shared by all fragments of a packet.</param>
public readonly record struct Ipv6FragmentInfo(ushort FragmentOffset, bool MoreFragments, uint Identification)
{
    /// <summary>The offset in bytes.</summary>
    public int FragmentByteOffset => FragmentOffset * 8;

    /// <summary>Reads a fragment header.</summary>
    public static Ipv6FragmentInfo Parse(Ipv6FragmentHeader header) => new(header.FragmentOffset, header.MoreFragments, header.Identification);

    /// <summary>Writes a fragment header announcing <paramref name="nextHeader"/>; false when the buffer is short or the offset does not fit 13 bits.</summary>
    public bool TryEmit(Span<byte> buffer, IpProtocol nextHeader)
    {
        if (buffer.Length < Ipv6FragmentHeader.Length || FragmentOffset > 0x1FFF) return false;
        buffer[..Ipv6FragmentHeader.Length].Clear();
        var header = Ipv6FragmentHeader.Unchecked(buffer);
        header.NextHeader = nextHeader;
        header.FragmentOffset = FragmentOffset;
        header.MoreFragments = MoreFragments;
        header.Identification = Identification;
        return true;
    }
}

/// <summary>A checked view of an IPv6 Routing header (RFC 8200 §4.4).</summary>
public readonly ref struct Ipv6RoutingHeader
{
    private readonly Span<byte> _buffer;

    private Ipv6RoutingHeader(Span<byte> buffer) => _buffer = buffer;

    /// <summary>Checks that <paramref name="buffer"/> holds the whole header its length byte announces, and views it.</summary>
    public static bool TryParse(Span<byte> buffer, out Ipv6RoutingHeader header, out WireError error)
    {
        header = default;
        if (buffer.Length < 8 || buffer.Length < (buffer[1] + 1) * 8) { error = WireError.Truncated; return false; }
        header = new Ipv6RoutingHeader(buffer[..((buffer[1] + 1) * 8)]);
        error = WireError.None;
        return true;
    }

    /// <summary>The type of the header after this one.</summary>
    public IpProtocol NextHeader => (IpProtocol)_buffer[0];
    /// <summary>The header length in bytes.</summary>
    public int Length => _buffer.Length;
    /// <summary>The Routing Type (RFC 8200 §4.4; type 0 is deprecated by RFC 5095).</summary>
    public byte RoutingType => _buffer[2];

    /// <summary>Segments Left: route segments still to visit. A node that does not know the routing type ignores the header only when this is 0.</summary>
    public byte SegmentsLeft
    {
        get => _buffer[3];
        set => _buffer[3] = value;
    }

    /// <summary>The type-specific data after the first four bytes.</summary>
    public Span<byte> Data => _buffer[4..];

    /// <summary>
    /// The packet's final destination while segments are left (RFC 8200 §8.1): the last address of a type 0 or
    /// type 2 header (RFC 5095, RFC 6275 §6.4), or the first segment of a segment routing header (RFC 8754 §2,
    /// segment list[0] is the last segment). False when no segments are left (the header's destination is final)
    /// or the type is unknown.
    /// </summary>
    public bool TryGetFinalDestination(out Ipv6Address destination)
    {
        destination = default;
        if (SegmentsLeft == 0 || _buffer.Length < 8 + Ipv6Address.Length) return false;
        switch (RoutingType)
        {
            case 0:
            case 2:
                destination = Ipv6Address.Read(_buffer[^Ipv6Address.Length..]);
                return true;
            case 4:
                destination = Ipv6Address.Read(_buffer[8..]);
                return true;
            default:
                return false;
        }
    }
}

/// <summary>Well-known IPv6 Hop-by-Hop and Destination option types (IANA "Destination Options and Hop-by-Hop Options").</summary>
public enum Ipv6OptionType : byte
{
    /// <summary>A single byte of padding (RFC 8200 §4.2).</summary>
    Pad1 = 0,
    /// <summary>N bytes of padding (RFC 8200 §4.2).</summary>
    PadN = 1,
    /// <summary>Router Alert (RFC 2711), used by MLD.</summary>
    RouterAlert = 5,
    /// <summary>Jumbo Payload (RFC 2675).</summary>
    Jumbo = 0xC2,
}

/// <summary>What a node must do with an option type it does not recognise: the top two bits of the type (RFC 8200 §4.2).</summary>
public enum Ipv6OptionFailureAction : byte
{
    /// <summary>Skip the option and go on.</summary>
    Skip = 0,
    /// <summary>Discard the packet.</summary>
    Discard = 1,
    /// <summary>Discard and send an ICMP Parameter Problem, code 2.</summary>
    DiscardAndSendIcmp = 2,
    /// <summary>Discard and send an ICMP Parameter Problem, code 2, unless the destination was multicast.</summary>
    DiscardAndSendIcmpUnlessMulticast = 3,
}

/// <summary>One option found by <see cref="Ipv6OptionReader"/>.</summary>
public readonly ref struct Ipv6Option
{
    /// <summary>Wraps one option.</summary>
    internal Ipv6Option(Ipv6OptionType type, int offset, ReadOnlySpan<byte> data) { Type = type; Offset = offset; Data = data; }

    /// <summary>The option type byte.</summary>
    public Ipv6OptionType Type { get; }
    /// <summary>The offset of the option's type byte from the start of its extension header (for an ICMPv6 Parameter Problem pointer).</summary>
    public int Offset { get; }
    /// <summary>The option data (empty for Pad1).</summary>
    public ReadOnlySpan<byte> Data { get; }
    /// <summary>What to do when the type is not recognised.</summary>
    public Ipv6OptionFailureAction FailureAction => (Ipv6OptionFailureAction)((byte)Type >> 6);
    /// <summary>True when the option data may change en route (the third-highest bit of the type).</summary>
    public bool MayChange => ((byte)Type & 0x20) != 0;
}

/// <summary>
/// Walks the type-length-value options of a Hop-by-Hop or Destination Options header (RFC 8200 §4.2), Pad1 and PadN
/// included. An option that runs past the header stops the walk with <see cref="WireError.Malformed"/>.
/// </summary>
public ref struct Ipv6OptionReader
{
    private readonly ReadOnlySpan<byte> _header;
    private int _offset;

    /// <summary>Reads the options of <paramref name="header"/>, the whole extension header (options start at byte 2).</summary>
    public Ipv6OptionReader(ReadOnlySpan<byte> header)
    {
        _header = header;
        _offset = Math.Min(2, header.Length);
        Error = WireError.None;
    }

    /// <summary>Why the walk stopped: <see cref="WireError.None"/> at the end of the header.</summary>
    public WireError Error { get; private set; }

    /// <summary>Yields the next option; false at the end of the header or on a malformed option.</summary>
    public bool TryNext(out Ipv6Option option)
    {
        option = default;
        if (Error != WireError.None || _offset >= _header.Length) return false;
        int start = _offset;
        var type = (Ipv6OptionType)_header[start];
        if (type == Ipv6OptionType.Pad1)
        {
            _offset++;
            option = new Ipv6Option(type, start, ReadOnlySpan<byte>.Empty);
            return true;
        }
        if (_header.Length - start < 2 || _header[start + 1] > _header.Length - start - 2)
        {
            Error = WireError.Malformed;
            return false;
        }
        int length = _header[start + 1];
        option = new Ipv6Option(type, start, _header.Slice(start + 2, length));
        _offset = start + 2 + length;
        return true;
    }
}

/// <summary>The high-level form of an IPv6 fixed header.</summary>
public readonly record struct Ipv6Repr(Ipv6Address Source, Ipv6Address Destination, IpProtocol NextHeader, int PayloadLength, byte HopLimit)
{
    /// <summary>Differentiated Services code point (6 bits).</summary>
    public byte Dscp { get; init; }
    /// <summary>Explicit Congestion Notification (2 bits).</summary>
    public byte Ecn { get; init; }
    /// <summary>Flow Label (20 bits).</summary>
    public uint FlowLabel { get; init; }

    /// <summary>The emitted header length: 40.</summary>
    public int HeaderLength => Ipv6Packet.HeaderLength;

    /// <summary>Reads a checked packet's fixed header (IPv6 has no header checksum).</summary>
    public static Ipv6Repr Parse(Ipv6Packet packet) => new(packet.Source, packet.Destination, packet.NextHeader, packet.PayloadLength, packet.HopLimit)
    {
        Dscp = packet.Dscp,
        Ecn = packet.Ecn,
        FlowLabel = packet.FlowLabel,
    };

    /// <summary>Parses the buffer and the header in one step.</summary>
    public static bool TryParse(Span<byte> buffer, out Ipv6Repr repr, out WireError error)
    {
        bool ok = Ipv6Packet.TryParse(buffer, out var packet, out error);
        repr = ok ? Parse(packet) : default;
        return ok;
    }

    /// <summary>
    /// Writes the fixed header; the payload is left for the caller. False when <paramref name="buffer"/> cannot hold
    /// the header plus <see cref="PayloadLength"/> bytes, or a field is out of range.
    /// </summary>
    public bool TryEmit(Span<byte> buffer)
    {
        if (PayloadLength is < 0 or > ushort.MaxValue || Dscp > 0x3F || Ecn > 3 || FlowLabel > 0xF_FFFF
            || buffer.Length < HeaderLength + PayloadLength)
            return false;
        var packet = Ipv6Packet.Unchecked(buffer);
        BinaryPrimitives.WriteUInt32BigEndian(buffer, 6u << 28 | (uint)(Dscp << 2 | Ecn) << 20 | FlowLabel);
        packet.PayloadLength = (ushort)PayloadLength;
        packet.NextHeader = NextHeader;
        packet.HopLimit = HopLimit;
        packet.Source = Source;
        packet.Destination = Destination;
        return true;
    }
}
