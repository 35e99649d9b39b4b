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

/// <summary>What a device can do, reported once.</summary>
public readonly record struct DeviceCapabilities(Medium Medium, int Mtu)
{
    /// <summary>The largest frame a buffer holds: MTU plus the link header (14 bytes and two VLAN tags on Ethernet).</summary>
    public int MaxFrameLength => Medium == Medium.Ethernet ? Mtu + 22 : Mtu;
}

/// <summary>The decision a handler takes about a lent buffer: send it (with a length) or not.</summary>
public struct PacketVerdict
{
    /// <summary>Bytes to send, or -1 for "do not send".</summary>
    public int SendLength;

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

    /// <summary>Lends <paramref name="buffer"/> (its whole capacity); the first <paramref name="length"/> bytes are the frame.</summary>
    public RawPacket(Span<byte> buffer, int length, Instant timestamp, ref PacketVerdict verdict)
    {
        _buffer = buffer;
        _length = Math.Clamp(length, 0, buffer.Length);
        Timestamp = timestamp;
        _verdict = ref verdict;
    }

    /// <summary>The received frame (empty for a transmit buffer).</summary>
    public readonly Span<byte> Frame => _buffer[.._length];
    /// <summary>The whole buffer, up to the device's maximum frame length.</summary>
    public readonly Span<byte> Capacity => _buffer;
    /// <summary>When the frame was received, or the time of the transmit call.</summary>
    public Instant Timestamp { get; }
    /// <summary>True once <see cref="Send"/> was called.</summary>
    public readonly bool IsQueued => _verdict.SendLength >= 0;

    /// <summary>Asks the device to transmit the first <paramref name="length"/> bytes of the buffer; false when out of range.</summary>
    public readonly bool Send(int length)
    {
        if ((uint)length > (uint)_buffer.Length) return false;
        _verdict.SendLength = length;
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
    /// a frame the receiver queued with <see cref="RawPacket.Send"/> is transmitted. Returns the number of frames handed over.
    /// </summary>
    int Receive<TRecv>(int max, ref TRecv receiver, Instant now) where TRecv : IRecv<RawPacket>, allows ref struct;

    /// <summary>
    /// Lends up to <paramref name="max"/> empty transmit buffers, one by one, to <paramref name="sender"/>;
    /// stops at the first one it leaves unsent. Returns the number of frames sent.
    /// </summary>
    int Transmit<TSend>(int max, ref TSend sender, Instant now) where TSend : ISend<RawPacket>, allows ref struct;
}
