using System;
using System.Diagnostics;
using System.Globalization;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Nic;

namespace Ethox.Bench;

/// <summary>
/// Many established connections in one endpoint (issue 10 §3, scale): <c>tcpscale [--connections N] [--buffer B]
/// [--ports P]</c> opens N connections from one client stack to one server stack over <see cref="Pipe"/> (both on
/// this thread), spread over P listening ports so that the client's 16,384 ephemeral ports per destination suffice,
/// and keeps them all open. It prints how long that took, the connections per second, the bytes the thread
/// allocated while connecting, the endpoint's state per connection and the process's memory. With
/// <c>--send R</c> every client connection then sends for R pump rounds (each a transmit and a receive call of up to
/// 256 frames per side) into the server, which discards; the run prints the goodput and how evenly the bytes were
/// shared among the connections (least, most, Jain's fairness index).
/// </summary>
public static class TcpScaleRun
{
    private const ushort FirstPort = 1000;
    private const int Batch = 128; // SYNs in flight per round: half the pipe's frames

    /// <summary>Runs the test as <paramref name="args"/> say; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        var options = BenchArgs.Parse(args, ["--connections", "--buffer", "--ports", "--send"]);
        int connections = options.Int("--connections", 1_000_000), buffer = options.Int("--buffer", 64);
        int ports = options.Int("--ports", 100), sendRounds = options.Int("--send", 0);
        if (options.Error is { } error) { Console.Error.WriteLine(error); return 2; }
        if (connections < 1 || buffer < 1 || ports < 1 || ports > 1000 || (long)connections > (long)ports * 16_384 * 9 / 10)
        {
            Console.Error.WriteLine("need 1 ≤ connections ≤ 90 % of ports × 16384, buffer ≥ 1, 1 ≤ ports ≤ 1000");
            return 2;
        }
        var (clientLink, serverLink) = Pipe.CreatePair(TcpBenchPair.PipeCapacity, 1500);
        var pair = new TcpBenchPair<PipeEnd>(clientLink, serverLink, 1500, connections, buffer, TcpBenchPair.PipeCapacity, listeners: ports);
        for (int p = 0; p < ports; p++)
            if (pair.Server.Tcp.Listen((ushort)(FirstPort + p), backlog: 2 * Batch) != TcpStatus.Ok) { Console.Error.WriteLine("listen failed"); return 1; }
        var client = pair.Client.App;
        var server = pair.Server.App;
        var keys = new SlotKey[connections];
        long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        // The first connection resolves the neighbours (ARP) before anything is timed.
        if (client.Connect(new TransportAddress(TcpBenchPair<PipeEnd>.ServerV4, FirstPort), pair.Now, out keys[0]) != TcpStatus.Ok
            || !pair.RunUntil(() => server.Established == 1 && client.Established == 1))
        {
            Console.Error.WriteLine("the first connection failed");
            return 1;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var cpuBefore = Environment.CpuUsage.TotalTime;
        long start = Stopwatch.GetTimestamp();
        int opened = 1;
        while (opened < connections)
        {
            int batch = Math.Min(Batch, connections - opened);
            for (int i = 0; i < batch; i++, opened++)
            {
                var remote = new TransportAddress(TcpBenchPair<PipeEnd>.ServerV4, (ushort)(FirstPort + opened % ports));
                var status = client.Connect(remote, pair.Now, out keys[opened]);
                if (status != TcpStatus.Ok) { Console.Error.WriteLine($"connect {opened} failed: {status}"); return 1; }
            }
            pair.Round(); // SYN → SYN-ACK (in place) → ACK (in place)
            pair.Round(); // the ACKs reach the server
        }
        for (int i = 0; i < 4 && (server.Established < connections || client.Established < connections); i++) pair.Round();
        var elapsed = Stopwatch.GetElapsedTime(start);
        var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        long memoryAfter = GC.GetTotalMemory(forceFullCollection: true);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            {connections} connections over {ports} listening ports, {buffer}-byte send and receive rings each
            established: client {client.Established}, server {server.Established}; failures: client {client.Failures}, server {server.Failures}
            set-up: {elapsed.TotalSeconds:F2} s, {connections / elapsed.TotalSeconds / 1e3:F0} k connections/s ({connections / cpu.TotalSeconds / 1e3:F0} k per CPU second), both ends on this thread; {allocated} B allocated
            state per connection: {TcpEndpoint.StateBytesPerConnection} B ({TcpEndpoint.ControlBlockBytes} B of TCB); per endpoint {(long)TcpEndpoint.StateBytesPerConnection * connections / 1e6:F0} MB + rings {2L * buffer * connections / 1e6:F0} MB
            managed heap: {memoryBefore / 1e6:F0} MB after building both stacks (allocated at start), {memoryAfter / 1e6:F0} MB with every connection open; working set {Environment.WorkingSet / 1e6:F0} MB
            """));
        if (server.Established != connections || client.Established != connections) return 1;
        return sendRounds > 0 ? Send(pair, keys, sendRounds) : 0;
    }

    // Every connection sends at once; the server's per-slot byte counts show whether each made progress.
    private static int Send(TcpBenchPair<PipeEnd> pair, SlotKey[] keys, int rounds)
    {
        var client = pair.Client.App;
        var server = pair.Server.App;
        client.FeedEveryConnection = true;
        long receivedBefore = server.Received;
        var before = new long[keys.Length];
        for (int i = 0; i < before.Length; i++) before[i] = server.ReceivedBy(i);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        long start = Stopwatch.GetTimestamp();
        foreach (var key in keys) client.Feed(key);
        for (int r = 0; r < rounds; r++) pair.Round();
        var elapsed = Stopwatch.GetElapsedTime(start);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        long total = server.Received - receivedBefore;
        // The server's slots 0..N-1 hold the N connections (none was ever closed).
        long least = long.MaxValue, most = 0;
        double sum = 0, squares = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            long got = server.ReceivedBy(i) - before[i];
            least = Math.Min(least, got);
            most = Math.Max(most, got);
            sum += got;
            squares += (double)got * got;
        }
        double jain = squares == 0 ? 0 : sum * sum / (keys.Length * squares);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sending: {rounds} rounds, {elapsed.TotalSeconds:F2} s, {total / 1e6:F0} MB received, {total * 8 / elapsed.TotalSeconds / 1e9:F2} Gbit/s; {allocated} B allocated"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"per connection: least {least} B, most {most} B, mean {sum / keys.Length:F0} B; Jain's fairness index {jain:F4}"));
        return least > 0 ? 0 : 1;
    }
}
