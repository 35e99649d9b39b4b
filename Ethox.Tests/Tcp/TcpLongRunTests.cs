using System;
using System.Collections.Generic;
using Ethox.Layer;
using Ethox.Fuzzing;
using Ethox.Layer.Tcp;
using Ethox.Tests.Layer;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>Two Ethox stacks over a pipe for a long simulated time: many connections through few slots, a receive window held shut for minutes.</summary>
public class TcpLongRunTests
{
    [Test]
    public void Ten_thousand_connections_open_and_close()
    {
        // 64 slots a side for 10,000 connections: every slot is used again and again, and the active closer's
        // TIME-WAIT (RFC 9293 §3.6.1, 2·MSL) is waited out in simulated time before the batch after next needs the slot.
        const int Total = 10_000, Batch = 30, Capacity = 64;
        var p = new TcpPair(capacity: Capacity, bufferSize: 8 * 1024);
        p.A.App.Hash = p.B.App.Hash = false;
        p.B.App.Echo = true;
        Assert.That(p.B.Tcp.Listen(7), Is.EqualTo(TcpStatus.Ok));
        var remote = new TransportAddress(TcpPair.V4B, 7);
        var keys = new List<(SlotKey Key, long Bytes)>(Batch);
        int opened = 0, verified = 0;
        long carried = 0;
        while (opened < Total)
        {
            // At most the last batch is still in TIME-WAIT: no slot ever had to be taken from one early.
            Assert.That(p.A.Tcp.Count, Is.LessThanOrEqualTo(Batch));
            keys.Clear();
            for (int i = 0; i < Batch && opened < Total; i++, opened++)
            {
                long bytes = 1 + opened % 7 * 700;
                keys.Add((p.A.App.Connect(remote, bytes, p.Now), bytes));
            }
            int closedBefore = p.A.App.Closed;
            Assert.That(p.RunUntil(() => p.A.App.Closed == closedBefore + keys.Count, Duration.FromSeconds(60)), Is.True,
                $"batch ending at {opened}: A {Dump.Of(p.A.Tcp.Counters)}\nB {Dump.Of(p.B.Tcp.Counters)}");
            foreach (var (key, bytes) in keys)
            {
                ref var c = ref p.A.App[key];
                Assert.That(c.Key, Is.EqualTo(key));
                Assert.That(c.Read, Is.EqualTo(bytes), "the echo of every byte came back");
                Assert.That(c.PatternError, Is.False);
                Assert.That(c.Events & (TcpEvents.Reset | TcpEvents.TimedOut), Is.EqualTo(TcpEvents.None), "closed, not reset");
                Assert.That(p.A.Tcp.StateOf(key), Is.EqualTo(TcpState.TimeWait), "the active closer holds TIME-WAIT");
                carried += c.Read;
                verified++;
            }
            // Half of TIME-WAIT passes per batch: the slots of the batch before last come free by time alone.
            p.Advance(p.A.Tcp.Settings.TimeWait / 2 + Duration.FromMilliseconds(1));
        }
        p.Advance(p.A.Tcp.Settings.TimeWait + Duration.FromSeconds(1));

        Assert.That(verified, Is.EqualTo(Total));
        Assert.That(p.A.App.Closed, Is.EqualTo(Total));
        Assert.That(p.B.App.Closed, Is.EqualTo(Total));
        Assert.That(p.B.App.Accepted, Is.EqualTo(Total));
        Assert.That(carried, Is.GreaterThan(Total * 1000L));
        Assert.That(p.A.App.Misdelivered + p.B.App.Misdelivered, Is.Zero);
        Assert.That(p.A.Tcp.Counters.ActiveOpens, Is.EqualTo(Total));
        Assert.That(p.A.Tcp.Counters.Resets + p.B.Tcp.Counters.Resets, Is.Zero, "no connection was reset, none met a leftover TIME-WAIT");
        Assert.That(p.A.Tcp.Count, Is.Zero, "A's slot map ends empty");
        Assert.That(p.B.Tcp.Count, Is.Zero, "B's slot map ends empty");
    }

