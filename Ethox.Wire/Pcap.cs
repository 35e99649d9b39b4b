using System;
using System.Buffers.Binary;
using System.IO;

namespace Ethox.Wire;

/// <summary>Link-layer header types of pcap files (tcpdump.org LINKTYPE values).</summary>
public enum PcapLinkType : uint
{
    /// <summary>Ethernet II.</summary>
    Ethernet = 1,
    /// <summary>Raw IPv4 or IPv6, no link header.</summary>
    RawIp = 101,
}

/// <summary>Result of reading one record from a pcap file.</summary>
public enum PcapReadStatus : byte
{
    /// <summary>A record was read.</summary>
    Record,
    /// <summary>The file ended cleanly between records.</summary>
    EndOfFile,
    /// <summary>The file ended inside a record header or its data.</summary>
    Truncated,
    /// <summary>A record header is not plausible (captured length larger than the snap length or the buffer).</summary>
    Malformed,
}

/// <summary>One record's header: when, how much was captured, how long the frame was on the wire.</summary>
public readonly record struct PcapRecord(long TimestampNanoseconds, int CapturedLength, int OriginalLength);

/// <summary>
/// Reads classic pcap files (both byte orders, microsecond and nanosecond resolution) record by
/// record into a caller-owned buffer. No allocation per record; never throws on file content.
/// </summary>
public sealed class PcapReader
{
    private readonly Stream _stream;
    private readonly bool _swapped;
    private readonly bool _nanos;
    private readonly byte[] _recordHeader = new byte[16];

    /// <summary>The link type declared by the file header.</summary>
    public PcapLinkType LinkType { get; }
    /// <summary>The snapshot length declared by the file header.</summary>
    public int SnapLength { get; }
    /// <summary>True when timestamps have nanosecond resolution.</summary>
    public bool IsNanosecond => _nanos;

    private PcapReader(Stream stream, bool swapped, bool nanos, PcapLinkType linkType, int snapLength)
    {
        _stream = stream; _swapped = swapped; _nanos = nanos; LinkType = linkType; SnapLength = snapLength;
    }

    /// <summary>Reads and checks the 24-byte file header; false (with a reason) when it is not a classic pcap file.</summary>
    public static bool TryOpen(Stream stream, out PcapReader? reader, out string reason)
    {
        reader = null;
        Span<byte> h = stackalloc byte[24];
        if (ReadFully(stream, h) < 24) { reason = "not a pcap file (shorter than a pcap header)"; return false; }
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(h);
        bool swapped, nanos;
        switch (magic)
        {
            case 0xA1B2C3D4: swapped = false; nanos = false; break;
            case 0xA1B23C4D: swapped = false; nanos = true; break;
            case 0xD4C3B2A1: swapped = true; nanos = false; break;
            case 0x4D3CB2A1: swapped = true; nanos = true; break;
            case 0x0A0D0D0A: reason = "pcapng files are not supported; convert with: editcap -F pcap IN OUT"; return false;
            default: reason = "not a pcap file (unknown magic number)"; return false;
        }
        uint snap = Read32(h[16..], swapped);
        // Only the low 16 bits are the link type; the upper bits carry the FCS length and its
        // "present" flag (bit 26), and the rest must be ignored by readers (pcap-savefile(5)).
        uint link = Read32(h[20..], swapped) & 0xFFFF;
        reader = new PcapReader(stream, swapped, nanos, (PcapLinkType)link, snap is 0 or > 0x10_0000 ? 0x10_0000 : (int)snap);
        reason = "";
        return true;
    }

    /// <summary>
    /// Reads the next record into <paramref name="buffer"/>. On <see cref="PcapReadStatus.Record"/> the first
    /// <see cref="PcapRecord.CapturedLength"/> bytes of the buffer are the frame.
    /// </summary>
    public PcapReadStatus TryReadNext(Span<byte> buffer, out PcapRecord record)
    {
        record = default;
        int got = ReadFully(_stream, _recordHeader);
        if (got == 0) return PcapReadStatus.EndOfFile;
        if (got < 16) return PcapReadStatus.Truncated;
        ReadOnlySpan<byte> h = _recordHeader;
        uint sec = Read32(h, _swapped), frac = Read32(h[4..], _swapped);
        uint incl = Read32(h[8..], _swapped), orig = Read32(h[12..], _swapped);
        if (incl > (uint)SnapLength && incl > 0x4_0000 || incl > (uint)buffer.Length) return PcapReadStatus.Malformed;
        long ns = sec * 1_000_000_000L + (_nanos ? frac : frac * 1000L);
        record = new PcapRecord(ns, (int)incl, (int)Math.Min(orig, int.MaxValue));
        return ReadFully(_stream, buffer[..(int)incl]) < (int)incl ? PcapReadStatus.Truncated : PcapReadStatus.Record;
    }

    private static uint Read32(ReadOnlySpan<byte> b, bool swapped)
        => swapped ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

    private static int ReadFully(Stream s, Span<byte> into)
    {
        int total = 0;
        while (total < into.Length)
        {
            int n = s.Read(into[total..]);
            if (n <= 0) break;
            total += n;
        }
        return total;
    }
}

/// <summary>Writes classic pcap files (little-endian, microsecond or nanosecond resolution) readable by tcpdump and tshark.</summary>
public sealed class PcapWriter
{
    private readonly Stream _stream;
    private readonly bool _nanos;
    private readonly byte[] _recordHeader = new byte[16];

    /// <summary>Writes the file header.</summary>
    public PcapWriter(Stream stream, PcapLinkType linkType, bool nanosecond = false, int snapLength = 262144)
    {
        _stream = stream;
        _nanos = nanosecond;
        Span<byte> h = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(h, nanosecond ? 0xA1B23C4Du : 0xA1B2C3D4u);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], 0);  // thiszone
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 0); // sigfigs
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], (uint)snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], (uint)linkType);
        _stream.Write(h);
    }

    /// <summary>Appends one frame with its capture time; no allocation.</summary>
    public void Write(ReadOnlySpan<byte> frame, long timestampNanoseconds, int originalLength = -1)
    {
        long sec = timestampNanoseconds / 1_000_000_000, rem = timestampNanoseconds % 1_000_000_000;
        Span<byte> h = _recordHeader;
        BinaryPrimitives.WriteUInt32LittleEndian(h, (uint)sec);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)(_nanos ? rem : rem / 1000));
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)frame.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], (uint)(originalLength < 0 ? frame.Length : originalLength));
        _stream.Write(h);
        _stream.Write(frame);
    }

    /// <summary>Flushes the underlying stream.</summary>
    public void Flush() => _stream.Flush();
}
