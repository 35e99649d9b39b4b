using System;
using System.Collections.Generic;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Tcp;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

public class ConnectionTableTests
{
    private static ConnectionTable NewTable(int slots) => new(slots, new SipHash(0x0123456789abcdefUL, 0xfedcba9876543210UL));

    [Test]
    public void The_slot_found_last_answers_only_for_its_current_tuple()
    {
        var table = NewTable(8);
        var a = Tuples.V4(80, 40000);
        var b = Tuples.V4(80, 40001);
        Assert.That(table.TryInsert(a, 2), Is.True);
        Assert.That(table.TryFind(a, out int slot) && slot == 2, Is.True);
        Assert.That(table.TryFind(a, out slot) && slot == 2, Is.True, "found again through the last hit");
        Assert.That(table.Remove(2), Is.True);
        Assert.That(table.TryFind(a, out _), Is.False, "a removed tuple is not found through the last hit");
        Assert.That(table.TryFind(default, out _), Is.False, "nor is the empty tuple of the freed slot");
        Assert.That(table.TryInsert(b, 2), Is.True);
        Assert.That(table.TryFind(a, out _), Is.False, "the slot now holds another tuple");
        Assert.That(table.TryFind(b, out slot) && slot == 2, Is.True);
    }

    [Test]
    public void Inserted_tuples_are_found_in_their_slot_until_removed()
    {
        var table = NewTable(8);
        var a = Tuples.V4(80, 40000);
        var b = Tuples.V6(80, 40000);
        Assert.That(table.TryInsert(a, 3), Is.True);
        Assert.That(table.TryInsert(b, 5), Is.True);
        Assert.That(table.Count, Is.EqualTo(2));
        Assert.That(table.TryFind(a, out int slot), Is.True);
        Assert.That(slot, Is.EqualTo(3));
        Assert.That(table.TryFind(b, out slot), Is.True);
        Assert.That(slot, Is.EqualTo(5));
        Assert.That(table.TupleOf(3), Is.EqualTo(a));
        Assert.That(table.Contains(Tuples.V4(80, 40001)), Is.False);
        Assert.That(table.Remove(3), Is.True);
        Assert.That(table.TryFind(a, out slot), Is.False);
        Assert.That(slot, Is.EqualTo(-1));
        Assert.That(table.Contains(b), Is.True);
        Assert.That(table.TupleOf(3).IsValid, Is.False);
        Assert.That(table.Count, Is.EqualTo(1));
    }

    [Test]
    public void Insert_refuses_a_present_tuple_a_used_slot_an_out_of_range_slot_and_an_invalid_tuple()
    {
        var table = NewTable(4);
        var a = Tuples.V4(80, 40000);
        Assert.That(table.TryInsert(a, 0), Is.True);
        Assert.That(table.TryInsert(a, 1), Is.False, "tuple present");
        Assert.That(table.TryInsert(Tuples.V4(80, 40001), 0), Is.False, "slot in use");
        Assert.That(table.TryInsert(Tuples.V4(80, 40001), 4), Is.False, "slot out of range");
        Assert.That(table.TryInsert(Tuples.V4(80, 40001), -1), Is.False, "negative slot");
        Assert.That(table.TryInsert(default, 2), Is.False, "invalid tuple");
        Assert.That(table.Count, Is.EqualTo(1));
        Assert.That(table.TryFind(a, out int slot), Is.True);
        Assert.That(slot, Is.EqualTo(0));
        Assert.That(table.TryFind(default, out _), Is.False);
    }

    [Test]
    public void Remove_and_TupleOf_of_a_free_or_out_of_range_slot_do_not_throw()
    {
        var table = NewTable(2);
        Assert.That(table.Remove(0), Is.False);
        Assert.That(table.Remove(-1), Is.False);
        Assert.That(table.Remove(2), Is.False);
        Assert.That(table.TupleOf(-1).IsValid, Is.False);
        Assert.That(table.TupleOf(2).IsValid, Is.False);
        Assert.That(table.TryInsert(Tuples.V4(1, 2), 1), Is.True);
        Assert.That(table.Remove(1), Is.True);
        Assert.That(table.Remove(1), Is.False);
        Assert.That(table.Count, Is.Zero);
    }

    [Test]
    public void Buckets_are_a_power_of_two_at_least_twice_the_slots()
    {
        Assert.That(NewTable(1).BucketCount, Is.EqualTo(2));
        Assert.That(NewTable(1000).BucketCount, Is.EqualTo(2048));
        Assert.That(NewTable(1024).BucketCount, Is.EqualTo(2048));
        Assert.That(NewTable(1025).BucketCount, Is.EqualTo(4096));
    }

