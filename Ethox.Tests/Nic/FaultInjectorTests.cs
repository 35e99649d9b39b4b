using System;
using System.Linq;
using Ethox.Layer;
using Ethox.Nic;
using NUnit.Framework;

namespace Ethox.Tests.Nic;

public class FaultInjectorTests
{
    private const int N = 10_000;

    private static (PipeEnd A, FaultInjector<PipeEnd> B) Link(FaultSettings receive, FaultSettings transmit, ulong seed, int queue = 64)
    {
        var (a, b) = Pipe.CreatePair(64);
        return (a, new FaultInjector<PipeEnd>(b, receive, transmit, seed, queue));
    }

    // A sends `count` numbered frames to B in batches of 16, one batch per `step`; B collects; then time runs on until all is out.
    private static Collector Run(PipeEnd a, FaultInjector<PipeEnd> b, int count, int length, Duration step)
    {
        var got = Collector.Create();
        var now = Instant.Zero;
        int sent = 0;
        while (sent < count)
        {
            var sender = new NumberedSender(Math.Min(16, count - sent), length, sent);
            a.Transmit(16, ref sender, now);
            sent = sender.Next;
            b.Receive(int.MaxValue, ref got, now);
            now += step;
        }
        for (int i = 0; i < 50; i++)
        {
            now += Duration.FromSeconds(1);
            b.Receive(int.MaxValue, ref got, now);
        }
        Assert.That(a.Counters.Drops, Is.Zero, "the pipe itself lost nothing");
        return got;
    }

    private static readonly FaultSettings Everything = new()
    {
        DropProbability = 0.1, DuplicateProbability = 0.1, ReorderProbability = 0.1, CorruptProbability = 0.1,
        Delay = Duration.FromMilliseconds(1), RateBytesPerSecond = 10_000_000, BurstBytes = 20_000,
    };

    [Test]
    public void The_same_seed_gives_the_same_outcome_and_another_seed_another()
    {
        Collector Outcome(ulong seed, out FaultCounters counters)
        {
            var (a, b) = Link(Everything, FaultSettings.None, seed);
            var got = Run(a, b, 2000, 200, Duration.FromMilliseconds(1));
            counters = b.ReceiveCounters;
            return got;
        }
        var first = Outcome(42, out var c1);
        var again = Outcome(42, out var c2);
        var other = Outcome(43, out _);
        Assert.That(again.Numbers, Is.EqualTo(first.Numbers));
        Assert.That(again.Frames, Is.EqualTo(first.Frames));
        Assert.That(c2, Is.EqualTo(c1));
        Assert.That(c1.Dropped, Is.GreaterThan(0));
        Assert.That(c1.Duplicated, Is.GreaterThan(0));
        Assert.That(c1.Reordered, Is.GreaterThan(0));
        Assert.That(c1.Corrupted, Is.GreaterThan(0));
        Assert.That(other.Frames, Is.Not.EqualTo(first.Frames));
    }

    // Binomial(10000, 0.1): mean 1000, standard deviation 30; the bounds are five deviations.
    [Test]
    public void Drop_loses_about_the_given_share_and_keeps_the_order()
    {
        var (a, b) = Link(new FaultSettings { DropProbability = 0.1 }, FaultSettings.None, 1);
        var got = Run(a, b, N, 64, new Duration(1));
        var c = b.ReceiveCounters;
        Assert.That(c.Dropped, Is.InRange(850, 1150));
        Assert.That(c.Offered, Is.EqualTo(N));
        Assert.That(got.Numbers, Has.Count.EqualTo(N - c.Dropped));
        Assert.That(got.Numbers, Is.Ordered.Ascending);
        Assert.That(c.Delivered, Is.EqualTo(got.Numbers.Count));
    }

    [Test]
    public void Duplicate_delivers_an_identical_copy_right_behind()
    {
        var (a, b) = Link(new FaultSettings { DuplicateProbability = 0.1 }, FaultSettings.None, 2);
        var got = Run(a, b, N, 64, new Duration(1));
        var c = b.ReceiveCounters;
        Assert.That(c.Duplicated, Is.InRange(850, 1150));
        Assert.That(got.Numbers, Has.Count.EqualTo(N + c.Duplicated));
        int adjacentCopies = Enumerable.Range(1, got.Frames.Count - 1).Count(i => got.Frames[i].SequenceEqual(got.Frames[i - 1]));
        Assert.That(adjacentCopies, Is.EqualTo(c.Duplicated));
        Assert.That(got.Numbers.Distinct().Count(), Is.EqualTo(N));
    }

