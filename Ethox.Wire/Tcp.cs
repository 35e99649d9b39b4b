using System;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ethox.Wire;

/// <summary>
/// A TCP sequence number: a 32-bit value compared and advanced modulo 2^32 (RFC 9293 §3.4, with the
/// serial-number arithmetic of RFC 1982). <c>a &lt; b</c> means b lies less than 2^31 ahead of a, so the
/// order stays right across wrap-around. Two numbers exactly 2^31 apart have no defined order
/// (RFC 1982 §3.2); for them each compares as "less" than the other, as Linux's <c>before()</c> does.
/// </summary>
public readonly struct TcpSeqNumber : IEquatable<TcpSeqNumber>, ISpanFormattable
{
    /// <summary>The raw 32-bit value.</summary>
    public uint Value { get; }

    /// <summary>Wraps a raw value.</summary>
    public TcpSeqNumber(uint value) => Value = value;

    /// <summary>Advances by <paramref name="count"/> octets modulo 2^32 (negative goes back).</summary>
    public static TcpSeqNumber operator +(TcpSeqNumber seq, int count) => new(unchecked(seq.Value + (uint)count));

    /// <summary>Goes back by <paramref name="count"/> octets modulo 2^32.</summary>
    public static TcpSeqNumber operator -(TcpSeqNumber seq, int count) => new(unchecked(seq.Value - (uint)count));

    /// <summary>The signed distance from <paramref name="b"/> to <paramref name="a"/> (positive when a is after b), taken modulo 2^32.</summary>
    public static int operator -(TcpSeqNumber a, TcpSeqNumber b) => unchecked((int)(a.Value - b.Value));

    /// <summary>True when <paramref name="a"/> comes before <paramref name="b"/> in sequence space.</summary>
    public static bool operator <(TcpSeqNumber a, TcpSeqNumber b) => a - b < 0;
    /// <summary>True when <paramref name="a"/> comes after <paramref name="b"/> in sequence space.</summary>
    public static bool operator >(TcpSeqNumber a, TcpSeqNumber b) => b - a < 0;
    /// <summary>True when <paramref name="a"/> equals or comes before <paramref name="b"/>.</summary>
    public static bool operator <=(TcpSeqNumber a, TcpSeqNumber b) => !(a > b);
    /// <summary>True when <paramref name="a"/> equals or comes after <paramref name="b"/>.</summary>
    public static bool operator >=(TcpSeqNumber a, TcpSeqNumber b) => !(a < b);
    /// <summary>Equality.</summary>
    public static bool operator ==(TcpSeqNumber a, TcpSeqNumber b) => a.Value == b.Value;
    /// <summary>Inequality.</summary>
    public static bool operator !=(TcpSeqNumber a, TcpSeqNumber b) => a.Value != b.Value;

    /// <summary>The later of two numbers in sequence space.</summary>
    public static TcpSeqNumber Max(TcpSeqNumber a, TcpSeqNumber b) => a > b ? a : b;
    /// <summary>The earlier of two numbers in sequence space.</summary>
    public static TcpSeqNumber Min(TcpSeqNumber a, TcpSeqNumber b) => a < b ? a : b;

    /// <summary>
    /// True when this number lies in the window [<paramref name="start"/>, start + <paramref name="size"/>),
    /// the shape of the acceptability tests of RFC 9293 §3.10.7.4 (e.g. RCV.NXT =&lt; SEG.SEQ &lt; RCV.NXT+RCV.WND).
    /// An empty window contains nothing.
    /// </summary>
    public bool IsInWindow(TcpSeqNumber start, uint size) => unchecked(Value - start.Value) < size;

    /// <inheritdoc/>
    public bool Equals(TcpSeqNumber other) => Value == other.Value;
    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is TcpSeqNumber o && Equals(o);
    /// <inheritdoc/>
    public override int GetHashCode() => (int)Value;
    /// <summary>The decimal value.</summary>
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => Value.ToString(format, formatProvider);
    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
        => Value.TryFormat(destination, out charsWritten, format, provider);
}

/// <summary>TCP control bits (RFC 9293 §3.1, RFC 3168 §6.1 for ECE/CWR, RFC 9768 for AE).</summary>
[Flags]
public enum TcpFlags : ushort
{
    /// <summary>No bits set.</summary>
    None = 0,
    /// <summary>No more data from sender.</summary>
    Fin = 0x001,
    /// <summary>Synchronize sequence numbers.</summary>
    Syn = 0x002,
    /// <summary>Reset the connection.</summary>
    Rst = 0x004,
    /// <summary>Push function.</summary>
    Psh = 0x008,
    /// <summary>Acknowledgment field is significant.</summary>
    Ack = 0x010,
    /// <summary>Urgent pointer field is significant.</summary>
    Urg = 0x020,
    /// <summary>ECN-Echo (RFC 3168).</summary>
    Ece = 0x040,
    /// <summary>Congestion Window Reduced (RFC 3168).</summary>
    Cwr = 0x080,
    /// <summary>Accurate ECN (RFC 9768); the bit formerly called NS, the ECN nonce sum (RFC 3540, historic).</summary>
    Ae = 0x100,
}

