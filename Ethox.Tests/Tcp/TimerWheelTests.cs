using System;
using System.Collections.Generic;
using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

public class TimerWheelTests
{
    private static readonly Duration OneMs = Duration.FromMilliseconds(1);
    private static Instant Us(long us) => new(us);
    private static Instant Ms(long ms) => Instant.FromMilliseconds(ms);

    private static List<int> TakeAll(TimerWheel wheel, Instant now)
    {
        var taken = new List<int>();
        while (wheel.TryTakeExpired(now, out int slot)) taken.Add(slot);
        return taken;
    }

    [Test]
    public void A_slot_is_taken_at_its_exact_deadline_and_not_before()
    {
        var wheel = new TimerWheel(16, OneMs, 8, Instant.Zero);
        Assert.That(wheel.Schedule(3, Us(10_500)), Is.True);
        Assert.That(wheel.IsScheduled(3), Is.True);
        Assert.That(wheel.DeadlineOf(3), Is.EqualTo(Us(10_500)));
        Assert.That(wheel.Count, Is.EqualTo(1));
        Assert.That(TakeAll(wheel, Us(10_499)), Is.Empty, "same tick, a microsecond early");
        Assert.That(TakeAll(wheel, Us(10_500)), Is.EqualTo(new[] { 3 }));
        Assert.That(wheel.IsScheduled(3), Is.False);
        Assert.That(wheel.DeadlineOf(3), Is.EqualTo(Instant.Never));
        Assert.That(wheel.Count, Is.Zero);
        Assert.That(TakeAll(wheel, Us(20_000)), Is.Empty, "taken once");
    }

    [Test]
    public void Scheduling_again_replaces_the_earlier_deadline()
    {
        var wheel = new TimerWheel(16, OneMs, 8, Instant.Zero);
        wheel.Schedule(1, Ms(5));
        wheel.Schedule(1, Ms(50));
        Assert.That(wheel.Count, Is.EqualTo(1));
        Assert.That(TakeAll(wheel, Ms(49)), Is.Empty);
        Assert.That(TakeAll(wheel, Ms(50)), Is.EqualTo(new[] { 1 }));
        wheel.Schedule(2, Ms(100));
        wheel.Schedule(2, Ms(60));
        Assert.That(TakeAll(wheel, Ms(60)), Is.EqualTo(new[] { 2 }), "an earlier reschedule fires earlier");
    }

    [Test]
    public void Cancel_unschedules_and_reports_whether_it_did()
    {
        var wheel = new TimerWheel(16, OneMs, 8, Instant.Zero);
        wheel.Schedule(4, Ms(5));
        Assert.That(wheel.Cancel(4), Is.True);
        Assert.That(wheel.Cancel(4), Is.False);
        Assert.That(wheel.Count, Is.Zero);
        Assert.That(TakeAll(wheel, Ms(10)), Is.Empty);
        wheel.Schedule(5, Ms(5));
        Assert.That(wheel.Schedule(5, Instant.Never), Is.True);
        Assert.That(wheel.IsScheduled(5), Is.False, "Never cancels");
    }

    [Test]
    public void Deadlines_many_revolutions_ahead_wait_in_their_bucket_until_their_time()
    {
        var wheel = new TimerWheel(16, OneMs, 16, Instant.Zero); // one revolution = 16 ms
        wheel.Schedule(7, Ms(1000));
        wheel.Schedule(8, Ms(1000) + new Duration(1));
        for (long ms = 1; ms < 1000; ms++)
            Assert.That(TakeAll(wheel, Ms(ms)), Is.Empty, $"at {ms} ms");
        Assert.That(TakeAll(wheel, Ms(1000)), Is.EqualTo(new[] { 7 }));
        Assert.That(TakeAll(wheel, Ms(1000) + new Duration(1)), Is.EqualTo(new[] { 8 }));

        wheel.Schedule(9, Ms(5000));
        Assert.That(TakeAll(wheel, Ms(4999)), Is.Empty, "a jump of many revolutions at once");
        Assert.That(TakeAll(wheel, Ms(7000)), Is.EqualTo(new[] { 9 }));
    }

