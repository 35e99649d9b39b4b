using System;
using System.Buffers.Binary;

namespace Ethox.Wire;

/// <summary>MLDv2 multicast address record types (RFC 3810 §5.2.12).</summary>
public enum MldRecordType : byte
{
    /// <summary>Current state: INCLUDE the listed sources.</summary>
    ModeIsInclude = 1,
    /// <summary>Current state: EXCLUDE the listed sources.</summary>
    ModeIsExclude = 2,
    /// <summary>Filter mode change to INCLUDE.</summary>
    ChangeToInclude = 3,
    /// <summary>Filter mode change to EXCLUDE.</summary>
    ChangeToExclude = 4,
    /// <summary>Source list change: allow new sources.</summary>
    AllowNewSources = 5,
    /// <summary>Source list change: block old sources.</summary>
    BlockOldSources = 6,
}

/// <summary>
/// A checked view of a Multicast Listener Discovery message inside an <see cref="Icmpv6Packet"/>: MLDv1 Query, Report
/// and Done (RFC 2710 §3) and MLDv2 Query and Report (RFC 3810 §5). A query is version 2 when it is 28 bytes or longer
/// (RFC 3810 §8.1). Fields that the message does not have read as zero and ignore writes.
/// </summary>
public readonly ref struct MldPacket
{
    /// <summary>MLDv1 messages: 24 bytes.</summary>
    public const int Version1Length = 24;
    /// <summary>The fixed part of an MLDv2 query: 28 bytes.</summary>
    public const int Version2QueryLength = 28;
    /// <summary>The fixed part of an MLDv2 report: 8 bytes.</summary>
    public const int Version2ReportLength = 8;

    private readonly Span<byte> _buffer;

    private MldPacket(Span<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Checks that <paramref name="packet"/> is an MLD type (else <see cref="WireError.Unsupported"/>) and long enough
    /// for its fixed part and, for an MLDv2 query, its source list (else <see cref="WireError.Truncated"/>). A query of
    /// 25 to 27 bytes is <see cref="WireError.Malformed"/> (RFC 3810 §8.1). Report records are checked by
    /// <see cref="MldRecordReader"/> as it walks them.
    /// </summary>
    public static bool TryParse(Icmpv6Packet packet, out MldPacket view, out WireError error)
    {
        view = default;
        var bytes = packet.Bytes;
        int required;
        switch (packet.Type)
        {
            case Icmpv6Type.MulticastListenerQuery:
                if (bytes.Length > Version1Length && bytes.Length < Version2QueryLength) { error = WireError.Malformed; return false; }
                required = bytes.Length >= Version2QueryLength
                    ? Version2QueryLength + Ipv6Address.Length * BinaryPrimitives.ReadUInt16BigEndian(bytes[26..])
                    : Version1Length;
                break;
            case Icmpv6Type.MulticastListenerReport or Icmpv6Type.MulticastListenerDone:
                required = Version1Length;
                break;
            case Icmpv6Type.MulticastListenerReportV2:
                required = Version2ReportLength;
                break;
            default:
                error = WireError.Unsupported;
                return false;
        }
        if (bytes.Length < required) { error = WireError.Truncated; return false; }
        view = new MldPacket(bytes);
        error = WireError.None;
        return true;
    }

    /// <summary>The whole ICMPv6 message.</summary>
    public Span<byte> Bytes => _buffer;
    /// <summary>The message type.</summary>
    public Icmpv6Type Type => (Icmpv6Type)_buffer[0];
    /// <summary>The message code (0 when sent; ignored on receipt).</summary>
    public byte Code => _buffer[1];

    /// <summary>True for an MLDv2 query or report.</summary>
    public bool IsVersion2 => Type == Icmpv6Type.MulticastListenerReportV2 || IsVersion2Query;

    private bool IsVersion2Query => Type == Icmpv6Type.MulticastListenerQuery && _buffer.Length >= Version2QueryLength;
    private bool HasAddress => Type != Icmpv6Type.MulticastListenerReportV2;

    /// <summary>
    /// The Maximum Response Code of a query (RFC 3810 §5.1.3); in MLDv1 it is the Maximum Response Delay in
    /// milliseconds (RFC 2710 §3.4). Zero in reports and Done.
    /// </summary>
    public ushort MaximumResponseCode
    {
        get => HasAddress ? BinaryPrimitives.ReadUInt16BigEndian(_buffer[4..]) : (ushort)0;
        set { if (HasAddress) BinaryPrimitives.WriteUInt16BigEndian(_buffer[4..], value); }
    }

    /// <summary>The Maximum Response Delay in milliseconds, decoded from the code for MLDv2 queries.</summary>
    public uint MaximumResponseDelay => IsVersion2Query ? MldRepr.DecodeMaximumResponseCode(MaximumResponseCode) : MaximumResponseCode;

    /// <summary>The Multicast Address: the group queried (unspecified for a general query), reported or left.</summary>
    public Ipv6Address MulticastAddress
    {
        get => HasAddress ? Ipv6Address.Read(_buffer[8..]) : default;
        set { if (HasAddress) value.WriteTo(_buffer[8..]); }
    }

    /// <summary>MLDv2 query: the S flag, Suppress Router-Side Processing (RFC 3810 §5.1.7).</summary>
    public bool SuppressRouterSideProcessing
    {
        get => IsVersion2Query && (_buffer[24] & 0x08) != 0;
        set { if (IsVersion2Query) _buffer[24] = (byte)(value ? _buffer[24] | 0x08 : _buffer[24] & ~0x08); }
    }

    /// <summary>MLDv2 query: the Querier's Robustness Variable, QRV (3 bits, RFC 3810 §5.1.8).</summary>
    public byte Robustness
    {
        get => IsVersion2Query ? (byte)(_buffer[24] & 0x07) : (byte)0;
        set { if (IsVersion2Query) _buffer[24] = (byte)((_buffer[24] & 0xF8) | (value & 0x07)); }
    }

    /// <summary>MLDv2 query: the Querier's Query Interval Code, QQIC (RFC 3810 §5.1.9).</summary>
    public byte QueryIntervalCode
    {
        get => IsVersion2Query ? _buffer[25] : (byte)0;
        set { if (IsVersion2Query) _buffer[25] = value; }
    }

    /// <summary>MLDv2 query: the Querier's Query Interval in seconds, decoded from QQIC.</summary>
    public uint QueryInterval => MldRepr.DecodeQueryIntervalCode(QueryIntervalCode);

    /// <summary>MLDv2 query: the Number of Sources.</summary>
    public int SourceCount => IsVersion2Query ? BinaryPrimitives.ReadUInt16BigEndian(_buffer[26..]) : 0;

    /// <summary>MLDv2 query: source <paramref name="index"/>; unspecified when out of range.</summary>
    public Ipv6Address Source(int index)
        => (uint)index < (uint)SourceCount ? Ipv6Address.Read(_buffer[(Version2QueryLength + Ipv6Address.Length * index)..]) : default;

    /// <summary>MLDv2 report: the Number of Multicast Address Records.</summary>
    public int RecordCount => Type == Icmpv6Type.MulticastListenerReportV2 ? BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]) : 0;

    /// <summary>MLDv2 report: a reader over the address records.</summary>
    public MldRecordReader Records => Type == Icmpv6Type.MulticastListenerReportV2
        ? new MldRecordReader(_buffer[Version2ReportLength..], RecordCount)
        : default;
}

