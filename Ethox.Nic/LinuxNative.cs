using System;
using System.Runtime.InteropServices;

namespace Ethox.Nic;

/// <summary>
/// The Linux system calls the kernel-backed devices use, bound by source-generated
/// <see cref="LibraryImportAttribute"/> stubs (no runtime marshalling code, NativeAOT- and trim-safe).
/// Constants are the x86-64/arm64 values from the kernel's uapi headers.
/// </summary>
internal static unsafe partial class Native
{
    private const string Libc = "libc";

    // Address and protocol families, socket types (linux/socket.h, linux/net.h).
    public const int AF_INET = 2, AF_PACKET = 17;
    public const int SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    public const int O_RDWR = 2, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    public const ushort ETH_P_ALL = 0x0003;
    public const ushort ARPHRD_ETHER = 1, ARPHRD_LOOPBACK = 772;
    public const int MSG_DONTWAIT = 0x40;

    // Socket-level options (asm-generic/socket.h).
    public const int SOL_SOCKET = 1, SO_RCVBUF = 8, SO_RCVBUFFORCE = 33;

    // Packet socket options (linux/if_packet.h).
    public const int SOL_PACKET = 263;
    public const int PACKET_ADD_MEMBERSHIP = 1, PACKET_RX_RING = 5, PACKET_STATISTICS = 6, PACKET_VERSION = 10;
    public const int PACKET_TX_RING = 13, PACKET_LOSS = 14, PACKET_VNET_HDR = 15, PACKET_FANOUT = 18, PACKET_QDISC_BYPASS = 20, PACKET_IGNORE_OUTGOING = 23;
    public const int PACKET_MR_PROMISC = 1;
    /// <summary>PACKET_FANOUT flag (or-ed with the mode, both shifted 16 bits up): the kernel picks an unused group id; getsockopt(PACKET_FANOUT) reads it back.</summary>
    public const int PACKET_FANOUT_FLAG_UNIQUEID = 0x2000;
    public const byte PACKET_OUTGOING = 4;
    public const int TPACKET_V2 = 1;
    public const uint TP_STATUS_KERNEL = 0, TP_STATUS_USER = 1;
    public const uint TP_STATUS_AVAILABLE = 0, TP_STATUS_SEND_REQUEST = 1;
    /// <summary>TPACKET_ALIGN(sizeof(struct tpacket2_hdr)): where the sockaddr_ll of a ring frame starts, and the data of a TX frame.</summary>
    public const int TPACKET2_HDR_ALIGNED = 32;

    // ioctl requests (linux/sockios.h, linux/if_tun.h).
    public const nuint SIOCGIFMTU = 0x8921, SIOCGIFHWADDR = 0x8927;
    public const nuint TUNSETIFF = 0x400454CA; // _IOW('T', 202, int)
    public const nuint TUNSETOFFLOAD = 0x400454D0; // _IOW('T', 208, unsigned int)
    public const nuint TUNSETVNETHDRSZ = 0x400454D8; // _IOW('T', 216, int)
    public const short IFF_TUN = 0x0001, IFF_TAP = 0x0002, IFF_NO_PI = 0x1000, IFF_VNET_HDR = 0x4000, IFF_MULTI_QUEUE = 0x0100;
    /// <summary>TUNSETOFFLOAD flags: what the kernel may hand us (partial checksums, TCP super-segments, UDP super-datagrams since Linux 6.2).</summary>
    public const uint TUN_F_CSUM = 0x01, TUN_F_TSO4 = 0x02, TUN_F_TSO6 = 0x04, TUN_F_USO4 = 0x20, TUN_F_USO6 = 0x40;
    /// <summary>IFNAMSIZ: interface names are at most 15 bytes plus the terminating zero.</summary>
    public const int IFNAMSIZ = 16;

    public const short POLLIN = 1;
    public const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_POPULATE = 0x8000;

    // errno values (asm-generic/errno-base.h, errno.h).
    public const int EPERM = 1, ENOENT = 2, EINTR = 4, ENXIO = 6, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EBUSY = 16;
    public const int ENODEV = 19, EINVAL = 22, ENOBUFS = 105;

