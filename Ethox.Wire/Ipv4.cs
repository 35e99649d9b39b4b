using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ethox.Wire;

/// <summary>
/// A checked view of an IPv4 packet (RFC 791 §3.1). The view ends at the Total Length: bytes after it
/// in the buffer (Ethernet padding) are not part of the packet.
/// </summary>
public readonly ref struct Ipv4Packet
{
    /// <summary>The header without options: 20 bytes (IHL = 5).</summary>
    public const int MinHeaderLength = 20;
    /// <summary>The longest header IHL can describe: 15 words, 60 bytes.</summary>
    public const int MaxHeaderLength = 60;
    /// <summary>Every host must accept a datagram of this size (RFC 791 §3.1, RFC 1122 §3.3.3).</summary>
    public const int MinimumReassemblyLength = 576;

    private const ushort DontFragmentBit = 0x4000;
    private const ushort MoreFragmentsBit = 0x2000;
    private const ushort OffsetMask = 0x1FFF;

    private readonly Span<byte> _buffer;

    private Ipv4Packet(Span<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Checks version, IHL and Total Length against <paramref name="buffer"/> and views the packet.
    /// A buffer longer than Total Length is fine (link padding); a shorter one is <see cref="WireError.Truncated"/>.
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out Ipv4Packet packet, out WireError error)
        => TryParse(buffer, quoted: false, out packet, out error);

    /// <summary>
    /// Views the IPv4 datagram quoted in an ICMP error (RFC 792, RFC 1812 §4.3.2.3): the header must be whole,
    /// but the datagram may be cut short of its Total Length. <see cref="Payload"/> is then whatever was quoted,
    /// and <see cref="IsTruncated"/> says so. The header checksum is not meaningful for a quote (a NAT may have
    /// rewritten it), so it is not checked anywhere.
    /// </summary>
    public static bool TryParseQuoted(Span<byte> buffer, out Ipv4Packet packet, out WireError error)
        => TryParse(buffer, quoted: true, out packet, out error);

    private static bool TryParse(Span<byte> buffer, bool quoted, out Ipv4Packet packet, out WireError error)
    {
        error = Validate(buffer, quoted, out _, out int length);
        packet = error == WireError.None ? new Ipv4Packet(buffer[..length]) : default;
        return error == WireError.None;
    }

    /// <summary>
    /// The checks of <see cref="TryParse(Span{byte}, out Ipv4Packet, out WireError)"/> (and of the quoted form), shared
    /// with <see cref="HeaderStack"/>. Gives IHL × 4 and the packet's length in <paramref name="buffer"/>: Total Length,
    /// or less for a quote cut short.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static WireError Validate(ReadOnlySpan<byte> buffer, bool quoted, out int headerLength, out int length)
    {
        headerLength = length = 0;
        if (buffer.Length < MinHeaderLength) return WireError.Truncated;
        ref byte start = ref MemoryMarshal.GetReference(buffer); // the fixed header is there: read it without slicing
        if (start >> 4 != 4) return WireError.Malformed;
        headerLength = (start & 0x0F) * 4;
        int totalLength = BigEndian.Read16(ref start, 2);
        if (headerLength < MinHeaderLength || totalLength < headerLength) return WireError.Malformed;
        if (buffer.Length < headerLength) return WireError.Truncated;
        if (buffer.Length < totalLength && !quoted) return WireError.Truncated;
        length = Math.Min(totalLength, buffer.Length);
        return WireError.None;
    }

    /// <summary>Views a buffer whose header is being written by <see cref="Ipv4Repr.TryEmit(Span{byte})"/>, or a packet checked by <see cref="HeaderStack"/>.</summary>
    internal static Ipv4Packet Unchecked(Span<byte> buffer) => new(buffer);

    /// <summary>The packet: header, options and payload, ending at Total Length (or at the end of a quote).</summary>
    public Span<byte> Bytes => _buffer;

    /// <summary>The version field (always 4 in a parsed packet).</summary>
    public byte Version => (byte)(_buffer[0] >> 4);

    /// <summary>The header length in bytes (IHL × 4), options included.</summary>
    public int HeaderLength => (_buffer[0] & 0x0F) * 4;

    /// <summary>Differentiated Services code point: the top six bits of the old TOS byte (RFC 2474 §3).</summary>
    public byte Dscp
    {
        get => (byte)(_buffer[1] >> 2);
        set => _buffer[1] = (byte)((value & 0x3F) << 2 | (_buffer[1] & 0x03));
    }

    /// <summary>Explicit Congestion Notification: the low two bits of the old TOS byte (RFC 3168 §5).</summary>
    public byte Ecn
    {
        get => (byte)(_buffer[1] & 0x03);
        set => _buffer[1] = (byte)((_buffer[1] & 0xFC) | (value & 0x03));
    }

    /// <summary>Total Length: header plus payload, in bytes.</summary>
    public ushort TotalLength
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], value);
    }

    /// <summary>True for a quoted datagram (see <see cref="TryParseQuoted"/>) that was cut short of its Total Length.</summary>
    public bool IsTruncated => TotalLength > _buffer.Length;

    /// <summary>The Identification that groups the fragments of one datagram (RFC 791, RFC 6864).</summary>
    public ushort Identification
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[4..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[4..], value);
    }

    private ushort FlagsAndOffset
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[6..], value);
    }

    /// <summary>The Don't Fragment flag.</summary>
    public bool DontFragment
    {
        get => (FlagsAndOffset & DontFragmentBit) != 0;
        set => FlagsAndOffset = (ushort)(value ? FlagsAndOffset | DontFragmentBit : FlagsAndOffset & ~DontFragmentBit);
    }

    /// <summary>The More Fragments flag: another fragment follows this one.</summary>
    public bool MoreFragments
    {
        get => (FlagsAndOffset & MoreFragmentsBit) != 0;
        set => FlagsAndOffset = (ushort)(value ? FlagsAndOffset | MoreFragmentsBit : FlagsAndOffset & ~MoreFragmentsBit);
    }

    /// <summary>The reserved flag bit (must be zero, RFC 791; the "evil bit" of RFC 3514).</summary>
    public bool ReservedFlag => (FlagsAndOffset & 0x8000) != 0;

    /// <summary>The Fragment Offset field, in units of 8 bytes (13 bits).</summary>
    public ushort FragmentOffset
    {
        get => (ushort)(FlagsAndOffset & OffsetMask);
        set => FlagsAndOffset = (ushort)((FlagsAndOffset & ~OffsetMask) | (value & OffsetMask));
    }

    /// <summary>Where this fragment's payload starts in the original datagram's payload, in bytes.</summary>
    public int FragmentByteOffset => FragmentOffset * 8;

    /// <summary>True for a fragment (More Fragments set or a non-zero offset), false for a whole datagram.</summary>
    public bool IsFragment => (FlagsAndOffset & (MoreFragmentsBit | OffsetMask)) != 0;

    /// <summary>Time To Live.</summary>
    public byte TimeToLive
    {
        get => _buffer[8];
        set => _buffer[8] = value;
    }

    /// <summary>The protocol of the payload.</summary>
    public IpProtocol Protocol
    {
        get => (IpProtocol)_buffer[9];
        set => _buffer[9] = (byte)value;
    }

    /// <summary>The header checksum field as stored.</summary>
    public ushort HeaderChecksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[10..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[10..], value);
    }

    /// <summary>Source address.</summary>
    public Ipv4Address Source
    {
        get => Ipv4Address.Read(_buffer[12..]);
        set => value.WriteTo(_buffer[12..]);
    }

    /// <summary>Destination address.</summary>
    public Ipv4Address Destination
    {
        get => Ipv4Address.Read(_buffer[16..]);
        set => value.WriteTo(_buffer[16..]);
    }

    /// <summary>The whole header, options included.</summary>
    public Span<byte> Header => _buffer[..HeaderLength];

    /// <summary>The option bytes between the fixed header and IHL × 4 (empty when IHL = 5).</summary>
    public Span<byte> OptionBytes => _buffer[MinHeaderLength..HeaderLength];

    /// <summary>A reader over the options (RFC 791 §3.1 "Options").</summary>
    public Ipv4OptionReader Options => new(OptionBytes);

    /// <summary>The payload: exactly [IHL × 4, Total Length) (or up to the end of a quote).</summary>
    public Span<byte> Payload => _buffer[HeaderLength..];

    /// <summary>True when the header checksum verifies (RFC 791 §3.1 "Header Checksum", RFC 1071).</summary>
    public bool VerifyChecksum()
    {
        var header = Header;
        return Checksum.VerifyIpv4Header(ref MemoryMarshal.GetReference(header), header.Length);
    }

    /// <summary>Computes and stores the header checksum over the current header.</summary>
    public void FillChecksum()
    {
        HeaderChecksum = 0;
        HeaderChecksum = Checksum.Compute(Header);
    }

    /// <summary>
    /// Decrements the TTL of a packet being forwarded and patches the checksum incrementally (RFC 1624 eqn. 3),
    /// so that a forwarder does not re-sum the header (RFC 1812 §5.3.1). Returns false, and changes nothing, when the
    /// TTL is 0 or 1: such a packet must not be forwarded, and a Time Exceeded message should be sent instead.
    /// </summary>
    public bool TryDecrementTimeToLive()
    {
        byte ttl = TimeToLive;
        if (ttl <= 1) return false;
        // TTL and protocol form the 16-bit word at offset 8.
        ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(_buffer[8..]);
        TimeToLive = (byte)(ttl - 1);
        ushort newWord = BinaryPrimitives.ReadUInt16BigEndian(_buffer[8..]);
        HeaderChecksum = Checksum.Update(HeaderChecksum, oldWord, newWord);
        return true;
    }
}

