using System;
using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>
/// In-order data that reaches an empty receive ring stays in its frame while the user hears of it: reads in the callback
/// take it from there, and only what is left unread is copied into the ring when the callback returns. What the user
/// sees (bytes, order, window) is the same as through the ring; these scenarios prove that, and that the ring's memory
/// is written only for what was left.
/// </summary>
public class TcpReadInPlaceTests
{
    private const byte Untouched = 0xEE;

    private static TcpScript Established()
    {
        var s = new TcpScript();
        s.Accept();
        s.App.ReceiveMemory(s.Key).Fill(Untouched);
        return s;
    }

    // The pattern the test app checks, from stream position `from`.
    private static byte[] Pattern(long from, int length) => Enumerable.Range(0, length).Select(i => TcpApp.PatternAt(from + i)).ToArray();

    [Test]
    public void Data_read_in_the_callback_is_taken_from_the_frame_and_never_copied_into_the_ring()
    {
        var s = Established();
        s.App.CheckPattern = true;
        for (int i = 0; i < 3; i++) s.SendData(Pattern(i * 1000, 1000));
        Assert.That(s.App[s.Key].Read, Is.EqualTo(3000));
        Assert.That(s.App[s.Key].PatternError, Is.False);
        Assert.That(s.App.ReceiveMemory(s.Key).ToArray().All(b => b == Untouched), Is.True, "read in place: the ring's memory was never written");

        // A user that does not read in the callback finds the data in the ring afterwards, at the read position.
        s.App.ReadPaused = true;
        s.SendData(Pattern(3000, 1000));
        Assert.That(s.App[s.Key].Read, Is.EqualTo(3000));
        Assert.That(s.App.ReceiveMemory(s.Key)[..1000].ToArray(), Is.EqualTo(Pattern(3000, 1000)));

        // With bytes in the ring the next segment goes there too (copied while its checksum is verified), after them.
        s.App.ReadPaused = false;
        s.SendData(Pattern(4000, 1000));
        Assert.That(s.App[s.Key].Read, Is.EqualTo(5000));
        Assert.That(s.App[s.Key].PatternError, Is.False);
        Assert.That(s.App.ReceiveMemory(s.Key)[1000..2000].ToArray(), Is.EqualTo(Pattern(4000, 1000)));
    }

