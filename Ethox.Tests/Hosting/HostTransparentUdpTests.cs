using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using Ethox.Layer.Ip;
using Ethox.Nic.Hosting;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>
/// UDP flows in transparent mode through the facade: host B with <see cref="EthoxHostOptions.AcceptAny"/> on takes the
/// datagrams host A sends to addresses B does not have (A routes them through B as its gateway) on the socket of
/// <see cref="EthoxHost.BindAnyUdpAsync"/>, with their four-tuple, and answers from their original destination.
/// </summary>
[NonParallelizable]
public class HostTransparentUdpTests
{
    private static readonly TimeSpan Patience = HostPair.Patience;

    internal static HostPair TransparentPair(Action<EthoxHostOptions>? configure = null) => new(
        a =>
        {
            a.Gateways.Add(IpAddress.Parse("198.18.0.2"));
            a.Gateways.Add(IpAddress.Parse("2001:db8::2"));
            configure?.Invoke(a);
        },
        b =>
        {
            b.AcceptAny = IpFamilies.All;
            configure?.Invoke(b);
        });

    internal static IPEndPoint[] ForeignDestinations(bool v6) => v6
        ?
        [
            new(IPAddress.Parse("2001:db8:5::1"), 53),
            new(IPAddress.Parse("2001:db8:7::9"), 123),
            new(IPAddress.Parse("2001:db8:c8::c8"), 5000),
        ]
        :
        [
            new(IPAddress.Parse("198.19.5.1"), 53),
            new(IPAddress.Parse("198.19.7.9"), 123),
            new(IPAddress.Parse("198.19.200.200"), 5000),
        ];

    [TestCase(false)]
    [TestCase(true)]
    public async Task Datagrams_to_foreign_destinations_arrive_with_their_four_tuple_and_answers_leave_from_the_original_destination(bool v6)
    {
        await using var pair = TransparentPair();
        await using var client = await pair.A.BindUdpAsync(4000);
        await using var any = await pair.B.BindAnyUdpAsync();
        Assert.That(any.IsTransparent, Is.True);
        Assert.That(any.Port, Is.Zero);
        var clientEnd = new IPEndPoint(v6 ? HostPair.AddressA6 : HostPair.AddressA, 4000);
        var buffer = new byte[100];
        foreach (var destination in ForeignDestinations(v6))
        {
            var receive = any.ReceiveMessageFromAsync(buffer).AsTask();
            await client.SendToAsync(Encoding.ASCII.GetBytes($"to {destination}"), destination).AsTask().WaitAsync(Patience);
            var flow = await receive.WaitAsync(Patience);
            Assert.That(Encoding.ASCII.GetString(buffer, 0, flow.ReceivedBytes), Is.EqualTo($"to {destination}"));
            Assert.That(flow.RemoteEndPoint, Is.EqualTo(clientEnd), "the sender");
            Assert.That(flow.LocalEndPoint, Is.EqualTo(destination), "the original destination");

            var answer = new byte[100];
            var back = client.ReceiveFromAsync(answer).AsTask();
            int sent = await any.SendToAsync(flow.LocalEndPoint, flow.RemoteEndPoint, Encoding.ASCII.GetBytes($"from {destination}")).AsTask().WaitAsync(Patience);
            Assert.That(sent, Is.EqualTo($"from {destination}".Length));
            var result = await back.WaitAsync(Patience);
            Assert.That(Encoding.ASCII.GetString(answer, 0, result.ReceivedBytes), Is.EqualTo($"from {destination}"));
            Assert.That(result.RemoteEndPoint, Is.EqualTo(destination), "the answer came from the original destination");
        }
        var counters = await pair.B.ReadCountersAsync();
        Assert.That(counters.Ip.ForeignIn, Is.GreaterThanOrEqualTo(3));
        Assert.That(counters.Host.UdpForeignUnclaimed, Is.Zero);
    }

    [Test]
    public async Task Datagrams_queued_before_a_receive_keep_their_destinations()
    {
        await using var pair = TransparentPair();
        await using var client = await pair.A.BindUdpAsync(4000);
        await using var any = await pair.B.BindAnyUdpAsync();
        var destinations = ForeignDestinations(v6: false);
        foreach (var destination in destinations) await client.SendToAsync(Encoding.ASCII.GetBytes($"to {destination}"), destination);
        await WaitForAsync(pair.B, c => c.Udp.Delivered >= destinations.Length);
        var buffer = new byte[100];
        foreach (var destination in destinations)
        {
            var flow = await any.ReceiveMessageFromAsync(buffer).AsTask().WaitAsync(Patience);
            Assert.That(flow.LocalEndPoint, Is.EqualTo(destination));
            Assert.That(Encoding.ASCII.GetString(buffer, 0, flow.ReceivedBytes), Is.EqualTo($"to {destination}"));
        }
    }

