using System;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>
/// Connections with data take turns: each one sends a segment and goes to the back of the ready queue, and a segment
/// sent in place of a received one is such a turn, so the connections whose segments keep arriving (their ACK clock)
/// cannot keep the link while the others wait for a transmit buffer (10,000 connections were served with Jain's
/// fairness index 0.003 before this rule, 1.0 after: docs/performance.md, tcpscale).
/// </summary>
public class TcpFairnessTests
{
    private const int Segment = 1448; // the MSS less the timestamps option

    [Test]
    public void Reply_in_place_carries_only_the_ack_while_another_connection_waits_ahead()
    {
        var (p, first, second) = TwoConnections();
        Write(p, second, 10_000);
        Write(p, first, 10_000); // ready queue: second, then first
        long sentBefore = p.LinkA.Inner.Counters.TxFrames;

        ServerSendsTwoSegmentsOn(p, first); // the second of them makes A owe an ACK (RFC 9293 §3.8.6.3)

        Assert.That(p.LinkA.Inner.Counters.TxFrames - sentBefore, Is.EqualTo(1), "one segment answered in place: the ACK");
        p.B.Poll(ref p.LinkB, p.Now);
        Assert.That(Unread(p, first), Is.Zero, "and it carried none of the first connection's data");
        Assert.That(p.B.Tcp.GetInfo(ServerKey(p, first), out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.Queued, Is.Zero, "the ACK acknowledged both segments");

        p.LinkA.Transmit(1, ref p.A.Stack, p.Now);
        p.B.Poll(ref p.LinkB, p.Now);
        Assert.That(Unread(p, second), Is.EqualTo(Segment), "the next transmit buffer goes to the connection that waited ahead");
        Assert.That(Unread(p, first), Is.Zero);
    }

    [Test]
    public void Reply_in_place_carries_data_on_the_connections_own_turn()
    {
        var (p, first, second) = TwoConnections();
        Write(p, first, 10_000);
        Write(p, second, 10_000); // ready queue: first, then second
        long sentBefore = p.LinkA.Inner.Counters.TxFrames;

        ServerSendsTwoSegmentsOn(p, first);

        // The first arrival is answered with data (the connection was at the head; it goes to the back), the second
        // with the bare ACK it is owed, as the second connection now waits ahead.
        Assert.That(p.LinkA.Inner.Counters.TxFrames - sentBefore, Is.EqualTo(2), "both arrivals answered in place");
        p.B.Poll(ref p.LinkB, p.Now);
        Assert.That(Unread(p, first), Is.EqualTo(Segment), "one full segment of data went in place of the first ACK");
        Assert.That(Unread(p, second), Is.Zero);
        Assert.That(p.B.Tcp.GetInfo(ServerKey(p, first), out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.Queued, Is.Zero, "both of the server's segments acknowledged");
    }

    // Two established connections from A to B with nothing sent yet; B's application holds what arrives unread.
    private static (TcpPair Pair, SlotKey First, SlotKey Second) TwoConnections()
    {
        var p = new TcpPair(capacity: 4, bufferSize: 64 * 1024);
        p.B.App.ReadPaused = true;
        p.B.Tcp.Listen(9);
        var first = p.A.App.Connect(new TransportAddress(TcpPair.V4B, 9), 0, p.Now);
        var second = p.A.App.Connect(new TransportAddress(TcpPair.V4B, 9), 0, p.Now);
        Assert.That(p.RunUntil(() => p.A.App.Connected == 2 && p.B.App.Accepted == 2, Duration.FromSeconds(1)), Is.True);
        p.Advance(Duration.FromSeconds(1)); // every delayed ACK sent, nothing owed
        return (p, first, second);
    }

    private static void Write(TcpPair p, SlotKey key, int bytes)
    {
        Assert.That(p.A.Tcp.Write(key, new byte[bytes], out int written), Is.EqualTo(TcpStatus.Ok));
        Assert.That(written, Is.EqualTo(bytes));
    }

    private static void ServerSendsTwoSegmentsOn(TcpPair p, SlotKey clientKey)
    {
        var serverKey = ServerKey(p, clientKey);
        Assert.That(p.B.Tcp.Write(serverKey, new byte[2 * Segment], out int written), Is.EqualTo(TcpStatus.Ok));
        Assert.That(written, Is.EqualTo(2 * Segment));
        Assert.That(p.LinkB.Transmit(64, ref p.B.Stack, p.Now), Is.EqualTo(2));
        Assert.That(p.LinkA.Receive(64, ref p.A.Stack, p.Now), Is.EqualTo(2), "A takes both in, without a transmit call");
    }

    // The server's connection of a client connection: the one whose remote port is the client's local port.
    private static SlotKey ServerKey(TcpPair p, SlotKey clientKey)
    {
        Assert.That(p.A.Tcp.GetInfo(clientKey, out var client), Is.EqualTo(TcpStatus.Ok));
        for (int i = 0; i < 4; i++)
        {
            var key = p.B.App.AtSlot(i).Key;
            if (p.B.Tcp.GetInfo(key, out var server) == TcpStatus.Ok && server.Tuple.RemotePort == client.Tuple.LocalPort) return key;
        }
        throw new AssertionException("no server connection for the client's port");
    }

    private static int Unread(TcpPair p, SlotKey clientKey)
    {
        Assert.That(p.B.Tcp.GetInfo(ServerKey(p, clientKey), out var info), Is.EqualTo(TcpStatus.Ok));
        return info.Readable;
    }
}