/// <summary>One MLDv2 Multicast Address Record (RFC 3810 §5.2.4), as found by <see cref="MldRecordReader"/>.</summary>
public readonly ref struct MldAddressRecord
{
    /// <summary>The fixed part of a record: 20 bytes.</summary>
    public const int HeaderLength = 20;

    /// <summary>Wraps one record whose length the reader has checked.</summary>
    internal MldAddressRecord(ReadOnlySpan<byte> bytes) => Bytes = bytes;

    /// <summary>The whole record.</summary>
    public ReadOnlySpan<byte> Bytes { get; }
    /// <summary>The Record Type.</summary>
    public MldRecordType Type => (MldRecordType)Bytes[0];
    /// <summary>The length of the auxiliary data in bytes (the field counts 32-bit words).</summary>
    public int AuxDataLength => Bytes[1] * 4;
    /// <summary>The Number of Sources.</summary>
    public int SourceCount => BinaryPrimitives.ReadUInt16BigEndian(Bytes[2..]);
    /// <summary>The Multicast Address the record is about.</summary>
    public Ipv6Address MulticastAddress => Ipv6Address.Read(Bytes[4..]);

    /// <summary>Source <paramref name="index"/>; unspecified when out of range.</summary>
    public Ipv6Address Source(int index)
        => (uint)index < (uint)SourceCount ? Ipv6Address.Read(Bytes[(HeaderLength + Ipv6Address.Length * index)..]) : default;

    /// <summary>The auxiliary data (none is defined for MLDv2; receivers ignore it, RFC 3810 §5.2.10).</summary>
    public ReadOnlySpan<byte> AuxData => Bytes[(HeaderLength + Ipv6Address.Length * SourceCount)..];
}