/// <summary>TCP option kinds this library interprets (IANA "TCP Option Kind Numbers").</summary>
public enum TcpOptionKind : byte
{
    /// <summary>End of option list (RFC 9293 §3.2).</summary>
    EndOfList = 0,
    /// <summary>No-operation, used for alignment (RFC 9293 §3.2).</summary>
    NoOperation = 1,
    /// <summary>Maximum segment size (RFC 9293 §3.7.1).</summary>
    MaxSegmentSize = 2,
    /// <summary>Window scale (RFC 7323 §2).</summary>
    WindowScale = 3,
    /// <summary>SACK permitted (RFC 2018 §2).</summary>
    SackPermitted = 4,
    /// <summary>SACK blocks (RFC 2018 §3).</summary>
    Sack = 5,
    /// <summary>Timestamps (RFC 7323 §3).</summary>
    Timestamps = 8,
}

/// <summary>One SACK block: the received range [<see cref="Left"/>, <see cref="Right"/>) (RFC 2018 §3).</summary>
public readonly record struct TcpSackBlock(TcpSeqNumber Left, TcpSeqNumber Right);

/// <summary>The timestamps option values (RFC 7323 §3): TSval and TSecr.</summary>
public readonly record struct TcpTimestamps(uint Value, uint EchoReply);

