using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Nic;

/// <summary>How a PACKET_FANOUT group spreads received frames over its sockets (linux/if_packet.h PACKET_FANOUT_*).</summary>
public enum FanoutMode : byte
{
    /// <summary>By flow hash: every frame of a flow reaches the same socket (one stack per core).</summary>
    Hash = 0,
    /// <summary>Round robin.</summary>
    LoadBalance = 1,
    /// <summary>By the CPU that received the frame.</summary>
    Cpu = 2,
    /// <summary>Fill one socket, then spill to the next.</summary>
    Rollover = 3,
    /// <summary>At random.</summary>
    Random = 4,
    /// <summary>By the NIC's receive queue.</summary>
    QueueMapping = 5,
}

/// <summary>Options of <see cref="AfPacketDevice.TryOpen"/>. The defaults give a plain socket with one read(2) per frame.</summary>
public sealed class AfPacketOptions
{
    /// <summary>Use PACKET_MMAP TPACKET_V2 receive and transmit rings instead of one system call per frame.</summary>
    public bool UseMmapRings { get; init; }

    /// <summary>Frames in each ring (rounded up to fill whole pages) when <see cref="UseMmapRings"/> is set.</summary>
    public int RingFrames { get; init; } = 256;

    /// <summary>
    /// The socket's receive buffer in bytes without rings (SO_RCVBUFFORCE, which a process with CAP_NET_ADMIN may set beyond
    /// net.core.rmem_max, else SO_RCVBUF up to it); 0 keeps the kernel's default (net.core.rmem_default, about 208 KiB). Frames
    /// that arrive while it is full are dropped (<see cref="AfPacketDevice.ReadKernelDrops"/>): a TCP receive window much
    /// larger than it lets a sender on this host overflow it between two reads. The kernel counts each frame's whole
    /// buffer against it (about twice an MTU-sized frame). With <see cref="UseMmapRings"/> the ring holds the frames instead.
    /// </summary>
    public int ReceiveBufferBytes { get; init; }

    /// <summary>The MTU to assume; 0 takes the interface's. The maximum frame length (and ring frame size) follows from it.</summary>
    public int Mtu { get; init; }

    /// <summary>Put the interface in promiscuous mode while the socket is open (frames to any MAC address).</summary>
    public bool Promiscuous { get; init; }

    /// <summary>
    /// The offloads to use through the virtio-net header (PACKET_VNET_HDR), all of them by default: received checksums the
    /// local kernel left partial or verified are trusted instead of failing, TCP super-segments of up to 64 KiB are received
    /// whole (<see cref="DeviceOffloads.ReceiveSegmented"/>: the receive buffers grow to 64 KiB), transmitted checksums are
    /// finished by the kernel (<see cref="DeviceOffloads.TransmitChecksumPartial"/>) and large TCP segments cut by it
    /// (<see cref="DeviceOffloads.TransmitSegmentation"/>). <see cref="DeviceOffloads.None"/> turns the header off: frames
    /// then carry no such word, so the senders on this host must finish their checksums and segments themselves
    /// (<c>ethtool -K IFACE tx off tso off gso off</c>).
    /// </summary>
    public DeviceOffloads Offloads { get; init; } = DeviceOffloads.All;

    /// <summary>
    /// Receive only the frames addressed to this Ethernet address and the group frames (broadcast, multicast): a classic BPF
    /// filter on the socket drops the others in the kernel, uncounted. For a stack with an address of its own on an interface
    /// that the kernel (or another station) also uses: without it the socket gets every frame of their traffic too, and the
    /// stack wakes for each only to drop it. Null (the default) receives everything.
    /// </summary>
    public EthernetAddress? DestinationFilter { get; init; }

    /// <summary>Send straight to the driver, skipping the kernel's queueing discipline (PACKET_QDISC_BYPASS).</summary>
    public bool BypassQdisc { get; init; }

    /// <summary>Join this PACKET_FANOUT group (per interface); the sockets in it share the received frames.</summary>
    public ushort? FanoutGroup { get; init; }

    /// <summary>How the fanout group shares frames.</summary>
    public FanoutMode FanoutMode { get; init; }

    /// <summary>
    /// Create a new fanout group whose id the kernel picks, unused in the network namespace (PACKET_FANOUT_FLAG_UNIQUEID),
    /// instead of naming one with <see cref="FanoutGroup"/> (give one or the other). <see cref="AfPacketDevice.FanoutGroup"/>
    /// then tells the id for the other sockets of the group, which join it with <see cref="FanoutGroup"/>.
    /// </summary>
    public bool FanoutUniqueGroup { get; init; }

    /// <summary>
    /// Skip PACKET_IGNORE_OUTGOING and filter our own transmissions by their sockaddr_ll packet type instead,
    /// as on kernels older than 4.20. For tests of that path.
    /// </summary>
    internal bool ForceOutgoingFilter { get; init; }
}
