using System;
using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Nic;

/// <summary>
/// A Linux AF_PACKET raw socket bound to one Ethernet interface (all EtherTypes): the stack sends and
/// receives whole frames on the wire, beside (or instead of) the kernel's own stack. Either one system
/// call per frame, or PACKET_MMAP rings shared with the kernel (<see cref="AfPacketOptions.UseMmapRings"/>).
/// Only frames arriving from the wire are received: what is transmitted on the interface, by this socket,
/// another one or the local kernel, is not (PACKET_IGNORE_OUTGOING, or a filter on the packet type on
/// kernels before 4.20).
/// </summary>
/// <remarks>
/// The kernel hands a packet socket what the interface delivers: with segmentation and checksum offloads
/// on (a veth's default), frames from the local kernel may be TCP super-segments larger than the MTU or carry
/// unfinished checksums. The device asks for a virtio-net header in front of each frame (PACKET_VNET_HDR, see
/// <see cref="AfPacketOptions.Offloads"/>) which says so, and the layers take such frames as they are; it also lets
/// the stack leave its own checksums and segmentation to the kernel. Without the header (offloads off) such frames
/// are dropped as truncated or fail their checksum. With receive VLAN offload on, tags are taken off frames before
/// they reach the socket.
/// </remarks>
public sealed class AfPacketDevice : IDevice, IDisposable
{
    private readonly FileDescriptorHandle _handle;
    private readonly FdPort? _port;
    private readonly PacketRings? _rings;
    private readonly bool _inFanout;
    private DeviceCounters _counters;

    private AfPacketDevice(FileDescriptorHandle handle, string name, int index, NetInterface info, in DeviceCapabilities capabilities, FdPort? port, PacketRings? rings,
        bool inFanout)
    {
        _handle = handle;
        _inFanout = inFanout;
        InterfaceName = name;
        InterfaceIndex = index;
        HardwareAddress = info.HardwareAddress;
        Capabilities = capabilities;
        _port = port;
        _rings = rings;
    }

    /// <inheritdoc/>
    public DeviceCapabilities Capabilities { get; }
    /// <summary>The interface the socket is bound to.</summary>
    public string InterfaceName { get; }
    /// <summary>Its kernel index.</summary>
    public int InterfaceIndex { get; }
    /// <summary>The interface's MAC address (the natural source address of the stack on this interface).</summary>
    public EthernetAddress HardwareAddress { get; }
    /// <summary>True when the device uses PACKET_MMAP rings.</summary>
    public bool UsesMmapRings => _rings is not null;
    /// <summary>The socket's descriptor, for an event loop that waits on several devices (epoll); owned by this device.</summary>
    public int FileDescriptor => _handle.Fd;
    /// <summary>Frames and bytes moved, frames dropped.</summary>
    public DeviceCounters Counters => _counters;
    /// <summary>
    /// The PACKET_FANOUT group the socket is in (read back from the kernel, so the id it chose for
    /// <see cref="AfPacketOptions.FanoutUniqueGroup"/>), or null outside any group.
    /// </summary>
    public unsafe ushort? FanoutGroup
    {
        get
        {
            if (_handle.IsClosed) return null;
            int value = 0, length = sizeof(int);
            // The answer is id | mode << 16 | flags << 24, and 0 outside a group: the same as group 0 in mode Hash, hence the flag.
            if (!_inFanout || Native.GetSockOpt(_handle.Fd, Native.SOL_PACKET, Native.PACKET_FANOUT, &value, &length) != 0) return null;
            return (ushort)value;
        }
    }

