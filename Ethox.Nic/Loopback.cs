using Ethox.Layer;

namespace Ethox.Nic;

/// <summary>
/// A device whose transmitted frames come back as received frames, in order, through one bounded ring
/// of buffers allocated at construction. A frame sent while the ring is full is dropped and counted
/// (<see cref="DeviceCounters.TxQueueFull"/>).
/// </summary>
public sealed class Loopback : IDevice
{
    private readonly FrameRing _ring;
    private readonly RingPort _port;

    /// <summary>A loopback holding up to <paramref name="capacity"/> frames of an <paramref name="mtu"/>-byte medium.</summary>
    public Loopback(int capacity, int mtu = 1500, Medium medium = Medium.Ethernet)
    {
        Capabilities = new DeviceCapabilities(medium, mtu);
        _ring = new FrameRing(capacity, Capabilities.MaxFrameLength);
        _port = new RingPort(_ring, _ring, Capabilities.MaxFrameLength);
    }

    /// <inheritdoc/>
    public DeviceCapabilities Capabilities { get; }

    /// <summary>Frames waiting to be received.</summary>
    public int Pending => _ring.Count;

    /// <summary>Frames and bytes moved, frames dropped.</summary>
    public DeviceCounters Counters => _port.Counters;

    /// <inheritdoc/>
    /// <remarks>Hands over only frames queued before the call: an answer sent in place is received by a later call.</remarks>
    public int Receive<TRecv>(int max, ref TRecv receiver, Instant now) where TRecv : IRecv<RawPacket>, allows ref struct
        => _port.Receive(max, ref receiver, now);

    /// <inheritdoc/>
    public int Transmit<TSend>(int max, ref TSend sender, Instant now) where TSend : ISend<RawPacket>, allows ref struct
        => _port.Transmit(max, ref sender, now);
}