/// <summary>Well-known IPv4 option types (IANA "IP Option Numbers"): copied flag, class and number in one byte.</summary>
public enum Ipv4OptionType : byte
{
    /// <summary>End of Option List (RFC 791): ends the walk.</summary>
    EndOfList = 0,
    /// <summary>No Operation (RFC 791): a single padding byte.</summary>
    NoOperation = 1,
    /// <summary>Record Route (RFC 791).</summary>
    RecordRoute = 7,
    /// <summary>Internet Timestamp (RFC 791).</summary>
    Timestamp = 68,
    /// <summary>Security (RFC 1108).</summary>
    Security = 130,
    /// <summary>Loose Source and Record Route (RFC 791).</summary>
    LooseSourceRoute = 131,
    /// <summary>Strict Source and Record Route (RFC 791).</summary>
    StrictSourceRoute = 137,
    /// <summary>Router Alert (RFC 2113).</summary>
    RouterAlert = 148,
}

/// <summary>One IPv4 option as found by <see cref="Ipv4OptionReader"/>.</summary>
public readonly ref struct Ipv4Option
{
    /// <summary>Wraps an option's type and data.</summary>
    internal Ipv4Option(Ipv4OptionType type, ReadOnlySpan<byte> data) { Type = type; Data = data; }

    /// <summary>The option type byte.</summary>
    public Ipv4OptionType Type { get; }
    /// <summary>The "copied" flag: the option is copied into every fragment (RFC 791 §3.1).</summary>
    public bool Copied => ((byte)Type & 0x80) != 0;
    /// <summary>The option class (0 control, 2 debugging and measurement).</summary>
    public byte Class => (byte)(((byte)Type >> 5) & 0x03);
    /// <summary>The option number (low five bits).</summary>
    public byte Number => (byte)((byte)Type & 0x1F);
    /// <summary>The option data after the type and length bytes (empty for No Operation).</summary>
    public ReadOnlySpan<byte> Data { get; }
}

