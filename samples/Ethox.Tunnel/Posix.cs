using System.Runtime.InteropServices;

namespace Ethox.Tunnel;

/// <summary>struct pollfd (poll.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}

/// <summary>poll(2): one wait over the TUN and every relay's socket, so a single thread serves them all.</summary>
internal static unsafe partial class Posix
{
    public const short PollIn = 0x001, PollOut = 0x004, PollErr = 0x008, PollHup = 0x010;

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int PollNative(PollFd* fds, nuint count, int timeoutMilliseconds);

    /// <summary>Waits on the first <paramref name="count"/> entries; false on timeout or interruption (EINTR).</summary>
    public static bool Poll(PollFd[] fds, int count, int timeoutMilliseconds)
    {
        fixed (PollFd* p = fds) return PollNative(p, (nuint)count, timeoutMilliseconds) > 0;
    }
}