/// <summary>
/// Up to four SACK blocks held inline (no array), most recent first as RFC 2018 §4 asks of the sender.
/// </summary>
public readonly struct TcpSackBlocks : IEquatable<TcpSackBlocks>
{
    /// <summary>The most blocks a SACK option can carry (RFC 2018 §3: 40 option bytes hold at most 4).</summary>
    public const int Capacity = 4;

    private readonly TcpSackBlock _b0, _b1, _b2, _b3;

    /// <summary>The number of blocks held (0..4).</summary>
    public int Count { get; }

    /// <summary>Holds the first <see cref="Capacity"/> blocks of <paramref name="blocks"/> (the most recent, by RFC 2018 §4's order).</summary>
    public TcpSackBlocks(ReadOnlySpan<TcpSackBlock> blocks)
    {
        Count = Math.Min(blocks.Length, Capacity);
        if (Count > 0) _b0 = blocks[0];
        if (Count > 1) _b1 = blocks[1];
        if (Count > 2) _b2 = blocks[2];
        if (Count > 3) _b3 = blocks[3];
    }

    private TcpSackBlocks(TcpSackBlocks from, TcpSackBlock added)
    {
        this = from;
        switch (from.Count)
        {
            case 0: _b0 = added; break;
            case 1: _b1 = added; break;
            case 2: _b2 = added; break;
            default: _b3 = added; break;
        }
        Count = from.Count + 1;
    }

    /// <summary>Block <paramref name="index"/>; an empty block (default) when out of range.</summary>
    public TcpSackBlock this[int index] => (uint)index >= (uint)Count ? default : index switch
    {
        0 => _b0,
        1 => _b1,
        2 => _b2,
        _ => _b3,
    };

    /// <summary>These blocks plus <paramref name="block"/> at the end; false when already full.</summary>
    public bool TryAdd(TcpSackBlock block, out TcpSackBlocks result)
    {
        if (Count == Capacity) { result = this; return false; }
        result = new TcpSackBlocks(this, block);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(TcpSackBlocks other)
    {
        if (Count != other.Count) return false;
        for (int i = 0; i < Count; i++)
            if (this[i] != other[i]) return false;
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is TcpSackBlocks o && Equals(o);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Count, this[0], this[1], this[2], this[3]);
    /// <summary>Equality.</summary>
    public static bool operator ==(TcpSackBlocks a, TcpSackBlocks b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(TcpSackBlocks a, TcpSackBlocks b) => !a.Equals(b);
}

/// <summary>
/// One option as read by <see cref="TcpOptionReader"/>. The typed accessors answer for their own kind
/// only (zero/empty otherwise); the reader has already checked the length of every kind it knows.
/// </summary>
public readonly ref struct TcpOption
{
    /// <summary>The option kind (unknown kinds keep their number).</summary>
    public TcpOptionKind Kind { get; }

    /// <summary>The option data after kind and length (empty for NOP).</summary>
    public ReadOnlySpan<byte> Data { get; }

    internal TcpOption(TcpOptionKind kind, ReadOnlySpan<byte> data) { Kind = kind; Data = data; }

    /// <summary>The MSS value of a <see cref="TcpOptionKind.MaxSegmentSize"/> option.</summary>
    public ushort MaxSegmentSize => Kind == TcpOptionKind.MaxSegmentSize ? BinaryPrimitives.ReadUInt16BigEndian(Data) : (ushort)0;

    /// <summary>The shift count of a <see cref="TcpOptionKind.WindowScale"/> option, as sent (not clamped).</summary>
    public byte WindowScale => Kind == TcpOptionKind.WindowScale ? Data[0] : (byte)0;

    /// <summary>The values of a <see cref="TcpOptionKind.Timestamps"/> option.</summary>
    public TcpTimestamps Timestamps => Kind == TcpOptionKind.Timestamps
        ? new TcpTimestamps(BinaryPrimitives.ReadUInt32BigEndian(Data), BinaryPrimitives.ReadUInt32BigEndian(Data[4..]))
        : default;

    /// <summary>The blocks of a <see cref="TcpOptionKind.Sack"/> option (1..4).</summary>
    public TcpSackBlocks SackBlocks
    {
        get
        {
            var blocks = new TcpSackBlocks();
            if (Kind != TcpOptionKind.Sack) return blocks;
            for (var rest = Data; rest.Length >= 8; rest = rest[8..])
            {
                var block = new TcpSackBlock(new TcpSeqNumber(BinaryPrimitives.ReadUInt32BigEndian(rest)),
                    new TcpSeqNumber(BinaryPrimitives.ReadUInt32BigEndian(rest[4..])));
                if (!blocks.TryAdd(block, out blocks)) break;
            }
            return blocks;
        }
    }
}

/// <summary>
/// Walks the options area of a TCP header (RFC 9293 §3.2) without allocating. NOPs are returned as
/// items; End of Option List stops the walk. Unknown kinds are skipped by their length. A length of 0
/// or 1, a length past the end of the area, or a wrong size for a known kind stops the walk with
/// <see cref="Error"/> = <see cref="WireError.Malformed"/>. The area is at most 40 bytes, which bounds the walk.
/// </summary>
public ref struct TcpOptionReader
{
    private ReadOnlySpan<byte> _rest;

    /// <summary>Reads the given options area (from byte 20 up to the data offset).</summary>
    public TcpOptionReader(ReadOnlySpan<byte> options) { _rest = options; Error = WireError.None; }

    /// <summary>Why the walk stopped early; <see cref="WireError.None"/> at a clean end.</summary>
    public WireError Error { get; private set; }


    /// <summary>Reads the next option; false at the end of the list or on a malformed option (see <see cref="Error"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // inlined into the caller's loop, the reader lives in registers
    public bool TryNext(out TcpOption option)
    {
        option = default;
        var rest = _rest;
        if (rest.IsEmpty) return false; // also after End of Option List and after an error, which empty the rest
        var kind = (TcpOptionKind)rest[0];
        if (kind == TcpOptionKind.NoOperation)
        {
            _rest = rest[1..];
            option = new TcpOption(kind, default);
            return true;
        }
        if (kind == TcpOptionKind.EndOfList)
        {
            _rest = default;
            return false;
        }
        if (rest.Length < 2) return Fail();
        int length = rest[1];
        if ((uint)(length - 2) > (uint)(rest.Length - 2) || !HasValidLength(kind, length)) return Fail();
        option = new TcpOption(kind, rest[2..length]);
        _rest = rest[length..];
        return true;
    }

    // The length each known kind must have (RFC 9293 §3.2, RFC 7323 §2-3, RFC 2018 §2), indexed by kind; 0 means
    // any length. A table instead of a switch keeps the check branch-light inside the caller's loop.
    private static ReadOnlySpan<byte> FixedLengths => [0, 0, MaxSegmentSizeLength, WindowScaleLength, SackPermittedLength, 0, 0, 0, TimestampsLength];

    /// <summary>The length of an MSS option (RFC 9293 §3.2).</summary>
    internal const byte MaxSegmentSizeLength = 4;
    /// <summary>The length of a window scale option (RFC 7323 §2.2).</summary>
    internal const byte WindowScaleLength = 3;
    /// <summary>The length of a SACK-permitted option (RFC 2018 §2).</summary>
    internal const byte SackPermittedLength = 2;
    /// <summary>The length of a timestamps option (RFC 7323 §3.2).</summary>
    internal const byte TimestampsLength = 10;

    /// <summary>A SACK option holds one to four 8-byte blocks after its kind and length (RFC 2018 §3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsValidSackLength(int length) => length is 10 or 18 or 26 or 34;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasValidLength(TcpOptionKind kind, int length)
    {
        if (kind == TcpOptionKind.Sack) return IsValidSackLength(length);
        var fixedLengths = FixedLengths;
        return (uint)kind >= (uint)fixedLengths.Length || fixedLengths[(int)kind] == 0 || fixedLengths[(int)kind] == length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a call would take the reader's address and keep it out of registers
    private bool Fail()
    {
        Error = WireError.Malformed;
        _rest = default;
        return false;
    }
}

/// <summary>
/// The options of one TCP header that this library speaks, decoded in one walk of the options area (RFC 9293 §3.2):
/// MSS (RFC 9293 §3.7.1), window scale (RFC 7323 §2), SACK-permitted (RFC 2018 §2), timestamps (RFC 7323 §3), and
/// where the SACK blocks are (RFC 2018 §3), which <see cref="ReadSackBlocks"/> reads from the same area on demand.
/// 20 bytes, no references: it is what <see cref="TcpRepr.TryParse"/> and <see cref="HeaderStack"/> both keep.
/// The walk is <see cref="TcpOptionReader"/>'s, so the same layouts are refused; unknown kinds are skipped, and when
/// an option repeats, the last one counts.
/// </summary>
public struct TcpOptionSet
{
    // Fields are private and written only by TryParse: by the prediction of the usual layouts directly into the
    // caller's variable (built in a temporary and copied out as a block, the copy's wide reads of just-written narrow
    // stores would stall store forwarding), and by the general walk, which is rare enough for the copy not to matter.
    private TcpTimestamps _timestamps;
    private ushort _maxSegmentSize;
    private byte _windowScale;
    private Present _present;
    private int _sackOffset;
    private byte _sackLength;

    [Flags]
    private enum Present : byte
    {
        MaxSegmentSize = 1,
        WindowScale = 2,
        SackPermitted = 4,
        Timestamps = 8,
    }

    /// <summary>The MSS option's value, if the option was present.</summary>
    public readonly ushort? MaxSegmentSize => (_present & Present.MaxSegmentSize) != 0 ? _maxSegmentSize : null;

    /// <summary>The window scale shift, if present, clamped to <see cref="TcpRepr.MaxWindowScale"/> (RFC 7323 §2.3).</summary>
    public readonly byte? WindowScale => (_present & Present.WindowScale) != 0 ? _windowScale : null;

    /// <summary>True when the SACK-permitted option was present.</summary>
    public readonly bool SackPermitted => (_present & Present.SackPermitted) != 0;

    /// <summary>The timestamps option's values, if present.</summary>
    public readonly TcpTimestamps? Timestamps => (_present & Present.Timestamps) != 0 ? _timestamps : null;

    /// <summary>The number of blocks in the (last) SACK option: 0 when there is none, otherwise 1..4.</summary>
    public readonly int SackBlockCount => _sackLength / 8;

    /// <summary>
    /// The SACK blocks, read from <paramref name="options"/>, which must be the options area this set was parsed from
    /// (for another area, or a shorter one, the result is empty or meaningless but never a fault).
    /// </summary>
    public readonly TcpSackBlocks ReadSackBlocks(ReadOnlySpan<byte> options)
    {
        if (_sackLength == 0 || _sackOffset + _sackLength > options.Length) return default;
        return new TcpOption(TcpOptionKind.Sack, options.Slice(_sackOffset, _sackLength)).SackBlocks;
    }

    /// <summary>
    /// Walks <paramref name="options"/> (the bytes from 20 up to the data offset) once. A malformed area (see
    /// <see cref="TcpOptionReader"/>) is <see cref="WireError.Malformed"/>.
    /// </summary>
    // Inlined, and small: only the prediction of the usual layouts is here; the general walk is a call.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(ReadOnlySpan<byte> options, out TcpOptionSet set, out WireError error)
    {
        error = WireError.None;
        if (TryParseCommonLayout(ref MemoryMarshal.GetReference(options), options.Length, out set)) return true;
        set = Walk(options, out error);
        return error == WireError.None;
    }

    // The general walk: the walk of TcpOptionReader.TryNext, with each kind's length rule checked where the kind is
    // decoded. Every read is inside the area: the kind byte at i < end, the length byte once 2 bytes remain, the data
    // once the length is known to fit. Compares rather than a switch: the JIT makes a switch an indirect jump through a
    // table, which costs more per option than these well-predicted branches.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TcpOptionSet Walk(ReadOnlySpan<byte> options, out WireError error)
    {
        var set = new TcpOptionSet();
        ref byte area = ref MemoryMarshal.GetReference(options);
        int end = options.Length;
        var present = (Present)0;
        for (int i = 0; i < end;)
        {
            var kind = (TcpOptionKind)Unsafe.Add(ref area, i);
            if (kind == TcpOptionKind.NoOperation) { i++; continue; }
            if (kind == TcpOptionKind.EndOfList) break;
            int remaining = end - i;
            if (remaining < 2) goto Malformed;
            int length = Unsafe.Add(ref area, i + 1);
            if ((uint)(length - 2) > (uint)(remaining - 2)) goto Malformed;
            ref byte data = ref Unsafe.Add(ref area, i + 2);
            if (kind == TcpOptionKind.Timestamps)
            {
                if (length != TcpOptionReader.TimestampsLength) goto Malformed;
                set._timestamps = new TcpTimestamps(BigEndian.Read32(ref data, 0), BigEndian.Read32(ref data, 4));
                present |= Present.Timestamps;
            }
            else if (kind == TcpOptionKind.MaxSegmentSize)
            {
                if (length != TcpOptionReader.MaxSegmentSizeLength) goto Malformed;
                set._maxSegmentSize = BigEndian.Read16(ref data, 0);
                present |= Present.MaxSegmentSize;
            }
            else if (kind == TcpOptionKind.WindowScale)
            {
                if (length != TcpOptionReader.WindowScaleLength) goto Malformed;
                set._windowScale = Math.Min(data, TcpRepr.MaxWindowScale);
                present |= Present.WindowScale;
            }
            else if (kind == TcpOptionKind.SackPermitted)
            {
                if (length != TcpOptionReader.SackPermittedLength) goto Malformed;
                present |= Present.SackPermitted;
            }
            else if (kind == TcpOptionKind.Sack)
            {
                if (!TcpOptionReader.IsValidSackLength(length)) goto Malformed;
                set._sackOffset = i + 2;
                set._sackLength = (byte)(length - 2);
            }
            i += length; // unknown kinds are skipped by their length
        }
        set._present = present;
        error = WireError.None;
        return set;

    Malformed:
        error = WireError.Malformed;
        return default;
    }

    // Options-area prediction, in the spirit of Van Jacobson's header prediction: the layouts real stacks send on almost
    // every segment are recognised by one or two masked compares, and their values read from fixed places, instead of
    // stepping through the chain, where each step waits for the length byte of the one before. Each layout below is
    // well formed, so the walk would decode it to exactly the same set (the tests compare both on every layout).
    //   NOP NOP TS                 RFC 7323 Appendix A: the aligned timestamps of every Linux, BSD and macOS data segment
    //   NOP NOP TS NOP NOP SACK    the same with 1..3 SACK blocks (RFC 2018 §3), as Linux sends them
    //   MSS SACKOK TS NOP WS       Linux's SYN and SYN-ACK
    // An empty area is predicted too. Anything else, including these layouts with any byte changed in a kind or length,
    // takes the walk.
    private const uint AlignedTimestampsPrefix = 0x0101_080A;       // NOP, NOP, kind 8, length 10
    private const uint AlignedSackPrefix = 0x0101_0500;             // NOP, NOP, kind 5; the length byte varies
    private const ulong SynPrefixMask = 0xFFFF_0000_FFFF_FFFF;      // the MSS value varies
    private const ulong SynPrefix = 0x0204_0000_0402_080A;          // kind 2 length 4, (MSS), kind 4 length 2, kind 8 length 10
    private const uint SynSuffix = 0x0103_0300;                     // NOP, kind 3 length 3; the shift varies
    private const int AlignedTimestampsLength = 12;
    private const int SynLayoutLength = 20;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryParseCommonLayout(ref byte area, int end, out TcpOptionSet set)
    {
        set = default;
        if (end == 0) return true;
        if (end >= AlignedTimestampsLength && BigEndian.Read32(ref area, 0) == AlignedTimestampsPrefix)
        {
            if (end != AlignedTimestampsLength)
            {
                // The SACK option's length byte is what is left of the area after its NOP, NOP, kind and length.
                int sackLength = end - AlignedTimestampsLength - 2;
                if (!TcpOptionReader.IsValidSackLength(sackLength)
                    || BigEndian.Read32(ref area, AlignedTimestampsLength) != (AlignedSackPrefix | (uint)sackLength))
                    return false;
                set._sackOffset = AlignedTimestampsLength + 4;
                set._sackLength = (byte)(sackLength - 2);
            }
            set._timestamps = new TcpTimestamps(BigEndian.Read32(ref area, 4), BigEndian.Read32(ref area, 8));
            set._present = Present.Timestamps;
            return true;
        }
        if (end == SynLayoutLength && (BigEndian.Read64(ref area, 0) & SynPrefixMask) == SynPrefix
            && (BigEndian.Read32(ref area, 16) & 0xFFFF_FF00) == SynSuffix)
        {
            set._maxSegmentSize = BigEndian.Read16(ref area, 2);
            set._timestamps = new TcpTimestamps(BigEndian.Read32(ref area, 8), BigEndian.Read32(ref area, 12));
            set._windowScale = Math.Min(Unsafe.Add(ref area, 19), TcpRepr.MaxWindowScale);
            set._present = Present.MaxSegmentSize | Present.SackPermitted | Present.Timestamps | Present.WindowScale;
            return true;
        }
        return false;
    }
}

/// <summary>
/// A checked view of a TCP segment (RFC 9293 §3.1). TCP has no length field: the segment is the whole
/// buffer, which the IP layer has already cut to the IP payload.
/// </summary>
public readonly ref struct TcpSegment
{
    // The field accessors are marked for inlining: each is a load or two, but without a profile (NativeAOT, or the JIT
    // before tiering) the inliner judged them by their IL size inside the large methods of the TCP layer and left
    // them as calls, which halved the bulk transfer's throughput.
    /// <summary>The header without options: 20 bytes.</summary>
    public const int MinHeaderLength = 20;
    /// <summary>The largest header (data offset 15): 60 bytes.</summary>
    public const int MaxHeaderLength = 60;

    private readonly Span<byte> _buffer;

    private TcpSegment(Span<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Checks the header: a data offset below 5 words is <see cref="WireError.Malformed"/>, one beyond the
    /// buffer is <see cref="WireError.Truncated"/>.
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out TcpSegment segment, out WireError error)
    {
        error = Validate(buffer, out _);
        segment = error == WireError.None ? new TcpSegment(buffer) : default;
        return error == WireError.None;
    }

    /// <summary>The checks of <see cref="TryParse"/>, shared with <see cref="HeaderStack"/>. Gives the header length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static WireError Validate(ReadOnlySpan<byte> buffer, out int headerLength)
    {
        headerLength = 0;
        if (buffer.Length < MinHeaderLength) return WireError.Truncated;
        headerLength = (Unsafe.Add(ref MemoryMarshal.GetReference(buffer), 12) >> 4) * 4; // inside the 20 bytes just checked
        if (headerLength < MinHeaderLength) return WireError.Malformed;
        if (headerLength > buffer.Length) return WireError.Truncated;
        return WireError.None;
    }

    /// <summary>Views a segment checked by <see cref="HeaderStack"/>.</summary>
    internal static TcpSegment Unchecked(Span<byte> buffer) => new(buffer);

    /// <summary>The whole segment, header and payload.</summary>
    public Span<byte> Bytes
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => _buffer;
    }

    /// <summary>Source port.</summary>
    public ushort SourcePort
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => BinaryPrimitives.ReadUInt16BigEndian(_buffer);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] set => BinaryPrimitives.WriteUInt16BigEndian(_buffer, value);
    }

    /// <summary>Destination port.</summary>
    public ushort DestinationPort
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], value);
    }

    /// <summary>Sequence number of the first octet (or the ISN on SYN).</summary>
    public TcpSeqNumber SequenceNumber
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => new(BinaryPrimitives.ReadUInt32BigEndian(_buffer[4..]));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] set => BinaryPrimitives.WriteUInt32BigEndian(_buffer[4..], value.Value);
    }

    /// <summary>Acknowledgment number (significant when <see cref="TcpFlags.Ack"/> is set).</summary>
    public TcpSeqNumber AcknowledgmentNumber
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => new(BinaryPrimitives.ReadUInt32BigEndian(_buffer[8..]));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] set => BinaryPrimitives.WriteUInt32BigEndian(_buffer[8..], value.Value);
    }

    /// <summary>Data offset in 32-bit words. Fixed by the parse (options and payload are placed by it).</summary>
    public int DataOffset
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => _buffer[12] >> 4;
    }

    /// <summary>Header length in bytes: <see cref="DataOffset"/> × 4.</summary>
    public int HeaderLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => DataOffset * 4;
    }

    /// <summary>The nine control bits; the three reserved bits are kept as they are when set.</summary>
    public TcpFlags Flags
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => (TcpFlags)(BinaryPrimitives.ReadUInt16BigEndian(_buffer[12..]) & 0x01FF);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[12..],
            (ushort)((BinaryPrimitives.ReadUInt16BigEndian(_buffer[12..]) & 0xFE00) | ((ushort)value & 0x01FF)));
    }

    /// <summary>Receive window (unscaled, as on the wire).</summary>
    public ushort WindowSize
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[14..]);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[14..], value);
    }

    /// <summary>The checksum field.</summary>
    public ushort Checksum
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[16..]);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[16..], value);
    }

    /// <summary>Urgent pointer (significant when <see cref="TcpFlags.Urg"/> is set).</summary>
    public ushort UrgentPointer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[18..]);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[18..], value);
    }

    /// <summary>The options area: bytes [20, <see cref="HeaderLength"/>).</summary>
    public Span<byte> Options
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => _buffer[MinHeaderLength..HeaderLength];
    }

    /// <summary>A reader over <see cref="Options"/>.</summary>
    public TcpOptionReader OptionReader => new(Options);

    /// <summary>The payload: everything after the header.</summary>
    public Span<byte> Payload
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => _buffer[HeaderLength..];
    }

    // The addresses are taken by reference (here and in TcpRepr): a by-value IpAddress (24 bytes) is copied into the
    // argument area with wide loads right after it was built with narrow stores, which stalls store forwarding.

    /// <summary>True when the checksum verifies against the pseudo-header (RFC 9293 §3.1).</summary>
    public bool VerifyChecksum(in IpAddress source, in IpAddress destination)
        => Wire.Checksum.Verify(PseudoHeaderSum(source, destination), _buffer);

    /// <summary>
    /// Copies the payload to the start of <paramref name="payloadDestination"/> and verifies the checksum in the same pass
    /// over the bytes (RFC 9293 §3.1; RFC 1071 §4 suggests checksumming while copying): a receiver that stores the
    /// payload anyway gets the verification for the price of the copy. False when the checksum does not verify (the bytes
    /// copied must then not be used), or, with nothing copied, when <paramref name="payloadDestination"/> is shorter than
    /// the payload.
    /// </summary>
    public bool TryVerifyChecksumCopyingPayload(in IpAddress source, in IpAddress destination, Span<byte> payloadDestination)
    {
        if (!Wire.Checksum.TryCopyAndSum(Payload, payloadDestination, out ushort payloadSum)) return false;
        // The header is a whole number of 32-bit words, so the payload starts on an even offset and its sum adds as is.
        ushort header = Wire.Checksum.Add(PseudoHeaderSum(source, destination), Wire.Checksum.Sum(_buffer[..HeaderLength]));
        return Wire.Checksum.Add(header, payloadSum) == 0xFFFF;
    }

    /// <summary>Computes and writes the checksum over pseudo-header, header and payload.</summary>
    public void FillChecksum(in IpAddress source, in IpAddress destination)
    {
        Checksum = 0;
        Checksum = Wire.Checksum.Compute(PseudoHeaderSum(source, destination), _buffer);
    }

    /// <summary>
    /// Computes and writes the checksum when the payload's sum is already known (from
    /// <see cref="Wire.Checksum.TryCopyAndSum"/> while the payload was copied in): only the header is read.
    /// </summary>
    public void FillChecksum(in IpAddress source, in IpAddress destination, ushort payloadSum)
    {
        Checksum = 0;
        // The header is a whole number of 32-bit words, so the payload starts on an even offset and its sum adds as is.
        ushort header = Wire.Checksum.Add(PseudoHeaderSum(source, destination), Wire.Checksum.Sum(_buffer[..HeaderLength]));
        Checksum = (ushort)~Wire.Checksum.Add(header, payloadSum);
    }

    /// <summary>
    /// Writes the pseudo-header sum (not complemented) into the checksum field, for a device that finishes the checksum
    /// (checksum offload, see <see cref="Wire.Checksum.FinishPartial"/>): the segment is not read.
    /// </summary>
    public void FillPartialChecksum(in IpAddress source, in IpAddress destination) => Checksum = PseudoHeaderSum(source, destination);

    private ushort PseudoHeaderSum(in IpAddress source, in IpAddress destination)
        => Wire.Checksum.PseudoHeaderSum(source, destination, (byte)IpProtocol.Tcp, _buffer.Length);
}

