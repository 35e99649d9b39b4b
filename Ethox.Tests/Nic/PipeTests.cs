using System;
using Ethox.Layer;
using Ethox.Nic;
using NUnit.Framework;

namespace Ethox.Tests.Nic;

public class PipeTests
{
    [Test]
    public void Frames_sent_on_one_end_arrive_on_the_other_in_order()
    {
        var (a, b) = Pipe.CreatePair(16);
        var sender = new NumberedSender(10, 64);
        a.Transmit(100, ref sender, Instant.Zero);
        Assert.That(b.Pending, Is.EqualTo(10));
        Assert.That(a.Pending, Is.Zero, "nothing comes back to the sender");
        var got = Collector.Create();
        Assert.That(b.Receive(100, ref got, Instant.Zero), Is.EqualTo(10));
        Assert.That(got.Numbers, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }));
        Assert.That(a.Counters.TxFrames, Is.EqualTo(10));
        Assert.That(b.Counters.RxFrames, Is.EqualTo(10));
    }

    [Test]
    public void Directions_are_independent()
    {
        var (a, b) = Pipe.CreatePair(4);
        var fromA = new NumberedSender(3, 60, first: 100);
        var fromB = new NumberedSender(2, 60, first: 200);
        a.Transmit(10, ref fromA, Instant.Zero);
        b.Transmit(10, ref fromB, Instant.Zero);
        var atA = Collector.Create();
        var atB = Collector.Create();
        a.Receive(10, ref atA, Instant.Zero);
        b.Receive(10, ref atB, Instant.Zero);
        Assert.That(atA.Numbers, Is.EqualTo(new[] { 200, 201 }));
        Assert.That(atB.Numbers, Is.EqualTo(new[] { 100, 101, 102 }));
    }

    [Test]
    public void A_full_peer_ring_drops_and_counts_on_the_sending_end()
    {
        var (a, b) = Pipe.CreatePair(3);
        var sender = new NumberedSender(5, 60);
        Assert.That(a.Transmit(10, ref sender, Instant.Zero), Is.EqualTo(5));
        Assert.That(a.Counters.TxQueueFull, Is.EqualTo(2));
        Assert.That(a.Counters.Drops, Is.EqualTo(2));
        Assert.That(b.Pending, Is.EqualTo(3));
        var got = Collector.Create();
        b.Receive(10, ref got, Instant.Zero);
        Assert.That(got.Numbers, Is.EqualTo(new[] { 0, 1, 2 }));
    }

    [Test]
    public void An_answer_in_place_crosses_back_to_the_sender()
    {
        var (a, b) = Pipe.CreatePair(4);
        var sender = new NumberedSender(2, 100);
        a.Transmit(10, ref sender, Instant.Zero);
        var answerer = new Answerer { AnswerLength = 120 };
        b.Receive(10, ref answerer, Instant.Zero);
        Assert.That(answerer.Answered, Is.EqualTo(2));
        Assert.That(b.Pending, Is.Zero);
        var got = Collector.Create();
        a.Receive(10, ref got, Instant.Zero);
        Assert.That(got.Lengths, Is.EqualTo(new[] { 120, 120 }));
        Assert.That(got.Frames[1][0], Is.EqualTo(1), "the first byte was rewritten in place");
        Assert.That(NumberedSender.NumberOf(got.Frames[1].AsSpan()) & 0x00FF_FFFF, Is.EqualTo(1), "the rest of the frame is the received one");
        Assert.That(b.Counters.TxFrames, Is.EqualTo(2));
    }

    [Test]
    public void An_answer_into_a_full_ring_is_dropped_and_counted()
    {
        var (a, b) = Pipe.CreatePair(2);
        var fill = new NumberedSender(2, 60);
        b.Transmit(2, ref fill, Instant.Zero); // B->A ring now full
        var sender = new NumberedSender(1, 60);
        a.Transmit(1, ref sender, Instant.Zero);
        var answerer = new Answerer();
        b.Receive(1, ref answerer, Instant.Zero);
        Assert.That(b.Counters.TxQueueFull, Is.EqualTo(1));
        Assert.That(a.Pending, Is.EqualTo(2));
    }

    [Test]
    public void Ip_medium_frames_are_at_most_the_mtu()
    {
        var (a, _) = Pipe.CreatePair(2, mtu: 9000, medium: Medium.Ip);
        Assert.That(a.Capabilities, Is.EqualTo(new DeviceCapabilities(Medium.Ip, 9000)));
        Assert.That(a.Capabilities.MaxFrameLength, Is.EqualTo(9000));
    }

    [Test]
    public void Ping_pong_in_steady_state_allocates_nothing()
    {
        var (a, b) = Pipe.CreatePair(64);
        long answered = 0, received = 0, receivedBytes = 0;
        long bytes = Allocation.Measure(() =>
        {
            for (int round = 0; round < 1000; round++)
            {
                var sender = new NumberedSender(32, 1514);
                a.Transmit(64, ref sender, Instant.Zero);
                var answerer = new Answerer();
                b.Receive(64, ref answerer, Instant.Zero);
                var counter = new Counter();
                a.Receive(64, ref counter, Instant.Zero);
                answered += answerer.Answered;
                received += counter.Frames;
                receivedBytes += counter.Bytes;
            }
        });
        Assert.That(bytes, Is.Zero);
        // Measure runs the loop twice: a warm-up and the measured run.
        Assert.That((answered, received, receivedBytes), Is.EqualTo((64_000L, 64_000L, 64_000L * 1514)));
        Assert.That(a.Counters.RxFrames, Is.EqualTo(64_000));
        Assert.That(a.Counters.Drops + b.Counters.Drops, Is.Zero);
    }
}
