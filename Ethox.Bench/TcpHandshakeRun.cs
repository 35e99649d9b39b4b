using System;
using System.Diagnostics;
using System.Globalization;

namespace Ethox.Bench;

/// <summary>
/// The connection set-up of <see cref="TcpHandshakeBench"/> outside BenchmarkDotNet, for profiling:
/// <c>tcphandshake [--cookies] [--rounds N]</c> runs batches of handshakes for about a second per round and prints
/// connections per second (wall time and per second of the process's CPU time) and the bytes the thread allocated.
/// With <c>--server-only</c> the client is a script of raw frames (<see cref="TcpServerHandshakeRun"/>), so the time is the server's.
/// </summary>
public static class TcpHandshakeRun
{
    /// <summary>Runs the handshakes as <paramref name="args"/> say; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        var options = BenchArgs.Parse(args, ["--rounds"], ["--cookies", "--server-only"]);
        int rounds = options.Int("--rounds", 5);
        bool cookies = options.Flag("--cookies");
        if (options.Error is { } error) { Console.Error.WriteLine(error); return 2; }
        if (options.Flag("--server-only")) return TcpServerHandshakeRun.Run(cookies, rounds);
        var bench = new TcpHandshakeBench();
        bench.Setup();
        Console.WriteLine($"handshake + abort over Pipe, {(cookies ? "SYN cookies" : "backlog")}, both ends on this thread");
        for (int round = 0; round < rounds; round++)
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
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: {made / elapsed.TotalSeconds / 1e3:F0} k connections/s, {made / cpu.TotalSeconds / 1e3:F0} k per CPU second, {allocated} B allocated"));
        }
        return 0;
    }
}
