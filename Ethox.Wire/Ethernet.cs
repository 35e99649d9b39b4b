using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ethox.Wire;

/// <summary>Well-known EtherType values (IEEE 802 numbers).</summary>
public enum EtherType : ushort
{
    /// <summary>IPv4 (RFC 894).</summary>
    Ipv4 = 0x0800,
    /// <summary>ARP (RFC 826).</summary>
    Arp = 0x0806,
    /// <summary>IEEE 802.1Q customer VLAN tag.</summary>
    Vlan = 0x8100,
    /// <summary>IPv6 (RFC 2464).</summary>
    Ipv6 = 0x86DD,
    /// <summary>IEEE 802.1ad service VLAN tag (outer tag of a stacked pair).</summary>
    QinQ = 0x88A8,
}

/// <summary>One IEEE 802.1Q tag: priority, drop-eligible bit, VLAN id, and the TPID that introduced it.</summary>
public readonly record struct VlanTag(EtherType Tpid, byte Priority, bool DropEligible, ushort VlanId)
{
    /// <summary>The 16-bit tag control information field.</summary>
    public ushort Tci => (ushort)((Priority & 7) << 13 | (DropEligible ? 1 << 12 : 0) | (VlanId & 0x0FFF));

    /// <summary>Splits a TCI field.</summary>
    public static VlanTag FromTci(EtherType tpid, ushort tci) => new(tpid, (byte)(tci >> 13), (tci & 0x1000) != 0, (ushort)(tci & 0x0FFF));
}

