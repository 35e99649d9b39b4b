using Ethox.Layer;

namespace Ethox.Nic;

/// <summary>
/// An in-memory, deterministic link between two devices: what one end transmits the other receives, in
/// order, through a bounded ring per direction. The basis of two-stack tests and benchmarks in one process.
/// </summary>
public static class Pipe
{
    /// <summary>
    /// Two ends joined by two rings of <paramref name="capacity"/> frames each. A frame sent while the
    /// peer's ring is full is dropped and counted on the sending end.
    /// </summary>
    public static (PipeEnd A, PipeEnd B) CreatePair(int capacity, int mtu = 1500, Medium medium = Medium.Ethernet)
        => CreatePair(capacity, mtu, medium, DeviceOffloads.None);

    /// <summary>
    /// Two ends as the other overload makes them, which also perform the transmit <paramref name="offloads"/> the way two
    /// virtual machines' interfaces on one host do: a checksum left partial arrives partial (and is trusted: no wire lies
    /// between), a TCP super-segment (TSO) arrives whole. The receive counterparts are added; frames grow to 64 KiB of IP
    /// packet with <see cref="DeviceOffloads.TransmitSegmentation"/>.
    /// </summary>
    public static (PipeEnd A, PipeEnd B) CreatePair(int capacity, int mtu, Medium medium, DeviceOffloads offloads)
    {
        offloads &= DeviceOffloads.Transmit;
        if ((offloads & DeviceOffloads.TransmitChecksumPartial) != 0) offloads |= DeviceOffloads.ReceiveChecksumPartial;
        if ((offloads & DeviceOffloads.TransmitSegmentation) != 0) offloads |= DeviceOffloads.ReceiveSegmented;
        var caps = new DeviceCapabilities(medium, mtu) { Offloads = offloads };
        if ((offloads & DeviceOffloads.ReceiveSegmented) != 0)
        {
            int largest = caps.MaxFrameLength - mtu + ushort.MaxValue;
            caps = caps with { MaxReceiveFrameLength = largest, MaxTransmitFrameLength = largest };
        }
        var aToB = new FrameRing(capacity, caps.MaxBufferLength);
        var bToA = new FrameRing(capacity, caps.MaxBufferLength);
        return (new PipeEnd(caps, bToA, aToB), new PipeEnd(caps, aToB, bToA));
    }
}
