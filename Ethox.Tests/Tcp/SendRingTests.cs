using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using Ethox.Layer.Tcp;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

public class SendRingTests
{
    private static byte[] Pattern(int start, int count) => Enumerable.Range(start, count).Select(i => (byte)(i * 7 + 3)).ToArray();

    [Test]
    public void A_send_ring_is_two_24_bit_positions_in_6_bytes_its_memory_is_lent_to_each_call()
    {
        Assert.That(Unsafe.SizeOf<SendRing>(), Is.EqualTo(6));
    }

    [Test]
    public void Writes_take_only_what_fits()
    {
        var ring = new SendRingOver(10);
        Assert.That(ring.Capacity, Is.EqualTo(10));
        Assert.That(ring.Write(Pattern(0, 6)), Is.EqualTo(6));
        Assert.That(ring.Write(Pattern(6, 6)), Is.EqualTo(4));
        Assert.That(ring.Length, Is.EqualTo(10));
        Assert.That(ring.Free, Is.Zero);
        Assert.That(ring.Write(Pattern(0, 1)), Is.Zero);
        var all = new byte[10];
        ring.CopyOut(0, all);
        Assert.That(all, Is.EqualTo(Pattern(0, 10)));
    }

    [Test]
    public void Held_bytes_wrap_round_the_end_of_a_buffer_of_any_size()
    {
        var ring = new SendRingOver(10);
        Assert.That(ring.Write(Pattern(0, 7)), Is.EqualTo(7));
        ring.Release(5);
        Assert.That(ring.Length, Is.EqualTo(2));
        Assert.That(ring.Write(Pattern(7, 6)), Is.EqualTo(6), "3 at the end, 3 at the start");
        ring.GetReadable(0, 8, out var first, out var second);
        Assert.That(first.Length, Is.EqualTo(5));
        Assert.That(second.Length, Is.EqualTo(3));
        Assert.That(first.ToArray().Concat(second.ToArray()), Is.EqualTo(Pattern(5, 8)));
        // Retransmission from the middle, across the wrap.
        var middle = new byte[4];
        ring.CopyOut(3, middle);
        Assert.That(middle, Is.EqualTo(Pattern(8, 4)));
        ring.GetReadable(5, 3, out first, out second);
        Assert.That(first.ToArray(), Is.EqualTo(Pattern(10, 3)));
        Assert.That(second.IsEmpty, Is.True);
    }

    [Test]
    public void Copy_out_and_sum_gives_the_copied_bytes_and_their_sum_across_the_wrap_at_odd_and_even_splits()
    {
        for (int released = 0; released < 40; released++)
        {
            var ring = new SendRingOver(101);
            ring.Write(Pattern(0, 100));
            ring.Release(released + 60);
            ring.Write(Pattern(100, 60)); // now wraps: the held bytes end before the buffer's start + 60 - (101 - 100)
            for (int offset = 0; offset < 10; offset++)
            {
                int count = ring.Length - offset;
                var plain = new byte[count];
                var summed = new byte[count];
                ring.CopyOut(offset, plain);
                ushort sum = ring.CopyOutAndSum(offset, summed);
                Assert.That(summed, Is.EqualTo(plain), $"released {released}, offset {offset}");
                Assert.That(sum, Is.EqualTo(Ethox.Wire.Checksum.Sum(plain)), $"released {released}, offset {offset}");
            }
        }
    }

    [Test]
    public void Writing_in_place_through_the_writable_spans()
    {
        var ring = new SendRingOver(8);
        ring.Write(Pattern(0, 6));
        ring.Release(4);
        ring.GetWritable(out var first, out var second);
        Assert.That(first.Length, Is.EqualTo(2), "after the held bytes up to the end");
        Assert.That(second.Length, Is.EqualTo(4), "then from the start up to the oldest held byte");
        Pattern(6, 2).CopyTo(first);
        Pattern(8, 3).CopyTo(second);
        ring.CommitWrite(5);
        Assert.That(ring.Length, Is.EqualTo(7));
        var all = new byte[7];
        ring.CopyOut(0, all);
        Assert.That(all, Is.EqualTo(Pattern(4, 7)));
        ring.CommitWrite(100);
        Assert.That(ring.Length, Is.EqualTo(8), "clamped to the free space");
        ring.CommitWrite(-3);
        Assert.That(ring.Length, Is.EqualTo(8));
    }

