using System;
using System.IO;
using System.Net;
using System.Threading.Tasks;
using Ethox.Nic;
using Ethox.Nic.Hosting;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>Starting and stopping a host: a graceful stop closes every connection and keeps the counters; an exception of the loop stops the host and reaches every caller.</summary>
public class HostLifecycleTests
{
    private static readonly TimeSpan Patience = HostPair.Patience;

    private static EthoxHostOptions Options(string mac, string address)
    {
        var options = new EthoxHostOptions { Mac = EthernetAddress.Parse(mac), DadTransmits = 0 };
        options.Addresses.Add(HostAddress.Parse(address));
        return options;
    }

    [Test]
    public async Task Stop_closes_connections_with_fin_and_keeps_the_counters_readable()
    {
        await using var pair = new HostPair();
        var (client, server) = await pair.ConnectAsync(7);
        await client.WriteAsync(new byte[1000]);
        await server.ReadExactlyAsync(new byte[1000]).AsTask().WaitAsync(Patience);
        var stop = pair.A.StopAsync();
        Assert.That(await server.ReadAsync(new byte[1]).AsTask().WaitAsync(Patience), Is.Zero, "the stopping host closed with a FIN");
        server.Dispose(); // our FIN: the stopping host's connection closes completely, and the stop ends before its timeout
        await stop.WaitAsync(Patience);
        Assert.That(pair.A.IsRunning, Is.False);
        var counters = await pair.A.ReadCountersAsync();
        Assert.That(counters.Tcp.ActiveOpens, Is.EqualTo(1));
        Assert.That(counters.Host.Connected, Is.EqualTo(1));
        Assert.That(counters.Connections, Is.Zero, "every connection closed before the loop ended");
        Assert.That(counters.Ethernet.FramesOut, Is.GreaterThan(0));
        Assert.That((await pair.B.ReadCountersAsync()).Tcp.Resets, Is.Zero, "closed, not reset");
    }

    [Test]
    public async Task Requests_after_stop_fail_with_ObjectDisposedException_and_pending_ones_with_it_too()
    {
        await using var pair = new HostPair();
        var (client, server) = await pair.ConnectAsync(7);
        var read = client.ReadAsync(new byte[10]).AsTask();
        var stop = pair.A.StopAsync();
        Assert.ThrowsAsync<ObjectDisposedException>(async () => await read.WaitAsync(Patience));
        server.Dispose(); // the FIN that lets the stopping host's connection close
        await stop.WaitAsync(Patience);
        Assert.ThrowsAsync<ObjectDisposedException>(async () => await pair.A.ConnectAsync(new IPEndPoint(HostPair.AddressB, 7)));
        Assert.ThrowsAsync<ObjectDisposedException>(async () => await pair.A.ListenAsync(80));
        Assert.ThrowsAsync<ObjectDisposedException>(async () => await client.WriteAsync(new byte[1]));
    }

    [Test]
    public async Task Loop_exception_faults_the_host_and_reaches_waiting_requests_completion_and_stop()
    {
        var (wireA, wireB) = SocketPairEnd.Create();
        var faulty = new FaultyDevice(wireA);
        using var a = EthoxHost.Create(faulty, Options("02:00:5e:00:00:a1", "198.18.0.1/24"));
        var optionsB = Options("02:00:5e:00:00:b2", "198.18.0.2/24");
        optionsB.StopTimeout = TimeSpan.FromMilliseconds(100); // its connection's peer is dead: the stop resets it
        await using var b = EthoxHost.Create(wireB, optionsB);
        a.Start();
        b.Start();
        await using var listener = await b.ListenAsync(7);
        var accept = listener.AcceptAsync().AsTask();
        using var client = await a.ConnectAsync(new IPEndPoint(HostPair.AddressB, 7)).AsTask().WaitAsync(Patience);
        using var server = await accept.WaitAsync(Patience);
        var read = client.ReadAsync(new byte[10]).AsTask();
        faulty.Fail();
        await server.WriteAsync(new byte[1]); // a frame to receive, so that the faulty receive runs

        var e = Assert.ThrowsAsync<IOException>(async () => await read.WaitAsync(Patience));
        Assert.That(e!.InnerException, Is.SameAs(faulty.Failure), "the waiting read carries the loop's exception");
        var completion = Assert.ThrowsAsync<InvalidOperationException>(async () => await a.Completion.WaitAsync(Patience));
        Assert.That(completion, Is.SameAs(faulty.Failure));
        Assert.That(Assert.Throws<InvalidOperationException>(() => a.Stop()), Is.SameAs(faulty.Failure));
        var later = Assert.ThrowsAsync<IOException>(async () => await a.ConnectAsync(new IPEndPoint(HostPair.AddressB, 7)));
        Assert.That(later!.InnerException, Is.SameAs(faulty.Failure));
        Assert.DoesNotThrow(a.Dispose, "the stop threw the exception already");
        wireA.Dispose();
        wireB.Dispose();
    }

    [Test]
    public async Task Dispose_of_a_faulted_host_never_stopped_throws_the_loop_exception()
    {
        var (wireA, wireB) = SocketPairEnd.Create();
        var faulty = new FaultyDevice(wireA);
        var a = EthoxHost.Create(faulty, Options("02:00:5e:00:00:a1", "198.18.0.1/24"));
        faulty.Fail();
        a.Start();
        Assert.ThrowsAsync<InvalidOperationException>(async () => await a.Completion.WaitAsync(Patience));
        Assert.That(Assert.Throws<InvalidOperationException>(a.Dispose), Is.SameAs(faulty.Failure));
        wireA.Dispose();
        wireB.Dispose();
    }

    [Test]
    public async Task A_host_over_an_in_memory_pipe_sleeps_on_its_eventfd_and_answers_requests()
    {
        var (ours, _) = Pipe.CreatePair(16);
        await using var host = EthoxHost.Create(ours, Options("02:00:5e:00:00:a1", "198.18.0.1/24"));
        host.Start();
        await using var socket = await host.BindUdpAsync(5000).AsTask().WaitAsync(Patience);
        Assert.That(socket.Port, Is.EqualTo(5000));
        // With nothing to do the loop sleeps (no descriptor to poll: the eventfd and the deadline); each request wakes it.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        EthoxHostCounters counters;
        while ((counters = await host.ReadCountersAsync().AsTask().WaitAsync(Patience)).Host.Sleeps == 0)
            Assert.That(clock.Elapsed, Is.LessThan(Patience), "the loop never slept");
        Assert.That(counters.Host.Requests, Is.GreaterThanOrEqualTo(2));
    }

    [Test]
    public void Stop_before_start_fails_what_was_requested()
    {
        var (ours, _) = Pipe.CreatePair(16);
        var host = EthoxHost.Create(ours, Options("02:00:5e:00:00:a1", "198.18.0.1/24"));
        var bind = host.BindUdpAsync(5000).AsTask();
        host.Stop();
        Assert.ThrowsAsync<ObjectDisposedException>(async () => await bind);
        Assert.Throws<InvalidOperationException>(host.Start);
        host.Dispose();
    }
}
