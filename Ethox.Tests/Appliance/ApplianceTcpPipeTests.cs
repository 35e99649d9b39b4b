using System;
using System.Security.Cryptography;
using Ethox.Appliance;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Nic;
using Ethox.Tests.Layer;
using Ethox.Tests.Tcp;
using Ethox.Tests.Tools;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Appliance;

/// <summary>
/// The appliance's TCP services over a <see cref="Pipe"/> in this process, with simulated time: its HTTP server
/// answering its own <c>--fetch</c> client, and a test client (<see cref="TcpHost"/>) using echo, discard and
/// chargen. Each transfer is checked byte for byte, and the steady state of each allocates nothing.
/// </summary>
public class ApplianceTcpPipeTests
{
    private static readonly Ipv4Address ServerV4 = TwoHosts.V4A, ClientV4 = TwoHosts.V4B;
    private static readonly Ipv6Address ServerV6 = TwoHosts.V6A, ClientV6 = TwoHosts.V6B;

    private Instant _now = Instant.FromMilliseconds(1000);
    private PipeEnd _a = null!, _b = null!;

    [SetUp]
    public void SetUp() => (_a, _b) = Pipe.CreatePair(512, 1500);

    /// <summary>Polls both sides until <paramref name="done"/>, jumping to the next deadline when nothing moves; false after <paramref name="limit"/> of simulated time.</summary>
    /// <summary>One round of both hosts (the client's application pumped too) and their earlier deadline.</summary>
    private static (Func<PipeEnd, PipeEnd, Instant, int> Poll, Func<Instant> Deadline) Pumping(PipeAppliance server, TcpHost client)
        => ((a, b, now) =>
            {
                int n = server.Poll(ref a, now) + client.Poll(ref b, now);
                client.App.PumpAll();
                return n;
            },
            () => Instant.Min(server.Stack.NextDeadline(), client.NextDeadline()));

    private bool RunUntil(Func<bool> done, Func<PipeEnd, PipeEnd, Instant, int> poll, Func<Instant> deadline, Duration limit)
    {
        var end = _now + limit;
        while (!done())
        {
            if (_now >= end) return false;
            int moved = poll(_a, _b, _now);
            var next = deadline();
            _now = moved > 0 || next <= _now ? _now + Duration.FromMicroseconds(50) : Instant.Min(next, end);
        }
        return true;
    }

