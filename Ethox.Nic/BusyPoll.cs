using System.Threading;
using Ethox.Layer;

namespace Ethox.Nic;

/// <summary>
/// The busy-poll rule of a poll loop: for a while after the last time something moved, look at the device again at once
/// instead of sleeping on it, so that the next frame or request is taken without a wake-up (a system call on the side
/// that wakes, a thread switch on the side woken: some microseconds of CPU each, and the latency of a halted CPU's
/// wake-up). Between two looks the CPU goes to any other thread ready on it (sched_yield(2)), so a thread on the same
/// CPU whose work is what we wait for — the peer's answer, the application's response — runs at once instead of at the
/// end of our time slice. The cost: while traffic flows the loop never sleeps; once it stops, <see cref="Window"/> more
/// of spinning, then sleeps as without it. The kernel's own version of the idea is <c>SO_BUSY_POLL</c>.
/// </summary>
public struct BusyPoll
{
    private readonly Duration _window;
    private Instant _lastMoved;

    /// <summary>Spins for up to <paramref name="window"/> after the last activity (zero or less: never spins), counting from <paramref name="now"/>.</summary>
    public BusyPoll(Duration window, Instant now)
    {
        _window = window;
        _lastMoved = now;
    }

    /// <summary>How long the loop spins after the last activity.</summary>
    public readonly Duration Window => _window;

    /// <summary>Something moved at <paramref name="now"/> (a frame, a request): the window starts again.</summary>
    public void Moved(Instant now) => _lastMoved = now;

    /// <summary>
    /// True when the loop should look again instead of sleeping: the window since the last activity is still open. It has
    /// then yielded the CPU once.
    /// </summary>
    public readonly bool TrySpin(Instant now)
    {
        if (now - _lastMoved >= _window) return false;
        Thread.Yield();
        return true;
    }
}
