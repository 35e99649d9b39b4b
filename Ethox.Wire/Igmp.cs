using System;
using System.Buffers.Binary;

namespace Ethox.Wire;

/// <summary>IGMP message types (RFC 2236 §2.1, RFC 3376 §4).</summary>
public enum IgmpMessageType : byte
{
    /// <summary>Membership query, all versions; the version follows from length and max response code.</summary>
    MembershipQuery = 0x11,
    /// <summary>Version 1 membership report (RFC 1112).</summary>
    V1MembershipReport = 0x12,
    /// <summary>Version 2 membership report (RFC 2236).</summary>
    V2MembershipReport = 0x16,
    /// <summary>Version 2 leave group (RFC 2236).</summary>
    LeaveGroup = 0x17,
    /// <summary>Version 3 membership report (RFC 3376 §4.2).</summary>
    V3MembershipReport = 0x22,
}

/// <summary>IGMP protocol version of a message.</summary>
public enum IgmpVersion : byte
{
    /// <summary>Not an IGMP message this library knows.</summary>
    Unknown = 0,
    /// <summary>IGMPv1 (RFC 1112).</summary>
    V1 = 1,
    /// <summary>IGMPv2 (RFC 2236).</summary>
    V2 = 2,
    /// <summary>IGMPv3 (RFC 3376).</summary>
    V3 = 3,
}

/// <summary>IGMPv3 group record types (RFC 3376 §4.2.12).</summary>
public enum IgmpGroupRecordType : byte
{
    /// <summary>Current state: INCLUDE the listed sources.</summary>
    ModeIsInclude = 1,
    /// <summary>Current state: EXCLUDE the listed sources.</summary>
    ModeIsExclude = 2,
    /// <summary>Filter mode change to INCLUDE.</summary>
    ChangeToIncludeMode = 3,
    /// <summary>Filter mode change to EXCLUDE.</summary>
    ChangeToExcludeMode = 4,
    /// <summary>Source list change: allow new sources.</summary>
    AllowNewSources = 5,
    /// <summary>Source list change: block old sources.</summary>
    BlockOldSources = 6,
}

