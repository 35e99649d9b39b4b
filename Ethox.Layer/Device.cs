using System;

namespace Ethox.Layer;

/// <summary>What a device carries: whole Ethernet frames, or bare IP packets (TUN, a VPN's packet interface).</summary>
public enum Medium : byte
{
    /// <summary>Ethernet II frames without FCS.</summary>
    Ethernet,
    /// <summary>IPv4 or IPv6 packets with no link-layer header.</summary>
    Ip,
}

/// <summary>
/// What a device can do, reported once: its medium and MTU, and the offloads it performs (<see cref="Offloads"/>) with the
/// frame sizes they bring. The layers trust what the device vouches for and do the rest in software.
/// </summary>
public readonly record struct DeviceCapabilities(Medium Medium, int Mtu)
{
    private readonly int _maxReceive, _maxTransmit;

    /// <summary>The largest frame of the MTU: MTU plus the link header (14 bytes and two VLAN tags on Ethernet).</summary>
    public int MaxFrameLength => Medium == Medium.Ethernet ? Mtu + 22 : Mtu;

    /// <summary>The offloads the device performs; <see cref="DeviceOffloads.None"/> by default.</summary>
    public DeviceOffloads Offloads { get; init; }

    /// <summary>
    /// The largest frame handed to a receiver: <see cref="MaxFrameLength"/>, or more when the device hands over super-segments
    /// (<see cref="DeviceOffloads.ReceiveSegmented"/>: 64 KiB of IP packet plus the link header).
    /// </summary>
    public int MaxReceiveFrameLength
    {
        get => Math.Max(_maxReceive, MaxFrameLength);
        init => _maxReceive = value;
    }

    /// <summary>
    /// The largest frame a transmit buffer takes: <see cref="MaxFrameLength"/>, or more when the device segments TCP
    /// (<see cref="DeviceOffloads.TransmitSegmentation"/>).
    /// </summary>
    public int MaxTransmitFrameLength
    {
        get => Math.Max(_maxTransmit, MaxFrameLength);
        init => _maxTransmit = value;
    }

    /// <summary>The larger of <see cref="MaxReceiveFrameLength"/> and <see cref="MaxTransmitFrameLength"/>: what a buffer that serves both directions needs.</summary>
    public int MaxBufferLength => Math.Max(MaxReceiveFrameLength, MaxTransmitFrameLength);

    /// <summary>The transmit offloads alone: what a lent buffer takes (<see cref="RawPacket.TransmitOffloads"/>).</summary>
    public DeviceOffloads TransmitOffloads => Offloads & DeviceOffloads.Transmit;
}

/// <summary>
/// The decision a handler takes about a lent buffer: send it (with a length and what the device is to finish) or not.
/// Owned by the device, which resets it for every buffer it lends.
/// </summary>
public struct PacketVerdict
{
    /// <summary>Bytes to send, or -1 for "do not send".</summary>
    public int SendLength;

    /// <summary>What the device is to finish on the frame sent (a partial checksum, segmentation); default for nothing.</summary>
    public PacketOffload Offload;

    /// <summary>A verdict that sends nothing.</summary>
    public static PacketVerdict None => new() { SendLength = -1 };
}