    [Test]
    public void A_table_holds_32_bytes_per_slot_at_a_power_of_two_capacity()
    {
        // A 24-byte packed tuple and two 4-byte buckets per slot (up to 40 bytes when the capacity is just above a power
        // of two), plus the small fixed table of local IPv6 addresses.
        const int slots = 1 << 16;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var table = NewTable(slots);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(table.SlotCapacity, Is.EqualTo(slots));
        Assert.That(table.LocalIpv6Capacity, Is.EqualTo(256));
        Assert.That(allocated / (double)slots, Is.EqualTo(32.0).Within(0.1));
    }

    [Test]
    public void Ipv6_tuples_keep_their_local_address_once_for_all_connections_that_use_it()
    {
        var table = new ConnectionTable(8, new SipHash(5, 6), localIpv6Capacity: 2);
        var other = Ipv6Address.Parse("2001:db8::a");
        var third = Ipv6Address.Parse("2001:db8::b");
        var a = Tuples.V6(80, 40000);
        var b = Tuples.V6(80, 40001);
        var c = new FourTuple(new TransportAddress(other, 80), new TransportAddress(Tuples.V6Remote, 40000));
        var d = new FourTuple(new TransportAddress(third, 80), new TransportAddress(Tuples.V6Remote, 40000));
        Assert.That(table.TryInsert(a, 0) && table.TryInsert(b, 1) && table.TryInsert(c, 2), Is.True, "two local addresses, three tuples");
        Assert.That(table.TryInsert(d, 3), Is.False, "a third local address is one too many");
        Assert.That(table.TryInsert(Tuples.V4(80, 40000), 3), Is.True, "IPv4 tuples keep their local address inline");
        Assert.That(table.TupleOf(0), Is.EqualTo(a));
        Assert.That(table.TupleOf(2), Is.EqualTo(c));
        Assert.That(table.TryFind(c, out int slot) && slot == 2, Is.True);
        Assert.That(table.TryFind(new FourTuple(new TransportAddress(third, 80), new TransportAddress(Tuples.V6Remote, 40001)), out _), Is.False,
            "a tuple that differs only in the local address");
        Assert.That(table.Remove(2), Is.True);
        Assert.That(table.TryInsert(d, 2), Is.True, "the entry of a local address no tuple uses is free again");
        Assert.That(table.TupleOf(2), Is.EqualTo(d));
        Assert.That(table.TryFind(a, out slot) && slot == 0 && table.TryFind(b, out slot) && slot == 1, Is.True);
    }

    [Test]
    public void An_ipv6_tuple_with_an_ipv4_mapped_remote_address_is_refused()
    {
        // RFC 4291 §2.5.5.2: ::ffff:a.b.c.d stands for an IPv4 node in the API and never appears on the wire; packed, it
        // would read as the IPv4 tuple of a.b.c.d.
        var table = NewTable(4);
        var mapped = new FourTuple(new TransportAddress(Tuples.V6Local, 80),
            new TransportAddress(new Ipv6Address(0, 0xFFFF_0000_0000UL | Tuples.V4Remote.Value), 40000));
        var v4 = new FourTuple(new TransportAddress(Ipv4Address.Parse("0.0.0.1"), 80), new TransportAddress(Tuples.V4Remote, 40000));
        Assert.That(mapped.IsValid, Is.True);
        Assert.That(table.TryInsert(mapped, 0), Is.False);
        Assert.That(table.TryInsert(v4, 0), Is.True);
        Assert.That(table.TryFind(mapped, out _), Is.False, "nor does it find the IPv4 tuple");
        Assert.That(table.TryFind(v4, out int slot) && slot == 0, Is.True);
    }

    [Test]
    public void Tuples_whose_hashes_share_home_and_tag_are_told_apart_by_the_whole_tuple()
    {
        // One slot: a 1-bit slot number leaves 31 bits of tag, so look for two tuples whose hashes agree in home and tag.
        var key = new SipHash(21, 22);
        var table = new ConnectionTable(1, key);
        var seen = new Dictionary<ulong, FourTuple>();
        FourTuple first = default, second = default;
        for (int i = 0; ; i++)
        {
            var tuple = Tuples.Numbered(i);
            ulong hash = tuple.Hash(key);
            ulong sig = (hash & 1) | ((hash >> 32) & 0x7FFF_FFFF) << 1; // the home bit and the 31 bits of tag (hash bits 32 to 62)
            if (seen.TryGetValue(sig, out first)) { second = tuple; break; }
            seen[sig] = tuple;
        }
        Assert.That(table.TryInsert(first, 0), Is.True);
        Assert.That(table.TryFind(second, out _), Is.False);
        Assert.That(table.Contains(first), Is.True);
    }

