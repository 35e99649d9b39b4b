using System;
using System.Diagnostics;
using System.Globalization;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Nic;
using Ethox.Wire;

namespace Ethox.Bench;

/// <summary>
/// Connection set-up as the server alone sees it: <c>tcphandshake --server-only [--cookies] [--rounds N]</c>. A
/// <see cref="ScriptedTcpClient"/> writes raw SYNs into the pipe, answers the server's SYN-ACKs in place with the
/// final ACK and releases each connection with a RST, so nearly all the work is the server stack's (Ethernet, IPv4,
/// TCP, the user's accept). Batches of <see cref="Batch"/>: SYNs in, SYN-ACKs out in place, ACKs in (ESTABLISHED),
/// RSTs in (slots freed); every batch is checked. Each round prints the handshakes per second of wall time and per
/// second of the process's CPU, and splits the time per handshake between the server's calls and the client script's
/// (from timestamps around each call).
/// </summary>
public static class TcpServerHandshakeRun
{
    /// <summary>Connections per batch: half the pipe's frames.</summary>
    public const int Batch = 128;
    private const ushort BacklogPort = 80, CookiePort = 81;

    /// <summary>Runs <paramref name="rounds"/> rounds of about a second each; returns the process exit code.</summary>
    public static int Run(bool cookies, int rounds)
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
        for (int round = 0; round < rounds; round++)
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            var cpuBefore = Environment.CpuUsage.TotalTime;
            long start = Stopwatch.GetTimestamp(), serverTicks = 0, clientTicks = 0, made = 0;
            while (Stopwatch.GetElapsedTime(start).TotalSeconds < 1)
            {
                if (!RunBatch(pair, script, ref serverTicks, ref clientTicks)) return 1;
                made += Batch;
            }
            var elapsed = Stopwatch.GetElapsedTime(start);
            var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            double nsPerTick = 1e9 / Stopwatch.Frequency;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: {made / elapsed.TotalSeconds / 1e3:F0} k handshakes/s, {made / cpu.TotalSeconds / 1e3:F0} k per CPU second; per handshake {cpu.TotalMilliseconds * 1e6 / made:F0} ns of CPU, of it in the calls: server {serverTicks * nsPerTick / made:F0} ns, client script {clientTicks * nsPerTick / made:F0} ns; {allocated} B allocated"));
        }
        return 0;
    }

    private static bool RunBatch(TcpBenchPair<PipeEnd> pair, ScriptedTcpClient script, ref long serverTicks, ref long clientTicks)
    {
        var server = pair.Server;
        var now = pair.Now;
        long established = server.App.Established, closed = server.App.Closed;
        long t0 = Stopwatch.GetTimestamp();
        script.StartBatch(Batch);
        var syns = script.SynSender(now);
        pair.ClientLink.Transmit(Batch, ref syns, now);
        long t1 = Stopwatch.GetTimestamp();
        server.Receive(pair.ServerLink, Batch, now);   // SYN → SYN-ACK in place
        server.Transmit(pair.ServerLink, Batch, now);  // nothing is left to send: the busy server's transmit call
        long t2 = Stopwatch.GetTimestamp();
        var acks = script.AckResponder(now);
        pair.ClientLink.Receive(Batch, ref acks, now);
        long t3 = Stopwatch.GetTimestamp();
        server.Receive(pair.ServerLink, Batch, now);   // the ACKs: ESTABLISHED
        long t4 = Stopwatch.GetTimestamp();
        var resets = script.ResetSender();
        pair.ClientLink.Transmit(Batch, ref resets, now);
        long t5 = Stopwatch.GetTimestamp();
        server.Receive(pair.ServerLink, Batch, now);   // the RSTs free the slots
        server.Transmit(pair.ServerLink, Batch, now);
        long t6 = Stopwatch.GetTimestamp();
        serverTicks += (t2 - t1) + (t4 - t3) + (t6 - t5);
        clientTicks += (t1 - t0) + (t3 - t2) + (t5 - t4);
        pair.Now += pair.Step;
        long made = server.App.Established - established, freed = server.App.Closed - closed;
        if (made == Batch && freed == Batch && script.Acked == Batch && script.Unexpected == 0 && server.App.Failures == 0) return true;
        Console.Error.WriteLine($"{made} of {Batch} established, {freed} freed, {script.Acked} SYN-ACKs answered, {script.Unexpected} unexpected frames, {server.App.Failures} failures");
        return false;
    }
}
