using Ethox.Layer;

namespace Ethox.Nic;

/// <summary>One end of a <see cref="Pipe"/>: receives what the other end transmits.</summary>
public sealed class PipeEnd : IDevice
{
    private readonly FrameRing _incoming;
    private readonly RingPort _port;

    internal PipeEnd(DeviceCapabilities capabilities, FrameRing incoming, FrameRing outgoing)
    {
        Capabilities = capabilities;
        _incoming = incoming;
        _port = new RingPort(incoming, outgoing, capabilities.MaxBufferLength, capabilities.Offloads);
    }

    /// <inheritdoc/>
    public DeviceCapabilities Capabilities { get; }

    /// <summary>Frames sent by the other end and not yet received here.</summary>
    public int Pending => _incoming.Count;

    /// <summary>Frames and bytes moved through this end; frames this end sent into a full ring.</summary>
    public DeviceCounters Counters => _port.Counters;

    /// <inheritdoc/>
    public int Receive<TRecv>(int max, ref TRecv receiver, Instant now) where TRecv : IRecv<RawPacket>, allows ref struct
        => _port.Receive(max, ref receiver, now);

    /// <inheritdoc/>
    public int Transmit<TSend>(int max, ref TSend sender, Instant now) where TSend : ISend<RawPacket>, allows ref struct
        => _port.Transmit(max, ref sender, now);
}