    /// <summary>
    /// Opens a raw socket on <paramref name="iface"/>. Returns false with a one-line reason (no exception)
    /// when the interface does not exist, the process lacks CAP_NET_RAW, the rings cannot be allocated…
    /// </summary>
    public static unsafe bool TryOpen(string iface, AfPacketOptions options, out AfPacketDevice? device, out string error)
    {
        device = null;
        ArgumentNullException.ThrowIfNull(iface);
        ArgumentNullException.ThrowIfNull(options);
        if (options.FanoutUniqueGroup && options.FanoutGroup is not null) { error = "give FanoutGroup or FanoutUniqueGroup, not both"; return false; }
        if (iface.Length == 0 || !IfReq.TryCreate(iface, out _)) { error = NetInterface.BadName(iface); return false; }
        // Protocol 0: the socket receives nothing until bind() names the protocol and the interface, so no
        // frame from another interface slips in before.
        int fd = Native.Socket(Native.AF_PACKET, Native.SOCK_RAW | Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Native.Errno;
            error = errno is Native.EPERM or Native.EACCES
                ? "opening a raw socket needs CAP_NET_RAW (run as root)"
                : "cannot open an AF_PACKET socket: " + Native.Describe(errno);
            return false;
        }
        var handle = new FileDescriptorHandle(fd);
        PacketRings? rings = null;
        try
        {
            if (TrySetUp(handle.Fd, iface, options, out int index, out var info, out var capabilities, out bool filterOutgoing, out rings, out error))
            {
                var port = rings is null ? new FdPort(fd, capabilities, filterOutgoing) : null;
                device = new AfPacketDevice(handle, iface, index, info, capabilities, port, rings, options.FanoutGroup is not null || options.FanoutUniqueGroup);
                return true;
            }
        }
        finally
        {
            if (device is null) { rings?.Dispose(); handle.Dispose(); }
        }
        return false;
    }

    private static unsafe bool TrySetUp(int fd, string iface, AfPacketOptions options, out int index, out NetInterface info,
        out DeviceCapabilities capabilities, out bool filterOutgoing, out PacketRings? rings, out string error)
    {
        rings = null;
        capabilities = default;
        filterOutgoing = false;
        info = default;
        index = (int)Native.IfNameToIndex(iface);
        if (index == 0)
        {
            int errno = Native.Errno;
            error = errno is Native.ENODEV or Native.ENXIO or 0 ? $"interface '{iface}' does not exist" : $"cannot look up interface '{iface}': {Native.Describe(errno)}";
            return false;
        }
        if (!NetInterface.TryQuery(iface, fd, out info, out error)) return false;
        if (info.HardwareType is not (Native.ARPHRD_ETHER or Native.ARPHRD_LOOPBACK))
        {
            error = $"interface '{iface}' is not an Ethernet interface (hardware type {info.HardwareType}); for an IP-only interface use TunDevice";
            return false;
        }
        int mtu = options.Mtu > 0 ? options.Mtu : info.Mtu;
        var offloads = VirtioOffload.Effective(options.Offloads);
        capabilities = VirtioOffload.Capabilities(Medium.Ethernet, mtu, offloads);

        filterOutgoing = options.ForceOutgoingFilter || !Native.SetInt(fd, Native.SOL_PACKET, Native.PACKET_IGNORE_OUTGOING, 1);
        // Before the rings: the kernel refuses to change the header once they exist.
        if (offloads != DeviceOffloads.None && !Native.SetInt(fd, Native.SOL_PACKET, Native.PACKET_VNET_HDR, 1))
        {
            error = "cannot ask for virtio-net headers (PACKET_VNET_HDR; open with Offloads = None to do without): " + Native.Describe(Native.Errno);
            return false;
        }
        if (options.UseMmapRings && !PacketRings.TryCreate(fd, capabilities, options.RingFrames, filterOutgoing, out rings, out error)) return false;
        if (options.ReceiveBufferBytes > 0 && !options.UseMmapRings
            && !Native.SetInt(fd, Native.SOL_SOCKET, Native.SO_RCVBUFFORCE, options.ReceiveBufferBytes)
            && !Native.SetInt(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, options.ReceiveBufferBytes))
        {
            error = $"cannot set the receive buffer to {options.ReceiveBufferBytes} bytes: {Native.Describe(Native.Errno)}";
            return false;
        }

        // Before bind: the socket receives nothing until then, so no other station's frame is queued unfiltered.
        if (options.DestinationFilter is { } destination && !DestinationFilter.TryAttach(fd, destination))
        {
            error = $"cannot attach the filter for {destination}: {Native.Describe(Native.Errno)}";
            return false;
        }

        var address = new SockaddrLl
        {
            Family = Native.AF_PACKET,
            Protocol = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(Native.ETH_P_ALL),
            IfIndex = index,
        };
        if (Native.Bind(fd, &address, sizeof(SockaddrLl)) != 0)
        {
            int errno = Native.Errno;
            error = errno == Native.ENODEV ? $"interface '{iface}' does not exist" : $"cannot bind to '{iface}': {Native.Describe(errno)}";
            return false;
        }
        if (options.Promiscuous)
        {
            var mreq = new PacketMreq { IfIndex = index, Type = Native.PACKET_MR_PROMISC };
            if (Native.SetSockOpt(fd, Native.SOL_PACKET, Native.PACKET_ADD_MEMBERSHIP, &mreq, sizeof(PacketMreq)) != 0)
            {
                error = $"cannot put '{iface}' in promiscuous mode: {Native.Describe(Native.Errno)}";
                return false;
            }
        }
        if (options.BypassQdisc && !Native.SetInt(fd, Native.SOL_PACKET, Native.PACKET_QDISC_BYPASS, 1))
        {
            error = "cannot bypass the queueing discipline: " + Native.Describe(Native.Errno);
            return false;
        }
        // Joined last: the kernel starts steering frames to the socket as soon as it is in the group.
        if (options.FanoutUniqueGroup
            && !Native.SetInt(fd, Native.SOL_PACKET, Native.PACKET_FANOUT, ((int)options.FanoutMode | Native.PACKET_FANOUT_FLAG_UNIQUEID) << 16))
        {
            error = $"cannot create a fanout group on '{iface}': {Native.Describe(Native.Errno)}";
            return false;
        }
        if (options.FanoutGroup is ushort group
            && !Native.SetInt(fd, Native.SOL_PACKET, Native.PACKET_FANOUT, group | (int)options.FanoutMode << 16))
        {
            int errno = Native.Errno;
            error = errno == Native.EINVAL
                ? $"cannot join fanout group {group} on '{iface}' with mode {options.FanoutMode}: the group exists with another mode"
                : $"cannot join fanout group {group} on '{iface}': {Native.Describe(errno)}";
            return false;
        }
        error = "";
        return true;
    }

