using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Ethox.Layer.Tcp;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

public class SlotMapTests
{
    [Test]
    public void Keys_start_at_generation_one_and_default_is_never_valid()
    {
        var map = new SlotMap(4);
        Assert.That(map.TryAllocate(out SlotKey key), Is.True);
        Assert.That(key, Is.EqualTo(new SlotKey(0, 1)));
        Assert.That(key.IsSome, Is.True);
        Assert.That(SlotKey.None.IsSome, Is.False);
        Assert.That(map.TryResolve(default, out int index), Is.False);
        Assert.That(index, Is.EqualTo(-1));
        Assert.That(map.TryResolve(new SlotKey(0, 0), out _), Is.False);
        Assert.That(map.Free(default), Is.False);
        Assert.That(map.Count, Is.EqualTo(1));
    }

    [Test]
    public void Allocates_every_slot_once_then_reports_full()
    {
        var map = new SlotMap(5);
        var seen = new HashSet<int>();
        for (int i = 0; i < 5; i++)
        {
            Assert.That(map.TryAllocate(out SlotKey key), Is.True);
            Assert.That(seen.Add(key.Index), Is.True);
            Assert.That(map.TryResolve(key, out int index), Is.True);
            Assert.That(index, Is.EqualTo(key.Index));
        }
        Assert.That(map.Count, Is.EqualTo(5));
        Assert.That(map.Capacity, Is.EqualTo(5));
        Assert.That(map.TryAllocate(out SlotKey none), Is.False);
        Assert.That(none, Is.EqualTo(SlotKey.None));
        Assert.That(map.Count, Is.EqualTo(5));
    }

    [Test]
    public void A_stale_key_is_never_aliased_to_the_next_occupant_of_its_slot()
    {
        var map = new SlotMap(1);
        Assert.That(map.TryAllocate(out SlotKey old), Is.True);
        Assert.That(map.Free(old), Is.True);
        Assert.That(map.TryResolve(old, out _), Is.False, "freed");
        Assert.That(map.TryAllocate(out SlotKey current), Is.True);
        Assert.That(current.Index, Is.EqualTo(old.Index));
        Assert.That(current.Generation, Is.Not.EqualTo(old.Generation));
        Assert.That(map.TryResolve(old, out _), Is.False, "reused by another occupant");
        Assert.That(map.Free(old), Is.False, "a stale key cannot free the new occupant");
        Assert.That(map.TryResolve(current, out int index), Is.True);
        Assert.That(index, Is.EqualTo(0));
    }

    [Test]
    public void Freeing_twice_or_with_a_forged_key_changes_nothing()
    {
        var map = new SlotMap(3);
        Assert.That(map.TryAllocate(out SlotKey a), Is.True);
        Assert.That(map.TryAllocate(out SlotKey b), Is.True);
        Assert.That(map.Free(a), Is.True);
        Assert.That(map.Free(a), Is.False);
        Assert.That(map.Free(b with { Generation = b.Generation + 1 }), Is.False);
        Assert.That(map.Free(new SlotKey(2, 1)), Is.False, "never allocated");
        Assert.That(map.Count, Is.EqualTo(1));
        Assert.That(map.TryResolve(b, out _), Is.True);
    }

    [Test]
    public void Out_of_range_indices_are_refused_without_throwing()
    {
        var map = new SlotMap(2);
        Assert.That(map.TryAllocate(out _), Is.True);
        foreach (int index in new[] { -1, 2, int.MaxValue, int.MinValue })
        {
            Assert.That(map.TryResolve(new SlotKey(index, 1), out _), Is.False);
            Assert.That(map.Free(new SlotKey(index, 1)), Is.False);
            Assert.That(map.IsOccupied(index), Is.False);
            Assert.That(map.KeyOf(index), Is.EqualTo(SlotKey.None));
        }
    }

    [Test]
    public void KeyOf_gives_the_current_key_of_an_occupied_slot_only()
    {
        var map = new SlotMap(2);
        Assert.That(map.TryAllocate(out SlotKey key), Is.True);
        Assert.That(map.IsOccupied(key.Index), Is.True);
        Assert.That(map.KeyOf(key.Index), Is.EqualTo(key));
        Assert.That(map.IsOccupied(1), Is.False);
        Assert.That(map.KeyOf(1), Is.EqualTo(SlotKey.None));
        Assert.That(map.Free(key), Is.True);
        Assert.That(map.KeyOf(key.Index), Is.EqualTo(SlotKey.None));
    }

