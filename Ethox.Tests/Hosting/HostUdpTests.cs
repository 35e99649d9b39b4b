using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>The UDP facade between two hosts: bind, send to, receive from, with the queue, timeouts and cancellation.</summary>
public class HostUdpTests
{
    private static readonly TimeSpan Patience = HostPair.Patience;

    [TestCase(false)]
    [TestCase(true)]
    public async Task Datagram_sent_to_a_bound_port_is_received_with_its_sender(bool v6)
    {
        await using var pair = new HostPair();
        await using var a = await pair.A.BindUdpAsync(4000);
        await using var b = await pair.B.BindUdpAsync(5000);
        var buffer = new byte[100];
        var receive = b.ReceiveFromAsync(buffer).AsTask();
        Assert.That(await a.SendToAsync("ping"u8.ToArray(), new IPEndPoint(v6 ? HostPair.AddressB6 : HostPair.AddressB, 5000)).AsTask().WaitAsync(Patience), Is.EqualTo(4));
        var result = await receive.WaitAsync(Patience);
        Assert.That(Encoding.ASCII.GetString(buffer, 0, result.ReceivedBytes), Is.EqualTo("ping"));
        Assert.That(result.RemoteEndPoint, Is.EqualTo(new IPEndPoint(v6 ? HostPair.AddressA6 : HostPair.AddressA, 4000)));
    }

    [Test]
    public async Task Datagrams_arriving_before_a_receive_wait_in_the_queue_in_order()
    {
        await using var pair = new HostPair();
        await using var a = await pair.A.BindUdpAsync();
        await using var b = await pair.B.BindUdpAsync(5000);
        Assert.That(a.Port, Is.GreaterThanOrEqualTo(49152), "port 0 takes one of the dynamic range (RFC 6335)");
        for (int i = 0; i < 5; i++) await a.SendToAsync(Encoding.ASCII.GetBytes($"datagram {i}"), new IPEndPoint(HostPair.AddressB, 5000));
        // The fifth is in the queue once the counters say it was delivered.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await pair.B.ReadCountersAsync()).Udp.Delivered < 5)
        {
            Assert.That(clock.Elapsed, Is.LessThan(Patience));
            await Task.Delay(10);
        }
        var buffer = new byte[100];
        for (int i = 0; i < 5; i++)
        {
            var result = await b.ReceiveFromAsync(buffer).AsTask().WaitAsync(Patience);
            Assert.That(Encoding.ASCII.GetString(buffer, 0, result.ReceivedBytes), Is.EqualTo($"datagram {i}"));
        }
    }

    [Test]
    public async Task A_datagram_longer_than_the_buffer_is_cut_to_it()
    {
        await using var pair = new HostPair();
        await using var a = await pair.A.BindUdpAsync();
        await using var b = await pair.B.BindUdpAsync(5000);
        var buffer = new byte[4];
        var receive = b.ReceiveFromAsync(buffer).AsTask();
        await a.SendToAsync("truncated"u8.ToArray(), new IPEndPoint(HostPair.AddressB, 5000));
        Assert.That((await receive.WaitAsync(Patience)).ReceivedBytes, Is.EqualTo(4));
        Assert.That(Encoding.ASCII.GetString(buffer), Is.EqualTo("trun"));
        Assert.That((await pair.B.ReadCountersAsync()).Host.UdpTruncated, Is.EqualTo(1));
    }

    [Test]
    public async Task A_datagram_larger_than_the_mtu_is_fragmented_and_reassembled()
    {
        await using var pair = new HostPair();
        await using var a = await pair.A.BindUdpAsync();
        await using var b = await pair.B.BindUdpAsync(5000);
        var data = new byte[8000];
        new Random(5).NextBytes(data);
        var buffer = new byte[10000];
        var receive = b.ReceiveFromAsync(buffer).AsTask();
        await a.SendToAsync(data, new IPEndPoint(HostPair.AddressB, 5000));
        int n = (await receive.WaitAsync(Patience)).ReceivedBytes;
        Assert.That(buffer.AsSpan(0, n).SequenceEqual(data), Is.True);
    }

    [Test]
    public async Task Large_datagrams_sent_together_wait_for_the_fragmenter_instead_of_failing()
    {
        // The first goes into the fragmenter while B's address is still being resolved; the others, which need it too,
        // wait their turn in the send queue instead of failing as unreachable (RFC 1122 §3.3.5: a host fragments).
        await using var pair = new HostPair();
        await using var a = await pair.A.BindUdpAsync();
        await using var b = await pair.B.BindUdpAsync(5000);
        var sends = new Task<int>[4];
        var data = new byte[sends.Length][];
        for (int i = 0; i < sends.Length; i++)
        {
            data[i] = new byte[4000 + i];
            new Random(i).NextBytes(data[i]);
        }
        for (int i = 0; i < sends.Length; i++) sends[i] = a.SendToAsync(data[i], new IPEndPoint(HostPair.AddressB, 5000)).AsTask();
        var sent = await Task.WhenAll(sends).WaitAsync(Patience);
        for (int i = 0; i < sends.Length; i++) Assert.That(sent[i], Is.EqualTo(data[i].Length));
        var buffer = new byte[10000];
        for (int i = 0; i < sends.Length; i++)
        {
            int n = (await b.ReceiveFromAsync(buffer).AsTask().WaitAsync(Patience)).ReceivedBytes;
            Assert.That(buffer.AsSpan(0, n).SequenceEqual(data[i]), Is.True, $"datagram {i}, in order");
        }
    }

    [Test]
    public async Task Receive_timeout_fails_with_timed_out_and_cancellation_with_OperationCanceledException()
    {
        await using var pair = new HostPair();
        await using var b = await pair.B.BindUdpAsync(5000);
        b.ReceiveTimeout = TimeSpan.FromMilliseconds(200);
        var e = Assert.ThrowsAsync<SocketException>(async () => await b.ReceiveFromAsync(new byte[10]).AsTask().WaitAsync(Patience));
        Assert.That(e!.SocketErrorCode, Is.EqualTo(SocketError.TimedOut));
        b.ReceiveTimeout = Timeout.InfiniteTimeSpan;
        using var cts = new CancellationTokenSource();
        var receive = b.ReceiveFromAsync(new byte[10], cts.Token).AsTask();
        cts.Cancel();
        Assert.ThrowsAsync<OperationCanceledException>(async () => await receive.WaitAsync(Patience));
    }

    [Test]
    public async Task Binding_a_bound_port_throws_address_already_in_use_and_dispose_frees_it()
    {
        await using var pair = new HostPair();
        var first = await pair.B.BindUdpAsync(5000);
        var e = Assert.ThrowsAsync<SocketException>(async () => await pair.B.BindUdpAsync(5000));
        Assert.That(e!.SocketErrorCode, Is.EqualTo(SocketError.AddressAlreadyInUse));
        var receive = first.ReceiveFromAsync(new byte[10]).AsTask();
        await first.DisposeAsync();
        Assert.ThrowsAsync<ObjectDisposedException>(async () => await receive.WaitAsync(Patience));
        await using var second = await pair.B.BindUdpAsync(5000);
        Assert.That(second.Port, Is.EqualTo(5000));
    }
}