    [Test]
    public void Filling_every_slot_keeps_every_tuple_findable()
    {
        var table = NewTable(1000);
        for (int i = 0; i < 1000; i++) Assert.That(table.TryInsert(Tuples.Numbered(i), i), Is.True);
        for (int i = 0; i < 1000; i++)
        {
            Assert.That(table.TryFind(Tuples.Numbered(i), out int slot), Is.True);
            Assert.That(slot, Is.EqualTo(i));
        }
        Assert.That(table.Contains(Tuples.Numbered(1000)), Is.False);
        Assert.That(table.TryInsert(Tuples.Numbered(1000), 1000), Is.False);
    }

    [Test]
    public void Removing_from_the_middle_of_a_probe_run_keeps_the_rest_findable()
    {
        // With 4 slots (8 buckets), pick tuples whose home buckets are 6, 6, 0 and 7: inserted in that order they
        // fill buckets 6, 7, 0 and 1, a run that wraps round the end, where the third sits at home and the fourth
        // is two buckets from home. Removing each in turn must move back exactly the entries that may move.
        var key = new SipHash(11, 12);
        int[] homes = [6, 6, 0, 7];
        var chosen = new FourTuple[4];
        int filled = 0;
        for (int i = 0; filled < 4; i++)
        {
            var t = Tuples.Numbered(i);
            if (((uint)t.Hash(key) & 7) == homes[filled]) chosen[filled++] = t;
        }
        for (int victim = 0; victim < 4; victim++)
        {
            var table = new ConnectionTable(4, key);
            for (int s = 0; s < 4; s++) Assert.That(table.TryInsert(chosen[s], s), Is.True);
            Assert.That(table.MeasureLongestProbe(), Is.EqualTo(2));
            Assert.That(table.Remove(victim), Is.True);
            for (int s = 0; s < 4; s++)
            {
                Assert.That(table.TryFind(chosen[s], out int slot), Is.EqualTo(s != victim), $"victim {victim}, slot {s}");
                if (s != victim) Assert.That(slot, Is.EqualTo(s));
            }
            Assert.That(table.MeasureLongestProbe(), Is.EqualTo(victim < 2 ? 0 : 1), $"victim {victim}");
            Assert.That(table.TryInsert(chosen[victim], victim), Is.True, "the freed slot takes its tuple back");
            for (int s = 0; s < 4; s++) Assert.That(table.Contains(chosen[s]), Is.True);
        }
    }

    [Test]
    public void A_million_random_operations_agree_with_a_dictionary()
    {
        const int slots = 4096;
        var random = new Random(6528);
        var table = NewTable(slots);
        var reference = new Dictionary<FourTuple, int>();
        var slotTuple = new FourTuple[slots];
        var freeSlots = new Stack<int>();
        for (int s = slots - 1; s >= 0; s--) freeSlots.Push(s);
        int inserts = 0, finds = 0, hits = 0, removes = 0;
        for (int step = 0; step < 1_000_000; step++)
        {
            // Three times as many tuples as slots, so inserts meet present tuples and a full table too.
            var tuple = Tuples.Numbered(random.Next(3 * slots));
            switch (random.Next(3))
            {
                case 0:
                    bool present = reference.ContainsKey(tuple);
                    int slot = freeSlots.Count > 0 ? freeSlots.Peek() : 0;
                    bool inserted = table.TryInsert(tuple, slot);
                    if (inserted != (!present && freeSlots.Count > 0)) Assert.Fail($"step {step}: insert {tuple} gave {inserted}");
                    if (inserted)
                    {
                        freeSlots.Pop();
                        reference[tuple] = slot;
                        slotTuple[slot] = tuple;
                        inserts++;
                    }
                    break;
                case 1:
                    bool found = table.TryFind(tuple, out int foundSlot);
                    bool expected = reference.TryGetValue(tuple, out int expectedSlot);
                    if (found != expected || found && foundSlot != expectedSlot) Assert.Fail($"step {step}: find {tuple} gave {found} {foundSlot}");
                    finds++;
                    if (found) hits++;
                    break;
                default:
                    int victim = random.Next(slots);
                    bool removed = table.Remove(victim);
                    if (removed != slotTuple[victim].IsValid) Assert.Fail($"step {step}: remove {victim} gave {removed}");
                    if (removed)
                    {
                        reference.Remove(slotTuple[victim]);
                        slotTuple[victim] = default;
                        freeSlots.Push(victim);
                        removes++;
                    }
                    break;
            }
            if (table.Count != reference.Count) Assert.Fail($"step {step}: count {table.Count}, expected {reference.Count}");
        }
        foreach (var (tuple, slot) in reference)
        {
            Assert.That(table.TryFind(tuple, out int found), Is.True);
            Assert.That(found, Is.EqualTo(slot));
            Assert.That(table.TupleOf(slot), Is.EqualTo(tuple));
        }
        Assert.That(inserts, Is.GreaterThan(100_000));
        Assert.That(finds, Is.GreaterThan(300_000));
        Assert.That(hits, Is.GreaterThan(50_000));
        Assert.That(removes, Is.GreaterThan(100_000));
    }