    [Test]
    public async Task Datagrams_to_the_hosts_own_ports_still_go_to_its_bound_sockets_and_foreign_ones_never_do()
    {
        await using var pair = TransparentPair();
        await using var client = await pair.A.BindUdpAsync(4000);
        await using var own = await pair.B.BindUdpAsync(5000);
        var foreign = new IPEndPoint(IPAddress.Parse("198.19.200.200"), 5000);

        // No transparent socket yet: the foreign datagram to port 5000 is not the bound port's; it is dropped and counted.
        await client.SendToAsync("foreign, unclaimed"u8.ToArray(), foreign);
        await WaitForAsync(pair.B, c => c.Host.UdpForeignUnclaimed == 1);

        await using var any = await pair.B.BindAnyUdpAsync();
        var buffer = new byte[100];
        var ownReceive = own.ReceiveMessageFromAsync(buffer).AsTask();
        await client.SendToAsync("own"u8.ToArray(), new IPEndPoint(HostPair.AddressB, 5000));
        var mine = await ownReceive.WaitAsync(Patience);
        Assert.That(Encoding.ASCII.GetString(buffer, 0, mine.ReceivedBytes), Is.EqualTo("own"));
        Assert.That(mine.LocalEndPoint, Is.EqualTo(new IPEndPoint(HostPair.AddressB, 5000)), "the destination of an ordinary socket's datagram");

        var anyBuffer = new byte[100];
        var anyReceive = any.ReceiveMessageFromAsync(anyBuffer).AsTask();
        await client.SendToAsync("foreign"u8.ToArray(), foreign);
        var flow = await anyReceive.WaitAsync(Patience);
        Assert.That(Encoding.ASCII.GetString(anyBuffer, 0, flow.ReceivedBytes), Is.EqualTo("foreign"));
        Assert.That(flow.LocalEndPoint, Is.EqualTo(foreign));
        Assert.That((await pair.B.ReadCountersAsync()).Host.UdpForeignUnclaimed, Is.EqualTo(1));
    }

    [Test]
    public async Task BindAnyUdpAsync_needs_transparent_mode_and_takes_one_socket_at_a_time()
    {
        await using (var plain = new HostPair())
            Assert.Throws<InvalidOperationException>(() => plain.B.BindAnyUdpAsync());

        await using var pair = TransparentPair();
        var first = await pair.B.BindAnyUdpAsync();
        var error = Assert.ThrowsAsync<SocketException>(async () => await pair.B.BindAnyUdpAsync());
        Assert.That(error!.SocketErrorCode, Is.EqualTo(SocketError.AddressAlreadyInUse));
        Assert.Throws<InvalidOperationException>(() => first.SendToAsync("x"u8.ToArray(), new IPEndPoint(HostPair.AddressA, 4000)),
            "the transparent socket has no port to send from");
        await first.DisposeAsync();
        await using var second = await pair.B.BindAnyUdpAsync();
        Assert.That(second.IsTransparent, Is.True);
    }

    [Test]
    public async Task A_source_the_host_may_not_use_fails_with_AddressNotAvailable()
    {
        await using var pair = new HostPair();
        await using var socket = await pair.A.BindUdpAsync(4000);
        var remote = new IPEndPoint(HostPair.AddressB, 5000);
        Assert.Throws<ArgumentException>(() => socket.SendToAsync(new IPEndPoint(HostPair.AddressA, 4001), remote, "x"u8.ToArray()),
            "a bound socket sends from its own port");
        Assert.Throws<ArgumentException>(() => socket.SendToAsync(new IPEndPoint(HostPair.AddressA6, 4000), remote, "x"u8.ToArray()),
            "both ends of one family");
        var error = Assert.ThrowsAsync<SocketException>(async () =>
            await socket.SendToAsync(new IPEndPoint(IPAddress.Parse("198.19.5.1"), 4000), remote, "x"u8.ToArray()).AsTask().WaitAsync(Patience));
        Assert.That(error!.SocketErrorCode, Is.EqualTo(SocketError.AddressNotAvailable), "not ours, and no transparent mode");
        Assert.That(await socket.SendToAsync(new IPEndPoint(HostPair.AddressA, 4000), remote, "x"u8.ToArray()).AsTask().WaitAsync(Patience), Is.EqualTo(1),
            "one of our own addresses pinned");
    }

    private static async Task WaitForAsync(EthoxHost host, Func<EthoxHostCounters, bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition(await host.ReadCountersAsync()))
        {
            Assert.That(clock.Elapsed, Is.LessThan(Patience), "the counters never got there");
            await Task.Delay(10);
        }
    }
}
