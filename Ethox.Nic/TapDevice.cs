using System;
using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Nic;

/// <summary>
/// A Linux TAP interface: the stack exchanges Ethernet frames with the kernel, which sees an Ethernet
/// interface (give it an address and bring it up with ip(8)). The kernel is the peer on the other side
/// of the wire; the stack must use an Ethernet address other than <see cref="KernelHardwareAddress"/>.
/// </summary>
public sealed class TapDevice : IDevice, IDisposable
{
    private readonly FileDescriptorHandle _handle;
    private readonly FdPort _port;
    private DeviceCounters _counters;

    private TapDevice(FileDescriptorHandle handle, string name, NetInterface info)
    {
        _handle = handle;
        Name = name;
        KernelHardwareAddress = info.HardwareAddress;
        Capabilities = new DeviceCapabilities(Medium.Ethernet, info.Mtu);
        _port = new FdPort(handle.Fd, Capabilities.MaxFrameLength, filterOutgoing: false);
    }

    /// <summary>
    /// Creates the TAP interface <paramref name="name"/> ("" for a kernel-chosen tapN). False with a one-line
    /// reason (no exception) when /dev/net/tun is missing, the process lacks CAP_NET_ADMIN, the name is taken…
    /// The interface exists while the device is open.
    /// </summary>
    public static bool TryOpen(string name, out TapDevice? device, out string error)
    {
        ArgumentNullException.ThrowIfNull(name);
        device = null;
        if (!TunTap.TryOpen(name, tap: true, out var handle, out string actual, out var info, out error)) return false;
        device = new TapDevice(handle!, actual, info);
        return true;
    }

    /// <inheritdoc/>
    public DeviceCapabilities Capabilities { get; }
    /// <summary>The interface name (the kernel's choice when none was given).</summary>
    public string Name { get; }
    /// <summary>The MAC address of the kernel's side of the interface.</summary>
    public EthernetAddress KernelHardwareAddress { get; }
    /// <summary>The descriptor, for an event loop that waits on several devices; owned by this device.</summary>
    public int FileDescriptor => _handle.Fd;
    /// <summary>Frames and bytes moved, frames dropped.</summary>
    public DeviceCounters Counters => _counters;

    /// <inheritdoc/>
    public int Receive<TRecv>(int max, ref TRecv receiver, Instant now) where TRecv : IRecv<RawPacket>, allows ref struct
        => _handle.IsClosed ? 0 : _port.Receive(max, ref receiver, now, ref _counters);

    /// <inheritdoc/>
    public int Transmit<TSend>(int max, ref TSend sender, Instant now) where TSend : ISend<RawPacket>, allows ref struct
        => _handle.IsClosed ? 0 : _port.Transmit(max, ref sender, now, ref _counters);

    /// <summary>Blocks until a frame can be received or <paramref name="timeout"/> passes (negative: forever); false on timeout.</summary>
    public bool WaitReadable(Duration timeout) => !_handle.IsClosed && _port.WaitReadable(timeout);

    /// <summary>Closes the descriptor, which deletes the interface (unless it was made persistent).</summary>
    public void Dispose() => _handle.Dispose();
}