/// <summary>
/// The high-level form of a TCP header with the options this library speaks: MSS, window scale,
/// SACK-permitted, SACK blocks and timestamps. The payload stays in the buffer.
/// </summary>
/// <remarks>
/// Unlike the other reprs, its properties can be set after construction: a sender fills one in place, field by field,
/// for every segment it sends, where building a new one and copying it (an object initializer or a <c>with</c>
/// expression makes a temporary) would load the 80 bytes just stored in pieces and stall on store forwarding.
/// </remarks>
public record struct TcpRepr
{
    /// <summary>The largest window scale shift (RFC 7323 §2.3); larger received values are used as 14.</summary>
    public const byte MaxWindowScale = 14;

    /// <summary>Source port.</summary>
    public ushort SourcePort { get; set; }
    /// <summary>Destination port.</summary>
    public ushort DestinationPort { get; set; }
    /// <summary>Control bits.</summary>
    public TcpFlags Flags { get; set; }
    /// <summary>Sequence number.</summary>
    public TcpSeqNumber SequenceNumber { get; set; }
    /// <summary>Acknowledgment number.</summary>
    public TcpSeqNumber AcknowledgmentNumber { get; set; }
    /// <summary>Window field as on the wire (unscaled).</summary>
    public ushort WindowSize { get; set; }
    /// <summary>Urgent pointer.</summary>
    public ushort UrgentPointer { get; set; }
    /// <summary>MSS option (RFC 9293 §3.7.1), normally on SYN only.</summary>
    public ushort? MaxSegmentSize { get; set; }
    /// <summary>Window scale shift (RFC 7323 §2), on SYN only; at most <see cref="MaxWindowScale"/> after parsing.</summary>
    public byte? WindowScale { get; set; }
    /// <summary>SACK-permitted option (RFC 2018 §2), on SYN only.</summary>
    public bool SackPermitted { get; set; }
    /// <summary>SACK blocks (RFC 2018 §3); as many as fit are emitted, first ones first.</summary>
    public TcpSackBlocks SackBlocks { get; set; }
    /// <summary>Timestamps option (RFC 7323 §3).</summary>
    public TcpTimestamps? Timestamps { get; set; }
    /// <summary>Payload length in bytes.</summary>
    public int PayloadLength { get; set; }