    [Test]
    public void Sequential_ports_from_one_peer_keep_probes_short()
    {
        // What a peer choosing its ports would try: one address, every port in order, filling the table.
        const int slots = 60000;
        var table = NewTable(slots);
        var local = new TransportAddress(Tuples.V4Local, 80);
        for (int i = 0; i < slots; i++)
            Assert.That(table.TryInsert(new FourTuple(local, new TransportAddress(Tuples.V4Remote, (ushort)(1024 + i))), i), Is.True);
        int longest = table.MeasureLongestProbe();
        TestContext.Out.WriteLine($"longest probe over {slots} sequential ports in {table.BucketCount} buckets: {longest}");
        // A random hash at load 60000/131072 gives a longest displacement of about a dozen; an unkeyed
        // hash of the port alone would put them in one run, or leave a chosen run for an attacker to grow.
        Assert.That(longest, Is.LessThan(40));
    }

    [Test]
    public void Inserting_finding_and_removing_allocates_nothing()
    {
        var table = NewTable(256);
        var tuples = new FourTuple[256];
        for (int i = 0; i < 256; i++) tuples[i] = Tuples.Numbered(i);
        for (int i = 0; i < 256; i++) table.TryInsert(tuples[i], i);
        for (int i = 0; i < 256; i++) table.Remove(i);
        int ok = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < 256; i++) if (table.TryInsert(tuples[i], i)) ok++;
            for (int i = 0; i < 256; i++) if (table.TryFind(tuples[i], out int slot) && slot == i && table.TupleOf(i) == tuples[i]) ok++;
            for (int i = 0; i < 256; i++) if (table.Remove(i)) ok++;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(ok, Is.EqualTo(20 * 3 * 256));
        Assert.That(table.Count, Is.Zero);
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void Hashes_kept_from_a_missed_lookup_and_a_find_serve_only_their_own_tuple()
    {
        // A SYN's lookup misses and its insertion follows; a RST's lookup finds and its removal follows: both reuse the
        // hash of the lookup. Interleaved with other tuples and slots, every tuple stays findable exactly where it is.
        var table = NewTable(16);
        var reference = new Dictionary<FourTuple, int>();
        var random = new Random(6528);
        for (int step = 0; step < 20_000; step++)
        {
            var tuple = Tuples.Numbered(random.Next(40));
            var other = Tuples.Numbered(random.Next(40));
            bool found = table.TryFind(tuple, out int slot);
            Assert.That(found, Is.EqualTo(reference.ContainsKey(tuple)));
            if (found)
            {
                Assert.That(slot, Is.EqualTo(reference[tuple]));
                int victim = random.Next(3) == 0 && reference.TryGetValue(other, out int at) ? at : slot; // sometimes another slot
                if (reference.ContainsValue(victim))
                {
                    Assert.That(table.Remove(victim), Is.True);
                    foreach (var (t, sl) in reference) if (sl == victim) { reference.Remove(t); break; }
                }
            }
            else
            {
                var inserted = random.Next(3) == 0 ? other : tuple; // sometimes not the tuple just missed
                int free = 0;
                while (reference.ContainsValue(free)) free++;
                bool ok = free < 16 && table.TryInsert(inserted, free);
                Assert.That(ok, Is.EqualTo(free < 16 && !reference.ContainsKey(inserted)));
                if (ok) reference[inserted] = free;
            }
            foreach (var (t, sl) in reference)
                if (!table.TryFind(t, out int where) || where != sl) Assert.Fail($"step {step}: {t} not in slot {sl}");
        }
    }
}