    [Test]
    public void Reorder_delivers_a_held_frame_after_the_next_one()
    {
        // A held frame waits for the next one (the timeout is far longer than the gap between frames).
        var settings = new FaultSettings { ReorderProbability = 0.1, ReorderTimeout = Duration.FromSeconds(1) };
        var (a, b) = Link(settings, FaultSettings.None, 3);
        var got = Run(a, b, N, 64, new Duration(1));
        var c = b.ReceiveCounters;
        // A frame is held only when none is: the share held is p / (1 + p) = 909 of 10000 (deviation about 29).
        Assert.That(c.Reordered, Is.InRange(760, 1060));
        Assert.That(got.Numbers.OrderBy(n => n), Is.EqualTo(Enumerable.Range(0, N)), "every frame arrives exactly once");
        int swaps = Enumerable.Range(1, got.Numbers.Count - 1).Count(i => got.Numbers[i] < got.Numbers[i - 1]);
        Assert.That(swaps, Is.InRange(c.Reordered - 1, c.Reordered), "each held frame is overtaken by exactly one (the last may time out)");
        Assert.That(Enumerable.Range(1, got.Numbers.Count - 1).All(i => got.Numbers[i] >= got.Numbers[i - 1] - 1), Is.True, "held by one frame only");
    }

    [Test]
    public void A_held_frame_is_released_at_the_timeout_without_a_next_frame()
    {
        var settings = new FaultSettings { ReorderProbability = 1, ReorderTimeout = Duration.FromMilliseconds(10) };
        var (a, b) = Link(settings, FaultSettings.None, 4);
        var sender = new NumberedSender(1, 64);
        a.Transmit(1, ref sender, Instant.Zero);
        var got = Collector.Create();
        Assert.That(b.Receive(10, ref got, Instant.Zero), Is.Zero);
        Assert.That(b.NextDue, Is.EqualTo(Instant.FromMilliseconds(10)));
        Assert.That(b.Receive(10, ref got, Instant.FromMilliseconds(9)), Is.Zero);
        Assert.That(b.Receive(10, ref got, Instant.FromMilliseconds(10)), Is.EqualTo(1));
        Assert.That(b.NextDue, Is.EqualTo(Instant.Never));
    }

    [Test]
    public void Corrupt_flips_exactly_one_bit_of_about_the_given_share()
    {
        var (a, b) = Link(new FaultSettings { CorruptProbability = 0.1 }, FaultSettings.None, 5);
        var got = Run(a, b, N, 64, new Duration(1));
        var c = b.ReceiveCounters;
        Assert.That(c.Corrupted, Is.InRange(850, 1150));
        Assert.That(got.Frames, Has.Count.EqualTo(N));
        var expected = new byte[64];
        int oneBit = 0, intact = 0;
        for (int i = 0; i < N; i++)
        {
            NumberedSender.Fill(expected, i);
            int bits = 0;
            for (int j = 0; j < 64; j++) bits += System.Numerics.BitOperations.PopCount((uint)(expected[j] ^ got.Frames[i][j]));
            if (bits == 1) oneBit++;
            else if (bits == 0) intact++;
        }
        Assert.That(oneBit, Is.EqualTo(c.Corrupted));
        Assert.That(intact, Is.EqualTo(N - c.Corrupted));
    }

