using System;
using Ethox.Layer;
using Ethox.Nic.Hosting;

namespace Ethox.Tests.Hosting;

/// <summary>A device that works like <see cref="Inner"/> until <see cref="Fail"/> is set, then throws <see cref="Failure"/> from its next receive.</summary>
internal sealed class FaultyDevice(SocketPairEnd inner) : IPollableDevice
{
    public readonly InvalidOperationException Failure = new("the device broke");
    private volatile bool _fail;

    public SocketPairEnd Inner => inner;
    public DeviceCapabilities Capabilities => inner.Capabilities;
    public int PollDescriptor => inner.PollDescriptor;

    /// <summary>Makes the next receive throw (from any thread).</summary>
    public void Fail() => _fail = true;

    public int Receive<TRecv>(int max, ref TRecv receiver, Instant now) where TRecv : IRecv<RawPacket>, allows ref struct
        => _fail ? throw Failure : inner.Receive(max, ref receiver, now);

    public int Transmit<TSend>(int max, ref TSend sender, Instant now) where TSend : ISend<RawPacket>, allows ref struct
        => inner.Transmit(max, ref sender, now);
}