/// <summary>
/// Walks the Multicast Address Records of an MLDv2 report (RFC 3810 §5.2): as many as the header counts. A record that
/// runs past the message stops the walk with <see cref="WireError.Truncated"/>. Bytes after the last counted record are
/// ignored. The walk is bounded by the record count, and each record is at least 20 bytes.
/// </summary>
public ref struct MldRecordReader
{
    private readonly ReadOnlySpan<byte> _records;
    private readonly int _count;
    private int _offset, _read;

    /// <summary>Reads <paramref name="count"/> records from <paramref name="records"/> (the report after its 8-byte header).</summary>
    public MldRecordReader(ReadOnlySpan<byte> records, int count)
    {
        _records = records;
        _count = count;
        _offset = 0;
        _read = 0;
        Error = WireError.None;
    }

    /// <summary>Why the walk stopped: <see cref="WireError.None"/> after the last counted record.</summary>
    public WireError Error { get; private set; }

    /// <summary>Yields the next record; false after the last one or on an error.</summary>
    public bool TryNext(out MldAddressRecord record)
    {
        record = default;
        if (Error != WireError.None || _read >= _count) return false;
        var rest = _records[_offset..];
        if (rest.Length < MldAddressRecord.HeaderLength) { Error = WireError.Truncated; return false; }
        int length = MldAddressRecord.HeaderLength + Ipv6Address.Length * BinaryPrimitives.ReadUInt16BigEndian(rest[2..]) + rest[1] * 4;
        if (length > rest.Length) { Error = WireError.Truncated; return false; }
        record = new MldAddressRecord(rest[..length]);
        _offset += length;
        _read++;
        return true;
    }
}

