using System;
using System.Runtime.InteropServices;
using Ethox.Layer;

namespace Ethox.Nic.Hosting;

/// <summary>
/// An eventfd(2) that other threads write to wake the host's thread out of poll(2), and the poll itself: on the
/// device's descriptor (when it has one) and the eventfd together, until the stack's next deadline.
/// </summary>
internal sealed unsafe partial class WakeSignal : IDisposable
{
    private const int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;

    private readonly FileDescriptorHandle _handle;

    private WakeSignal(FileDescriptorHandle handle) => _handle = handle;

    /// <summary>A non-blocking eventfd, or null with the reason when the kernel refuses one.</summary>
    public static WakeSignal? TryCreate(out string error)
    {
        int fd = EventFd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0)
        {
            error = "eventfd: " + Native.Describe(Native.Errno);
            return null;
        }
        error = "";
        return new WakeSignal(new FileDescriptorHandle(fd));
    }

    /// <summary>Makes the next (or the current) <see cref="Wait"/> return. Safe from any thread; a few signals in a row are one wake-up.</summary>
    public void Signal()
    {
        // A late canceller or stopper may signal after the host closed the eventfd: the reference count keeps the
        // descriptor number from being written once it is closed (and perhaps reused by another open).
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            ulong one = 1;
            // EAGAIN only when the counter is near 2^64: a wake-up is pending anyway.
            Native.Write(_handle.Fd, (byte*)&one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // Closed: the host has ended, there is nobody to wake.
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    /// <summary>
    /// Sleeps until <paramref name="device"/> (a descriptor, or -1 for none) is readable, a <see cref="Signal"/> comes, or
    /// <paramref name="timeout"/> passes (negative: no limit). A signal is consumed on the way out.
    /// </summary>
    public void Wait(int device, Duration timeout)
    {
        // Only the host's thread waits, and the eventfd is closed only after that thread has ended.
        var fds = stackalloc PollFd[2];
        fds[0] = new PollFd { Fd = _handle.Fd, Events = Native.POLLIN };
        fds[1] = new PollFd { Fd = device, Events = Native.POLLIN };
        int ready = Native.Poll(fds, device >= 0 ? 2u : 1u, Native.PollMilliseconds(timeout));
        if (ready > 0 && fds[0].Revents != 0)
        {
            ulong count;
            Native.Read(_handle.Fd, (byte*)&count, sizeof(ulong));
        }
    }

    /// <summary>Closes the eventfd.</summary>
    public void Dispose() => _handle.Dispose();

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFd(uint initialValue, int flags);
}
