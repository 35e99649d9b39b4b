using System;
using System.Diagnostics;
using System.Globalization;

namespace Ethox.Bench;

/// <summary>
/// The connection set-up of <see cref="TcpHandshakeBatches"/> outside BenchmarkDotNet (also in the NativeAOT bench), for profiling:
/// <c>tcphandshake [--cookies] [--rounds N] [--warmup N]</c> runs batches of handshakes for about a second per round (the first <c>--warmup</c> rounds untimed) and prints
/// connections per second (wall time and per second of the process's CPU time) and the bytes the thread allocated.
/// With <c>--server-only</c> the client is a script of raw frames (<see cref="TcpServerHandshakeRun"/>), so the time is the server's.
/// </summary>
public static class TcpHandshakeRun
{
    /// <summary>Runs the handshakes as <paramref name="args"/> say; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        var options = BenchArgs.Parse(args, ["--rounds", "--warmup"], ["--cookies", "--server-only"]);
        int rounds = options.Int("--rounds", 5), warmup = options.Int("--warmup", 0);
        bool cookies = options.Flag("--cookies");
        if (options.Error is { } error) { Console.Error.WriteLine(error); return 2; }
        if (rounds <= 0 || warmup < 0) { Console.Error.WriteLine("--rounds must be positive, --warmup not negative"); return 2; }
        if (options.Flag("--server-only")) return TcpServerHandshakeRun.Run(cookies, rounds, warmup);
        var bench = new TcpHandshakeBatches();
        Console.WriteLine($"handshake + abort over Pipe, {(cookies ? "SYN cookies" : "backlog")}, both ends on this thread");
        var wall = new double[rounds];
        var perCpu = new double[rounds];
        // Untimed rounds first (negative numbers): the tiered JIT needs them to reach its optimized, profiled code.
        for (int round = -warmup; round < rounds; round++)
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            var cpuBefore = Environment.CpuUsage.TotalTime;
            long start = Stopwatch.GetTimestamp();
            long made = 0;
            while (Stopwatch.GetElapsedTime(start).TotalSeconds < 1)
                made += cookies ? bench.Cookies() : bench.Backlog();
            var elapsed = Stopwatch.GetElapsedTime(start);
            var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            if (round < 0) continue;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: {made / elapsed.TotalSeconds / 1e3:F0} k connections/s, {made / cpu.TotalSeconds / 1e3:F0} k per CPU second, {allocated} B allocated"));
            wall[round] = made / elapsed.TotalSeconds / 1e3;
            perCpu[round] = made / cpu.TotalSeconds / 1e3;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median of {rounds} rounds: {TcpBulkRun.Median(wall):F0} k connections/s, {TcpBulkRun.Median(perCpu):F0} k per CPU second"));
        return 0;
    }
}
