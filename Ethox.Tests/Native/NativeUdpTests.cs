using System;
using Ethox.Native;
using NUnit.Framework;

namespace Ethox.Tests.Native;

/// <summary>UDP through the C ABI: bind, send and receive with the sender's address, queues that fill and say so.</summary>
public unsafe class NativeUdpTests
{
    [TestCase(EthoxConfig.MediumEthernet)]
    [TestCase(EthoxConfig.MediumIp)]
    public void Datagrams_go_both_ways_and_recv_reports_the_sender(uint medium)
    {
        using var p = new NativePair(medium);
        long a = Abi.UdpBind(p.A, p.Now, 4000);
        long b = Abi.UdpBind(p.B, p.Now, 53);
        Assert.That(Abi.UdpSend(p.A, p.Now, a, NativePair.V4B(53), "question"u8), Is.EqualTo(8));
        p.Shuttle();
        var buffer = new byte[64];
        Assert.That((SocketEvents)Abi.Events(p.B, b) & SocketEvents.Readable, Is.EqualTo(SocketEvents.Readable));
        Assert.That(Abi.UdpReceive(p.B, p.Now, b, buffer, out var from), Is.EqualTo(8));
        Assert.That(buffer.AsSpan(0, 8).SequenceEqual("question"u8), Is.True);
        Assert.That(from.Port, Is.EqualTo(4000));
        Assert.That(from.Address[3], Is.EqualTo(1));
        Assert.That(Abi.UdpSend(p.B, p.Now, b, from, "answer"u8), Is.EqualTo(6));
        p.Shuttle();
        Assert.That(Abi.UdpReceive(p.A, p.Now, a, buffer, out from), Is.EqualTo(6));
        Assert.That(from.Port, Is.EqualTo(53));
        Assert.That(Abi.UdpReceive(p.A, p.Now, a, buffer, out _), Is.EqualTo((int)EthoxStatus.Again));
        var counters = Abi.Counters(p.B);
        Assert.That(counters.UdpDatagramsIn, Is.EqualTo(1));
        Assert.That(counters.UdpDatagramsOut, Is.EqualTo(1));
    }

    // RFC 768 has no flow control: a datagram for a full queue is lost, and counted.
    [Test]
    public void A_full_receive_queue_drops_and_counts_and_a_short_buffer_truncates()
    {
        using var p = new NativePair();
        long a = Abi.UdpBind(p.A, p.Now, 4000);
        long b = Abi.UdpBind(p.B, p.Now, 53);
        var data = new byte[1000];
        for (int i = 0; i < 6; i++)
        {
            data[0] = (byte)i;
            Assert.That(Abi.UdpSend(p.A, p.Now, a, NativePair.V4B(53), data), Is.EqualTo(1000));
            p.Shuttle();
        }
        // 4096 bytes of queue hold three records of 28 + 1000 bytes.
        Assert.That(Abi.Counters(p.B).UdpQueueDrops, Is.EqualTo(3));
        var small = new byte[10];
        for (int i = 0; i < 3; i++)
        {
            Assert.That(Abi.UdpReceive(p.B, p.Now, b, small, out _), Is.EqualTo(10));
            Assert.That(small[0], Is.EqualTo(i), "first in, first out");
        }
        Assert.That(Abi.UdpReceive(p.B, p.Now, b, small, out _), Is.EqualTo((int)EthoxStatus.Again));
    }

    [Test]
    public void Send_refuses_what_cannot_be_sent_and_says_again_while_the_send_queue_is_full()
    {
        using var p = new NativePair();
        long a = Abi.UdpBind(p.A, p.Now, 4000);
        Assert.That(Abi.UdpSend(p.A, p.Now, a, NativePair.V4B(53), new byte[5000]), Is.EqualTo((int)EthoxStatus.MessageTooLong), "larger than the 4096-byte send queue");
        Assert.That(Abi.UdpSend(p.A, p.Now, a, NativePair.V4B(0), "x"u8), Is.EqualTo((int)EthoxStatus.InvalidArgument));
        int queued = 0, status;
        while ((status = Abi.UdpSend(p.A, p.Now, a, NativePair.V4B(53), new byte[1000])) == 1000) queued++;
        Assert.That(status, Is.EqualTo((int)EthoxStatus.Again));
        Assert.That(queued, Is.EqualTo(3));
        Assert.That((SocketEvents)Abi.Events(p.A, a) & SocketEvents.Writable, Is.EqualTo(SocketEvents.Writable), "small datagrams still fit");
        while ((status = Abi.UdpSend(p.A, p.Now, a, NativePair.V4B(53), "x"u8)) == 1) queued++;
        Assert.That(status, Is.EqualTo((int)EthoxStatus.Again));
        Assert.That((SocketEvents)Abi.Events(p.A, a) & SocketEvents.Writable, Is.EqualTo(SocketEvents.None));
        p.Shuttle();
        Assert.That((SocketEvents)Abi.Events(p.A, a) & SocketEvents.Writable, Is.EqualTo(SocketEvents.Writable));
        Assert.That(Abi.Counters(p.A).UdpDatagramsOut, Is.EqualTo(queued));
        Assert.That(Abi.Counters(p.B).UdpNoPort, Is.EqualTo(queued), "nobody bound 53 on B: RFC 1122 §4.1.3.1 port unreachable");
    }

    [Test]
    public void Binding_port_zero_picks_an_ephemeral_port_and_a_bound_port_is_in_use()
    {
        using var p = new NativePair();
        long a = Abi.UdpBind(p.A, p.Now, 0);
        Assert.That(a, Is.GreaterThan(0));
        Assert.That(Abi.UdpBind(p.A, p.Now, 4000), Is.GreaterThan(0));
        Assert.That(Abi.UdpBind(p.A, p.Now, 4000), Is.EqualTo((long)EthoxStatus.InUse));
        long b = Abi.UdpBind(p.B, p.Now, 9);
        Abi.UdpSend(p.A, p.Now, a, NativePair.V4B(9), "x"u8);
        p.Shuttle();
        Assert.That(Abi.UdpReceive(p.B, p.Now, b, new byte[4], out var from), Is.EqualTo(1));
        Assert.That(from.Port, Is.GreaterThanOrEqualTo(49152));
    }
}
