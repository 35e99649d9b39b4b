using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Ethox.Nic.Hosting;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>The bounded many-producer, one-consumer queue of requests to the host's thread.</summary>
public class CommandQueueTests
{
    private static CountersOperation[] Operations(int n) => Enumerable.Range(0, n).Select(_ => new CountersOperation()).ToArray();

    [Test]
    public void A_full_queue_refuses_and_takes_again_once_the_consumer_took_one()
    {
        var queue = new CommandQueue(4);
        var ops = Operations(5);
        for (int i = 0; i < 4; i++) Assert.That(queue.TryEnqueue(ops[i]), Is.True);
        Assert.That(queue.TryEnqueue(ops[4]), Is.False, "bounded: a full queue is a false return, never a resize");
        Assert.That(queue.TryDequeue(out var first) && first == ops[0], Is.True);
        Assert.That(queue.TryEnqueue(ops[4]), Is.True);
        for (int i = 1; i < 5; i++) Assert.That(queue.TryDequeue(out var next) && next == ops[i], Is.True, $"in order: {i}");
        Assert.That(queue.TryDequeue(out _), Is.False);
        Assert.That(queue.HasWork, Is.False);
    }

    [Test]
    public void The_capacity_is_rounded_up_to_a_power_of_two() => Assert.That(new CommandQueue(1000).Capacity, Is.EqualTo(1024));

    [Test]
    public void Every_item_of_four_producers_arrives_once_and_each_producers_items_in_their_order()
    {
        const int Producers = 4, PerProducer = 50_000;
        var queue = new CommandQueue(64);
        var ops = Enumerable.Range(0, Producers).Select(_ => Operations(PerProducer)).ToArray();
        var index = new Dictionary<HostOperation, (int Producer, int Sequence)>(ReferenceEqualityComparer.Instance);
        for (int p = 0; p < Producers; p++)
            for (int i = 0; i < PerProducer; i++) index[ops[p][i]] = (p, i);
        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(() =>
        {
            foreach (var op in ops[p])
                while (!queue.TryEnqueue(op)) Thread.Yield();
        })).ToArray();
        var next = new int[Producers];
        int taken = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (taken < Producers * PerProducer)
        {
            if (!queue.TryDequeue(out var op))
            {
                Assert.That(clock.Elapsed, Is.LessThan(HostPair.Patience), "items were lost");
                continue;
            }
            var (producer, sequence) = index[op];
            Assert.That(sequence, Is.EqualTo(next[producer]), "a producer's items in order, none twice");
            next[producer]++;
            taken++;
        }
        Task.WaitAll(producers);
        Assert.That(queue.TryDequeue(out _), Is.False);
    }
}
