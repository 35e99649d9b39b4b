using System;
using System.Diagnostics;
using System.Globalization;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Nic;
using Ethox.Wire;

namespace Ethox.Bench;

/// <summary>
/// Connection set-up as the server alone sees it: <c>tcphandshake --server-only [--cookies] [--rounds N] [--warmup N]</c>. A
/// <see cref="ScriptedTcpClient"/> writes raw SYNs into the pipe, answers the server's SYN-ACKs in place with the
/// final ACK and releases each connection with a RST, so nearly all the work is the server stack's (Ethernet, IPv4,
/// TCP, the user's accept). Batches of <see cref="Batch"/>: SYNs in, SYN-ACKs out in place, ACKs in (ESTABLISHED),
/// RSTs in (slots freed); every batch is checked. Each round prints the handshakes per second of wall time and per
/// second of this thread's CPU time, and splits that CPU time per handshake between the server's calls and the client
/// script's (the thread's CPU clock read around each call: on a loaded machine a wall-clock split would count the
/// time the thread waited for a core).
/// </summary>
public static class TcpServerHandshakeRun
{
    /// <summary>Connections per batch: half the pipe's frames.</summary>
    public const int Batch = 128;
    private const ushort BacklogPort = 80, CookiePort = 81;

    /// <summary>Runs <paramref name="rounds"/> rounds of about a second each after <paramref name="warmup"/> untimed ones; returns the process exit code.</summary>
    public static int Run(bool cookies, int rounds, int warmup)
    {
        var pair = TcpBenchPair.OverPipe(1500, 2 * Batch, 4096);
        var server = pair.Server;
        server.Tcp.Listen(BacklogPort, backlog: 2 * Batch);
        server.Tcp.Listen(CookiePort, backlog: 0); // a full backlog from the start: every SYN gets a cookie
        // One real connection resolves the neighbours (ARP); the scripted client then takes over the client's end.
        if (pair.Client.App.Connect(new TransportAddress(TcpBenchPair<PipeEnd>.ServerV4, BacklogPort), pair.Now, out var first) != TcpStatus.Ok
            || !pair.RunUntil(() => server.App.Established == 1 && pair.Client.App.Established == 1)
            || pair.Client.App.Abort(first) != TcpStatus.Ok
            || !pair.RunUntil(() => server.App.Closed == 1))
        {
            Console.Error.WriteLine("the first connection failed");
            return 1;
        }
        var script = new ScriptedTcpClient(pair.Client.Ethernet.Address, TcpBenchPair<PipeEnd>.ClientV4,
            server.Ethernet.Address, TcpBenchPair<PipeEnd>.ServerV4, Batch) { ServerPort = cookies ? CookiePort : BacklogPort };
        Console.WriteLine($"handshake + RST over Pipe, {(cookies ? "SYN cookies" : "backlog")}, server stack against a scripted client, batches of {Batch}");
        var perCpu = new double[rounds];
        var serverPerHandshake = new double[rounds];
        // Untimed rounds first (negative numbers): the tiered JIT needs them to reach its optimized, profiled code.
        for (int round = -warmup; round < rounds; round++)
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            long cpuBefore = ThreadClock.Nanoseconds();
            long start = Stopwatch.GetTimestamp(), serverNs = 0, clientNs = 0, made = 0;
            while (Stopwatch.GetElapsedTime(start).TotalSeconds < 1)
            {
                if (!RunBatch(pair, script, ref serverNs, ref clientNs)) return 1;
                made += Batch;
            }
            var elapsed = Stopwatch.GetElapsedTime(start);
            long cpu = ThreadClock.Nanoseconds() - cpuBefore;
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            if (round < 0) continue;
            perCpu[round] = made * 1e6 / cpu;
            serverPerHandshake[round] = (double)serverNs / made;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: {made / elapsed.TotalSeconds / 1e3:F0} k handshakes/s, {made * 1e6 / cpu:F0} k per CPU second; per handshake {(double)cpu / made:F0} ns of CPU: server {(double)serverNs / made:F0} ns ({made * 1e6 / serverNs:F0} k/s), client script {(double)clientNs / made:F0} ns, clock reads and checks the rest; {allocated} B allocated"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median of {rounds} rounds: {TcpBulkRun.Median(perCpu):F0} k handshakes per CPU second, server {TcpBulkRun.Median(serverPerHandshake):F0} ns a handshake ({1e6 / TcpBulkRun.Median(serverPerHandshake):F0} k/s)"));
        return 0;
    }

    private static bool RunBatch(TcpBenchPair<PipeEnd> pair, ScriptedTcpClient script, ref long serverNs, ref long clientNs)
    {
        var server = pair.Server;
        var now = pair.Now;
        long established = server.App.Established, closed = server.App.Closed;
        long t0 = ThreadClock.Nanoseconds();
        script.StartBatch(Batch);
        var syns = script.SynSender(now);
        pair.ClientLink.Transmit(Batch, ref syns, now);
        long t1 = ThreadClock.Nanoseconds();
        server.Receive(pair.ServerLink, Batch, now);   // SYN → SYN-ACK in place
        server.Transmit(pair.ServerLink, Batch, now);  // nothing is left to send: the busy server's transmit call
        long t2 = ThreadClock.Nanoseconds();
        var acks = script.AckResponder(now);
        pair.ClientLink.Receive(Batch, ref acks, now);
        long t3 = ThreadClock.Nanoseconds();
        server.Receive(pair.ServerLink, Batch, now);   // the ACKs: ESTABLISHED
        long t4 = ThreadClock.Nanoseconds();
        var resets = script.ResetSender();
        pair.ClientLink.Transmit(Batch, ref resets, now);
        long t5 = ThreadClock.Nanoseconds();
        server.Receive(pair.ServerLink, Batch, now);   // the RSTs free the slots
        server.Transmit(pair.ServerLink, Batch, now);
        long t6 = ThreadClock.Nanoseconds();
        serverNs += (t2 - t1) + (t4 - t3) + (t6 - t5);
        clientNs += (t1 - t0) + (t3 - t2) + (t5 - t4);
        pair.Now += pair.Step;
        long made = server.App.Established - established, freed = server.App.Closed - closed;
        if (made == Batch && freed == Batch && script.Acked == Batch && script.Unexpected == 0 && server.App.Failures == 0) return true;
        Console.Error.WriteLine($"{made} of {Batch} established, {freed} freed, {script.Acked} SYN-ACKs answered, {script.Unexpected} unexpected frames, {server.App.Failures} failures");
        return false;
    }
}