    [Test]
    public void Delay_holds_frames_until_now_plus_the_delay()
    {
        var (a, b) = Link(new FaultSettings { Delay = Duration.FromMilliseconds(5) }, FaultSettings.None, 6);
        var sender = new NumberedSender(3, 64);
        a.Transmit(3, ref sender, Instant.Zero);
        var got = Collector.Create();
        Assert.That(b.Receive(10, ref got, Instant.Zero), Is.Zero);
        Assert.That(b.NextDue, Is.EqualTo(Instant.FromMilliseconds(5)));
        Assert.That(b.Receive(10, ref got, Instant.FromMilliseconds(5) - new Duration(1)), Is.Zero);
        Assert.That(b.Receive(10, ref got, Instant.FromMilliseconds(5)), Is.EqualTo(3));
        Assert.That(got.Numbers, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(b.ReceiveCounters.Delayed, Is.EqualTo(3));
    }

    [Test]
    public void Rate_limit_passes_the_burst_then_the_rate()
    {
        // 1000-byte frames offered at 1 MB/s for one second against 100 kB/s with a 10 kB burst:
        // 10 frames of burst, then one per 10 ms.
        var settings = new FaultSettings { RateBytesPerSecond = 100_000, BurstBytes = 10_000 };
        var (a, b) = Link(settings, FaultSettings.None, 7);
        var got = Collector.Create();
        for (int i = 0; i < 1000; i++)
        {
            var sender = new NumberedSender(1, 1000, i);
            a.Transmit(1, ref sender, Instant.FromMilliseconds(i));
            b.Receive(10, ref got, Instant.FromMilliseconds(i));
        }
        var c = b.ReceiveCounters;
        Assert.That(got.Numbers.Count, Is.InRange(105, 112));
        Assert.That(c.RateLimited, Is.EqualTo(1000 - got.Numbers.Count));
        Assert.That(got.Numbers.Take(10), Is.EqualTo(Enumerable.Range(0, 10)), "the burst passes whole");
    }

    [Test]
    public void Transmit_faults_apply_to_sent_frames_and_delay_them()
    {
        var (a, b) = Link(FaultSettings.None, new FaultSettings { Delay = Duration.FromMilliseconds(1), DropProbability = 0.5 }, 8);
        var sender = new NumberedSender(1000, 64);
        var now = Instant.Zero;
        while (sender.Remaining > 0)
        {
            b.Transmit(16, ref sender, now);
            Assert.That(a.Pending, Is.Zero, "nothing is due before the delay");
            var idle = new NumberedSender(0, 0);
            b.Transmit(0, ref idle, now + Duration.FromMilliseconds(1));
            var counter = new Counter();
            a.Receive(int.MaxValue, ref counter, now);
            now += Duration.FromMilliseconds(1);
        }
        var c = b.TransmitCounters;
        Assert.That(c.Offered, Is.EqualTo(1000));
        Assert.That(c.Dropped, Is.InRange(420, 580));
        Assert.That(a.Counters.RxFrames, Is.EqualTo(1000 - c.Dropped));
    }

    [Test]
    public void Answers_in_place_go_through_the_transmit_faults()
    {
        var (a, b) = Link(FaultSettings.None, new FaultSettings { DropProbability = 1 }, 9);
        var sender = new NumberedSender(5, 64);
        a.Transmit(5, ref sender, Instant.Zero);
        var answerer = new Answerer();
        Assert.That(b.Receive(10, ref answerer, Instant.Zero), Is.EqualTo(5));
        Assert.That(b.TransmitCounters.Dropped, Is.EqualTo(5));
        Assert.That(a.Pending, Is.Zero);

        b.TransmitSettings = FaultSettings.None;
        sender = new NumberedSender(5, 64);
        a.Transmit(5, ref sender, Instant.Zero);
        b.Receive(10, ref answerer, Instant.Zero);
        Assert.That(a.Pending, Is.EqualTo(5));
    }

    [Test]
    public void A_full_transmit_queue_lends_no_more_buffers_and_loses_nothing()
    {
        var (a, b) = Link(FaultSettings.None, new FaultSettings { Delay = Duration.FromSeconds(1) }, 10, queue: 8);
        var sender = new NumberedSender(100, 64);
        int accepted = b.Transmit(100, ref sender, Instant.Zero);
        Assert.That(accepted, Is.InRange(1, 8));
        b.Transmit(0, ref sender, Instant.FromMilliseconds(1000));
        var got = Collector.Create();
        a.Receive(100, ref got, Instant.FromMilliseconds(1000));
        Assert.That(got.Numbers, Is.EqualTo(Enumerable.Range(0, accepted)));
        Assert.That(b.TransmitCounters.QueueFull, Is.Zero);
    }

    [Test]
    public void Invalid_settings_are_refused_at_construction()
    {
        var (_, b) = Pipe.CreatePair(4);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultInjector<PipeEnd>(b, new FaultSettings { DropProbability = 1.5 }, default, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultInjector<PipeEnd>(b, default, new FaultSettings { CorruptProbability = double.NaN }, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultInjector<PipeEnd>(b, new FaultSettings { Delay = new Duration(-1) }, default, 1));
    }

    [Test]
    public void Steady_state_with_every_fault_allocates_nothing()
    {
        var (a, b) = Link(Everything, Everything, 11);
        var now = Instant.Zero;
        long answered = 0, received = 0;
        long bytes = Allocation.Measure(() =>
        {
            for (int round = 0; round < 1000; round++)
            {
                var sender = new NumberedSender(16, 600);
                a.Transmit(16, ref sender, now);
                var answerer = new Answerer();
                b.Receive(64, ref answerer, now);
                var more = new NumberedSender(4, 300);
                b.Transmit(4, ref more, now);
                var counter = new Counter();
                a.Receive(64, ref counter, now);
                answered += answerer.Answered;
                received += counter.Frames;
                now += Duration.FromMilliseconds(1);
            }
        });
        Assert.That(bytes, Is.Zero);
        Assert.That(answered, Is.EqualTo(b.ReceiveCounters.Delivered), "every frame delivered to B was answered");
        Assert.That(received, Is.EqualTo(a.Counters.RxFrames));
        Assert.That(b.ReceiveCounters.Delivered, Is.GreaterThan(20_000));
        Assert.That(b.TransmitCounters.Delivered, Is.GreaterThan(20_000));
    }
}