/// <summary>
/// The high-level form of an MLD message: MLDv1 Query, Report and Done, MLDv2 Query (its sources are passed to
/// <see cref="TryEmit(Span{byte}, Ipv6Address, Ipv6Address, ReadOnlySpan{Ipv6Address})"/> and read through the view),
/// and the header of an MLDv2 Report (whose records are read with <see cref="MldPacket.Records"/> and written with
/// <see cref="MldReportWriter"/>).
/// </summary>
public readonly record struct MldRepr
{
    /// <summary>The message type.</summary>
    public Icmpv6Type Type { get; init; }
    /// <summary>True for an MLDv2 query (MLDv2 reports are told by their type).</summary>
    public bool IsVersion2Query { get; init; }
    /// <summary>Query: the Maximum Response Code (MLDv1: the delay in milliseconds).</summary>
    public ushort MaximumResponseCode { get; init; }
    /// <summary>Query, MLDv1 report and Done: the Multicast Address.</summary>
    public Ipv6Address MulticastAddress { get; init; }
    /// <summary>MLDv2 query: Suppress Router-Side Processing.</summary>
    public bool SuppressRouterSideProcessing { get; init; }
    /// <summary>MLDv2 query: the Querier's Robustness Variable (0-7).</summary>
    public byte Robustness { get; init; }
    /// <summary>MLDv2 query: the Querier's Query Interval Code.</summary>
    public byte QueryIntervalCode { get; init; }
    /// <summary>MLDv2 query: the number of sources.</summary>
    public int SourceCount { get; init; }
    /// <summary>MLDv2 report: the number of address records.</summary>
    public int RecordCount { get; init; }

    /// <summary>The emitted length of a query, MLDv1 report or Done (an MLDv2 report is written by <see cref="MldReportWriter"/>).</summary>
    public int BufferLength => IsVersion2Query ? MldPacket.Version2QueryLength + Ipv6Address.Length * SourceCount : MldPacket.Version1Length;

    /// <summary>An MLDv1 Report for <paramref name="group"/> (RFC 2710 §3.7).</summary>
    public static MldRepr Report(Ipv6Address group) => new() { Type = Icmpv6Type.MulticastListenerReport, MulticastAddress = group };

    /// <summary>An MLDv1 Done for <paramref name="group"/> (RFC 2710 §3.8).</summary>
    public static MldRepr Done(Ipv6Address group) => new() { Type = Icmpv6Type.MulticastListenerDone, MulticastAddress = group };

    /// <summary>An MLDv1 Query (RFC 2710 §3.6); <paramref name="group"/> unspecified for a general query.</summary>
    public static MldRepr Query(Ipv6Address group, ushort maximumResponseDelay)
        => new() { Type = Icmpv6Type.MulticastListenerQuery, MulticastAddress = group, MaximumResponseCode = maximumResponseDelay };

    /// <summary>An MLDv2 Query (RFC 3810 §5.1) with <paramref name="sourceCount"/> sources.</summary>
    public static MldRepr QueryV2(Ipv6Address group, uint maximumResponseDelay, byte robustness, uint queryInterval, int sourceCount, bool suppressRouterSideProcessing = false)
        => new()
        {
            Type = Icmpv6Type.MulticastListenerQuery, IsVersion2Query = true, MulticastAddress = group,
            MaximumResponseCode = EncodeMaximumResponseCode(maximumResponseDelay), Robustness = robustness,
            QueryIntervalCode = EncodeQueryIntervalCode(queryInterval), SourceCount = sourceCount,
            SuppressRouterSideProcessing = suppressRouterSideProcessing,
        };

    /// <summary>The Maximum Response Delay in milliseconds of an MLDv2 Maximum Response Code (RFC 3810 §5.1.3).</summary>
    public static uint DecodeMaximumResponseCode(ushort code)
        => code < 0x8000 ? code : (uint)((code & 0x0FFF) | 0x1000) << (((code >> 12) & 0x7) + 3);

    /// <summary>The Maximum Response Code for a delay in milliseconds, rounded down, saturating at the largest code.</summary>
    public static ushort EncodeMaximumResponseCode(uint delay)
        => (ushort)EncodeFloat(delay, 0x8000, mantissaBits: 12, maxExponent: 7);

    /// <summary>The Query Interval in seconds of a QQIC (RFC 3810 §5.1.9).</summary>
    public static uint DecodeQueryIntervalCode(byte code)
        => code < 0x80 ? code : (uint)((code & 0x0F) | 0x10) << (((code >> 4) & 0x7) + 3);

    /// <summary>The QQIC for an interval in seconds, rounded down, saturating at the largest code.</summary>
    public static byte EncodeQueryIntervalCode(uint interval)
        => (byte)EncodeFloat(interval, 0x80, mantissaBits: 4, maxExponent: 7);

    // The MLDv2 floating-point form (RFC 3810 §5.1.3, §5.1.9): values below the limit are literal; above it,
    // 1|exp|mant stands for (mant | 1 << mantissaBits) << (exp + 3).
    private static uint EncodeFloat(uint value, uint limit, int mantissaBits, int maxExponent)
    {
        if (value < limit) return value;
        for (int exp = 0; exp <= maxExponent; exp++)
        {
            uint mant = value >> (exp + 3);
            if (mant < 2u << mantissaBits)
                return limit | (uint)exp << mantissaBits | (mant & ((1u << mantissaBits) - 1));
        }
        return limit | (uint)maxExponent << mantissaBits | ((1u << mantissaBits) - 1);
    }

    /// <summary>
    /// Reads and validates a message sent from <paramref name="source"/> to <paramref name="destination"/>: the checksum
    /// (<see cref="WireError.BadChecksum"/>), the type (<see cref="WireError.Unsupported"/>), the lengths, and the source
    /// address: MLD messages from a source that is not link-local are silently discarded (RFC 2710 §3, RFC 3810 §5.1.14,
    /// §5.2.13), except reports from the unspecified address, sent before an address is configured (RFC 3590 §4).
    /// The records of an MLDv2 report are checked here too, so that a reader over a parsed report cannot fail.
    /// </summary>
    public static bool TryParse(Icmpv6Packet packet, Ipv6Address source, Ipv6Address destination, out MldRepr repr, out WireError error)
    {
        repr = default;
        if (!packet.TryVerify(source, destination, out error) || !MldPacket.TryParse(packet, out var view, out error)) return false;
        bool isReport = view.Type is Icmpv6Type.MulticastListenerReport or Icmpv6Type.MulticastListenerReportV2;
        if (!source.IsLinkLocal && !(isReport && source.IsUnspecified)) { error = WireError.Malformed; return false; }
        var records = view.Records;
        while (records.TryNext(out _)) { }
        if (records.Error != WireError.None) { error = records.Error; return false; }
        repr = new MldRepr
        {
            Type = view.Type,
            IsVersion2Query = view.Type == Icmpv6Type.MulticastListenerQuery && view.IsVersion2,
            MaximumResponseCode = view.MaximumResponseCode,
            MulticastAddress = view.MulticastAddress,
            SuppressRouterSideProcessing = view.SuppressRouterSideProcessing,
            Robustness = view.Robustness,
            QueryIntervalCode = view.QueryIntervalCode,
            SourceCount = view.SourceCount,
            RecordCount = view.RecordCount,
        };
        return true;
    }

    /// <summary>Writes a query, MLDv1 report or Done (for an MLDv2 query without sources).</summary>
    public bool TryEmit(Span<byte> buffer, Ipv6Address source, Ipv6Address destination)
        => TryEmit(buffer, source, destination, ReadOnlySpan<Ipv6Address>.Empty);

    /// <summary>
    /// Writes a query, MLDv1 report or Done into the start of <paramref name="buffer"/>, an MLDv2 query with the first
    /// <see cref="SourceCount"/> of <paramref name="sources"/>, and fills the checksum. False when the buffer is shorter
    /// than <see cref="BufferLength"/>, fewer sources are given than <see cref="SourceCount"/>, or the type is an MLDv2
    /// report (use <see cref="MldReportWriter"/>) or not MLD.
    /// </summary>
    public bool TryEmit(Span<byte> buffer, Ipv6Address source, Ipv6Address destination, ReadOnlySpan<Ipv6Address> sources)
    {
        if (Type is not (Icmpv6Type.MulticastListenerQuery or Icmpv6Type.MulticastListenerReport or Icmpv6Type.MulticastListenerDone)) return false;
        if (IsVersion2Query && Type != Icmpv6Type.MulticastListenerQuery) return false;
        if (SourceCount is < 0 or > ushort.MaxValue || sources.Length < SourceCount || buffer.Length < BufferLength) return false;
        var message = buffer[..BufferLength];
        var packet = Icmpv6Packet.Begin(message, Type, 0);
        message[Icmpv6Packet.MinimumLength..].Clear();
        MldPacket.TryParse(packet, out var view, out _);
        view.MaximumResponseCode = MaximumResponseCode;
        view.MulticastAddress = MulticastAddress;
        if (IsVersion2Query)
        {
            view.SuppressRouterSideProcessing = SuppressRouterSideProcessing;
            view.Robustness = Robustness;
            view.QueryIntervalCode = QueryIntervalCode;
            BinaryPrimitives.WriteUInt16BigEndian(message[26..], (ushort)SourceCount);
            WriteAddresses(message[MldPacket.Version2QueryLength..], sources[..SourceCount]);
        }
        packet.FillChecksum(source, destination);
        return true;
    }

    /// <summary>Writes addresses back to back.</summary>
    internal static void WriteAddresses(Span<byte> at, ReadOnlySpan<Ipv6Address> addresses)
    {
        for (int i = 0; i < addresses.Length; i++) addresses[i].WriteTo(at[(Ipv6Address.Length * i)..]);
    }
}

