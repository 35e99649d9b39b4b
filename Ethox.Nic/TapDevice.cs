using System;
using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Nic;

/// <summary>
/// A Linux TAP interface: the stack exchanges Ethernet frames with the kernel, which sees an Ethernet
/// interface (give it an address and bring it up with ip(8)). The kernel is the peer on the other side
/// of the wire; the stack must use an Ethernet address other than <see cref="KernelHardwareAddress"/>.
/// </summary>
public sealed class TapDevice : TunTapDevice
{
    private TapDevice(FileDescriptorHandle handle, string name, NetInterface info, DeviceOffloads offloads)
        : base(handle, name, Medium.Ethernet, info.Mtu, offloads)
        => KernelHardwareAddress = info.HardwareAddress;

    /// <summary>
    /// Creates the TAP interface <paramref name="name"/> ("" for a kernel-chosen tapN) with every offload. False with a
    /// one-line reason (no exception) when /dev/net/tun is missing, the process lacks CAP_NET_ADMIN, the name is taken…
    /// The interface exists while the device is open.
    /// </summary>
    public static bool TryOpen(string name, out TapDevice? device, out string error) => TryOpen(name, DeviceOffloads.All, out device, out error);

    /// <summary>As the other overload, with the <paramref name="offloads"/> asked for (<see cref="DeviceOffloads.None"/>: no virtio-net header).</summary>
    public static bool TryOpen(string name, DeviceOffloads offloads, out TapDevice? device, out string error)
        => TryOpen(name, offloads, multiQueue: false, out device, out error);

    /// <summary>
    /// As the other overloads; with <paramref name="multiQueue"/> (IFF_MULTI_QUEUE) the device is one queue of the interface:
    /// open the same name again (same offloads) for each further queue, up to the kernel's limit of 256. The kernel steers each flow it
    /// sends to one queue by flow hash, so one stack per queue, each on its own thread, shares the traffic without shared state.
    /// The interface lives while any of its queues is open.
    /// </summary>
    public static bool TryOpen(string name, DeviceOffloads offloads, bool multiQueue, out TapDevice? device, out string error)
    {
        ArgumentNullException.ThrowIfNull(name);
        device = null;
        var effective = VirtioOffload.Effective(offloads);
        if (!TunTap.TryOpen(name, tap: true, effective, multiQueue, out var handle, out string actual, out var info, out error)) return false;
        device = new TapDevice(handle!, actual, info, effective);
        return true;
    }

    /// <summary>The MAC address of the kernel's side of the interface.</summary>
    public EthernetAddress KernelHardwareAddress { get; }
}