    [Test]
    public void Freed_slots_are_reused_oldest_first_so_generations_advance_slowly()
    {
        var map = new SlotMap(3);
        var keys = new SlotKey[3];
        for (int i = 0; i < 3; i++) Assert.That(map.TryAllocate(out keys[i]), Is.True);
        Assert.That(map.Free(keys[1]), Is.True);
        Assert.That(map.Free(keys[0]), Is.True);
        Assert.That(map.Free(keys[2]), Is.True);
        Assert.That(map.TryAllocate(out SlotKey k), Is.True);
        Assert.That(k.Index, Is.EqualTo(1));
        Assert.That(map.Free(k), Is.True);
        Assert.That(map.TryAllocate(out k), Is.True);
        Assert.That(k.Index, Is.EqualTo(0), "slot 1 went to the back of the queue");
        Assert.That(map.TryAllocate(out k), Is.True);
        Assert.That(k.Index, Is.EqualTo(2));
        Assert.That(map.TryAllocate(out k), Is.True);
        Assert.That(k, Is.EqualTo(new SlotKey(1, 3)));
    }

    [Test]
    public void The_generation_wraps_past_zero_and_old_keys_stay_stale()
    {
        var map = new SlotMap(1);
        map.SetGeneration(0, SlotMap.MaxGeneration - 1);
        Assert.That(map.TryAllocate(out SlotKey last), Is.True);
        Assert.That(last.Generation, Is.EqualTo(SlotMap.MaxGeneration));
        Assert.That(map.Free(last), Is.True);
        Assert.That(map.TryAllocate(out SlotKey wrapped), Is.True);
        Assert.That(wrapped.Generation, Is.EqualTo(1u), "0 is skipped");
        Assert.That(map.TryResolve(last, out _), Is.False);
        Assert.That(map.TryResolve(new SlotKey(0, 0), out _), Is.False);
        Assert.That(map.TryResolve(wrapped, out _), Is.True);
    }

    [Test]
    public void Random_churn_agrees_with_a_reference_model()
    {
        var random = new Random(9293);
        var map = new SlotMap(64);
        var live = new List<SlotKey>();
        var dead = new List<SlotKey>();
        for (int step = 0; step < 200_000; step++)
        {
            if (random.Next(2) == 0)
            {
                bool ok = map.TryAllocate(out SlotKey key);
                Assert.That(ok, Is.EqualTo(live.Count < 64));
                if (ok)
                {
                    Assert.That(live.Exists(k => k.Index == key.Index), Is.False);
                    live.Add(key);
                }
            }
            else if (live.Count > 0)
            {
                int i = random.Next(live.Count);
                Assert.That(map.Free(live[i]), Is.True);
                dead.Add(live[i]);
                live.RemoveAt(i);
            }
            if (step % 1000 == 0)
            {
                foreach (var key in live) Assert.That(map.TryResolve(key, out _), Is.True);
                foreach (var key in dead) Assert.That(map.TryResolve(key, out _), Is.False);
                if (dead.Count > 1000) dead.RemoveRange(0, 500);
            }
            Assert.That(map.Count, Is.EqualTo(live.Count));
        }
    }

    [Test]
    public void A_map_holds_12_bytes_per_slot_and_a_key_is_8_bytes()
    {
        // The generation and two links, which serve the free list and the owner's queues alike.
        const int slots = 1 << 16;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var map = new SlotMap(slots);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(map.Capacity, Is.EqualTo(slots));
        Assert.That(allocated / (double)slots, Is.EqualTo(12.0).Within(0.01));
        Assert.That(Unsafe.SizeOf<SlotKey>(), Is.EqualTo(8));
    }

