using System;
using Ethox.Layer;

namespace Ethox.Nic;

/// <summary>
/// A Linux TUN interface: the stack exchanges bare IPv4 and IPv6 packets (no link header) with the
/// kernel, which routes through the interface like a point-to-point link (give it an address and bring
/// it up with ip(8)). The medium is <see cref="Medium.Ip"/>.
/// </summary>
public sealed class TunDevice : TunTapDevice
{
    private TunDevice(FileDescriptorHandle handle, string name, int mtu, DeviceOffloads offloads) : base(handle, name, Medium.Ip, mtu, offloads) { }

    /// <summary>
    /// Creates the TUN interface <paramref name="name"/> ("" for a kernel-chosen tunN) with every offload. False with a
    /// one-line reason (no exception) when /dev/net/tun is missing, the process lacks CAP_NET_ADMIN, the name is taken…
    /// The interface exists while the device is open.
    /// </summary>
    public static bool TryOpen(string name, out TunDevice? device, out string error) => TryOpen(name, DeviceOffloads.All, out device, out error);

    /// <summary>As the other overload, with the <paramref name="offloads"/> asked for (<see cref="DeviceOffloads.None"/>: no virtio-net header).</summary>
    public static bool TryOpen(string name, DeviceOffloads offloads, out TunDevice? device, out string error)
    {
        ArgumentNullException.ThrowIfNull(name);
        device = null;
        var effective = VirtioOffload.Effective(offloads);
        if (!TunTap.TryOpen(name, tap: false, effective, multiQueue: false, out var handle, out string actual, out var info, out error)) return false;
        device = new TunDevice(handle!, actual, info.Mtu, effective);
        return true;
    }
}