    [Test]
    public void Data_left_unread_in_the_callback_is_copied_into_the_ring_after_it()
    {
        var s = Established();
        var data = Pattern(0, 1000);
        var firstRead = new byte[300];
        int calls = 0;
        s.App.ReadPaused = true; // the test app's own reading, between polls
        s.App.OnEventsFirst = packet =>
        {
            if (!packet.Has(TcpEvents.Readable)) return false;
            calls++;
            Assert.That(packet.Read(firstRead), Is.EqualTo(300));
            return true;
        };
        s.SendData(data);
        Assert.That(calls, Is.EqualTo(1));
        Assert.That(firstRead, Is.EqualTo(data[..300]));

        var ring = s.App.ReceiveMemory(s.Key);
        Assert.That(ring[..300].ToArray().All(b => b == Untouched), Is.True, "what was read in place was not copied");
        Assert.That(ring[300..1000].ToArray(), Is.EqualTo(data[300..]), "the rest is where the ring's read position is");
        Assert.That(s.Tcp.GetInfo(s.Key, out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.Readable, Is.EqualTo(700));

        var rest = new byte[1000];
        Assert.That(s.Tcp.Read(s.Key, rest, out int read), Is.EqualTo(TcpStatus.Ok));
        Assert.That(rest[..read], Is.EqualTo(data[300..]));
    }

    [Test]
    public void Peek_and_consume_in_the_callback_walk_through_the_frame_bytes_and_the_window_opens_as_through_the_ring()
    {
        var s = new TcpScript();
        int scale = s.Accept().Header.WindowScale ?? 0;
        var data = Pattern(0, 1000);
        s.App.ReadPaused = true;
        s.App.OnEventsFirst = packet =>
        {
            if (!packet.Has(TcpEvents.Readable)) return false;
            var endpoint = packet.Endpoint;
            Assert.That(endpoint.Peek(packet.Key, out var first, out var second), Is.EqualTo(TcpStatus.Ok));
            Assert.That(first.ToArray(), Is.EqualTo(data));
            Assert.That(second.IsEmpty, Is.True);
            Assert.That(endpoint.Consume(packet.Key, 1001), Is.EqualTo(TcpStatus.InvalidArgument), "no more than was received");
            Assert.That(endpoint.Consume(packet.Key, 100), Is.EqualTo(TcpStatus.Ok));
            endpoint.Peek(packet.Key, out first, out _);
            Assert.That(first.ToArray(), Is.EqualTo(data[100..]));
            var some = new byte[50];
            Assert.That(packet.Read(some), Is.EqualTo(50));
            Assert.That(some, Is.EqualTo(data[100..150]));
            return true;
        };
        s.SendData(data);
        // The delayed ACK keeps the right edge where 1000 received bytes put it: reading 150 opened less than an MSS, so
        // receiver SWS avoidance (RFC 9293 §3.8.6.2.2) holds the window back, exactly as if the data had gone through the ring.
        var delayed = TcpScript.Single(s.Advance(Duration.FromMilliseconds(500)), TcpFlags.Ack);
        Assert.That(delayed.Ack, Is.EqualTo(s.PeerNext));
        Assert.That(delayed.Header.WindowSize << scale, Is.EqualTo(64 * 1024 - 1000).Within(1 << scale));

        s.App.OnEventsFirst = null;
        s.App.ReadPaused = false;
        Assert.That(s.Tcp.Peek(s.Key, out var left, out var wrapped), Is.EqualTo(TcpStatus.Ok));
        Assert.That(left.ToArray(), Is.EqualTo(data[150..]));
        Assert.That(wrapped.IsEmpty, Is.True);

        // Reading the rest opens the window by more than an MSS: an update goes at once.
        var ack = TcpScript.Single(s.SendData(Pattern(1000, 1000)), TcpFlags.Ack);
        s.Tcp.GetInfo(s.Key, out var info);
        Assert.That(info.Readable, Is.Zero, "the test app read both segments once the hook was gone");
        Assert.That(s.App[s.Key].Read, Is.EqualTo(1850));
        Assert.That(ack.Ack, Is.EqualTo(s.PeerNext));
        Assert.That(ack.Header.WindowSize << scale, Is.EqualTo(64 * 1024).Within(1 << scale), "all read: the whole ring is offered");
    }

    // The host and the C ABI keep what is unread in the rings once told Closed: data that arrives with the FIN that ends
    // the connection (FIN-WAIT-2 into TIME-WAIT) must already be in the ring in that callback.
    [Test]
    public void Data_that_ends_the_connection_is_in_the_ring_when_the_user_hears_closed()
    {
        var s = Established();
        var data = Pattern(0, 1000);
        Assert.That(s.Tcp.Close(s.Key), Is.EqualTo(TcpStatus.Ok));
        var fin = TcpScript.Single(s.Poll(), TcpFlags.Fin);
        s.Took(fin);
        s.Send(s.Segment(TcpFlags.Ack));
        Assert.That(s.State, Is.EqualTo(TcpState.FinWait2));

        bool sawClosed = false;
        s.App.ReadPaused = true;
        s.App.OnEventsFirst = packet =>
        {
            if (!packet.Has(TcpEvents.Closed)) return false;
            sawClosed = true;
            var ring = s.App.ReceiveMemory(packet.Key);
            Assert.That(packet.Endpoint.Peek(packet.Key, out var first, out var second), Is.EqualTo(TcpStatus.Ok));
            Assert.That(first.ToArray(), Is.EqualTo(data));
            Assert.That(second.IsEmpty, Is.True);
            Assert.That(ring.Overlaps(first), Is.True, "the bytes are in the ring, which the user keeps");
            return true;
        };
        s.SendData(data, TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin);
        Assert.That(sawClosed, Is.True, "the FIN ended the connection (TIME-WAIT)");
    }

    [Test]
    public void Aborting_in_the_callback_ends_the_loan_and_nothing_is_copied()
    {
        var s = Established();
        var key = s.Key;
        var ring = s.App.ReceiveMemory(key);
        s.App.OnEventsFirst = packet =>
        {
            if (!packet.Has(TcpEvents.Readable)) return false;
            Assert.That(packet.Abort(), Is.EqualTo(TcpStatus.Ok));
            return true;
        };
        var seen = s.SendData(Pattern(0, 1000));
        Assert.That(seen.Any(x => x.Has(TcpFlags.Rst)), Is.True, "the abort resets the connection");
        Assert.That(s.Tcp.Peek(key, out _, out _), Is.EqualTo(TcpStatus.StaleKey));
        Assert.That(ring.ToArray().All(b => b == Untouched), Is.True, "the rings went back to the user untouched");
    }

    [Test]
    public void Data_lent_to_a_callback_that_throws_is_kept_in_the_ring()
    {
        var s = Established();
        var data = Pattern(0, 1000);
        s.App.ReadPaused = true;
        s.App.OnEventsFirst = packet =>
        {
            if (!packet.Has(TcpEvents.Readable)) return false;
            packet.Read(new byte[10]);
            throw new InvalidOperationException("the application failed");
        };
        Assert.Throws<InvalidOperationException>(() => s.SendData(data));

        s.App.OnEventsFirst = null;
        Assert.That(s.Tcp.Peek(s.Key, out var left, out _), Is.EqualTo(TcpStatus.Ok));
        Assert.That(left.ToArray(), Is.EqualTo(data[10..]));
    }
}
