using System;
using System.Threading.Tasks;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Nic.Hosting;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>
/// Per-stream socket options: <see cref="EthoxStream.NoDelay"/> (Nagle, RFC 896) and <see cref="EthoxStream.KeepAlive"/>
/// (RFC 1122 §4.2.3.6) reach that connection's TCP state through the host's queue, and no other connection's.
/// </summary>
public class HostStreamOptionsTests
{
    private static readonly TimeSpan Patience = HostPair.Patience;

    [Test]
    public async Task NoDelay_and_KeepAlive_set_on_one_stream_reach_its_connection_and_no_other()
    {
        await using var pair = new HostPair();
        var (first, firstServer) = await pair.ConnectAsync(7);
        var (second, secondServer) = await pair.ConnectAsync(8);
        Assert.That((first.NoDelay, first.KeepAlive), Is.EqualTo((true, false)), "the host's defaults");

        first.NoDelay = false;
        first.KeepAlive = true;
        Assert.That((first.NoDelay, first.KeepAlive), Is.EqualTo((false, true)));
        var options = (await first.GetTcpInfoAsync().AsTask().WaitAsync(Patience)).Options;
        Assert.That((options.Nagle, options.KeepAlive), Is.EqualTo((true, true)), "Nagle on, keep-alive on in the TCP layer");
        var other = (await second.GetTcpInfoAsync().AsTask().WaitAsync(Patience)).Options;
        Assert.That((other.Nagle, other.KeepAlive), Is.EqualTo((false, false)), "the other connection keeps the host's options");

        first.NoDelay = true;
        options = (await first.GetTcpInfoAsync().AsTask().WaitAsync(Patience)).Options;
        Assert.That((options.Nagle, options.KeepAlive), Is.EqualTo((false, true)), "each change carries both options");

        // Data still flows under Nagle: a small write after the change leaves (nothing is in flight to wait for).
        second.NoDelay = false;
        await second.WriteAsync("held?"u8.ToArray());
        var buffer = new byte[5];
        await secondServer.ReadExactlyAsync(buffer).AsTask().WaitAsync(Patience);
        Assert.That(buffer, Is.EqualTo("held?"u8.ToArray()));
        foreach (var s in new[] { first, firstServer, second, secondServer }) s.Dispose();
    }

    [Test]
    public async Task The_hosts_options_give_each_new_stream_its_starting_values()
    {
        await using var pair = new HostPair(a =>
        {
            a.NoDelay = false;
            a.KeepAlive = true;
        });
        var (client, server) = await pair.ConnectAsync(7);
        Assert.That((client.NoDelay, client.KeepAlive), Is.EqualTo((false, true)));
        var options = (await client.GetTcpInfoAsync().AsTask().WaitAsync(Patience)).Options;
        Assert.That((options.Nagle, options.KeepAlive), Is.EqualTo((true, true)));
        var info = await server.GetTcpInfoAsync().AsTask().WaitAsync(Patience);
        Assert.That(info.State, Is.EqualTo(TcpState.Established));
        Assert.That((info.Options.Nagle, info.Options.KeepAlive), Is.EqualTo((false, false)), "B's host keeps its own defaults");
        client.Dispose();
        server.Dispose();
    }

    // RFC 1122 §4.2.3.6: with keep-alive turned on for the stream, the idle connection is probed at the host's times, and
    // the peer's answers keep it open.
    [Test]
    public async Task Keep_alive_turned_on_for_a_stream_probes_its_idle_connection_at_the_hosts_times()
    {
        await using var pair = new HostPair(a => a.TcpSettings = new TcpTimerSettings
        {
            KeepAliveIdle = Duration.FromMilliseconds(200), KeepAliveInterval = Duration.FromMilliseconds(100),
        });
        var (client, server) = await pair.ConnectAsync(7);
        client.KeepAlive = true;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await pair.A.ReadCountersAsync()).Tcp.KeepAliveProbes < 2)
        {
            Assert.That(clock.Elapsed, Is.LessThan(Patience), "no keep-alive probe");
            await Task.Delay(50);
        }
        await client.WriteAsync("alive"u8.ToArray());
        var buffer = new byte[5];
        await server.ReadExactlyAsync(buffer).AsTask().WaitAsync(Patience);
        Assert.That(buffer, Is.EqualTo("alive"u8.ToArray()), "answered probes keep the connection");
        client.Dispose();
        server.Dispose();
    }

    [Test]
    public async Task Options_of_a_disposed_stream_throw_ObjectDisposedException()
    {
        await using var pair = new HostPair();
        var (client, server) = await pair.ConnectAsync(7);
        client.Dispose();
        Assert.Throws<ObjectDisposedException>(() => client.NoDelay = false);
        Assert.Throws<ObjectDisposedException>(() => client.KeepAlive = true);
        Assert.Throws<ObjectDisposedException>(() => client.GetTcpInfoAsync());
        server.Dispose();
    }
}
