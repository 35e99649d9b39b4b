using System;
using System.Buffers.Binary;

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
        datagram = default;
        if (buffer.Length < HeaderLength) { error = WireError.Truncated; return false; }
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[4..]);
        if (length < HeaderLength) { error = WireError.Malformed; return false; }
        if (length > buffer.Length) { error = WireError.Truncated; return false; }
        datagram = new UdpDatagram(buffer[..length]);
        error = WireError.None;
        return true;
    }

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

    /// <summary>
    /// True when the checksum verifies against the pseudo-header of <paramref name="source"/> and
    /// <paramref name="destination"/>. Over IPv4 a zero field means the sender computed none (RFC 768) and
    /// passes; over IPv6 a zero field fails, since the checksum is mandatory there (RFC 8200 §8.1).
    /// </summary>
    public bool VerifyChecksum(IpAddress source, IpAddress destination)
    {
        if (Checksum == 0) return !source.IsV6;
        return Wire.Checksum.Verify(PseudoHeaderSum(source, destination), _buffer);
    }

    /// <summary>
    /// Computes and writes the checksum over the pseudo-header, header and payload. A computed zero is
    /// sent as 0xFFFF, its one's complement twin, because zero on the wire means "none" (RFC 768).
    /// </summary>
    public void FillChecksum(IpAddress source, IpAddress destination)
    {
        Checksum = 0;
        ushort sum = Wire.Checksum.Compute(PseudoHeaderSum(source, destination), _buffer);
        Checksum = sum == 0 ? (ushort)0xFFFF : sum;
    }

    private ushort PseudoHeaderSum(IpAddress source, IpAddress destination)
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
    public static bool TryParse(UdpDatagram datagram, IpAddress source, IpAddress destination, out UdpRepr repr, out WireError error,
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
    /// False when the buffer cannot hold header and payload, or the length does not fit the 16-bit field.
    /// </summary>
    public bool TryEmit(Span<byte> buffer, IpAddress source, IpAddress destination)
    {
        if (PayloadLength is < 0 or > MaxPayloadLength || buffer.Length < EmittedLength) return false;
        var bytes = buffer[..EmittedLength];
        BinaryPrimitives.WriteUInt16BigEndian(bytes[4..], (ushort)EmittedLength);
        UdpDatagram.TryParse(bytes, out var datagram, out _);
        datagram.SourcePort = SourcePort;
        datagram.DestinationPort = DestinationPort;
        datagram.FillChecksum(source, destination);
        return true;
    }
}
