using System;
using Ethox.Layer;

namespace Ethox.Nic;

/// <summary>
/// What a TAP and a TUN device share: an open /dev/net/tun descriptor bound to one interface, served by
/// the common descriptor port. The two differ only in medium (Ethernet frames or bare IP packets).
/// Both use the virtio-net header (IFF_VNET_HDR) for the offloads they are opened with, all by default: the kernel
/// may hand over partial checksums (trusted) and TCP super-segments (taken whole), and finishes the checksums and
/// cuts the large segments the stack sends. <see cref="DeviceOffloads.None"/> does without.
/// </summary>
public abstract class TunTapDevice : IDevice, IDisposable
{
    private readonly FileDescriptorHandle _handle;
    private readonly FdPort _port;
    private DeviceCounters _counters;

    private protected TunTapDevice(FileDescriptorHandle handle, string name, Medium medium, int mtu, DeviceOffloads offloads)
    {
        _handle = handle;
        Name = name;
        Capabilities = VirtioOffload.Capabilities(medium, mtu, offloads);
        _port = new FdPort(handle.Fd, Capabilities, filterOutgoing: false);
    }

    /// <inheritdoc/>
    public DeviceCapabilities Capabilities { get; }
    /// <summary>The interface name (the kernel's choice when none was given).</summary>
    public string Name { get; }
    /// <summary>The descriptor, for an event loop that waits on several devices; owned by this device.</summary>
    public int FileDescriptor => _handle.Fd;
    /// <summary>Frames (or packets) and bytes moved, and those dropped.</summary>
    public DeviceCounters Counters => _counters;

    /// <inheritdoc/>
    public int Receive<TRecv>(int max, ref TRecv receiver, Instant now) where TRecv : IRecv<RawPacket>, allows ref struct
        => _handle.IsClosed ? 0 : _port.Receive(max, ref receiver, now, ref _counters);

    /// <inheritdoc/>
    public int Transmit<TSend>(int max, ref TSend sender, Instant now) where TSend : ISend<RawPacket>, allows ref struct
        => _handle.IsClosed ? 0 : _port.Transmit(max, ref sender, now, ref _counters);

    /// <summary>Blocks until something can be received or <paramref name="timeout"/> passes (negative: forever); false on timeout.</summary>
    public bool WaitReadable(Duration timeout) => !_handle.IsClosed && _port.WaitReadable(timeout);

    /// <summary>Closes the descriptor, which deletes the interface (unless it was made persistent).</summary>
    public void Dispose()
    {
        _handle.Dispose();
        GC.SuppressFinalize(this);
    }
}
