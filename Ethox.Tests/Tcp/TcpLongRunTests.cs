using System;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Tests.Layer;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>Two Ethox stacks over a pipe for a long simulated time: many connections through few slots, a receive window held shut for minutes.</summary>
public class TcpLongRunTests
{
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
}
