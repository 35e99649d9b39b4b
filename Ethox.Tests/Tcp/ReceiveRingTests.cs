using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using Ethox.Layer.Tcp;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

public class ReceiveRingTests
{
    // The byte at stream position i, so any misplaced byte shows.
    private static byte At(long i) => (byte)(i * 13 + (i >> 8) + 5);
    private static byte[] Stream(long start, int count) => Enumerable.Range(0, count).Select(k => At(start + k)).ToArray();

    private static byte[] ReadAll(ref ReceiveRingOver ring)
    {
        var bytes = new byte[ring.Readable];
        Assert.That(ring.Read(bytes), Is.EqualTo(bytes.Length));
        return bytes;
    }

    private static ReceivedRange[] Sack(ReceiveRingOver ring)
    {
        var ranges = new ReceivedRange[OutOfOrderRanges.Capacity];
        return ranges[..ring.GetSackRanges(ranges)];
    }

    [Test]
    public void A_receive_ring_is_24_bytes()
    {
        Assert.That(Unsafe.SizeOf<ReceiveRing>(), Is.EqualTo(24), "two 24-bit positions (6) and three ranges (18); the memory is lent to each call");
    }

    [Test]
    public void In_order_room_is_the_span_at_rcv_nxt_and_taking_it_makes_what_was_written_there_readable()
    {
        var ring = new ReceiveRingOver(100);
        ring.Write(0, Stream(0, 30));
        ring.Read(new byte[10]);
        Assert.That(ring.TryGetInOrderRoom(40, out var room), Is.True);
        Assert.That(room.Length, Is.EqualTo(40));
        Stream(30, 40).CopyTo(room);
        Assert.That(ring.Readable, Is.EqualTo(20), "written room is not data until taken");
        Assert.That(ring.TakePlaced(40), Is.True);
        Assert.That(ring.Readable, Is.EqualTo(60));
        Assert.That(ReadAll(ref ring), Is.EqualTo(Stream(10, 60)));
    }

    [Test]
    public void No_in_order_room_when_data_is_held_out_of_order_the_window_is_short_or_the_span_would_wrap()
    {
        var held = new ReceiveRingOver(100);
        held.Write(20, Stream(20, 10));
        Assert.That(held.TryGetInOrderRoom(10, out _), Is.False, "the room may hold out-of-order bytes");
        Assert.That(held.TakePlaced(10), Is.False);

        var full = new ReceiveRingOver(100);
        full.Write(0, Stream(0, 80));
        Assert.That(full.TryGetInOrderRoom(21, out _), Is.False, "beyond the window");
        Assert.That(full.TryGetInOrderRoom(20, out _), Is.True);
        Assert.That(full.TryGetInOrderRoom(0, out _), Is.False, "no data");

        var wrapping = new ReceiveRingOver(100);
        wrapping.Write(0, Stream(0, 90));
        wrapping.Read(new byte[60]); // readable [60, 90), room from 90 on, wrapping at 100
        Assert.That(wrapping.TryGetInOrderRoom(20, out _), Is.False, "the span would wrap");
        Assert.That(wrapping.TakePlaced(20), Is.False, "nothing changed");
        Assert.That(wrapping.TryGetInOrderRoom(10, out var room), Is.True);
        Stream(90, 10).CopyTo(room);
        Assert.That(wrapping.TakePlaced(10), Is.True);
        Assert.That(ReadAll(ref wrapping), Is.EqualTo(Stream(60, 40)));
    }

    [Test]
    public void In_order_data_becomes_readable_and_shrinks_the_window()
    {
        var ring = new ReceiveRingOver(100);
        Assert.That(ring.Window, Is.EqualTo(100));
        Assert.That(ring.Write(0, Stream(0, 30)), Is.EqualTo(new ReceiveWrite(30, 30, 0, false)));
        Assert.That(ring.Readable, Is.EqualTo(30));
        Assert.That(ring.Window, Is.EqualTo(70));
        Assert.That(ring.HasOutOfOrder, Is.False);
        var some = new byte[10];
        Assert.That(ring.Read(some), Is.EqualTo(10));
        Assert.That(some, Is.EqualTo(Stream(0, 10)));
        Assert.That(ring.Window, Is.EqualTo(80));
        Assert.That(ReadAll(ref ring), Is.EqualTo(Stream(10, 20)));
    }