    [Test]
    public void A_slot_waits_in_one_queue_at_a_time_first_in_first_out()
    {
        var map = new SlotMap(4);
        var keys = new SlotKey[4];
        for (int i = 0; i < 4; i++) Assert.That(map.TryAllocate(out keys[i]), Is.True);
        Assert.That(map.Enqueue(2, 0) && map.Enqueue(0, 0) && map.Enqueue(1, 1), Is.True);
        Assert.That(map.Enqueue(2, 0), Is.False, "already in this queue");
        Assert.That(map.Enqueue(1, 0), Is.False, "waiting in the other queue");
        Assert.That(map.QueuedCount(0), Is.EqualTo(2));
        Assert.That(map.IsQueued(1, 1) && !map.IsQueued(1, 0), Is.True);
        Assert.That(map.First(0), Is.EqualTo(2));
        Assert.That(map.Remove(2, 1), Is.False, "not in that queue");
        Assert.That(map.Remove(2, 0), Is.True);
        Assert.That(map.First(0), Is.EqualTo(0));
        Assert.That(map.Enqueue(2, 0), Is.True, "back in, at the tail");
        Assert.That(map.Remove(0, 0), Is.True);
        Assert.That(map.First(0), Is.EqualTo(2));
        Assert.That(map.Free(keys[2]), Is.True, "freeing takes a slot out of its queue");
        Assert.That(map.First(0), Is.EqualTo(-1));
        Assert.That(map.QueuedCount(0), Is.Zero);
        Assert.That(map.Enqueue(2, 0), Is.False, "a free slot waits in no queue");
        Assert.That(map.TryAllocate(out var again) && again.Index == 2, Is.True, "the only free slot");
        Assert.That(map.First(1), Is.EqualTo(1));
        Assert.That(map.Count, Is.EqualTo(4));
    }

    [Test]
    public void Queues_and_the_free_list_agree_with_a_reference_model_under_churn()
    {
        var random = new Random(6056);
        const int capacity = 32;
        var map = new SlotMap(capacity);
        var keys = new SlotKey?[capacity];
        var queues = new[] { new List<int>(), new List<int>() };
        var free = new List<int>();
        for (int i = 0; i < capacity; i++) free.Add(i);
        for (int step = 0; step < 100_000; step++)
        {
            int slot = random.Next(capacity), queue = random.Next(2);
            switch (random.Next(5))
            {
                case 0:
                    bool allocated = map.TryAllocate(out var key);
                    Assert.That(allocated, Is.EqualTo(free.Count > 0));
                    if (!allocated) break;
                    Assert.That(key.Index, Is.EqualTo(free[0]), "oldest free first");
                    free.RemoveAt(0);
                    keys[key.Index] = key;
                    break;
                case 1:
                    bool freed = map.Free(keys[slot] ?? default);
                    Assert.That(freed, Is.EqualTo(keys[slot] is not null));
                    if (!freed) break;
                    keys[slot] = null;
                    queues[0].Remove(slot);
                    queues[1].Remove(slot);
                    free.Add(slot);
                    break;
                case 2:
                    bool added = map.Enqueue(slot, queue);
                    Assert.That(added, Is.EqualTo(keys[slot] is not null && !queues[0].Contains(slot) && !queues[1].Contains(slot)));
                    if (added) queues[queue].Add(slot);
                    break;
                case 3:
                    Assert.That(map.Remove(slot, queue), Is.EqualTo(queues[queue].Remove(slot)));
                    break;
                default:
                    int first = map.First(queue);
                    Assert.That(first, Is.EqualTo(queues[queue].Count > 0 ? queues[queue][0] : -1));
                    break;
            }
            Assert.That(map.QueuedCount(0), Is.EqualTo(queues[0].Count));
            Assert.That(map.QueuedCount(1), Is.EqualTo(queues[1].Count));
            Assert.That(map.Count, Is.EqualTo(capacity - free.Count));
        }
    }

    [Test]
    public void Allocating_resolving_and_freeing_allocates_nothing()
    {
        var map = new SlotMap(16);
        Assert.That(map.TryAllocate(out SlotKey warm), Is.True);
        Assert.That(map.Free(warm), Is.True);
        // Warm-up of the measured loop itself: tiered compilation allocates on the first iterations.
        for (int i = 0; i < 10_000; i++)
            if (map.TryAllocate(out SlotKey key)) map.Free(key);
        int succeeded = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            if (map.TryAllocate(out SlotKey key) && map.TryResolve(key, out int index) && index == key.Index
                && map.KeyOf(index) == key && map.Free(key) && !map.TryResolve(key, out _))
                succeeded++;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(succeeded, Is.EqualTo(10_000));
        Assert.That(allocated, Is.Zero);
    }
}
