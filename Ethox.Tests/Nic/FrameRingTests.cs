using System;
using System.Collections.Generic;
using Ethox.Layer;
using Ethox.Nic;
using NUnit.Framework;

namespace Ethox.Tests.Nic;

public class FrameRingTests
{
    [Test]
    public void Freed_buffers_are_written_again_last_in_first_out()
    {
        var ring = new FrameRing(256, 64);
        // Four frames in flight at a time, 1,000 times over: only the four buffers (and the one about to be written)
        // are ever used, not the ring's 256 in rotation.
        var seen = new HashSet<int>();
        for (int round = 0; round < 1000; round++)
        {
            for (int i = 0; i < 4; i++)
            {
                seen.Add(BufferId(ring.TailBuffer));
                ring.TailBuffer[0] = (byte)i;
                ring.Push(60, Instant.Zero);
            }
            for (int i = 0; i < 4; i++)
            {
                Assert.That(ring.HeadBuffer[0], Is.EqualTo((byte)i), "frames leave in order");
                ring.Pop();
            }
        }
        Assert.That(seen, Has.Count.EqualTo(4));
    }

    [Test]
    public void The_next_buffer_written_is_the_one_just_freed()
    {
        var ring = new FrameRing(8, 64);
        int first = BufferId(ring.TailBuffer);
        ring.Push(60, Instant.Zero);
        int second = BufferId(ring.TailBuffer);
        ring.Push(60, Instant.Zero);
        Assert.That(second, Is.Not.EqualTo(first));
        ring.Pop();
        Assert.That(BufferId(ring.TailBuffer), Is.EqualTo(first), "the frame popped last gave its buffer to the next write");
        ring.Push(60, Instant.Zero);
        ring.Pop();
        ring.Pop();
        Assert.That(BufferId(ring.TailBuffer), Is.EqualTo(first), "popped last");
    }

    [Test]
    public void A_frame_moved_to_another_ring_keeps_its_bytes_and_both_rings_keep_their_buffer_count()
    {
        var rx = new FrameRing(4, 64);
        var tx = new FrameRing(4, 64);
        for (int i = 0; i < 4; i++)
        {
            rx.TailBuffer[0] = (byte)(10 + i);
            rx.Push(60, Instant.Zero);
        }
        Assert.That(rx.IsFull);
        for (int i = 0; i < 4; i++) Assert.That(rx.PopInto(tx, 30, Instant.Zero, default), Is.True);
        Assert.That(rx.IsEmpty && tx.IsFull);
        var ids = new HashSet<int>();
        for (int i = 0; i < 4; i++)
        {
            Assert.That(tx.HeadBuffer[0], Is.EqualTo((byte)(10 + i)));
            Assert.That(tx.HeadLength, Is.EqualTo(30));
            ids.Add(BufferId(tx.HeadBuffer));
            tx.Pop();
        }
        // Every buffer of both rings is distinct and each ring can fill up again.
        for (int i = 0; i < 4; i++)
        {
            ids.Add(BufferId(rx.TailBuffer));
            rx.Push(60, Instant.Zero);
            ids.Add(BufferId(tx.TailBuffer));
            tx.Push(60, Instant.Zero);
        }
        Assert.That(ids, Has.Count.EqualTo(8));
        Assert.That(rx.IsFull && tx.IsFull);
    }

    [Test]
    public void A_full_target_loses_the_frame_and_the_source_keeps_its_buffer()
    {
        var rx = new FrameRing(2, 64);
        var tx = new FrameRing(1, 64);
        tx.Push(60, Instant.Zero);
        rx.Push(60, Instant.Zero);
        Assert.That(rx.PopInto(tx, 60, Instant.Zero, default), Is.False);
        Assert.That(rx.IsEmpty && tx.Count == 1);
        rx.Push(60, Instant.Zero);
        rx.Push(60, Instant.Zero);
        Assert.That(rx.IsFull);
    }

    [Test]
    public void A_frame_answered_into_its_own_ring_goes_to_the_back()
    {
        var ring = new FrameRing(2, 64);
        ring.TailBuffer[0] = 1;
        ring.Push(60, Instant.Zero);
        ring.TailBuffer[0] = 2;
        ring.Push(60, Instant.Zero);
        Assert.That(ring.PopInto(ring, 40, Instant.Zero, default), Is.True, "full, but the pop made room");
        Assert.That(ring.HeadBuffer[0], Is.EqualTo(2));
        ring.Pop();
        Assert.That(ring.HeadBuffer[0], Is.EqualTo(1));
        Assert.That(ring.HeadLength, Is.EqualTo(40));
    }

    // Buffers are told apart by a tag in their last byte, given the first time a buffer is seen (frames here use byte 0
    // only); 0 means not tagged yet.
    private byte _nextTag;

    private int BufferId(Span<byte> buffer)
    {
        if (buffer[^1] == 0) buffer[^1] = ++_nextTag;
        return buffer[^1];
    }
}
