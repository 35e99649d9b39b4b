using System;

namespace Ethox.Bench;

/// <summary>The CPU time (user + system) of the calling thread alone: clock_gettime(CLOCK_THREAD_CPUTIME_ID), to the nanosecond.</summary>
internal static partial class ThreadClock
{
    /// <summary>The calling thread's CPU time in nanoseconds (0 when the clock cannot be read).</summary>
    public static long Nanoseconds()
    {
        const int ClockThreadCpuTimeId = 3;
        return ClockGetTime(ClockThreadCpuTimeId, out var ts) == 0 ? ts.Seconds * 1_000_000_000 + ts.Nanoseconds : 0;
    }

    /// <summary>The calling thread's CPU time.</summary>
    public static TimeSpan CpuTime() => TimeSpan.FromTicks(Nanoseconds() / 100);

    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec time);
}
