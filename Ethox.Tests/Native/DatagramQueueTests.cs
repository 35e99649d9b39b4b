using System;
using System.Collections.Generic;
using Ethox.Layer;
using Ethox.Native;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Native;

/// <summary>The byte ring of UDP datagrams: first in first out, records that never wrap, a full queue that refuses.</summary>
public class DatagramQueueTests
{
    private static readonly TransportAddress V4 = new(Ipv4Address.Parse("198.18.0.9"), 1234);
    private static readonly TransportAddress V6 = new(Ipv6Address.Parse("2001:db8::9"), 4321);

    [Test]
    public void Datagrams_come_out_in_order_with_their_ports_and_addresses()
    {
        var q = new DatagramQueue(new byte[256]);
        Assert.That(q.TryPush(7, V4, "one"u8), Is.True);
        Assert.That(q.TryPush(8, V6, "two!"u8), Is.True);
        Assert.That(q.TryPeek(out ushort port, out var remote, out var data), Is.True);
        Assert.That((port, remote, data.ToArray()), Is.EqualTo(((ushort)7, V4, "one"u8.ToArray())));
        q.Pop();
        Assert.That(q.TryPeek(out port, out remote, out data), Is.True);
        Assert.That((port, remote, data.ToArray()), Is.EqualTo(((ushort)8, V6, "two!"u8.ToArray())));
        q.Pop();
        Assert.That(q.TryPeek(out _, out _, out _), Is.False);
        Assert.That(q.Count, Is.Zero);
    }

    [Test]
    public void A_datagram_that_does_not_fit_is_refused_and_the_queue_stays_intact()
    {
        var q = new DatagramQueue(new byte[100]);
        Assert.That(q.LargestDatagram, Is.EqualTo(72));
        Assert.That(q.TryPush(1, V4, new byte[73]), Is.False);
        Assert.That(q.TryPush(1, V4, new byte[40]), Is.True);
        Assert.That(q.TryPush(1, V4, new byte[40]), Is.False, "68 + 68 > 100");
        Assert.That(q.Count, Is.EqualTo(1));
        Assert.That(q.TryPush(1, V4, new byte[0]), Is.True, "28 more bytes fit");
    }

    [Test]
    public void Against_a_model_queue_thousands_of_random_pushes_and_pops_keep_every_datagram_whole_and_in_order()
    {
        var q = new DatagramQueue(new byte[1000]);
        var model = new Queue<byte[]>();
        var random = new Random(768);
        int refused = 0;
        for (int step = 0; step < 20_000; step++)
        {
            if (random.Next(3) > 0)
            {
                var data = new byte[random.Next(0, 300)];
                random.NextBytes(data);
                bool room = q.HasRoomFor(data.Length);
                bool pushed = q.TryPush((ushort)data.Length, V4, data);
                Assert.That(pushed, Is.EqualTo(room));
                if (pushed) model.Enqueue(data); else refused++;
            }
            else if (model.Count > 0)
            {
                Assert.That(q.TryPeek(out ushort port, out _, out var data), Is.True);
                var expected = model.Dequeue();
                Assert.That(port, Is.EqualTo(expected.Length));
                Assert.That(data.SequenceEqual(expected), Is.True, $"step {step}");
                q.Pop();
            }
            Assert.That(q.Count, Is.EqualTo(model.Count));
        }
        Assert.That(refused, Is.GreaterThan(100), "the queue filled up often");
    }
}
