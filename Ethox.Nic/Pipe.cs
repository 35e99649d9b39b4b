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
    {
        var caps = new DeviceCapabilities(medium, mtu);
        var aToB = new FrameRing(capacity, caps.MaxFrameLength);
        var bToA = new FrameRing(capacity, caps.MaxFrameLength);
        return (new PipeEnd(caps, bToA, aToB), new PipeEnd(caps, aToB, bToA));
    }
}