    [Test]
    public void Out_of_order_data_waits_for_the_gap_then_joins_rcv_nxt()
    {
        var ring = new ReceiveRingOver(100);
        Assert.That(ring.Write(20, Stream(20, 10)), Is.EqualTo(new ReceiveWrite(0, 10, 0, false)));
        Assert.That(ring.Readable, Is.Zero);
        Assert.That(ring.HasOutOfOrder, Is.True);
        Assert.That(ring.Window, Is.EqualTo(100), "the window is measured from RCV.NXT");
        Assert.That(Sack(ring), Is.EqualTo(new[] { new ReceivedRange(20, 30) }));
        Assert.That(ring.Write(10, Stream(10, 5)), Is.EqualTo(new ReceiveWrite(0, 5, 0, false)));
        Assert.That(ring.Write(0, Stream(0, 10)), Is.EqualTo(new ReceiveWrite(15, 10, 0, false)), "joins [10,15) but not [20,30)");
        Assert.That(Sack(ring), Is.EqualTo(new[] { new ReceivedRange(5, 15) }));
        Assert.That(ring.Write(0, Stream(15, 5)), Is.EqualTo(new ReceiveWrite(15, 5, 0, false)));
        Assert.That(ring.HasOutOfOrder, Is.False);
        Assert.That(ReadAll(ref ring), Is.EqualTo(Stream(0, 30)));
    }

    [Test]
    public void Duplicates_below_rcv_nxt_and_inside_held_ranges_are_counted()
    {
        var ring = new ReceiveRingOver(100);
        ring.Write(0, Stream(0, 20));
        // A retransmission of [10, 30): 10 bytes below RCV.NXT, 10 new.
        Assert.That(ring.Write(-10, Stream(10, 20)), Is.EqualTo(new ReceiveWrite(10, 10, 10, false)));
        ring.Write(10, Stream(40, 10));
        Assert.That(ring.Write(15, Stream(45, 10)), Is.EqualTo(new ReceiveWrite(0, 5, 5, false)));
        Assert.That(ring.Write(-30, Stream(0, 5)), Is.EqualTo(new ReceiveWrite(0, 0, 5, false)), "entirely old");
        Assert.That(ReadAll(ref ring), Is.EqualTo(Stream(0, 30)));
    }

    [Test]
    public void Data_outside_the_window_is_clipped()
    {
        var ring = new ReceiveRingOver(50);
        ring.Write(0, Stream(0, 30));
        Assert.That(ring.Window, Is.EqualTo(20));
        Assert.That(ring.Write(10, Stream(40, 20)), Is.EqualTo(new ReceiveWrite(0, 10, 0, false)), "only [10, 20) fits");
        Assert.That(Sack(ring), Is.EqualTo(new[] { new ReceivedRange(10, 20) }));
        Assert.That(ring.Write(20, Stream(50, 5)), Is.EqualTo(new ReceiveWrite(0, 0, 0, false)), "wholly beyond");
        Assert.That(ring.Write(0, Stream(30, 40)), Is.EqualTo(new ReceiveWrite(20, 10, 10, false)), "clipped at the window end");
        Assert.That(ring.Window, Is.Zero);
        Assert.That(ring.Write(0, Stream(50, 1)), Is.EqualTo(new ReceiveWrite(0, 0, 0, false)), "zero window");
        Assert.That(ReadAll(ref ring), Is.EqualTo(Stream(0, 50)));
        Assert.That(ring.Write(int.MaxValue, Stream(0, 10)), Is.EqualTo(new ReceiveWrite(0, 0, 0, false)));
        Assert.That(ring.Write(int.MinValue, Stream(0, 10)), Is.EqualTo(new ReceiveWrite(0, 0, 10, false)));
    }

    [Test]
    public void Data_wraps_round_the_end_of_the_buffer()
    {
        var ring = new ReceiveRingOver(10);
        ring.Write(0, Stream(0, 8));
        var head = new byte[6];
        ring.Read(head);
        // RCV.NXT is at index 8: an out-of-order byte at offset 3 lands at index 1, after the wrap.
        Assert.That(ring.Write(3, Stream(11, 2)), Is.EqualTo(new ReceiveWrite(0, 2, 0, false)));
        Assert.That(ring.Write(0, Stream(8, 3)), Is.EqualTo(new ReceiveWrite(5, 3, 0, false)));
        ring.GetReadable(out var first, out var second);
        Assert.That(first.ToArray(), Is.EqualTo(Stream(6, 4)));
        Assert.That(second.ToArray(), Is.EqualTo(Stream(10, 3)));
        ring.Consume(5);
        Assert.That(ReadAll(ref ring), Is.EqualTo(Stream(11, 2)));
    }

