using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Ethox.Layer.Ip;
using Ethox.Nic.Hosting;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>
/// Transparent mode through the facade: host B with <see cref="EthoxHostOptions.AcceptAny"/> on takes connections that host A
/// makes to addresses B does not have (A routes them through B as its gateway), and <see cref="EthoxHost.AcceptAnyAsync"/>
/// hands them over with the original destination as their local end.
/// </summary>
[NonParallelizable]
public class HostAcceptAnyTests
{
    private static readonly TimeSpan Patience = HostPair.Patience;

    private static HostPair TransparentPair() => new(
        a =>
        {
            a.Gateways.Add(IpAddress.Parse("198.18.0.2"));
            a.Gateways.Add(IpAddress.Parse("2001:db8::2"));
        },
        b => b.AcceptAny = IpFamilies.All);

    [Test]
    public async Task Connections_to_foreign_destinations_of_both_families_are_accepted_with_the_original_destination_as_local_end()
    {
        await using var pair = TransparentPair();
        IPEndPoint[] destinations =
        [
            new(IPAddress.Parse("198.19.5.1"), 80),
            new(IPAddress.Parse("198.19.7.9"), 4433),
            new(IPAddress.Parse("2001:db8:5::1"), 80),
        ];
        foreach (var destination in destinations)
        {
            var accept = pair.B.AcceptAnyAsync().AsTask();
            await using var client = await pair.A.ConnectAsync(destination).AsTask().WaitAsync(Patience);
            await using var server = await accept.WaitAsync(Patience);
            Assert.That(server.LocalEndPoint, Is.EqualTo(destination), "the original destination");
            Assert.That(server.RemoteEndPoint, Is.EqualTo(client.LocalEndPoint));
            Assert.That(client.RemoteEndPoint, Is.EqualTo(destination), "the answers came from the original destination");

            var request = new byte[100_000];
            new Random(destination.Port).NextBytes(request);
            var write = client.WriteAsync(request).AsTask();
            var received = new byte[request.Length];
            await server.ReadExactlyAsync(received).AsTask().WaitAsync(Patience);
            await write.WaitAsync(Patience);
            Assert.That(received, Is.EqualTo(request));
            await server.WriteAsync("answer"u8.ToArray());
            await server.ShutdownOutputAsync();
            var answer = new byte[16];
            int n = await client.ReadAtLeastAsync(answer, 6).AsTask().WaitAsync(Patience);
            Assert.That(System.Text.Encoding.ASCII.GetString(answer, 0, n), Is.EqualTo("answer"));
            Assert.That(await client.ReadAsync(answer).AsTask().WaitAsync(Patience), Is.Zero);
        }
        var counters = await pair.B.ReadCountersAsync();
        Assert.That(counters.Host.Accepted, Is.EqualTo(destinations.Length));
        Assert.That(counters.Ip.ForeignIn, Is.GreaterThan(0));
    }

    [Test]
    public async Task A_connection_made_before_anyone_waits_is_queued_until_AcceptAnyAsync()
    {
        await using var pair = TransparentPair();
        await using var client = await pair.A.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.19.1.1"), 25)).AsTask().WaitAsync(Patience);
        await client.WriteAsync("early"u8.ToArray());
        await using var server = await pair.B.AcceptAnyAsync().AsTask().WaitAsync(Patience);
        var buffer = new byte[5];
        await server.ReadExactlyAsync(buffer).AsTask().WaitAsync(Patience);
        Assert.That(System.Text.Encoding.ASCII.GetString(buffer), Is.EqualTo("early"));
    }

    [Test]
    public async Task The_hosts_own_closed_ports_still_refuse_in_transparent_mode()
    {
        await using var pair = TransparentPair();
        var error = Assert.ThrowsAsync<SocketException>(async () =>
            await pair.A.ConnectAsync(new IPEndPoint(HostPair.AddressB, 81)).AsTask().WaitAsync(Patience));
        Assert.That(error!.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused));
    }

    [Test]
    public async Task AcceptAnyAsync_needs_transparent_mode_and_fails_when_the_host_stops()
    {
        await using (var plain = new HostPair())
            Assert.Throws<InvalidOperationException>(() => plain.B.AcceptAnyAsync());

        var pair = TransparentPair();
        var waiting = pair.B.AcceptAnyAsync().AsTask();
        await pair.DisposeAsync();
        Assert.ThrowsAsync<ObjectDisposedException>(async () => await waiting.WaitAsync(Patience));
    }
}
