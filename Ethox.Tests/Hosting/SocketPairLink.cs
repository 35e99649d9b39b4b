using System;
using System.Runtime.InteropServices;
using Ethox.Layer;
using Ethox.Nic.Hosting;

namespace Ethox.Tests.Hosting;

/// <summary>
/// A wire between two hosts on two threads of this process: an AF_UNIX datagram socket pair, one frame per datagram.
/// Each end is an <see cref="IPollableDevice"/>, so a host sleeps on it like on a NIC. A frame the kernel has no room
/// for (EAGAIN) is dropped, as on a congested link; TCP repairs it. Nothing here allocates per frame.
/// </summary>
internal sealed unsafe partial class SocketPairEnd : IPollableDevice, IDisposable
{
    private const int AF_UNIX = 1, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    private const int SOL_SOCKET = 1, SO_SNDBUF = 7, SO_RCVBUF = 8;

    private readonly int _fd;
    private readonly byte[] _rx, _tx;
    private PacketVerdict _verdict;
    private int _closed;

    private SocketPairEnd(int fd, int mtu)
    {
        _fd = fd;
        Capabilities = new DeviceCapabilities(Medium.Ethernet, mtu);
        _rx = new byte[Capabilities.MaxFrameLength];
        _tx = new byte[Capabilities.MaxFrameLength];
        int size = 4 << 20;
        SetSockOpt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(int));
        SetSockOpt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(int));
    }

    /// <summary>Two joined ends.</summary>
    public static (SocketPairEnd A, SocketPairEnd B) Create(int mtu = 1500)
    {
        int* fds = stackalloc int[2];
        if (SocketPair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
            throw new InvalidOperationException("socketpair: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
        return (new SocketPairEnd(fds[0], mtu), new SocketPairEnd(fds[1], mtu));
    }

    public DeviceCapabilities Capabilities { get; }
    public int PollDescriptor => _fd;
    /// <summary>Frames dropped because the other end's queue was full.</summary>
    public long Dropped;

    public int Receive<TRecv>(int max, ref TRecv receiver, Instant now) where TRecv : IRecv<RawPacket>, allows ref struct
    {
        int n = 0;
        fixed (byte* p = _rx)
        {
            while (n < max)
            {
                nint r = Read(_fd, p, (nuint)_rx.Length);
                if (r <= 0) break;
                _verdict = PacketVerdict.None;
                receiver.Receive(new RawPacket(_rx, (int)r, now, ref _verdict));
                n++;
                if (_verdict.SendLength >= 0) WriteFrame(p, _verdict.SendLength);
            }
        }
        return n;
    }

    public int Transmit<TSend>(int max, ref TSend sender, Instant now) where TSend : ISend<RawPacket>, allows ref struct
    {
        int n = 0;
        fixed (byte* p = _tx)
        {
            while (n < max)
            {
                _verdict = PacketVerdict.None;
                sender.Send(new RawPacket(_tx, 0, now, ref _verdict));
                if (_verdict.SendLength < 0) break;
                WriteFrame(p, _verdict.SendLength);
                n++;
            }
        }
        return n;
    }

    private void WriteFrame(byte* frame, int length)
    {
        if (Write(_fd, frame, (nuint)length) < 0) Dropped++;
    }

    public void Dispose()
    {
        if (System.Threading.Interlocked.Exchange(ref _closed, 1) == 0) Close(_fd);
    }

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    private static partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