    [Test]
    public void Zero_window_held_for_minutes_is_probed_with_backoff_and_the_transfer_then_completes_intact()
    {
        const int Bytes = 300_000;
        var p = new TcpPair(bufferSize: 16 * 1024);
        p.B.App.ReadPaused = true;
        p.B.Tcp.Listen(9);
        var key = p.A.App.Connect(new TransportAddress(TcpPair.V4B, 9), Bytes, p.Now);
        Assert.That(p.RunUntil(() => p.A.App.Connected == 1, Duration.FromSeconds(5)), Is.True);

        // The receiver's ring fills and its window closes; then it reads nothing for ten minutes.
        p.Advance(Duration.FromSeconds(30));
        long early = p.A.Tcp.Counters.WindowProbes;
        Assert.That(early, Is.GreaterThan(0), "the sender probes the zero window (RFC 9293 §3.8.6.1)");
        Assert.That(p.A.Tcp.GetInfo(key, out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.SendWindow, Is.Zero, "the window is shut");
        p.Advance(Duration.FromSeconds(570));
        long late = p.A.Tcp.Counters.WindowProbes - early;
        // Backing off to PersistMax (60 s): a probe a minute at most once backed off, not one per 200 ms.
        long bound = 570_000_000 / p.A.Tcp.Settings.PersistMax.Microseconds + 2;
        Assert.That(late, Is.InRange(5, bound), $"probes in the last 9.5 minutes (first 30 s: {early})");
        Assert.That(p.A.Tcp.StateOf(key), Is.EqualTo(TcpState.Established), "the connection was not dropped while the receiver answered");
        Assert.That(p.A.App.Closed + p.B.App.Closed, Is.Zero);
        Assert.That(p.A.App[key].Events & (TcpEvents.Reset | TcpEvents.TimedOut), Is.EqualTo(TcpEvents.None));

        p.B.App.ReadPaused = false;
        p.B.App.PumpAll();
        Assert.That(p.RunUntil(() => p.A.App.Closed == 1 && p.B.App.Closed == 1, Duration.FromSeconds(300)), Is.True,
            $"A {Dump.Of(p.A.Tcp.Counters)}\nB {Dump.Of(p.B.Tcp.Counters)}");
        var server = FindServer(p.B.App, p.B.Tcp.Capacity);
        Assert.That(server.Read, Is.EqualTo(Bytes));
        Assert.That(server.PatternError, Is.False, "every byte intact, in order");
        Assert.That(p.A.App.Misdelivered + p.B.App.Misdelivered, Is.Zero);
    }

    [Test]
    public void Zero_window_probe_answers_are_not_duplicate_acks_and_every_probe_is_counted()
    {
        // Each probe is answered with the same ACK and the same zero window (RFC 9293 §3.8.6.1). Those answers are not
        // RFC 5681 §2 duplicate ACKs: counting them put the sender into fast recovery after three probes, halving its
        // window for a loss that never happened. And each probe after the first (the byte at SND.UNA again) is a probe,
        // not a retransmission.
        var p = new TcpPair(bufferSize: 16 * 1024);
        p.B.App.ReadPaused = true;
        p.B.Tcp.Listen(9);
        var key = p.A.App.Connect(new TransportAddress(TcpPair.V4B, 9), 100_000, p.Now);
        p.Advance(Duration.FromSeconds(120));
        ref readonly var a = ref p.A.Tcp.Counters;
        Assert.That(p.A.Tcp.StateOf(key), Is.EqualTo(TcpState.Established));
        Assert.That(a.WindowProbes, Is.InRange(6, 12), "intervals from 0.2 s doubling (about nine in two minutes; 600 without backoff)");
        Assert.That(a.DuplicateAcks, Is.Zero, "answers to probes are not duplicate ACKs");
        Assert.That(a.FastRetransmits, Is.Zero, "no recovery without loss");
        Assert.That(a.Retransmits, Is.Zero, "a perfect link: nothing was retransmitted, only probed");
    }

    [TestCase(false, TestName = "A_lost_syn_long_after_the_endpoint_started_is_retransmitted_not_timed_out")]
    [TestCase(true, TestName = "A_lost_syn_ack_long_after_the_endpoint_started_is_retransmitted_not_timed_out")]
    public void A_lost_handshake_segment_is_retransmitted(bool passive)
    {
        // The R2 limit of RFC 1122 §4.2.3.5 counts from the first retransmission. A new connection's "retransmitting
        // since" was the zero instant, so once the endpoint had run for longer than the SYN limit (180 s), the first
        // lost SYN or SYN-ACK ended the attempt at once with TimedOut.
        var host = new TcpFuzzHost();
        host.Advance(Duration.FromSeconds(1000));
        var peer = new TcpScriptedPeer(host, v6: false) { Accepting = false };
        SlotKey key;
        if (passive)
        {
            host.Tcp.Listen(peer.HostPort);
            peer.SendSyn();
            key = host.App.Key;
            Assert.That(host.Tcp.StateOf(key), Is.EqualTo(TcpState.SynReceived));
        }
        else
        {
            Assert.That(host.App.Connect(new TransportAddress(peer.Address, peer.Port), host.Now, out key), Is.True);
            host.Poll();
        }
        peer.Drain();
        Assert.That(peer.SegmentsSeen, Is.EqualTo(1), "the first SYN went out (and is taken as lost)");
        var state = host.Tcp.StateOf(key);
        host.AdvanceToNextDeadline(Duration.FromSeconds(5));
        peer.Drain();
        Assert.That(host.Tcp.StateOf(key), Is.EqualTo(state), "still opening after one timeout");
        Assert.That(host.App.Events & TcpEvents.TimedOut, Is.EqualTo(TcpEvents.None));
        Assert.That(peer.SegmentsSeen, Is.EqualTo(2), "the SYN was sent again");
        Assert.That(host.Tcp.Counters.Timeouts, Is.EqualTo(1));
    }

    private static TcpApp.Conn FindServer(TcpApp app, int capacity)
    {
        for (int i = 0; i < capacity; i++)
            if (app[new SlotKey(i, 0)].Key != default) return app[new SlotKey(i, 0)];
        return default;
    }
}
