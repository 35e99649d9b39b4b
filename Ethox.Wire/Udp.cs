using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ethox.Wire;

/// <summary>
/// A checked view of a UDP datagram (RFC 768). The view covers exactly the length the header
/// declares; bytes after it (link padding) are left out.
/// </summary>
public readonly ref struct UdpDatagram
{
    /// <summary>Source port, destination port, length, checksum: 8 bytes.</summary>
    public const int HeaderLength = 8;

    private readonly Span<byte> _buffer;

    private UdpDatagram(Span<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Checks the header and its length field: a length below 8 is <see cref="WireError.Malformed"/>,
    /// a length beyond the buffer is <see cref="WireError.Truncated"/>.
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out UdpDatagram datagram, out WireError error)
    {
        error = Validate(buffer, out int length);
        datagram = error == WireError.None ? new UdpDatagram(buffer[..length]) : default;
        return error == WireError.None;
    }

    /// <summary>The checks of <see cref="TryParse"/>, shared with <see cref="HeaderStack"/>. Gives the length field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static WireError Validate(ReadOnlySpan<byte> buffer, out int length)
    {
        length = 0;
        if (buffer.Length < HeaderLength) return WireError.Truncated;
        length = BigEndian.Read16(ref MemoryMarshal.GetReference(buffer), 4); // inside the 8 bytes just checked
        if (length < HeaderLength) return WireError.Malformed;
        if (length > buffer.Length) return WireError.Truncated;
        return WireError.None;
    }

    /// <summary>Views a datagram checked by <see cref="HeaderStack"/> (exactly its length).</summary>
    internal static UdpDatagram Unchecked(Span<byte> buffer) => new(buffer);

    /// <summary>The datagram, header and payload, exactly <see cref="Length"/> bytes.</summary>
    public Span<byte> Bytes => _buffer;

    /// <summary>Source port (0 when the sender expects no reply).</summary>
    public ushort SourcePort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer, value);
    }

    /// <summary>Destination port.</summary>
    public ushort DestinationPort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[2..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], value);
    }

    /// <summary>The length field: header plus payload. Fixed by the parse (the view's extent depends on it).</summary>
    public ushort Length => BinaryPrimitives.ReadUInt16BigEndian(_buffer[4..]);

    /// <summary>The checksum field as sent (0 means "no checksum" over IPv4).</summary>
    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer[6..], value);
    }

    /// <summary>The payload: exactly <see cref="Length"/> − 8 bytes.</summary>
    public Span<byte> Payload => _buffer[HeaderLength..];

    // The addresses are taken by reference, as in TcpSegment: a by-value IpAddress (24 bytes) is copied into the
    // argument area with wide loads right after it was built with narrow stores, which stalls store forwarding.

    /// <summary>
    /// True when the checksum verifies against the pseudo-header of <paramref name="source"/> and
    /// <paramref name="destination"/>. Over IPv4 a zero field means the sender computed none (RFC 768) and
    /// passes; over IPv6 a zero field fails, since the checksum is mandatory there (RFC 8200 §8.1).
    /// </summary>
    public bool VerifyChecksum(in IpAddress source, in IpAddress destination)
    {
        if (Checksum == 0) return !source.IsV6;
        return Wire.Checksum.Verify(PseudoHeaderSum(source, destination), _buffer);
    }

    /// <summary>
    /// Computes and writes the checksum over the pseudo-header, header and payload. A computed zero is
    /// sent as 0xFFFF, its one's complement twin, because zero on the wire means "none" (RFC 768).
    /// </summary>
    public void FillChecksum(in IpAddress source, in IpAddress destination)
    {
        Checksum = 0;
        ushort sum = Wire.Checksum.Compute(PseudoHeaderSum(source, destination), _buffer);
        Checksum = sum == 0 ? (ushort)0xFFFF : sum;
    }

    /// <summary>
    /// Writes the pseudo-header sum (not complemented) into the checksum field, for a device that finishes the checksum
    /// (checksum offload, see <see cref="Wire.Checksum.FinishPartial"/>; a finished zero goes out as 0xFFFF there too).
    /// </summary>
    public void FillPartialChecksum(in IpAddress source, in IpAddress destination) => Checksum = PseudoHeaderSum(source, destination);

    private ushort PseudoHeaderSum(in IpAddress source, in IpAddress destination)
        => Wire.Checksum.PseudoHeaderSum(source, destination, (byte)IpProtocol.Udp, _buffer.Length);
}

/// <summary>The high-level form of a UDP header (RFC 768); the payload stays in the buffer.</summary>
public readonly record struct UdpRepr(ushort SourcePort, ushort DestinationPort, int PayloadLength)
{
    /// <summary>The largest payload the 16-bit length field can describe.</summary>
    public const int MaxPayloadLength = ushort.MaxValue - UdpDatagram.HeaderLength;

    /// <summary>The header length: always 8.</summary>
    public int HeaderLength => UdpDatagram.HeaderLength;

    /// <summary>Header plus payload.</summary>
    public int EmittedLength => UdpDatagram.HeaderLength + PayloadLength;

    /// <summary>
    /// Reads a checked datagram received from <paramref name="source"/> to <paramref name="destination"/>,
    /// verifying the checksum (see <see cref="UdpDatagram.VerifyChecksum"/>) unless
    /// <paramref name="verifyChecksum"/> is false because the NIC already did (checksum offload).
    /// </summary>
    public static bool TryParse(UdpDatagram datagram, in IpAddress source, in IpAddress destination, out UdpRepr repr, out WireError error,
        bool verifyChecksum = true)
    {
        repr = default;
        if (verifyChecksum && !datagram.VerifyChecksum(source, destination)) { error = WireError.BadChecksum; return false; }
        repr = new UdpRepr(datagram.SourcePort, datagram.DestinationPort, datagram.Payload.Length);
        error = WireError.None;
        return true;
    }

    /// <summary>
    /// Writes the header at the start of <paramref name="buffer"/> and fills the checksum over it and the
    /// <see cref="PayloadLength"/> bytes of payload the caller has already placed after it.
    /// False when the buffer cannot hold header and payload, or the length does not fit the 16-bit field. With
    /// <paramref name="partialChecksum"/> the checksum field gets only the pseudo-header sum, for a device that finishes it.
    /// </summary>
    public bool TryEmit(Span<byte> buffer, in IpAddress source, in IpAddress destination, bool partialChecksum = false)
    {
        if (PayloadLength is < 0 or > MaxPayloadLength || buffer.Length < EmittedLength) return false;
        var bytes = buffer[..EmittedLength];
        BinaryPrimitives.WriteUInt16BigEndian(bytes[4..], (ushort)EmittedLength);
        UdpDatagram.TryParse(bytes, out var datagram, out _);
        datagram.SourcePort = SourcePort;
        datagram.DestinationPort = DestinationPort;
        if (partialChecksum) datagram.FillPartialChecksum(source, destination);
        else datagram.FillChecksum(source, destination);
        return true;
    }
}