    /// <summary>Sequence space the segment occupies: payload plus one each for SYN and FIN (RFC 9293 §3.4).</summary>
    public readonly int SequenceLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => PayloadLength + ((Flags & TcpFlags.Syn) != 0 ? 1 : 0) + ((Flags & TcpFlags.Fin) != 0 ? 1 : 0);
    }

    /// <summary>Header length including options (a multiple of 4, at most 60).</summary>
    public readonly int HeaderLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TcpSegment.MinHeaderLength + FixedOptionsLength + SackOptionLength(EmittedSackBlockCount);
    }

    /// <summary>Header plus payload.</summary>
    public readonly int EmittedLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => HeaderLength + PayloadLength;
    }

    /// <summary>How many of <see cref="SackBlocks"/> fit in the 40 option bytes left by the other options.</summary>
    public readonly int EmittedSackBlockCount
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            int room = TcpSegment.MaxHeaderLength - TcpSegment.MinHeaderLength - FixedOptionsLength - 4; // NOP NOP kind len
            return Math.Clamp(Math.Min(SackBlocks.Count, room / 8), 0, TcpSackBlocks.Capacity);
        }
    }

    // Option bytes other than SACK blocks, each option padded to a 4-byte boundary as Linux lays them out.
    private readonly int FixedOptionsLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (MaxSegmentSize is null ? 0 : 4)
         + (Timestamps is not null ? 12 : SackPermitted ? 4 : 0)
         + (WindowScale is null ? 0 : 4);
    }

    private static int SackOptionLength(int blocks) => blocks == 0 ? 0 : 4 + 8 * blocks;

    /// <summary>
    /// Reads a checked segment received from <paramref name="source"/> to <paramref name="destination"/>:
    /// checksum (unless <paramref name="verifyChecksum"/> is false because the NIC verified it), fields and
    /// options. A malformed options area is <see cref="WireError.Malformed"/>; unknown options are skipped.
    /// When an option repeats, the last one counts.
    /// </summary>
    // Inlined: returned through an out parameter, the repr was built in a temporary and copied as a block, and that
    // wide read of fields just written by narrow stores stalled store forwarding on every segment.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(TcpSegment segment, in IpAddress source, in IpAddress destination, out TcpRepr repr, out WireError error,
        bool verifyChecksum = true)
    {
        repr = default;
        if (verifyChecksum && !segment.VerifyChecksum(source, destination)) { error = WireError.BadChecksum; return false; }
        var area = segment.Options;
        if (!TcpOptionSet.TryParse(area, out var options, out error)) return false;
        repr = new TcpRepr
        {
            SourcePort = segment.SourcePort,
            DestinationPort = segment.DestinationPort,
            Flags = segment.Flags,
            SequenceNumber = segment.SequenceNumber,
            AcknowledgmentNumber = segment.AcknowledgmentNumber,
            WindowSize = segment.WindowSize,
            UrgentPointer = segment.UrgentPointer,
            PayloadLength = segment.Payload.Length,
            MaxSegmentSize = options.MaxSegmentSize,
            WindowScale = options.WindowScale,
            SackPermitted = options.SackPermitted,
            SackBlocks = options.ReadSackBlocks(area),
            Timestamps = options.Timestamps,
        };
        return true;
    }

    /// <summary>
    /// Writes header and options at the start of <paramref name="buffer"/> and fills the checksum over them
    /// and the <see cref="PayloadLength"/> bytes the caller has already placed after the header (at
    /// <see cref="HeaderLength"/>). Options are laid out as Linux does: MSS; SACK-permitted+timestamps
    /// (or NOP NOP timestamps, or NOP NOP SACK-permitted); NOP window scale; NOP NOP SACK blocks.
    /// False when the buffer is too small or <see cref="PayloadLength"/> is negative. With <paramref name="partialChecksum"/>
    /// the checksum field gets only the pseudo-header sum, for a device that finishes it (checksum offload).
    /// </summary>
    public readonly bool TryEmit(Span<byte> buffer, in IpAddress source, in IpAddress destination, bool partialChecksum = false)
    {
        if (!TryEmitHeader(buffer, out var segment)) return false;
        if (partialChecksum) segment.FillPartialChecksum(source, destination);
        else segment.FillChecksum(source, destination);
        return true;
    }

    /// <summary>
    /// As <see cref="TryEmit(Span{byte}, in IpAddress, in IpAddress, bool)"/> with the checksum computed here, for a
    /// payload whose one's complement sum (<see cref="Checksum.Sum"/>) the caller already has, typically from
    /// <see cref="Checksum.TryCopyAndSum"/> while it copied the payload in: the checksum then reads the header only.
    /// </summary>
    public readonly bool TryEmit(Span<byte> buffer, in IpAddress source, in IpAddress destination, ushort payloadSum)
    {
        if (!TryEmitHeader(buffer, out var segment)) return false;
        segment.FillChecksum(source, destination, payloadSum);
        return true;
    }

    private readonly bool TryEmitHeader(Span<byte> buffer, out TcpSegment segment)
    {
        int headerLength = HeaderLength;
        if (PayloadLength < 0 || buffer.Length - headerLength < PayloadLength)
        {
            segment = default;
            return false;
        }
        var bytes = buffer[..(headerLength + PayloadLength)];
        // Data offset, reserved bits (zero) and flags in one store: setting the flags after a byte store of the data
        // offset would read the word back and stall on store forwarding.
        BinaryPrimitives.WriteUInt16BigEndian(bytes[12..], (ushort)(headerLength / 4 << 12 | ((ushort)Flags & 0x01FF)));
        TcpSegment.TryParse(bytes, out segment, out _);
        segment.SourcePort = SourcePort;
        segment.DestinationPort = DestinationPort;
        segment.SequenceNumber = SequenceNumber;
        segment.AcknowledgmentNumber = AcknowledgmentNumber;
        segment.WindowSize = WindowSize;
        segment.UrgentPointer = UrgentPointer;
        WriteOptions(segment.Options);
        return true;
    }

    private readonly void WriteOptions(Span<byte> at)
    {
        const byte Nop = (byte)TcpOptionKind.NoOperation;
        if (MaxSegmentSize is { } mss)
        {
            at[0] = (byte)TcpOptionKind.MaxSegmentSize; at[1] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(at[2..], mss);
            at = at[4..];
        }
        if (Timestamps is { } ts)
        {
            // SACK-permitted takes the place of the two NOPs that would align the timestamps.
            if (SackPermitted) { at[0] = (byte)TcpOptionKind.SackPermitted; at[1] = 2; }
            else { at[0] = Nop; at[1] = Nop; }
            at[2] = (byte)TcpOptionKind.Timestamps; at[3] = 10;
            BinaryPrimitives.WriteUInt32BigEndian(at[4..], ts.Value);
            BinaryPrimitives.WriteUInt32BigEndian(at[8..], ts.EchoReply);
            at = at[12..];
        }
        else if (SackPermitted)
        {
            at[0] = Nop; at[1] = Nop; at[2] = (byte)TcpOptionKind.SackPermitted; at[3] = 2;
            at = at[4..];
        }
        if (WindowScale is { } shift)
        {
            at[0] = Nop; at[1] = (byte)TcpOptionKind.WindowScale; at[2] = 3; at[3] = shift;
            at = at[4..];
        }
        int blocks = EmittedSackBlockCount;
        if (blocks > 0)
        {
            at[0] = Nop; at[1] = Nop; at[2] = (byte)TcpOptionKind.Sack; at[3] = (byte)(2 + 8 * blocks);
            for (int i = 0; i < blocks; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(at[(4 + 8 * i)..], SackBlocks[i].Left.Value);
                BinaryPrimitives.WriteUInt32BigEndian(at[(8 + 8 * i)..], SackBlocks[i].Right.Value);
            }
        }
    }
}