/// <summary>
/// A checked view of an Ethernet II frame (without FCS), with up to <see cref="MaxTags"/> 802.1Q/802.1ad tags
/// between the source address and the EtherType of the payload.
/// </summary>
public readonly ref struct EthernetFrame
{
    /// <summary>Destination, source and EtherType: 14 bytes.</summary>
    public const int HeaderLengthUntagged = 14;
    /// <summary>Bytes added by each VLAN tag.</summary>
    public const int TagLength = 4;
    /// <summary>Stacked tags beyond this are reported as <see cref="WireError.TooLong"/>.</summary>
    public const int MaxTags = 2;
    /// <summary>A frame without FCS is padded to at least this length on the wire.</summary>
    public const int MinimumLength = 60;

    private readonly Span<byte> _buffer;
    private readonly int _tags;

    private EthernetFrame(Span<byte> buffer, int tags) { _buffer = buffer; _tags = tags; }

    /// <summary>Checks that <paramref name="buffer"/> holds a whole header (tags included) and views it.</summary>
    public static bool TryParse(Span<byte> buffer, out EthernetFrame frame, out WireError error)
    {
        error = Validate(buffer, out int tags, out _);
        frame = error == WireError.None ? new EthernetFrame(buffer, tags) : default;
        return error == WireError.None;
    }

    /// <summary>
    /// The checks of <see cref="TryParse"/>, shared with <see cref="HeaderStack"/>: a whole header with at most
    /// <see cref="MaxTags"/> tags. Gives the number of tags and the EtherType after them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static WireError Validate(ReadOnlySpan<byte> buffer, out int tags, out EtherType etherType)
    {
        tags = 0;
        etherType = 0;
        if (buffer.Length < HeaderLengthUntagged) return WireError.Truncated;
        ref byte start = ref MemoryMarshal.GetReference(buffer);
        // Each type field read is inside the header length checked just before it.
        ushort type = BigEndian.Read16(ref start, 12);
        while (IsTagType(type))
        {
            if (++tags > MaxTags) return WireError.TooLong;
            if (buffer.Length < HeaderLengthUntagged + TagLength * tags) return WireError.Truncated;
            type = BigEndian.Read16(ref start, 12 + TagLength * tags);
        }
        etherType = (EtherType)type;
        return WireError.None;
    }

    /// <summary>Views a buffer whose header is about to be written (by <see cref="EthernetRepr.TryEmit"/>) or was checked by <see cref="HeaderStack"/>; no checks on content.</summary>
    internal static EthernetFrame Unchecked(Span<byte> buffer, int tags) => new(buffer, tags);

    private static bool IsTagType(ushort type) => type is (ushort)EtherType.Vlan or (ushort)EtherType.QinQ;

    /// <summary>The whole frame.</summary>
    public Span<byte> Bytes => _buffer;
    /// <summary>Header length: 14 plus 4 per tag.</summary>
    public int HeaderLength => HeaderLengthUntagged + TagLength * _tags;
    /// <summary>Number of VLAN tags (0..2).</summary>
    public int TagCount => _tags;

    /// <summary>Destination address.</summary>
    public EthernetAddress Destination
    {
        get => EthernetAddress.Read(_buffer);
        set => value.WriteTo(_buffer);
    }

    /// <summary>Source address.</summary>
    public EthernetAddress Source
    {
        get => EthernetAddress.Read(_buffer[6..]);
        set => value.WriteTo(_buffer[6..]);
    }

    /// <summary>Tag <paramref name="index"/>, outermost first (index &lt; <see cref="TagCount"/>).</summary>
    public VlanTag Tag(int index)
    {
        var at = _buffer[(12 + TagLength * index)..];
        return VlanTag.FromTci((EtherType)BinaryPrimitives.ReadUInt16BigEndian(at), BinaryPrimitives.ReadUInt16BigEndian(at[2..]));
    }

    /// <summary>The EtherType of the payload (after any tags). Values below 0x0600 are 802.3 lengths.</summary>
    public EtherType EtherType
    {
        get => (EtherType)BinaryPrimitives.ReadUInt16BigEndian(_buffer[(HeaderLength - 2)..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[(HeaderLength - 2)..], (ushort)value);
    }

    /// <summary>True for an IEEE 802.3 frame, whose type field is a length (≤ 1500).</summary>
    public bool IsLengthField => (ushort)EtherType < 0x0600;

    /// <summary>The payload: everything after the header, including any padding to the minimum frame size.</summary>
    public Span<byte> Payload => _buffer[HeaderLength..];
}

/// <summary>The high-level form of an Ethernet header.</summary>
public readonly record struct EthernetRepr(EthernetAddress Source, EthernetAddress Destination, EtherType EtherType)
{
    /// <summary>Outer VLAN tag, if any.</summary>
    public VlanTag? OuterTag { get; init; }
    /// <summary>Inner VLAN tag (only with an outer tag).</summary>
    public VlanTag? InnerTag { get; init; }

    /// <summary>How many tags this header carries.</summary>
    public int TagCount => OuterTag is null ? 0 : InnerTag is null ? 1 : 2;

    /// <summary>The emitted header length.</summary>
    public int HeaderLength => EthernetFrame.HeaderLengthUntagged + EthernetFrame.TagLength * TagCount;

    /// <summary>Reads the header of a checked frame.</summary>
    public static EthernetRepr Parse(EthernetFrame frame) => new(frame.Source, frame.Destination, frame.EtherType)
    {
        OuterTag = frame.TagCount > 0 ? frame.Tag(0) : null,
        InnerTag = frame.TagCount > 1 ? frame.Tag(1) : null,
    };

    /// <summary>Parses and checks in one step.</summary>
    public static bool TryParse(Span<byte> buffer, out EthernetRepr repr, out WireError error)
    {
        if (!EthernetFrame.TryParse(buffer, out var frame, out error)) { repr = default; return false; }
        repr = Parse(frame);
        return true;
    }

    /// <summary>Writes the header into the start of <paramref name="buffer"/>; false when it is too small.</summary>
    public bool TryEmit(Span<byte> buffer)
    {
        if (buffer.Length < HeaderLength || (InnerTag is not null && OuterTag is null)) return false;
        var frame = EthernetFrame.Unchecked(buffer, TagCount);
        frame.Destination = Destination;
        frame.Source = Source;
        if (OuterTag is { } outer) WriteTag(buffer[12..], outer);
        if (InnerTag is { } inner) WriteTag(buffer[16..], inner);
        frame.EtherType = EtherType;
        return true;
    }

    private static void WriteTag(Span<byte> at, VlanTag tag)
    {
        BinaryPrimitives.WriteUInt16BigEndian(at, (ushort)tag.Tpid);
        BinaryPrimitives.WriteUInt16BigEndian(at[2..], tag.Tci);
    }
}