/// <summary>
/// Builds an MLDv2 Report (RFC 3810 §5.2) record by record in a caller's buffer, without allocating:
/// <see cref="TryAdd"/> each record, then <see cref="TryFinish"/> to write the header and checksum.
/// </summary>
public ref struct MldReportWriter
{
    private readonly Span<byte> _buffer;
    private int _length, _count;

    /// <summary>Starts a report at the start of <paramref name="buffer"/>, which bounds its length.</summary>
    public MldReportWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _length = MldPacket.Version2ReportLength;
        _count = 0;
    }

    /// <summary>The length of the report so far.</summary>
    public readonly int Length => _length;
    /// <summary>The number of records added.</summary>
    public readonly int RecordCount => _count;

    /// <summary>
    /// Appends a record for <paramref name="group"/> with <paramref name="sources"/> and no auxiliary data; false, with
    /// nothing written, when it does not fit in the buffer or the counts would overflow their 16-bit fields.
    /// </summary>
    public bool TryAdd(MldRecordType type, Ipv6Address group, ReadOnlySpan<Ipv6Address> sources)
    {
        int recordLength = MldAddressRecord.HeaderLength + Ipv6Address.Length * sources.Length;
        if (_buffer.Length < _length + recordLength || sources.Length > ushort.MaxValue || _count == ushort.MaxValue) return false;
        var record = _buffer.Slice(_length, recordLength);
        record[0] = (byte)type;
        record[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(record[2..], (ushort)sources.Length);
        group.WriteTo(record[4..]);
        MldRepr.WriteAddresses(record[MldAddressRecord.HeaderLength..], sources);
        _length += recordLength;
        _count++;
        return true;
    }

    /// <summary>Writes the header and checksum; <paramref name="length"/> is the report's length. False when the buffer cannot even hold the header.</summary>
    public readonly bool TryFinish(Ipv6Address source, Ipv6Address destination, out int length)
    {
        length = 0;
        if (_buffer.Length < _length) return false;
        var message = _buffer[.._length];
        var packet = Icmpv6Packet.Begin(message, Icmpv6Type.MulticastListenerReportV2, 0);
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], (ushort)_count);
        packet.FillChecksum(source, destination);
        length = _length;
        return true;
    }
}