/// <summary>
/// A checked view of an IGMP message (RFC 2236, RFC 3376): the whole IP payload. Queries of 8 bytes are
/// version 1 (max response code 0) or 2; queries of 12 bytes or more are version 3, with their source
/// list checked against the buffer; a version 3 report has every group record checked.
/// </summary>
public readonly ref struct IgmpPacket
{
    /// <summary>Length of a version 1/2 message and of the version 3 report header.</summary>
    public const int Length = 8;
    /// <summary>Length of a version 3 query without sources.</summary>
    public const int V3QueryHeaderLength = 12;
    /// <summary>Length of a group record header (type, aux length, source count, group).</summary>
    public const int GroupRecordHeaderLength = 8;

    private readonly Span<byte> _buffer;

    private IgmpPacket(Span<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Checks the message: under 8 bytes, a version 3 source list or group record running past the buffer is
    /// <see cref="WireError.Truncated"/>; a query of 9 to 11 bytes, which RFC 3376 §7.1 says to ignore, is
    /// <see cref="WireError.Malformed"/>. The checksum is checked by <see cref="IgmpRepr.TryParse(IgmpPacket, out IgmpRepr, out WireError)"/>.
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out IgmpPacket packet, out WireError error)
    {
        packet = default;
        if (buffer.Length < Length) { error = WireError.Truncated; return false; }
        var candidate = new IgmpPacket(buffer);
        if (candidate.Type == IgmpMessageType.MembershipQuery && buffer.Length != Length)
        {
            if (buffer.Length < V3QueryHeaderLength) { error = WireError.Malformed; return false; }
            if (V3QueryHeaderLength + Ipv4Address.Length * candidate.NumberOfSources > buffer.Length) { error = WireError.Truncated; return false; }
        }
        else if (candidate.Type == IgmpMessageType.V3MembershipReport)
        {
            var records = candidate.GroupRecords;
            while (records.TryNext(out _)) { }
            if (records.Error != WireError.None) { error = records.Error; return false; }
        }
        packet = candidate;
        error = WireError.None;
        return true;
    }

    /// <summary>The whole message.</summary>
    public Span<byte> Bytes => _buffer;

    /// <summary>Message type.</summary>
    public IgmpMessageType Type { get => (IgmpMessageType)_buffer[0]; set => _buffer[0] = (byte)value; }

    /// <summary>
    /// Byte 1: max response time in tenths of a second (v2), max response code (v3 query, see
    /// <see cref="DecodeTime"/>), unused (v1, v3 report).
    /// </summary>
    public byte MaxResponseCode { get => _buffer[1]; set => _buffer[1] = value; }

    /// <summary>The checksum over the whole message.</summary>
    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], value);
    }

    /// <summary>The group address of a query (0.0.0.0 for a general query), report or leave; not used by a v3 report.</summary>
    public Ipv4Address GroupAddress { get => Ipv4Address.Read(_buffer[4..]); set => value.WriteTo(_buffer[4..]); }

    /// <summary>The protocol version implied by type, length and max response code (RFC 3376 §7.1).</summary>
    public IgmpVersion Version => Type switch
    {
        IgmpMessageType.MembershipQuery => _buffer.Length >= V3QueryHeaderLength ? IgmpVersion.V3 : MaxResponseCode == 0 ? IgmpVersion.V1 : IgmpVersion.V2,
        IgmpMessageType.V1MembershipReport => IgmpVersion.V1,
        IgmpMessageType.V2MembershipReport or IgmpMessageType.LeaveGroup => IgmpVersion.V2,
        IgmpMessageType.V3MembershipReport => IgmpVersion.V3,
        _ => IgmpVersion.Unknown,
    };

    private bool HasV3QueryFields => Type == IgmpMessageType.MembershipQuery && _buffer.Length >= V3QueryHeaderLength;

    /// <summary>v3 query S flag: routers suppress their timer updates (RFC 3376 §4.1.5). False on other messages.</summary>
    public bool SuppressRouterProcessing
    {
        get => HasV3QueryFields && (_buffer[8] & 0x08) != 0;
        set { if (HasV3QueryFields) _buffer[8] = (byte)(value ? _buffer[8] | 0x08 : _buffer[8] & ~0x08); }
    }

    /// <summary>v3 query QRV, the querier's robustness variable, 0..7 (RFC 3376 §4.1.6). Zero on other messages.</summary>
    public byte QuerierRobustness
    {
        get => HasV3QueryFields ? (byte)(_buffer[8] & 0x07) : (byte)0;
        set { if (HasV3QueryFields) _buffer[8] = (byte)((_buffer[8] & ~0x07) | (value & 0x07)); }
    }

    /// <summary>v3 query QQIC, the querier's query interval code (RFC 3376 §4.1.7, see <see cref="DecodeTime"/>). Zero on other messages.</summary>
    public byte QueryIntervalCode
    {
        get => HasV3QueryFields ? _buffer[9] : (byte)0;
        set { if (HasV3QueryFields) _buffer[9] = value; }
    }

    /// <summary>v3 query number of sources (RFC 3376 §4.1.8). Fixed by the parse; zero on other messages.</summary>
    public ushort NumberOfSources => HasV3QueryFields ? BinaryPrimitives.ReadUInt16BigEndian(_buffer[10..]) : (ushort)0;

    /// <summary>v3 query source addresses (empty on other messages).</summary>
    public Ipv4AddressList Sources
    {
        get
        {
            int bytes = Math.Min(Ipv4Address.Length * NumberOfSources, Math.Max(0, _buffer.Length - V3QueryHeaderLength));
            return Ipv4AddressList.FromWire(HasV3QueryFields ? _buffer.Slice(V3QueryHeaderLength, bytes) : default);
        }
    }

    /// <summary>v3 report number of group records (RFC 3376 §4.2.2). Fixed by the parse; zero on other messages.</summary>
    public ushort NumberOfGroupRecords
        => Type == IgmpMessageType.V3MembershipReport ? BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]) : (ushort)0;

    /// <summary>A reader over the group records of a v3 report (none on other messages).</summary>
    public IgmpGroupRecordReader GroupRecords => new(_buffer[Length..], NumberOfGroupRecords);

    /// <summary>True when the checksum over the whole message verifies (RFC 2236 §2.3).</summary>
    public bool VerifyChecksum() => Wire.Checksum.Verify(_buffer);

    /// <summary>Computes and writes the checksum over the whole message.</summary>
    public void FillChecksum()
    {
        Checksum = 0;
        Checksum = Wire.Checksum.Compute(_buffer);
    }

    /// <summary>
    /// Decodes a v3 max response code or QQIC (RFC 3376 §4.1.1, §4.1.7): values below 128 are literal;
    /// otherwise 1|exp(3)|mant(4) stands for (mant | 0x10) &lt;&lt; (exp + 3).
    /// </summary>
    public static int DecodeTime(byte code) => code < 0x80 ? code : (code & 0x0F | 0x10) << ((code >> 4 & 0x07) + 3);

    /// <summary>
    /// Encodes a time for <see cref="DecodeTime"/>, rounding down to the nearest representable value
    /// (so a host never waits longer than asked); values above 31744 become 31744 and negatives 0.
    /// </summary>
    public static byte EncodeTime(int value)
    {
        if (value < 0x80) return (byte)Math.Max(value, 0);
        for (int exp = 7; ; exp--)
        {
            int mant = (value >> (exp + 3)) - 0x10;
            if (mant >= 0) return (byte)(0x80 | exp << 4 | Math.Min(mant, 0x0F));
        }
    }
}

