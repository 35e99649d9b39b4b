using System;
using Ethox.Layer;

namespace Ethox.Nic;

/// <summary>
/// A Linux TUN interface: the stack exchanges bare IPv4 and IPv6 packets (no link header) with the
/// kernel, which routes through the interface like a point-to-point link (give it an address and bring
/// it up with ip(8)). The medium is <see cref="Medium.Ip"/>.
/// </summary>
public sealed class TunDevice : IDevice, IDisposable
{
    private readonly FileDescriptorHandle _handle;
    private readonly FdPort _port;
    private DeviceCounters _counters;

    private TunDevice(FileDescriptorHandle handle, string name, int mtu)
    {
        _handle = handle;
        Name = name;
        Capabilities = new DeviceCapabilities(Medium.Ip, mtu);
        _port = new FdPort(handle.Fd, Capabilities.MaxFrameLength, filterOutgoing: false);
    }

    /// <summary>
    /// Creates the TUN interface <paramref name="name"/> ("" for a kernel-chosen tunN). False with a one-line
    /// reason (no exception) when /dev/net/tun is missing, the process lacks CAP_NET_ADMIN, the name is taken…
    /// The interface exists while the device is open.
    /// </summary>
    public static bool TryOpen(string name, out TunDevice? device, out string error)
    {
        ArgumentNullException.ThrowIfNull(name);
        device = null;
        if (!TunTap.TryOpen(name, tap: false, out var handle, out string actual, out var info, out error)) return false;
        device = new TunDevice(handle!, actual, info.Mtu);
        return true;
    }

    /// <inheritdoc/>
    public DeviceCapabilities Capabilities { get; }
    /// <summary>The interface name (the kernel's choice when none was given).</summary>
    public string Name { get; }
    /// <summary>The descriptor, for an event loop that waits on several devices; owned by this device.</summary>
    public int FileDescriptor => _handle.Fd;
    /// <summary>Packets and bytes moved, packets dropped.</summary>
    public DeviceCounters Counters => _counters;

    /// <inheritdoc/>
    public int Receive<TRecv>(int max, ref TRecv receiver, Instant now) where TRecv : IRecv<RawPacket>, allows ref struct
        => _handle.IsClosed ? 0 : _port.Receive(max, ref receiver, now, ref _counters);

    /// <inheritdoc/>
    public int Transmit<TSend>(int max, ref TSend sender, Instant now) where TSend : ISend<RawPacket>, allows ref struct
        => _handle.IsClosed ? 0 : _port.Transmit(max, ref sender, now, ref _counters);

    /// <summary>Blocks until a packet can be received or <paramref name="timeout"/> passes (negative: forever); false on timeout.</summary>
    public bool WaitReadable(Duration timeout) => !_handle.IsClosed && _port.WaitReadable(timeout);

    /// <summary>Closes the descriptor, which deletes the interface (unless it was made persistent).</summary>
    public void Dispose() => _handle.Dispose();
}
