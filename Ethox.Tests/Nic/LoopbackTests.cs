using System;
using Ethox.Layer;
using Ethox.Nic;
using NUnit.Framework;

namespace Ethox.Tests.Nic;

public class LoopbackTests
{
    [Test]
    public void Transmitted_frames_come_back_in_order_with_their_bytes()
    {
        var lo = new Loopback(8);
        var sender = new NumberedSender(5, 100);
        Assert.That(lo.Transmit(10, ref sender, Instant.Zero), Is.EqualTo(5));
        var got = Collector.Create();
        Assert.That(lo.Receive(10, ref got, Instant.Zero), Is.EqualTo(5));
        Assert.That(got.Numbers, Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
        Assert.That(got.Lengths, Is.All.EqualTo(100));
        var expected = new byte[100];
        NumberedSender.Fill(expected, 3);
        Assert.That(got.Frames[3], Is.EqualTo(expected));
        Assert.That(lo.Counters.TxFrames, Is.EqualTo(5));
        Assert.That(lo.Counters.RxBytes, Is.EqualTo(500));
    }

    [Test]
    public void A_full_ring_drops_and_counts_the_frame()
    {
        var lo = new Loopback(4);
        var sender = new NumberedSender(6, 60);
        Assert.That(lo.Transmit(10, ref sender, Instant.Zero), Is.EqualTo(6), "the sender's frames are all taken");
        Assert.That(lo.Pending, Is.EqualTo(4));
        Assert.That(lo.Counters.TxQueueFull, Is.EqualTo(2));
        Assert.That(lo.Counters.TxFrames, Is.EqualTo(4));
        var got = Collector.Create();
        lo.Receive(10, ref got, Instant.Zero);
        Assert.That(got.Numbers, Is.EqualTo(new[] { 0, 1, 2, 3 }));
    }

    [Test]
    public void Receive_hands_over_at_most_max_frames()
    {
        var lo = new Loopback(8);
        var sender = new NumberedSender(5, 60);
        lo.Transmit(10, ref sender, Instant.Zero);
        var got = Collector.Create();
        Assert.That(lo.Receive(2, ref got, Instant.Zero), Is.EqualTo(2));
        Assert.That(lo.Receive(0, ref got, Instant.Zero), Is.EqualTo(0));
        Assert.That(lo.Receive(10, ref got, Instant.Zero), Is.EqualTo(3));
        Assert.That(got.Numbers, Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
    }

    [Test]
    public void Transmit_stops_at_the_first_unsent_buffer()
    {
        var lo = new Loopback(8);
        var sender = new NumberedSender(3, 60);
        Assert.That(lo.Transmit(100, ref sender, Instant.Zero), Is.EqualTo(3));
        Assert.That(lo.Pending, Is.EqualTo(3));
    }

    [Test]
    public void Lent_buffers_hold_a_whole_maximum_frame()
    {
        var lo = new Loopback(2, mtu: 1500);
        Assert.That(lo.Capabilities.MaxFrameLength, Is.EqualTo(1522));
        var probe = new CapacityProbe();
        lo.Transmit(1, ref probe, Instant.Zero);
        Assert.That(probe.Capacity, Is.EqualTo(1522));
        Assert.That(probe.FrameLength, Is.Zero, "a transmit buffer is empty");
        var ip = new Loopback(2, mtu: 1280, medium: Medium.Ip);
        Assert.That(ip.Capabilities.MaxFrameLength, Is.EqualTo(1280));
    }

    [Test]
    public void An_answer_in_place_comes_back_in_a_later_call_not_the_same_one()
    {
        var lo = new Loopback(4);
        var sender = new NumberedSender(1, 80);
        lo.Transmit(1, ref sender, Instant.Zero);
        var answerer = new Answerer { AnswerLength = 90 };
        Assert.That(lo.Receive(100, ref answerer, Instant.Zero), Is.EqualTo(1), "the answer is not handed over again in the same call");
        Assert.That(lo.Pending, Is.EqualTo(1));
        var got = Collector.Create();
        lo.Receive(10, ref got, Instant.Zero);
        Assert.That(got.Lengths, Is.EqualTo(new[] { 90 }));
        Assert.That(got.Frames[0][0], Is.EqualTo(1), "the rewritten bytes are what was sent");
        Assert.That(lo.Counters.TxFrames, Is.EqualTo(2));
    }

    [Test]
    public void A_packet_carries_the_time_of_the_call()
    {
        var lo = new Loopback(2);
        var sender = new NumberedSender(1, 60);
        lo.Transmit(1, ref sender, Instant.FromMilliseconds(5));
        var probe = new CapacityProbe();
        lo.Receive(1, ref probe, Instant.FromMilliseconds(7));
        Assert.That(probe.Timestamp, Is.EqualTo(Instant.FromMilliseconds(7)));
    }

    [Test]
    public void Steady_state_allocates_nothing()
    {
        var lo = new Loopback(64);
        long answered = 0, counted = 0;
        long bytes = Allocation.Measure(() =>
        {
            for (int round = 0; round < 1000; round++)
            {
                var sender = new NumberedSender(32, 1000);
                lo.Transmit(32, ref sender, Instant.Zero);
                var answerer = new Answerer();
                lo.Receive(16, ref answerer, Instant.Zero);
                var counter = new Counter();
                lo.Receive(64, ref counter, Instant.Zero);
                answered += answerer.Answered;
                counted += counter.Frames;
            }
        });
        Assert.That(bytes, Is.Zero);
        // Two runs of 1000 rounds (warm-up, measured): 16 of the 32 frames answered, then the other 16 and the 16 answers counted.
        Assert.That((answered, counted), Is.EqualTo((2000L * 16, 2000L * 32)));
        Assert.That(lo.Counters.RxFrames, Is.EqualTo(2000 * 48));
    }

    private struct CapacityProbe : IRecv<RawPacket>, ISend<RawPacket>
    {
        public int Capacity, FrameLength;
        public Instant Timestamp;
        public void Receive(RawPacket packet) => Send(packet);
        public void Send(RawPacket packet) { Capacity = packet.Capacity.Length; FrameLength = packet.Frame.Length; Timestamp = packet.Timestamp; }
    }
}