/// <summary>One IGMPv3 group record (RFC 3376 §4.2.4), as read by <see cref="IgmpGroupRecordReader"/>.</summary>
public readonly ref struct IgmpGroupRecord
{
    private readonly ReadOnlySpan<byte> _bytes;

    internal IgmpGroupRecord(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    /// <summary>The record type.</summary>
    public IgmpGroupRecordType RecordType => (IgmpGroupRecordType)_bytes[0];
    /// <summary>Length of the auxiliary data in 32-bit words.</summary>
    public byte AuxDataLength => _bytes[1];
    /// <summary>The multicast group the record is about.</summary>
    public Ipv4Address MulticastAddress => Ipv4Address.Read(_bytes[4..]);
    /// <summary>The sources.</summary>
    public Ipv4AddressList Sources => Ipv4AddressList.FromWire(_bytes.Slice(IgmpPacket.GroupRecordHeaderLength,
        Ipv4Address.Length * BinaryPrimitives.ReadUInt16BigEndian(_bytes[2..])));
    /// <summary>The auxiliary data (IGMPv3 defines none; receivers ignore it, RFC 3376 §4.2.10).</summary>
    public ReadOnlySpan<byte> AuxData => _bytes[^(4 * AuxDataLength)..];
    /// <summary>The record length in bytes.</summary>
    public int Length => _bytes.Length;
}

/// <summary>
/// Walks the group records of an IGMPv3 report without allocating. The walk is bounded by the record
/// count of the header and by the buffer (each record takes at least 8 bytes); a record running past the
/// buffer stops it with <see cref="Error"/> = <see cref="WireError.Truncated"/>.
/// </summary>
public ref struct IgmpGroupRecordReader
{
    private ReadOnlySpan<byte> _rest;
    private int _remaining;

    /// <summary>Reads <paramref name="count"/> records from <paramref name="records"/> (the bytes after the report header).</summary>
    public IgmpGroupRecordReader(ReadOnlySpan<byte> records, int count) { _rest = records; _remaining = count; Error = WireError.None; }

    /// <summary>Why the walk stopped early; <see cref="WireError.None"/> when all records were read.</summary>
    public WireError Error { get; private set; }

    /// <summary>Reads the next record; false after the last one or on a bad record (see <see cref="Error"/>).</summary>
    public bool TryNext(out IgmpGroupRecord record)
    {
        record = default;
        if (_remaining <= 0 || Error != WireError.None) return false;
        if (_rest.Length < IgmpPacket.GroupRecordHeaderLength) return Fail();
        int length = IgmpPacket.GroupRecordHeaderLength + Ipv4Address.Length * (BinaryPrimitives.ReadUInt16BigEndian(_rest[2..]) + _rest[1]);
        if (length > _rest.Length) return Fail();
        record = new IgmpGroupRecord(_rest[..length]);
        _rest = _rest[length..];
        _remaining--;
        return true;
    }

    private bool Fail()
    {
        Error = WireError.Truncated;
        _remaining = 0;
        return false;
    }
}

/// <summary>
/// Builds an IGMPv3 membership report (RFC 3376 §4.2) record by record in a caller's buffer, without
/// allocating; <see cref="TryFinish"/> writes the header and checksum.
/// </summary>
public ref struct IgmpV3ReportWriter
{
    private readonly Span<byte> _buffer;
    private int _length;
    private int _records;

    /// <summary>Starts a report at the start of <paramref name="buffer"/>.</summary>
    public IgmpV3ReportWriter(Span<byte> buffer) { _buffer = buffer; _length = IgmpPacket.Length; _records = 0; }

    /// <summary>Bytes written so far, header included.</summary>
    public readonly int Length => _length;

    /// <summary>Appends a group record with no auxiliary data; false when it does not fit the buffer or the record count field.</summary>
    public bool TryAddRecord(IgmpGroupRecordType type, Ipv4Address group, scoped ReadOnlySpan<Ipv4Address> sources)
    {
        int length = IgmpPacket.GroupRecordHeaderLength + Ipv4Address.Length * sources.Length;
        if (sources.Length > ushort.MaxValue || _records == ushort.MaxValue || _buffer.Length - _length < length) return false;
        var at = _buffer.Slice(_length, length);
        at[0] = (byte)type;
        at[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(at[2..], (ushort)sources.Length);
        group.WriteTo(at[4..]);
        new Ipv4AddressList(sources).TryWriteTo(at[IgmpPacket.GroupRecordHeaderLength..]);
        _length += length;
        _records++;
        return true;
    }

    /// <summary>Writes the header (type, record count) and the checksum; false when the buffer cannot hold the header.</summary>
    public readonly bool TryFinish(out int length)
    {
        length = 0;
        if (_buffer.Length < IgmpPacket.Length) return false;
        var bytes = _buffer[.._length];
        bytes[0] = (byte)IgmpMessageType.V3MembershipReport;
        bytes[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(bytes[4..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(bytes[6..], (ushort)_records);
        IgmpPacket.TryParse(bytes, out var packet, out _);
        packet.FillChecksum();
        length = _length;
        return true;
    }
}

/// <summary>
/// The high-level form of an IGMP message: a v1/v2/v3 query, a v1/v2 report, a leave, or the header of a
/// v3 report (whose group records are read from <see cref="IgmpPacket.GroupRecords"/> and written with
/// <see cref="IgmpV3ReportWriter"/>). The v3 query source list is a span: into the received buffer, or the
/// caller's memory for emitting.
/// </summary>
public readonly ref struct IgmpRepr
{
    /// <summary>Message type.</summary>
    public IgmpMessageType Type { get; init; }
    /// <summary>Protocol version (distinguishes v1, v2 and v3 queries; implied by the type otherwise).</summary>
    public IgmpVersion Version { get; init; }
    /// <summary>Group address (0.0.0.0 for a general query and for a v3 report).</summary>
    public Ipv4Address Group { get; init; }
    /// <summary>Query max response time in tenths of a second (decoded for v3; 0 in a v1 query).</summary>
    public int MaxResponseTime { get; init; }
    /// <summary>v3 query S flag.</summary>
    public bool SuppressRouterProcessing { get; init; }
    /// <summary>v3 query QRV (0..7).</summary>
    public byte QuerierRobustness { get; init; }
    /// <summary>v3 query interval in seconds (decoded QQIC).</summary>
    public int QueryInterval { get; init; }
    /// <summary>v3 query sources (empty for a group or general query).</summary>
    public Ipv4AddressList Sources { get; init; }

    private bool IsV3Query => Type == IgmpMessageType.MembershipQuery && Version == IgmpVersion.V3;

    /// <summary>Bytes <see cref="TryEmit"/> writes: 8, or 12 + 4 per source for a v3 query.</summary>
    public int EmittedLength => IsV3Query ? IgmpPacket.V3QueryHeaderLength + Ipv4Address.Length * Sources.Count : IgmpPacket.Length;

    /// <summary>
    /// Reads a checked message: a bad checksum is <see cref="WireError.BadChecksum"/>, an unknown type
    /// <see cref="WireError.Unsupported"/>.
    /// </summary>
    public static bool TryParse(IgmpPacket packet, out IgmpRepr repr, out WireError error)
    {
        repr = default;
        if (!packet.VerifyChecksum()) { error = WireError.BadChecksum; return false; }
        var version = packet.Version;
        if (version == IgmpVersion.Unknown) { error = WireError.Unsupported; return false; }
        bool query = packet.Type == IgmpMessageType.MembershipQuery;
        repr = new IgmpRepr
        {
            Type = packet.Type,
            Version = version,
            Group = packet.Type == IgmpMessageType.V3MembershipReport ? default : packet.GroupAddress,
            MaxResponseTime = !query ? 0 : version == IgmpVersion.V3 ? IgmpPacket.DecodeTime(packet.MaxResponseCode) : packet.MaxResponseCode,
            SuppressRouterProcessing = packet.SuppressRouterProcessing,
            QuerierRobustness = packet.QuerierRobustness,
            QueryInterval = IgmpPacket.DecodeTime(packet.QueryIntervalCode),
            Sources = packet.Sources,
        };
        error = WireError.None;
        return true;
    }

    /// <summary>Views and reads in one step.</summary>
    public static bool TryParse(Span<byte> buffer, out IgmpRepr repr, out WireError error)
    {
        if (!IgmpPacket.TryParse(buffer, out var packet, out error)) { repr = default; return false; }
        return TryParse(packet, out repr, out error);
    }

    /// <summary>
    /// Writes the message at the start of <paramref name="buffer"/>, checksum filled. The max response time
    /// is written as is, up to 255, for v2 and encoded for v3 (RFC 3376 §4.1.1); v1 messages carry 0.
    /// A v3 report is written with no group records. False when the buffer is too small, the type is
    /// unknown, or a v3 query has more than 65535 sources.
    /// </summary>
    public bool TryEmit(Span<byte> buffer)
    {
        if (Type == IgmpMessageType.V3MembershipReport) return new IgmpV3ReportWriter(buffer).TryFinish(out _);
        int length = EmittedLength;
        if (buffer.Length < length || Sources.Count > ushort.MaxValue
            || Type is not (IgmpMessageType.MembershipQuery or IgmpMessageType.V1MembershipReport
                or IgmpMessageType.V2MembershipReport or IgmpMessageType.LeaveGroup))
            return false;
        var bytes = buffer[..length];
        bytes[0] = (byte)Type;
        bytes[1] = Type != IgmpMessageType.MembershipQuery ? (byte)0
            : Version == IgmpVersion.V3 ? IgmpPacket.EncodeTime(MaxResponseTime)
            : Version == IgmpVersion.V2 ? (byte)Math.Clamp(MaxResponseTime, 1, byte.MaxValue)
            : (byte)0;
        Group.WriteTo(bytes[4..]);
        if (IsV3Query)
        {
            bytes[8] = (byte)((SuppressRouterProcessing ? 0x08 : 0) | (QuerierRobustness & 0x07));
            bytes[9] = IgmpPacket.EncodeTime(QueryInterval);
            BinaryPrimitives.WriteUInt16BigEndian(bytes[10..], (ushort)Sources.Count);
            Sources.TryWriteTo(bytes[IgmpPacket.V3QueryHeaderLength..]);
        }
        IgmpPacket.TryParse(bytes, out var packet, out _);
        packet.FillChecksum();
        return true;
    }
}
