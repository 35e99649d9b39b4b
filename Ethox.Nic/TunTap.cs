using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Nic;

/// <summary>Opening /dev/net/tun as a TAP (Ethernet) or TUN (IP) interface: the code shared by <see cref="TapDevice"/> and <see cref="TunDevice"/>.</summary>
internal static class TunTap
{
    private const string CloneDevice = "/dev/net/tun";

    /// <summary>
    /// Creates (or attaches to) the interface <paramref name="name"/> ("" lets the kernel choose tapN/tunN)
    /// without packet information headers, non-blocking. The interface is deleted when the descriptor is
    /// closed unless it was made persistent beforehand (ip tuntap add). With <paramref name="offloads"/> (see
    /// <see cref="VirtioOffload.Effective"/>) every frame carries a virtio-net header (IFF_VNET_HDR) and the kernel is
    /// told it may hand over partial checksums and, with <see cref="DeviceOffloads.ReceiveSegmented"/>, TCP super-segments
    /// (TUNSETOFFLOAD); without it, it finishes and cuts them before they reach us. With <paramref name="multiQueue"/>
    /// (IFF_MULTI_QUEUE) the descriptor is one queue of the interface: opening the same name again adds a queue, and the
    /// kernel spreads the flows it sends over the queues by flow hash; every queue must be opened with the same flags.
    /// </summary>
    public static unsafe bool TryOpen(string name, bool tap, DeviceOffloads offloads, bool multiQueue, out FileDescriptorHandle? handle, out string actualName,
        out NetInterface info, out string error)
    {
        handle = null;
        actualName = "";
        info = default;
        string kind = tap ? "TAP" : "TUN";
        if (!IfReq.TryCreate(name, out var req)) { error = NetInterface.BadName(name); return false; }
        int fd = Native.Open(CloneDevice, Native.O_RDWR | Native.O_NONBLOCK | Native.O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Native.Errno;
            error = errno switch
            {
                Native.ENOENT or Native.ENODEV or Native.ENXIO => $"{CloneDevice} does not exist (load the tun module: modprobe tun)",
                Native.EPERM or Native.EACCES => $"opening {CloneDevice} needs CAP_NET_ADMIN (run as root)",
                _ => $"cannot open {CloneDevice}: {Native.Describe(errno)}",
            };
            return false;
        }
        var owned = new FileDescriptorHandle(fd);
        req.Flags = (short)((tap ? Native.IFF_TAP : Native.IFF_TUN) | Native.IFF_NO_PI | (offloads != DeviceOffloads.None ? Native.IFF_VNET_HDR : 0)
            | (multiQueue ? Native.IFF_MULTI_QUEUE : 0));
        if (Native.Ioctl(fd, Native.TUNSETIFF, &req) != 0)
        {
            int errno = Native.Errno;
            string shown = name.Length == 0 ? $"a {kind} interface" : $"{kind} interface '{name}'";
            error = errno switch
            {
                Native.EPERM or Native.EACCES => $"creating {shown} needs CAP_NET_ADMIN (run as root)",
                Native.EBUSY => multiQueue
                    ? $"interface '{name}' is already open as a single-queue interface"
                    : $"interface '{name}' is already open (a TUN/TAP interface has one owner)",
                Native.EINVAL => multiQueue
                    ? $"interface '{name}' exists and is not a {kind} interface, or its queues were opened with other flags"
                    : $"interface '{name}' exists and is not a {kind} interface",
                _ => $"cannot create {shown}: {Native.Describe(errno)}",
            };
            owned.Dispose();
            return false;
        }
        if (offloads != DeviceOffloads.None && !TrySetOffloads(fd, offloads, out error))
        {
            owned.Dispose();
            return false;
        }
        actualName = req.GetName();
        if (!NetInterface.TryQuery(actualName, -1, out info, out error)) { owned.Dispose(); return false; }
        handle = owned;
        return true;
    }

    private static unsafe bool TrySetOffloads(int fd, DeviceOffloads offloads, out string error)
    {
        int headerSize = VirtioNetHeader.Length;
        if (Native.Ioctl(fd, Native.TUNSETVNETHDRSZ, &headerSize) != 0)
        {
            error = "cannot set the virtio-net header size (TUNSETVNETHDRSZ): " + Native.Describe(Native.Errno);
            return false;
        }
        // TUNSETOFFLOAD takes its flags by value, not through a pointer.
        uint flags = Native.TUN_F_CSUM | ((offloads & DeviceOffloads.ReceiveSegmented) != 0 ? Native.TUN_F_TSO4 | Native.TUN_F_TSO6 : 0);
        // UDP super-datagrams too (the device cuts them, UdpSuperDatagram); a kernel before 6.2 refuses these flags, and
        // then cuts them itself as before.
        uint withUdp = (offloads & DeviceOffloads.ReceiveSegmented) != 0 ? flags | Native.TUN_F_USO4 | Native.TUN_F_USO6 : flags;
        if (Native.Ioctl(fd, Native.TUNSETOFFLOAD, (void*)withUdp) != 0 && Native.Ioctl(fd, Native.TUNSETOFFLOAD, (void*)flags) != 0)
        {
            error = "cannot set the offloads (TUNSETOFFLOAD): " + Native.Describe(Native.Errno);
            return false;
        }
        error = "";
        return true;
    }
}
