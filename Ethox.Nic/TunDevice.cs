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
    private TunDevice(FileDescriptorHandle handle, string name, int mtu) : base(handle, name, Medium.Ip, mtu) { }

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
}