    [Test]
    public void A_full_range_table_drops_new_islands_and_still_takes_extensions_and_in_order_data()
    {
        var ring = new ReceiveRingOver(200);
        for (int i = 0; i < 3; i++) ring.Write(20 * i + 20, Stream(20 * i + 20, 5));
        Assert.That(ring.Write(120, Stream(120, 5)), Is.EqualTo(new ReceiveWrite(0, 0, 0, true)));
        Assert.That(Sack(ring), Has.Length.EqualTo(OutOfOrderRanges.Capacity));
        Assert.That(Sack(ring).Any(r => r.Start == 120), Is.False);
        Assert.That(ring.Write(25, Stream(25, 5)), Is.EqualTo(new ReceiveWrite(0, 5, 0, false)), "extends [20,25)");
        Assert.That(ring.Write(0, Stream(0, 5)), Is.EqualTo(new ReceiveWrite(5, 5, 0, false)), "in-order data needs no range");
        Assert.That(Sack(ring), Is.EqualTo(new[] { new ReceivedRange(15, 25), new ReceivedRange(55, 60), new ReceivedRange(35, 40) }));
        Assert.That(ring.Write(0, Stream(5, 15)), Is.EqualTo(new ReceiveWrite(25, 15, 0, false)), "joins [20,30)");
        Assert.That(ReadAll(ref ring), Is.EqualTo(Stream(0, 30)));
    }

    [Test]
    public void Sack_ranges_come_most_recently_changed_first()
    {
        var ring = new ReceiveRingOver(100);
        ring.Write(10, Stream(10, 5));
        ring.Write(30, Stream(30, 5));
        ring.Write(50, Stream(50, 5));
        Assert.That(Sack(ring), Is.EqualTo(new[] { new ReceivedRange(50, 55), new ReceivedRange(30, 35), new ReceivedRange(10, 15) }));
        ring.Write(15, Stream(15, 2));
        Assert.That(Sack(ring)[0], Is.EqualTo(new ReceivedRange(10, 17)));
        // After RCV.NXT moves, the ranges are reported relative to the new RCV.NXT, order kept.
        ring.Write(0, Stream(0, 10));
        Assert.That(Sack(ring), Is.EqualTo(new[] { new ReceivedRange(33, 38), new ReceivedRange(13, 18) }));
        var one = new ReceivedRange[1];
        Assert.That(ring.GetSackRanges(one), Is.EqualTo(1));
        Assert.That(one[0], Is.EqualTo(new ReceivedRange(33, 38)));
    }

    [Test]
    public void Consume_is_clamped_and_an_empty_buffer_holds_nothing()
    {
        var ring = new ReceiveRingOver(10);
        ring.Write(0, Stream(0, 4));
        ring.Consume(-1);
        Assert.That(ring.Readable, Is.EqualTo(4));
        ring.Consume(100);
        Assert.That(ring.Readable, Is.Zero);
        Assert.That(ring.Read(new byte[5]), Is.Zero);
        var empty = new ReceiveRingOver(0);
        Assert.That(empty.Window, Is.Zero);
        Assert.That(empty.Write(0, Stream(0, 3)), Is.EqualTo(new ReceiveWrite(0, 0, 0, false)));
        Assert.That(default(ReceiveRing).Readable, Is.Zero, "default is an empty ring");
    }

