using System;
using Ethox.Nic.Hosting;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>The pool of the connection pipes' memory: blocks come back and go out again, allocating nothing once warm.</summary>
public class PipeBlockPoolTests
{
    [Test]
    public void A_returned_block_is_rented_again_and_renting_allocates_nothing_once_warm()
    {
        var pool = new PipeBlockPool(4096, keep: 2);
        var first = pool.Rent(100);
        Assert.That(first.Memory.Length, Is.EqualTo(4096));
        first.Memory.Span[4095] = 7;
        first.Dispose();
        long before = GC.GetAllocatedBytesForCurrentThread();
        int reused = 0;
        for (int i = 0; i < 1000; i++)
        {
            using var block = pool.Rent();
            if (block.Memory.Span[4095] == 7) reused++;
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(reused, Is.EqualTo(1000), "the same block every time");
    }

    [Test]
    public void Blocks_beyond_the_bound_are_left_to_the_collector_and_larger_sizes_come_from_the_shared_pool()
    {
        var pool = new PipeBlockPool(4096, keep: 1);
        var a = pool.Rent();
        var b = pool.Rent();
        Assert.That(b, Is.Not.SameAs(a));
        a.Dispose();
        b.Dispose(); // beyond the bound of one
        using var again = pool.Rent();
        using var fresh = pool.Rent();
        Assert.That(again, Is.SameAs(a));
        Assert.That(fresh, Is.Not.SameAs(a).And.Not.SameAs(b), "b was not kept: a new block");
        using var large = pool.Rent(10_000);
        Assert.That(large.Memory.Length, Is.GreaterThanOrEqualTo(10_000));
        Assert.That(pool.MaxBufferSize, Is.EqualTo(4096));
    }
}