    [Test]
    public void Ranges_outside_the_held_bytes_give_nothing()
    {
        var ring = new SendRingOver(8);
        ring.Write(Pattern(0, 5));
        var destination = new byte[3];
        destination.AsSpan().Fill(0xEE);
        ring.CopyOut(3, destination);
        Assert.That(destination, Is.All.EqualTo(0xEE), "bytes 3..6 are not all held");
        ring.CopyOut(-1, destination);
        Assert.That(destination, Is.All.EqualTo(0xEE));
        ring.GetReadable(4, 2, out var first, out var second);
        Assert.That(first.IsEmpty && second.IsEmpty, Is.True);
        ring.GetReadable(0, -1, out first, out second);
        Assert.That(first.IsEmpty && second.IsEmpty, Is.True);
        ring.GetReadable(5, 0, out first, out second);
        Assert.That(first.IsEmpty && second.IsEmpty, Is.True);
    }

    [Test]
    public void Release_is_clamped_and_an_emptied_ring_starts_again_at_the_beginning()
    {
        var ring = new SendRingOver(8);
        ring.Write(Pattern(0, 5));
        ring.Release(-2);
        Assert.That(ring.Length, Is.EqualTo(5));
        ring.Release(50);
        Assert.That(ring.Length, Is.Zero);
        ring.GetWritable(out var first, out var second);
        Assert.That(first.Length, Is.EqualTo(8));
        Assert.That(second.IsEmpty, Is.True);
    }

    [Test]
    public void An_empty_buffer_holds_nothing()
    {
        var ring = new SendRingOver(0);
        Assert.That(ring.Write(Pattern(0, 3)), Is.Zero);
        ring.GetWritable(out var first, out var second);
        Assert.That(first.IsEmpty && second.IsEmpty, Is.True);
        ring.Release(1);
        Assert.That(ring.Length, Is.Zero);
        Assert.That(default(SendRing).Length, Is.Zero, "default is an empty ring");
    }

    [Test]
    public void Random_writes_copies_and_releases_agree_with_a_queue([Values(1, 7, 100, 4096)] int capacity)
    {
        var random = new Random(capacity);
        var ring = new SendRingOver(capacity);
        var model = new List<byte>();
        int next = 0;
        for (int step = 0; step < 20_000; step++)
        {
            switch (random.Next(4))
            {
                case 0:
                    var data = Pattern(next, random.Next(capacity + 2));
                    int taken = ring.Write(data);
                    Assert.That(taken, Is.EqualTo(Math.Min(data.Length, capacity - model.Count)));
                    model.AddRange(data.Take(taken));
                    next += taken;
                    break;
                case 1:
                    ring.GetWritable(out var first, out var second);
                    Assert.That(first.Length + second.Length, Is.EqualTo(capacity - model.Count));
                    int count = random.Next(first.Length + second.Length + 1);
                    var bytes = Pattern(next, count);
                    bytes.AsSpan(0, Math.Min(count, first.Length)).CopyTo(first);
                    bytes.AsSpan(Math.Min(count, first.Length)).CopyTo(second);
                    ring.CommitWrite(count);
                    model.AddRange(bytes);
                    next += count;
                    break;
                case 2:
                    int offset = random.Next(model.Count + 1);
                    var destination = new byte[random.Next(model.Count - offset + 1)];
                    ring.CopyOut(offset, destination);
                    if (!destination.AsSpan().SequenceEqual(model.Skip(offset).Take(destination.Length).ToArray()))
                        Assert.Fail($"step {step}: copy of {destination.Length} at {offset} differs");
                    break;
                default:
                    int released = random.Next(model.Count + 1);
                    ring.Release(released);
                    model.RemoveRange(0, released);
                    break;
            }
            if (ring.Length != model.Count || ring.Free != capacity - model.Count) Assert.Fail($"step {step}: length {ring.Length}, expected {model.Count}");
        }
    }

    [Test]
    public void Writing_copying_and_releasing_allocates_nothing()
    {
        var ring = new SendRingOver(1000);
        var data = Pattern(0, 300);
        var copy = new byte[300];
        Assert.That(ring.Write(Pattern(0, 500)), Is.EqualTo(500)); // a backlog, so the writes wrap round the end
        int ok = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            int taken = ring.Write(data);
            ring.CopyOut(ring.Length - taken, copy);
            ring.GetReadable(0, ring.Length, out var first, out var second);
            if (taken == 300 && copy.AsSpan().SequenceEqual(data) && first.Length + second.Length == ring.Length) ok++;
            ring.Release(taken);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(ok, Is.EqualTo(10_000));
        Assert.That(allocated, Is.Zero);
    }
}