    [Test]
    public void A_deadline_beyond_35_minutes_is_kept_35_minutes_ahead_and_taken_then()
    {
        // Deadlines are 32-bit: one two hours ahead (a keep-alive) is held at LongestDeadline from the latest now, taken
        // then, and scheduled again by its owner; one further back than that counts as due at once.
        var wheel = new TimerWheel(4, OneMs, 1024, Instant.Zero);
        var longest = TimerWheel.LongestDeadline;
        Assert.That(longest, Is.EqualTo(new Duration(int.MaxValue)));
        var twoHours = Ms(2 * 3600 * 1000);
        wheel.Schedule(1, twoHours);
        Assert.That(wheel.DeadlineOf(1), Is.EqualTo(Instant.Zero + longest));
        Assert.That(wheel.NextDeadline(), Is.EqualTo(Instant.Zero + longest));
        Assert.That(TakeAll(wheel, Instant.Zero + longest - new Duration(1)), Is.Empty);
        var hop = Instant.Zero + longest;
        Assert.That(TakeAll(wheel, hop), Is.EqualTo(new[] { 1 }));
        wheel.Schedule(1, twoHours);
        Assert.That(wheel.DeadlineOf(1), Is.EqualTo(hop + longest), "the next hop");
        for (var now = hop; now < twoHours;)
        {
            now = Instant.Min(wheel.NextDeadline(), twoHours);
            foreach (int slot in TakeAll(wheel, now)) wheel.Schedule(slot, twoHours);
        }
        Assert.That(wheel.DeadlineOf(1), Is.EqualTo(twoHours), "within reach now, kept exactly");
        Assert.That(TakeAll(wheel, twoHours), Is.EqualTo(new[] { 1 }));

        wheel.Schedule(2, Instant.Zero);
        Assert.That(TakeAll(wheel, twoHours), Is.EqualTo(new[] { 2 }), "two hours in the past: due");
    }

    [Test]
    public void A_deadline_in_the_past_is_taken_at_once()
    {
        var wheel = new TimerWheel(16, OneMs, 8, Ms(100));
        TakeAll(wheel, Ms(200));
        wheel.Schedule(2, Ms(150));
        wheel.Schedule(3, Ms(10));
        Assert.That(wheel.NextDeadline(), Is.EqualTo(Ms(10)));
        Assert.That(TakeAll(wheel, Ms(200)).OrderBy(s => s), Is.EqualTo(new[] { 2, 3 }));
    }

    [Test]
    public void Time_going_back_counts_as_the_latest_time_seen()
    {
        var wheel = new TimerWheel(16, OneMs, 8, Instant.Zero);
        wheel.Schedule(1, Ms(10));
        wheel.Schedule(2, Ms(20));
        Assert.That(TakeAll(wheel, Ms(15)), Is.EqualTo(new[] { 1 }));
        Assert.That(TakeAll(wheel, Ms(5)), Is.Empty);
        Assert.That(TakeAll(wheel, Ms(20)), Is.EqualTo(new[] { 2 }));
    }

    [Test]
    public void Next_deadline_is_the_earliest_scheduled()
    {
        var wheel = new TimerWheel(64, OneMs, 16, Instant.Zero);
        Assert.That(wheel.NextDeadline(), Is.EqualTo(Instant.Never));
        wheel.Schedule(1, Ms(500));   // many revolutions ahead
        wheel.Schedule(2, Us(7_300));
        wheel.Schedule(3, Us(7_200)); // same tick, earlier
        Assert.That(wheel.NextDeadline(), Is.EqualTo(Us(7_200)));
        wheel.Cancel(3);
        Assert.That(wheel.NextDeadline(), Is.EqualTo(Us(7_300)));
        Assert.That(TakeAll(wheel, Ms(8)), Is.EqualTo(new[] { 2 }));
        Assert.That(wheel.NextDeadline(), Is.EqualTo(Ms(500)), "found past a whole revolution of empty buckets");
        wheel.Cancel(1);
        Assert.That(wheel.NextDeadline(), Is.EqualTo(Instant.Never));
    }

    [Test]
    public void Out_of_range_slots_are_refused()
    {
        var wheel = new TimerWheel(4, OneMs, 8, Instant.Zero);
        Assert.That(wheel.Schedule(4, Ms(1)), Is.False);
        Assert.That(wheel.Schedule(-1, Ms(1)), Is.False);
        Assert.That(wheel.Cancel(99), Is.False);
        Assert.That(wheel.IsScheduled(-3), Is.False);
        Assert.That(wheel.DeadlineOf(4), Is.EqualTo(Instant.Never));
        Assert.That(wheel.Count, Is.Zero);
    }

    [Test]
    public void Construction_arguments_are_brought_into_range()
    {
        var wheel = new TimerWheel(-5, Duration.Zero, 1000, Instant.Zero);
        Assert.That(wheel.SlotCapacity, Is.Zero);
        Assert.That(wheel.Buckets, Is.EqualTo(1024), "rounded up to a power of two");
        Assert.That(wheel.Tick, Is.EqualTo(new Duration(1)));
        Assert.That(new TimerWheel(1, OneMs, 0, Instant.Zero).Buckets, Is.EqualTo(1));
    }