    [Test]
    public void Random_segments_and_reads_agree_with_a_reference_model([Values(1, 10, 97, 1000)] int capacity)
    {
        var random = new Random(2018 + capacity);
        var ring = new ReceiveRingOver(capacity);
        const int streamLength = 1 << 20;
        var received = new bool[streamLength];
        long readPos = 0, rcvNxt = 0;
        int dropped = 0, stored = 0, readBytes = 0;
        for (int step = 0; step < 30_000 && rcvNxt < streamLength - 4 * capacity; step++)
        {
            int window = capacity - (int)(rcvNxt - readPos);
            if (random.Next(3) == 0)
            {
                var destination = new byte[random.Next(capacity + 1)];
                int n = ring.Read(destination);
                int expectedCount = Math.Min(destination.Length, (int)(rcvNxt - readPos));
                if (n != expectedCount || !destination.AsSpan(0, n).SequenceEqual(Stream(readPos, n)))
                    Assert.Fail($"step {step}: read {n} bytes at {readPos}, expected {expectedCount}");
                readPos += n;
                readBytes += n;
                continue;
            }
            // A segment near the window: some below RCV.NXT, some beyond the window, most inside.
            long start = rcvNxt + random.Next(-capacity / 4 - 2, window + 3);
            int length = random.Next(0, Math.Max(2, capacity / 3));
            if (start < 0) start = 0;
            var result = ring.Write((int)(start - rcvNxt), Stream(start, length));

            long s = Math.Max(start, rcvNxt), e = Math.Min(start + length, rcvNxt + window);
            int below = (int)Math.Clamp(rcvNxt - start, 0, length);
            var expected = new ReceiveWrite(0, 0, below, false);
            if (s < e)
            {
                var runs = Runs(received, rcvNxt, rcvNxt + window);
                bool touches = runs.Any(r => r.Start <= e && r.End >= s);
                if (s > rcvNxt && !touches && runs.Count == OutOfOrderRanges.Capacity)
                    expected = expected with { Dropped = true };
                else
                {
                    int fresh = 0;
                    for (long i = s; i < e; i++) if (!received[i]) { received[i] = true; fresh++; }
                    long before = rcvNxt;
                    while (received[rcvNxt]) rcvNxt++;
                    expected = new ReceiveWrite((int)(rcvNxt - before), fresh, below + (int)(e - s) - fresh, false);
                }
            }
            if (result != expected) Assert.Fail($"step {step}: write [{start},{start + length}) at RCV.NXT {rcvNxt}: {result}, expected {expected}");
            if (result.Dropped) dropped++;
            stored += result.Stored;

            var modelRanges = Runs(received, rcvNxt, rcvNxt + capacity).Select(r => new ReceivedRange((int)(r.Start - rcvNxt), (int)(r.End - rcvNxt))).ToArray();
            var sack = Sack(ring);
            if (ring.Readable != rcvNxt - readPos || ring.Window != capacity - (rcvNxt - readPos))
                Assert.Fail($"step {step}: readable {ring.Readable}, expected {rcvNxt - readPos}");
            if (!sack.OrderBy(r => r.Start).SequenceEqual(modelRanges))
                Assert.Fail($"step {step}: ranges {string.Join(" ", sack)}, expected {string.Join(" ", modelRanges)}");
            // RFC 2018 §4: the block holding the segment just stored out of order is reported first.
            if (!result.Dropped && s < e && e > rcvNxt && (sack[0].Start > s - rcvNxt || sack[0].End < e - rcvNxt))
                Assert.Fail($"step {step}: first range {sack[0]} does not hold [{s - rcvNxt},{e - rcvNxt})");
            if (ring.HasOutOfOrder != modelRanges.Length > 0) Assert.Fail($"step {step}: HasOutOfOrder");
        }
        Assert.That(readBytes, Is.GreaterThan(10 * capacity), "the ring wrapped many times");
        TestContext.Out.WriteLine($"capacity {capacity}: {readBytes} bytes read, {stored} stored, {dropped} islands dropped");
        if (capacity >= 97) Assert.That(dropped, Is.GreaterThan(0), "the range table filled at times");
        Assert.That(stored, Is.GreaterThan(0));
    }

    // Maximal runs of received bytes in [from, to).
    private static List<(long Start, long End)> Runs(bool[] received, long from, long to)
    {
        var runs = new List<(long, long)>();
        for (long i = from; i < to && i < received.Length; i++)
        {
            if (!received[i]) continue;
            long start = i;
            while (i < to && received[i]) i++;
            runs.Add((start, i));
        }
        return runs;
    }

    [Test]
    public void Writing_and_reading_allocates_nothing()
    {
        var ring = new ReceiveRingOver(1000);
        var segment = Stream(0, 300);
        var destination = new byte[300];
        Span<ReceivedRange> sack = stackalloc ReceivedRange[4];
        Assert.That(ring.Write(0, segment[..100]).Advanced, Is.EqualTo(100)); // a backlog, so the data wraps round the end
        int ok = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            // Out of order first, then the gap: every segment goes through the range table.
            var late = ring.Write(150, segment.AsSpan(150));
            int ranges = ring.GetSackRanges(sack);
            var early = ring.Write(0, segment.AsSpan(0, 150));
            int read = ring.Read(destination);
            if (late == new ReceiveWrite(0, 150, 0, false) && ranges == 1 && sack[0] == new ReceivedRange(150, 300)
                && early == new ReceiveWrite(300, 150, 0, false) && read == 300 && ring.Readable == 100)
                ok++;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(ok, Is.EqualTo(10_000));
        Assert.That(allocated, Is.Zero);
    }
}