    internal static byte[] PatternHash(long length)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[ChargenPattern.Period * 8];
        for (long offset = 0; offset < length; offset += chunk.Length)
        {
            int n = (int)Math.Min(chunk.Length, length - offset);
            ChargenPattern.Fill(offset, chunk.AsSpan(0, n));
            sha.AppendData(chunk, 0, n);
        }
        return sha.GetHashAndReset();
    }

    // RFC 9112 §6.2: the body is exactly Content-Length bytes; /bytes/N streams N bytes of the RFC 864 pattern.
    [TestCase(false)]
    [TestCase(true)]
    public void Fetch_of_bytes_from_the_http_server_arrives_intact_and_the_transfer_allocates_nothing(bool v6)
    {
        const long Size = 24L << 20;
        var body = new HashingStream();
        string host = v6 ? $"[{ServerV6}]" : ServerV4.ToString();
        var server = new PipeAppliance(TwoHosts.MacA, ServerV4, ServerV6, _now, null, 1);
        var client = new PipeAppliance(TwoHosts.MacB, ClientV4, ClientV6, _now, body, 2, "--fetch", $"http://{host}/bytes/{Size}");
        var fetch = client.Services.Fetch!;
        int Poll(PipeEnd a, PipeEnd b, Instant now) => server.Poll(ref a, now) + client.Poll(ref b, now);
        Instant Deadline() => Instant.Min(server.Stack.NextDeadline(), client.Stack.NextDeadline());

        // The delegates are made once: only the transfer itself is measured.
        Func<PipeEnd, PipeEnd, Instant, int> poll = Poll;
        Func<Instant> deadline = Deadline;
        long target = 4 << 20;
        Func<bool> reached = () => body.Written >= target;
        Assert.That(RunUntil(reached, poll, deadline, Duration.FromSeconds(30)), Is.True, fetch.Error);
        long least = Allocations.Least(() =>
        {
            target = Math.Min(Size, body.Written + (2 << 20));
            RunUntil(reached, poll, deadline, Duration.FromSeconds(30));
        });
        Assert.That(RunUntil(() => fetch.IsFinished(_now), Poll, Deadline, Duration.FromSeconds(60)), Is.True, fetch.Error);

        Assert.That(fetch.Error, Is.Null);
        Assert.That(fetch.Succeeded, Is.True);
        Assert.That(fetch.Status, Is.EqualTo(200));
        Assert.That(body.Written, Is.EqualTo(Size));
        Assert.That(body.Hash(), Is.EqualTo(PatternHash(Size)));
        var counters = server.Services.TcpServices.Counters;
        Assert.That(counters.HttpRequests, Is.EqualTo(1));
        Assert.That(counters.Http2xx, Is.EqualTo(1));
        Assert.That(counters.HttpBodyBytes, Is.EqualTo(Size));
        Assert.That(least, Is.Zero, "bytes allocated while 2 MiB moved");
    }

    // A 404 ends the fetch with a one-line error naming the status.
    [Test]
    public void Fetch_of_a_missing_path_fails_with_the_status()
    {
        var body = new HashingStream();
        var server = new PipeAppliance(TwoHosts.MacA, ServerV4, ServerV6, _now, null, 1);
        var client = new PipeAppliance(TwoHosts.MacB, ClientV4, ClientV6, _now, body, 2, "--fetch", $"http://{ServerV4}/nothing-here");
        var fetch = client.Services.Fetch!;
        Assert.That(RunUntil(() => fetch.IsFinished(_now), (a, b, now) => server.Poll(ref a, now) + client.Poll(ref b, now),
            () => Instant.Min(server.Stack.NextDeadline(), client.Stack.NextDeadline()), Duration.FromSeconds(30)), Is.True);
        Assert.That(fetch.Succeeded, Is.False);
        Assert.That(fetch.Status, Is.EqualTo(404));
        Assert.That(fetch.Error, Does.Contain("404").And.Not.Contain("\n"));
        Assert.That(body.Written, Is.Zero);
        Assert.That(server.Services.TcpServices.Counters.Http4xx, Is.EqualTo(1));
    }

    // RFC 862 over TCP: 16 MiB of the harness pattern come back unchanged, the connection closes on both sides,
    // and the middle of the transfer allocates nothing.
    [Test]
    public void Tcp_echo_returns_16_MiB_unchanged_and_allocates_nothing()
    {
        const long Size = 16L << 20;
        var server = new PipeAppliance(TwoHosts.MacA, ServerV4, ServerV6, _now, null, 1);
        var client = TcpHost.WithAddress(TwoHosts.MacB, ClientV4, _now, capacity: 4, bufferSize: 128 * 1024);
        var (poll, deadline) = Pumping(server, client);
        var key = client.App.Connect(new TransportAddress(ServerV4, 7), Size, _now);

        long target = 2 << 20;
        Func<bool> reached = () => client.App[key].Read >= target;
        Assert.That(RunUntil(reached, poll, deadline, Duration.FromSeconds(30)), Is.True);
        long least = Allocations.Least(() =>
        {
            target = Math.Min(Size, client.App[key].Read + (2 << 20));
            RunUntil(reached, poll, deadline, Duration.FromSeconds(30));
        });
        Assert.That(RunUntil(() => client.App.Closed == 1 && server.Services.Tcp.Count == 0, poll, deadline, Duration.FromSeconds(120)), Is.True,
            $"read {client.App[key].Read}, server state count {server.Services.Tcp.Count}");

        ref var c = ref client.App[key];
        Assert.That(c.Read, Is.EqualTo(Size));
        Assert.That(c.PatternError, Is.False, $"first wrong byte at {c.FirstError}");
        Assert.That(client.App.Resets, Is.Zero);
        Assert.That(server.Services.TcpServices.Counters.EchoBytes, Is.EqualTo(Size));
        Assert.That(server.Services.TcpServices.Arena.Available, Is.EqualTo(server.Services.TcpServices.Arena.Count), "every buffer set back in the arena");
        Assert.That(least, Is.Zero, "bytes allocated while 2 MiB moved");
    }

    // RFC 863: everything sent is thrown away and counted; RFC 864: the stream is the 72-character lines.
    [Test]
    public void Discard_takes_everything_and_chargen_streams_the_rfc_864_lines()
    {
        const long Size = 1L << 20;
        var server = new PipeAppliance(TwoHosts.MacA, ServerV4, ServerV6, _now, null, 1);
        var client = TcpHost.WithAddress(TwoHosts.MacB, ClientV4, _now, capacity: 4, bufferSize: 64 * 1024);
        client.App.CheckPattern = false;
        var (Poll, Deadline) = Pumping(server, client);
        var discard = client.App.Connect(new TransportAddress(ServerV4, 9), Size, _now);
        var chargen = client.App.Connect(new TransportAddress(ServerV4, 19), 0, _now);

        Assert.That(RunUntil(() => client.App[discard].Done && client.App[chargen].Read >= Size, Poll, Deadline, Duration.FromSeconds(60)), Is.True);
        var counters = server.Services.TcpServices.Counters;
        Assert.That(counters.DiscardBytes, Is.EqualTo(Size));
        Assert.That(counters.DiscardConnections, Is.EqualTo(1));
        Assert.That(counters.ChargenConnections, Is.EqualTo(1));
        long read = client.App[chargen].Read;
        Assert.That(client.App.HashOf(chargen), Is.EqualTo(PatternHash(read)));
        Assert.That(client.App[discard].Events & TcpEvents.Reset, Is.EqualTo(TcpEvents.None));
    }

    // A connection that never sends its request is closed once the idle timeout passes, and its buffers return.
    [Test]
    public void An_idle_http_connection_is_closed_after_the_idle_timeout_and_its_buffers_return()
    {
        var server = new PipeAppliance(TwoHosts.MacA, ServerV4, ServerV6, _now, null, 1);
        var client = TcpHost.WithAddress(TwoHosts.MacB, ClientV4, _now, capacity: 4, bufferSize: 16 * 1024);
        client.App.CheckPattern = false;
        client.App.CloseWhenDone = true;
        int Poll(PipeEnd a, PipeEnd b, Instant now) => server.Poll(ref a, now) + client.Poll(ref b, now);
        Instant Deadline() => Instant.Min(Instant.Min(server.Stack.NextDeadline(), client.NextDeadline()), _now + Duration.FromSeconds(1));
        var key = client.App.Connect(new TransportAddress(ServerV4, 80), 0, _now);
        Assert.That(RunUntil(() => client.App.Connected == 1, Poll, Deadline, Duration.FromSeconds(5)), Is.True);
        var arena = server.Services.TcpServices.Arena;
        Assert.That(arena.Available, Is.EqualTo(arena.Count - 1));

        Assert.That(RunUntil(() => client.App[key].PeerClosed, Poll, Deadline, Duration.FromSeconds(40)), Is.True, "the server closed the idle connection");
        Assert.That(RunUntil(() => arena.Available == arena.Count, Poll, Deadline, Duration.FromSeconds(5)), Is.True);
        Assert.That(server.Services.TcpServices.Counters.IdleTimeouts, Is.EqualTo(1));
    }
}