/// <summary>
/// Walks IPv4 options (RFC 791 §3.1): single-byte No Operation, End of Option List (which ends the walk), and
/// type-length-value options whose length counts the type and length bytes. A length below 2 or past the end of
/// the options area stops the walk with <see cref="WireError.Malformed"/> in <see cref="Error"/>. The walk is bounded
/// by the 40-byte options area, since every step consumes at least one byte.
/// </summary>
public ref struct Ipv4OptionReader
{
    private readonly ReadOnlySpan<byte> _options;
    private int _offset;

    /// <summary>Reads the options area <paramref name="options"/> (the bytes between 20 and IHL × 4).</summary>
    public Ipv4OptionReader(ReadOnlySpan<byte> options) { _options = options; _offset = 0; Error = WireError.None; }

    /// <summary>Why the walk stopped: <see cref="WireError.None"/> at the end of the list, otherwise the fault.</summary>
    public WireError Error { get; private set; }

    /// <summary>Yields the next option; false at End of Option List, at the end of the area, or on a malformed option.</summary>
    public bool TryNext(out Ipv4Option option)
    {
        option = default;
        if (Error != WireError.None || _offset >= _options.Length) return false;
        var type = (Ipv4OptionType)_options[_offset];
        if (type == Ipv4OptionType.EndOfList) { _offset = _options.Length; return false; }
        if (type == Ipv4OptionType.NoOperation)
        {
            _offset++;
            option = new Ipv4Option(type, ReadOnlySpan<byte>.Empty);
            return true;
        }
        int remaining = _options.Length - _offset;
        int length = remaining >= 2 ? _options[_offset + 1] : 0;
        if (length < 2 || length > remaining) { Error = WireError.Malformed; return false; }
        option = new Ipv4Option(type, _options.Slice(_offset + 2, length - 2));
        _offset += length;
        return true;
    }
}

