using System;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Nic;
using Ethox.Tests.Layer;
using Ethox.Tests.Tools;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>
/// The TCP packet path allocates nothing once warm: a long transfer through loss and reordering (retransmission
/// timeouts, fast recovery, SACK, out-of-order reassembly) and connection churn (handshakes, closes, TIME-WAIT,
/// slot reuse), both stacks and the application included. Each test also asserts that the measured runs did
/// their work, so a stack that fails at once cannot pass.
/// </summary>
public class TcpAllocationTests
{
    private static TransportAddress Echo => new(TcpPair.V4B, 7);

    [Test]
    public void A_long_transfer_through_loss_and_reordering_allocates_nothing_after_warm_up()
    {
        var faults = new FaultSettings { DropProbability = 0.07, ReorderProbability = 0.03 };
        var p = new TcpPair(faults: faults, bufferSize: 256 * 1024, seed: 3);
        p.A.App.Hash = p.B.App.Hash = false;
        p.B.App.Echo = true;
        p.B.Tcp.Listen(7);
        var key = p.A.App.Connect(Echo, 1L << 40, p.Now); // more than will ever be sent: the transfer never ends here
        long target = 0;
        int stalled = 0;
        // One delegate for every run, and no assertion inside the loop (a lambda or a message made there would be the
        // allocation measured): failures are counted and asserted afterwards.
        Func<bool> reached = () => p.A.App[key].Read >= target;
        void Step()
        {
            target = p.A.App[key].Read + (1 << 20);
            if (!p.RunUntil(reached, Duration.FromSeconds(600))) stalled++;
        }

        for (int i = 0; i < 3; i++) Step(); // warm-up: JIT, first loss recovery, rings wrapped
        long readBefore = p.A.App[key].Read;
        var before = p.A.Tcp.Counters;
        long droppedBefore = p.LinkA.TransmitCounters.Dropped + p.LinkB.TransmitCounters.Dropped;

        long allocated = Allocations.Least(() => { for (int i = 0; i < 4; i++) Step(); });

        Assert.That(stalled, Is.Zero, $"every mebibyte arrived within its time; A {Dump.Of(p.A.Tcp.Counters)}");
        Assert.That(allocated, Is.Zero, "bytes allocated by the least of the measured runs");
        var after = p.A.Tcp.Counters;
        Assert.That(p.A.App[key].Read - readBefore, Is.GreaterThanOrEqualTo(4 << 20), "at least 4 MiB echoed per measured run");
        Assert.That(p.A.App[key].PatternError, Is.False, "intact");
        Assert.That(p.LinkA.TransmitCounters.Dropped + p.LinkB.TransmitCounters.Dropped, Is.GreaterThan(droppedBefore), "loss happened while measured");
        Assert.That(after.Retransmits, Is.GreaterThan(before.Retransmits), "and was repaired while measured");
        Assert.That(p.A.App[key].Events & (TcpEvents.Reset | TcpEvents.TimedOut), Is.EqualTo(TcpEvents.None));
    }

    [Test]
    public void Connection_churn_allocates_nothing_after_warm_up()
    {
        const int PerRound = 8;
        var p = new TcpPair(capacity: 32, bufferSize: 64 * 1024, faults: new FaultSettings { DropProbability = 0.05 }, seed: 5);
        p.A.App.Hash = p.B.App.Hash = false;
        p.B.App.Echo = true;
        p.B.Tcp.Listen(7);
        var keys = new SlotKey[PerRound];
        int closedTarget = 0;
        Func<bool> allClosed = () => p.A.App.Closed >= closedTarget && p.B.App.Closed >= closedTarget;
        int rounds = 0, verified = 0, stalled = 0;
        void Round()
        {
            // Open, transfer (echoed), close from the client; then TIME-WAIT passes and the slots are free again.
            for (int i = 0; i < PerRound; i++) keys[i] = p.A.App.Connect(Echo, 20_000 + i * 1000, p.Now);
            closedTarget += PerRound;
            if (!p.RunUntil(allClosed, Duration.FromSeconds(600))) stalled++;
            for (int i = 0; i < PerRound; i++)
            {
                ref var c = ref p.A.App[keys[i]];
                if (c.Read == 20_000 + i * 1000 && !c.PatternError && (c.Events & TcpEvents.Reset) == 0) verified++;
            }
            p.Advance(p.A.Tcp.Settings.TimeWait + Duration.FromSeconds(1));
            rounds++;
        }

        for (int i = 0; i < 3; i++) Round(); // warm-up
        int roundsBefore = rounds;

        long allocated = Allocations.Least(() => { for (int i = 0; i < 3; i++) Round(); });

        Assert.That(stalled, Is.Zero, $"every round closed within its time; A {Dump.Of(p.A.Tcp.Counters)}\nB {Dump.Of(p.B.Tcp.Counters)}");
        Assert.That(allocated, Is.Zero, "bytes allocated by the least of the measured runs");
        Assert.That(rounds - roundsBefore, Is.InRange(3, 9));
        Assert.That(verified, Is.EqualTo(rounds * PerRound), "every connection carried its data and closed cleanly");
        Assert.That(p.A.Tcp.Count + p.B.Tcp.Count, Is.Zero, "every slot free after each round");
        Assert.That(p.A.App.Misdelivered + p.B.App.Misdelivered, Is.Zero);
        Assert.That(p.LinkA.TransmitCounters.Dropped + p.LinkB.TransmitCounters.Dropped, Is.GreaterThan(0), "loss happened");
    }
}