    /// <inheritdoc/>
    public int Receive<TRecv>(int max, ref TRecv receiver, Instant now) where TRecv : IRecv<RawPacket>, allows ref struct
    {
        if (_handle.IsClosed) return 0;
        return _rings is not null ? _rings.Receive(max, ref receiver, now, ref _counters) : _port!.Receive(max, ref receiver, now, ref _counters);
    }

    /// <inheritdoc/>
    /// <remarks>With rings, stops when the next ring frame is still owned by the kernel (the ring is full).</remarks>
    public int Transmit<TSend>(int max, ref TSend sender, Instant now) where TSend : ISend<RawPacket>, allows ref struct
    {
        if (_handle.IsClosed) return 0;
        return _rings is not null ? _rings.Transmit(max, ref sender, now, ref _counters) : _port!.Transmit(max, ref sender, now, ref _counters);
    }

    /// <summary>
    /// Blocks until a frame can be received or <paramref name="timeout"/> passes (poll(2); a negative timeout
    /// waits forever). False on timeout, on a signal, or after <see cref="Dispose"/>.
    /// </summary>
    public bool WaitReadable(Duration timeout)
    {
        if (_handle.IsClosed) return false;
        return _rings is not null ? _rings.WaitReadable(timeout) : _port!.WaitReadable(timeout);
    }

    /// <summary>
    /// Reads (and resets) the kernel's count of frames it dropped for this socket because the socket buffer
    /// or ring was full, adds it to <see cref="DeviceCounters.RxKernelDropped"/> and returns it.
    /// </summary>
    public unsafe long ReadKernelDrops()
    {
        if (_handle.IsClosed) return 0;
        TpacketStats stats;
        int length = sizeof(TpacketStats);
        if (Native.GetSockOpt(_handle.Fd, Native.SOL_PACKET, Native.PACKET_STATISTICS, &stats, &length) != 0) return 0;
        _counters.rxKernelDropped += stats.Drops;
        return stats.Drops;
    }

    /// <summary>Unmaps the rings and closes the socket; afterwards every call does nothing.</summary>
    public void Dispose()
    {
        _rings?.Dispose();
        _handle.Dispose();
    }
}
