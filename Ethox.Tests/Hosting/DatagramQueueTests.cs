using System;
using Ethox.Layer;
using Ethox.Nic.Hosting;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>The byte ring of datagrams a UDP socket keeps while nobody receives.</summary>
public class DatagramQueueTests
{
    private static readonly TransportAddress V4 = new(Ipv4Address.Parse("198.18.0.9"), 1234);
    private static readonly TransportAddress V6 = new(Ipv6Address.Parse("2001:db8::9"), 4321);
    private static readonly TransportAddress To4 = new(Ipv4Address.Parse("198.19.5.1"), 53);
    private static readonly TransportAddress To6 = new(Ipv6Address.Parse("2001:db8:5::1"), 443);

    private static byte[] Payload(int length, byte first)
    {
        var data = new byte[length];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(first + i);
        return data;
    }

    [Test]
    public void Datagrams_come_out_in_order_with_their_senders_and_destinations_also_across_the_end_of_the_ring()
    {
        var queue = new DatagramQueue(new byte[340]);
        var destination = new byte[200];
        // Records of 104 or 108 bytes (44-byte header, payload aligned to 4), three at a time in 340 bytes: the ring wraps
        // every few rounds, with and without room for the wrap marker.
        for (int round = 0; round < 20; round++)
        {
            var from = round % 2 == 0 ? V4 : V6;
            var to = round % 2 == 0 ? To4 : To6;
            Assert.That(queue.TryWrite(from, to, Payload(60 + round % 3, (byte)round)), Is.True, $"round {round}");
            if (queue.Count < 3) continue;
            Assert.That(queue.TryRead(destination, out int copied, out int length, out var sender, out var receiver), Is.True);
            int oldest = round - 2;
            Assert.That(length, Is.EqualTo(60 + oldest % 3));
            Assert.That(copied, Is.EqualTo(length));
            Assert.That(sender, Is.EqualTo(oldest % 2 == 0 ? V4 : V6));
            Assert.That(receiver, Is.EqualTo(oldest % 2 == 0 ? To4 : To6));
            Assert.That(destination.AsSpan(0, copied).SequenceEqual(Payload(length, (byte)oldest)), Is.True, $"datagram {oldest}");
        }
    }

    [Test]
    public void A_datagram_that_does_not_fit_is_refused_and_the_queue_stays_intact()
    {
        var queue = new DatagramQueue(new byte[168]);
        Assert.That(queue.TryWrite(V4, To4, Payload(40, 1)), Is.True);
        Assert.That(queue.TryWrite(V4, To4, Payload(40, 2)), Is.True);
        Assert.That(queue.TryWrite(V4, To4, Payload(40, 3)), Is.False, "full: the caller counts the drop");
        Assert.That(queue.TryWrite(V4, To4, Payload(200, 3)), Is.False, "larger than the ring");
        var destination = new byte[64];
        Assert.That(queue.TryRead(destination, out _, out _, out _, out _) && destination[0] == 1, Is.True);
        Assert.That(queue.TryRead(destination, out _, out _, out _, out _) && destination[0] == 2, Is.True);
        Assert.That(queue.TryRead(destination, out _, out _, out _, out _), Is.False);
    }

    [Test]
    public void A_read_into_a_short_buffer_copies_what_fits_and_reports_the_length()
    {
        var queue = new DatagramQueue(new byte[128]);
        queue.TryWrite(V6, To6, Payload(50, 7));
        var destination = new byte[10];
        Assert.That(queue.TryRead(destination, out int copied, out int length, out _, out _), Is.True);
        Assert.That((copied, length), Is.EqualTo((10, 50)));
        Assert.That(queue.Count, Is.Zero, "the rest of the datagram is gone, as with recvfrom(2)");
    }

    [Test]
    public void Writing_and_reading_allocates_nothing()
    {
        var queue = new DatagramQueue(new byte[4096]);
        var payload = Payload(100, 0);
        var destination = new byte[100];
        long reads = 0;
        long bytes = Tools.Allocations.Least(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                queue.TryWrite(V6, To6, payload);
                if (queue.TryRead(destination, out _, out _, out _, out _)) reads++;
            }
        });
        Assert.That(reads, Is.GreaterThanOrEqualTo(10_000));
        Assert.That(bytes, Is.Zero);
    }
}