/// <summary>
/// A buffer lent by a device for the duration of one call: a received frame (which the handler may
/// rewrite into its answer and send back in place) or an empty transmit buffer to fill.
/// </summary>
public ref struct RawPacket
{
    private readonly Span<byte> _buffer;
    private readonly int _length;
    private ref PacketVerdict _verdict;

    /// <summary>Lends <paramref name="buffer"/> (its whole capacity); the first <paramref name="length"/> bytes are the frame. No offloads.</summary>
    public RawPacket(Span<byte> buffer, int length, Instant timestamp, ref PacketVerdict verdict)
    {
        _buffer = buffer;
        _length = Math.Clamp(length, 0, buffer.Length);
        Timestamp = timestamp;
        _verdict = ref verdict;
    }

    /// <summary>
    /// Lends <paramref name="buffer"/> as the other constructor does, with what the device says about the received frame
    /// (<paramref name="offload"/>; default for a transmit buffer) and the offloads it performs on a frame sent from this
    /// buffer (<paramref name="transmitOffloads"/>; only the transmit flags count).
    /// </summary>
    public RawPacket(Span<byte> buffer, int length, Instant timestamp, ref PacketVerdict verdict, PacketOffload offload, DeviceOffloads transmitOffloads)
        : this(buffer, length, timestamp, ref verdict)
    {
        Offload = offload;
        TransmitOffloads = transmitOffloads & DeviceOffloads.Transmit;
    }

    /// <summary>The received frame (empty for a transmit buffer).</summary>
    public readonly Span<byte> Frame => _buffer[.._length];
    /// <summary>The whole buffer, up to the device's maximum frame length.</summary>
    public readonly Span<byte> Capacity => _buffer;
    /// <summary>When the frame was received, or the time of the transmit call.</summary>
    public Instant Timestamp { get; }
    /// <summary>What the device says about the received frame: checksum verified or partial, super-segment (default for a transmit buffer).</summary>
    public PacketOffload Offload { get; }
    /// <summary>The offloads the device performs on a frame sent from this buffer (<see cref="Send(int, in PacketOffload)"/>).</summary>
    public DeviceOffloads TransmitOffloads { get; }
    /// <summary>True once <see cref="Send(int)"/> was called.</summary>
    public readonly bool IsQueued => _verdict.SendLength >= 0;

    /// <summary>Asks the device to transmit the first <paramref name="length"/> bytes of the buffer, complete as they are; false when out of range.</summary>
    public readonly bool Send(int length)
    {
        if ((uint)length > (uint)_buffer.Length) return false;
        _verdict.SendLength = length;
        _verdict.Offload = default;
        return true;
    }

    /// <summary>
    /// Asks the device to transmit the first <paramref name="length"/> bytes and to finish them as <paramref name="offload"/>
    /// says: a partial checksum (<see cref="DeviceOffloads.TransmitChecksumPartial"/>), a TCP super-segment to cut
    /// (<see cref="DeviceOffloads.TransmitSegmentation"/>, with a partial checksum). False, and nothing queued, when out of
    /// range, when the buffer does not take that offload (<see cref="TransmitOffloads"/>), or when the checksum field lies
    /// outside the frame.
    /// </summary>
    public readonly bool Send(int length, in PacketOffload offload)
    {
        if ((uint)length > (uint)_buffer.Length || !offload.FitsIn(length) || offload.Checksum == ChecksumStatus.Verified) return false;
        if (offload.Checksum == ChecksumStatus.Partial && (TransmitOffloads & DeviceOffloads.TransmitChecksumPartial) == 0) return false;
        if (offload.Segmentation != SegmentationKind.None
            && (offload.Segmentation == SegmentationKind.Udp || offload.Checksum != ChecksumStatus.Partial || offload.SegmentSize == 0
                || (TransmitOffloads & DeviceOffloads.TransmitSegmentation) == 0))
            return false;
        _verdict.SendLength = length;
        _verdict.Offload = offload;
        return true;
    }
}

/// <summary>
/// A network device. It owns (or borrows from its caller) every buffer; the stack sees them only
/// through <see cref="RawPacket"/> during a call. Devices are single-threaded like the stack.
/// </summary>
public interface IDevice
{
    /// <summary>Medium and MTU.</summary>
    DeviceCapabilities Capabilities { get; }

    /// <summary>
    /// Hands up to <paramref name="max"/> received frames, one by one, to <paramref name="receiver"/>;
    /// a frame the receiver queued with <see cref="RawPacket.Send(int)"/> is transmitted. Returns the number of frames handed over.
    /// </summary>
    int Receive<TRecv>(int max, ref TRecv receiver, Instant now) where TRecv : IRecv<RawPacket>, allows ref struct;

    /// <summary>
    /// Lends up to <paramref name="max"/> empty transmit buffers, one by one, to <paramref name="sender"/>;
    /// stops at the first one it leaves unsent. Returns the number of frames sent.
    /// </summary>
    int Transmit<TSend>(int max, ref TSend sender, Instant now) where TSend : ISend<RawPacket>, allows ref struct;
}