    [LibraryImport(Libc, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, SockaddrLl* address, int addressLength);

    [LibraryImport(Libc, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    [LibraryImport(Libc, EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, void* value, int* length);

    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Libc, EntryPoint = "if_nametoindex", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint IfNameToIndex(string name);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "recvfrom", SetLastError = true)]
    public static partial nint RecvFrom(int fd, byte* buffer, nuint length, int flags, SockaddrLl* address, int* addressLength);

    [LibraryImport(Libc, EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(Libc, EntryPoint = "mmap", SetLastError = true)]
    public static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport(Libc, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(void* address, nuint length);

    /// <summary>errno of the last call made with SetLastError.</summary>
    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>The C library's text for an errno value ("No such device").</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>An int-valued socket option.</summary>
    public static bool SetInt(int fd, int level, int name, int value) => SetSockOpt(fd, level, name, &value, sizeof(int)) == 0;

    /// <summary>Milliseconds for poll(2): negative waits forever, a fraction of a millisecond rounds up so a short wait does not spin.</summary>
    public static int PollMilliseconds(Ethox.Layer.Duration timeout)
        => timeout.Microseconds < 0 ? -1 : (int)Math.Min(int.MaxValue, (timeout.Microseconds + 999) / 1000);

    /// <summary>
    /// poll(2) on one descriptor for input; false on timeout or interruption. An error condition (POLLERR:
    /// the interface went down) also returns true, so that the next receive reads and counts the error
    /// instead of the caller waiting on a descriptor that poll keeps reporting.
    /// </summary>
    public static bool WaitReadable(int fd, Ethox.Layer.Duration timeout)
    {
        var p = new PollFd { Fd = fd, Events = POLLIN };
        return Poll(&p, 1, PollMilliseconds(timeout)) > 0;
    }
}

/// <summary>struct sockaddr_ll (linux/if_packet.h), 20 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockaddrLl
{
    public ushort Family;
    public ushort Protocol;   // network byte order
    public int IfIndex;
    public ushort HaType;
    public byte PktType;
    public byte HaLen;
    public fixed byte Addr[8];
}

/// <summary>struct ifreq (linux/if.h), 40 bytes: a name and a union, of which we use flags, mtu and hwaddr.</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal unsafe struct IfReq
{
    [FieldOffset(0)] public fixed byte Name[Native.IFNAMSIZ];
    [FieldOffset(16)] public short Flags;
    [FieldOffset(16)] public int Mtu;
    [FieldOffset(16)] public ushort HwAddrFamily;   // sockaddr.sa_family: the ARPHRD_ hardware type
    [FieldOffset(18)] public fixed byte HwAddrData[14];

    /// <summary>False when <paramref name="name"/> does not fit IFNAMSIZ (or is not plain ASCII).</summary>
    public static bool TryCreate(string name, out IfReq request)
    {
        request = default;
        if (name.Length >= Native.IFNAMSIZ) return false;
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (c <= ' ' || c > '~' || c == '/' || c == ':') return false;
            request.Name[i] = (byte)c;
        }
        return true;
    }

    /// <summary>The name as the kernel left it (TUNSETIFF fills in a chosen name).</summary>
    public readonly string GetName()
    {
        fixed (byte* p = Name) return Marshal.PtrToStringUTF8((nint)p) ?? "";
    }
}

/// <summary>struct tpacket2_hdr (linux/if_packet.h), 32 bytes: the header of a TPACKET_V2 ring frame.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Tpacket2Hdr
{
    public uint Status;
    public uint Len;
    public uint SnapLen;
    public ushort Mac;
    public ushort Net;
    public uint Sec;
    public uint Nsec;
    public ushort VlanTci;
    public ushort VlanTpid;
    public fixed byte Padding[4];
}

/// <summary>struct tpacket_req (linux/if_packet.h): ring geometry for PACKET_RX_RING / PACKET_TX_RING.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TpacketReq
{
    public uint BlockSize;
    public uint BlockCount;
    public uint FrameSize;
    public uint FrameCount;
}

/// <summary>struct tpacket_stats (linux/if_packet.h): PACKET_STATISTICS for TPACKET_V1/V2 and plain sockets.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TpacketStats
{
    public uint Packets;
    public uint Drops;
}

/// <summary>struct packet_mreq (linux/if_packet.h), for PACKET_ADD_MEMBERSHIP.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct PacketMreq
{
    public int IfIndex;
    public ushort Type;
    public ushort AddressLength;
    public fixed byte Address[8];
}

/// <summary>struct pollfd (poll.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}

/// <summary>Owns a file descriptor: closed by Dispose, or by the finalizer if the owner forgot.</summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);

    public int Fd => (int)handle;

    public override bool IsInvalid => handle == -1;

    protected override bool ReleaseHandle() => Native.Close((int)handle) == 0;
}

/// <summary>Owns a shared memory mapping (the packet rings): unmapped by Dispose or by the finalizer.</summary>
internal sealed unsafe class MappedMemory : SafeHandle
{
    private readonly nuint _length;

    public MappedMemory(void* address, nuint length) : base(0, ownsHandle: true)
    {
        _length = length;
        SetHandle((nint)address);
    }

    public byte* Pointer => (byte*)handle;

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() => Native.Munmap((void*)handle, _length) == 0;
}