/// <summary>
/// The high-level form of an IPv4 header. Options are carried only as their length: parsing keeps the length
/// (read them through <see cref="Ipv4Packet.Options"/>), and emitting writes option bytes given by the caller,
/// padded with End of Option List to <see cref="OptionsLength"/>.
/// </summary>
public readonly record struct Ipv4Repr(Ipv4Address Source, Ipv4Address Destination, IpProtocol Protocol, int PayloadLength, byte TimeToLive)
{
    /// <summary>Differentiated Services code point (6 bits).</summary>
    public byte Dscp { get; init; }
    /// <summary>Explicit Congestion Notification (2 bits).</summary>
    public byte Ecn { get; init; }
    /// <summary>Identification.</summary>
    public ushort Identification { get; init; }
    /// <summary>Don't Fragment.</summary>
    public bool DontFragment { get; init; }
    /// <summary>More Fragments.</summary>
    public bool MoreFragments { get; init; }
    /// <summary>Fragment Offset in units of 8 bytes (13 bits).</summary>
    public ushort FragmentOffset { get; init; }
    /// <summary>Length of the options area in bytes: a multiple of 4, at most 40.</summary>
    public int OptionsLength { get; init; }

    /// <summary>The fragment offset in bytes.</summary>
    public int FragmentByteOffset => FragmentOffset * 8;
    /// <summary>The emitted header length: 20 plus the options.</summary>
    public int HeaderLength => Ipv4Packet.MinHeaderLength + OptionsLength;
    /// <summary>Header plus payload: the Total Length field.</summary>
    public int TotalLength => HeaderLength + PayloadLength;

    /// <summary>
    /// Reads a checked packet; a header checksum that does not verify is <see cref="WireError.BadChecksum"/>.
    /// <see cref="PayloadLength"/> comes from Total Length, so it is the original length for a quoted datagram too.
    /// </summary>
    // Inlined: returned through an out parameter, the repr was built in a temporary and copied as a block, and that
    // wide read of fields just written by narrow stores stalled store forwarding on every packet.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(Ipv4Packet packet, out Ipv4Repr repr, out WireError error)
    {
        repr = default;
        if (!packet.VerifyChecksum()) { error = WireError.BadChecksum; return false; }
        repr = new Ipv4Repr(packet.Source, packet.Destination, packet.Protocol, packet.TotalLength - packet.HeaderLength, packet.TimeToLive)
        {
            Dscp = packet.Dscp,
            Ecn = packet.Ecn,
            Identification = packet.Identification,
            DontFragment = packet.DontFragment,
            MoreFragments = packet.MoreFragments,
            FragmentOffset = packet.FragmentOffset,
            OptionsLength = packet.HeaderLength - Ipv4Packet.MinHeaderLength,
        };
        error = WireError.None;
        return true;
    }

    /// <summary>Parses the buffer and the header in one step.</summary>
    public static bool TryParse(Span<byte> buffer, out Ipv4Repr repr, out WireError error)
    {
        repr = default;
        return Ipv4Packet.TryParse(buffer, out var packet, out error) && TryParse(packet, out repr, out error);
    }

    /// <summary>Writes a header without options (the options area, if any, is all End of Option List).</summary>
    public bool TryEmit(Span<byte> buffer) => TryEmit(buffer, ReadOnlySpan<byte>.Empty);

    /// <summary>
    /// Writes the header with <paramref name="options"/> at the start of the options area (the rest is End of Option
    /// List) and fills the checksum. The payload is left for the caller to write after <see cref="HeaderLength"/>.
    /// False when <paramref name="buffer"/> cannot hold <see cref="TotalLength"/> bytes, or when a field cannot be
    /// represented (options longer than <see cref="OptionsLength"/>, a bad options length, Total Length over 65535,
    /// DSCP, ECN or offset out of range).
    /// </summary>
    public bool TryEmit(Span<byte> buffer, ReadOnlySpan<byte> options)
    {
        if (OptionsLength < 0 || OptionsLength > Ipv4Packet.MaxHeaderLength - Ipv4Packet.MinHeaderLength || OptionsLength % 4 != 0
            || options.Length > OptionsLength || PayloadLength is < 0 or > ushort.MaxValue || TotalLength > ushort.MaxValue
            || Dscp > 0x3F || Ecn > 3 || FragmentOffset > 0x1FFF || buffer.Length < TotalLength)
            return false;
        var header = buffer[..HeaderLength];
        if (OptionsLength > 0) WriteOptions(header, options);
        var packet = Ipv4Packet.Unchecked(buffer);
        header[0] = (byte)(0x40 | HeaderLength / 4);
        header[1] = (byte)(Dscp << 2 | Ecn);
        packet.TotalLength = (ushort)TotalLength;
        packet.Identification = Identification;
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], (ushort)((DontFragment ? 0x4000 : 0) | (MoreFragments ? 0x2000 : 0) | FragmentOffset));
        packet.TimeToLive = TimeToLive;
        packet.Protocol = Protocol;
        packet.Source = Source;
        packet.Destination = Destination;
        packet.FillChecksum();
        return true;
    }

    // The options area after the fixed header: options, then End of Option List. A call of its own, since nearly every
    // header has none: the two block operations would otherwise be inlined into every emit (and spend its caller's
    // inlining budget) to move zero bytes.
    private static void WriteOptions(Span<byte> header, ReadOnlySpan<byte> options)
    {
        options.CopyTo(header[Ipv4Packet.MinHeaderLength..]);
        header[(Ipv4Packet.MinHeaderLength + options.Length)..].Clear();
    }
}
