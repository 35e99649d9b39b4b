using System;

namespace Ethox.Tests.Tools;

/// <summary>
/// Measures what a loop allocates on the calling thread. The runtime allocates once in a while on its own
/// account (a lazily built table, a class constructor, a thread-static block on first touch), and a single
/// such allocation must not fail a test about the code under test; an allocation per iteration shows in
/// every run, so the least of a few runs is zero only when the loop itself allocates nothing.
/// </summary>
public static class Allocations
{
    /// <summary>Runs <paramref name="loop"/> <paramref name="runs"/> times and returns the fewest bytes one run allocated.</summary>
    public static long Least(Action loop, int runs = 3)
    {
        long least = long.MaxValue;
        for (int i = 0; i < runs && least > 0; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            loop();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