    [TestCase(1, 1)]
    [TestCase(64, 1)]
    [TestCase(64, 1000)]
    [TestCase(1024, 250)]
    public void Random_schedules_and_cancels_match_a_sorted_reference(int buckets, int tickUs)
    {
        const int slots = 500;
        var rng = new Random(buckets * 7919 + tickUs);
        var start = Us(rng.NextInt64(-1_000_000, 1_000_000));
        var wheel = new TimerWheel(slots, new Duration(tickUs), buckets, start);
        var reference = new SortedSet<(long Deadline, int Slot)>();
        var deadlines = new Dictionary<int, long>();
        long now = start.Microseconds;
        int taken = 0;
        for (int step = 0; step < 20_000; step++)
        {
            int op = rng.Next(10);
            int slot = rng.Next(slots);
            if (op < 5)
            {
                // Mostly near deadlines, some many revolutions ahead, some already past.
                long ahead = rng.Next(4) switch
                {
                    0 => rng.Next(0, 50 * tickUs),
                    1 => rng.NextInt64(0, 100L * buckets * tickUs),
                    2 => -rng.Next(0, 5 * tickUs),
                    _ => rng.Next(0, 2 * buckets * tickUs),
                };
                if (deadlines.Remove(slot, out long old)) reference.Remove((old, slot));
                deadlines[slot] = now + ahead;
                reference.Add((now + ahead, slot));
                Assert.That(wheel.Schedule(slot, Us(now + ahead)), Is.True);
            }
            else if (op < 7)
            {
                bool had = deadlines.Remove(slot, out long old);
                if (had) reference.Remove((old, slot));
                Assert.That(wheel.Cancel(slot), Is.EqualTo(had));
            }
            else
            {
                now += rng.Next(4) == 0 ? rng.NextInt64(0, 3L * buckets * tickUs) : rng.Next(0, 3 * tickUs);
                var expired = reference.TakeWhile(e => e.Deadline <= now).Select(e => e.Slot).OrderBy(s => s).ToList();
                var got = TakeAll(wheel, Us(now)).OrderBy(s => s).ToList();
                Assert.That(got, Is.EqualTo(expired), $"step {step}: expired at {now}");
                foreach (int s in got)
                {
                    reference.Remove((deadlines[s], s));
                    deadlines.Remove(s);
                }
                taken += got.Count;
            }
            Assert.That(wheel.Count, Is.EqualTo(reference.Count));
            Assert.That(wheel.DeadlineOf(slot), Is.EqualTo(deadlines.TryGetValue(slot, out long d) ? Us(d) : Instant.Never));
            if (step % 7 == 0)
            {
                var next = wheel.NextDeadline();
                if (reference.Count == 0) Assert.That(next, Is.EqualTo(Instant.Never));
                else if (reference.Min.Deadline > now) Assert.That(next, Is.EqualTo(Us(reference.Min.Deadline)), $"step {step}: next deadline");
                else Assert.That(next, Is.LessThanOrEqualTo(Us(now)), $"step {step}: something is due");
            }
        }
        Assert.That(taken, Is.GreaterThan(1000), "the run took timers");
    }

    [Test]
    public void A_million_slots_fire_in_order_of_their_deadlines_and_allocate_nothing()
    {
        const int slots = 1_000_000;
        var wheel = new TimerWheel(slots, OneMs, 4096, Instant.Zero);
        var rng = new Random(1_000_000);
        var deadlines = new long[slots];
        for (int i = 0; i < slots; i++) deadlines[i] = rng.NextInt64(1, 600_000_000); // within ten minutes

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < slots; i++) wheel.Schedule(i, Us(deadlines[i]));
        for (int i = 0; i < slots; i += 10) wheel.Cancel(i);
        long scheduled = wheel.Count;
        var first = wheel.NextDeadline();
        int taken = 0, late = 0;
        for (long now = 0; now <= 300_000_000; now += 7_000_000) // polls every 7 s (more than a revolution) for five minutes
        {
            while (wheel.TryTakeExpired(Us(now), out int slot))
            {
                taken++;
                if (deadlines[slot] > now || slot % 10 == 0) late++;
            }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero);
        Assert.That(scheduled, Is.EqualTo(900_000));
        Assert.That(late, Is.Zero, "nothing early, nothing cancelled");
        int expected = 0;
        long lastPoll = 300_000_000 / 7_000_000 * 7_000_000;
        long earliest = long.MaxValue;
        for (int i = 0; i < slots; i++)
        {
            if (i % 10 == 0) continue;
            if (deadlines[i] <= lastPoll) expected++;
            earliest = Math.Min(earliest, deadlines[i]);
        }
        Assert.That(taken, Is.EqualTo(expected));
        Assert.That(first, Is.EqualTo(Us(earliest)));
        Assert.That(wheel.Count, Is.EqualTo(900_000 - expected));
    }

    [Test]
    public void Wheel_operations_allocate_nothing()
    {
        var wheel = new TimerWheel(1024, OneMs, 256, Instant.Zero);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int taken = 0;
        for (int i = 0; i < 200_000; i++)
        {
            var now = Us(i * 100L);
            wheel.Schedule(i & 1023, now + Duration.FromMilliseconds(i % 37));
            if (i % 5 == 0) wheel.Cancel((i * 7) & 1023);
            while (wheel.TryTakeExpired(now, out _)) taken++;
            if (i % 3 == 0) wheel.NextDeadline();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(taken, Is.GreaterThan(100_000));
    }
}
