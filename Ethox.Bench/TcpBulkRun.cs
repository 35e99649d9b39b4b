using System;
using System.Diagnostics;
using System.Globalization;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Nic;

namespace Ethox.Bench;

/// <summary>
/// The bulk transfer of <c>TcpBulkBench</c> outside BenchmarkDotNet (and in the NativeAOT bench, <c>Ethox.Bench/Aot</c>), for profiling and for the counters:
/// <c>tcpbulk [--mtu N] [--mib N] [--loss P] [--rounds N] [--warmup N] [--warmup-seconds S] [--checksum-offload]</c> moves N MiB per round through
/// one warmed-up connection (after <c>--warmup</c> untimed rounds, then more untimed rounds until <c>--warmup-seconds</c> have
/// passed: the tiered JIT promotes by time as much as by calls, and at a large MTU a round is a few calls of each method, so
/// a count of rounds that suffices at MTU 1500 leaves MTU 65535 in unoptimized code) and prints, per round, the goodput (from <see cref="Stopwatch.GetTimestamp"/>), the goodput per second of
/// the process's CPU time (<see cref="Environment.CpuUsage"/>: steadier than wall time on a shared machine), the bytes the
/// thread allocated, and the segments, retransmissions and drops behind it. <c>--checksum-offload</c>: the pipe offloads
/// transport checksums (<see cref="DeviceOffloads.TransmitChecksumPartial"/>: the sender leaves them partial, the receiver
/// trusts them), as Linux's loopback does, so neither stack computes one; not with <c>--loss</c>.
/// </summary>
public static class TcpBulkRun
{
    /// <summary>Runs the transfer as <paramref name="args"/> say; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        var options = BenchArgs.Parse(args, ["--mtu", "--mib", "--loss", "--rounds", "--warmup", "--warmup-seconds"], ["--checksum-offload"]);
        bool checksumOffload = options.Flag("--checksum-offload");
        int mtu = options.Int("--mtu", 1500), mib = options.Int("--mib", 64), rounds = options.Int("--rounds", 5), warmup = options.Int("--warmup", 0);
        double loss = options.Double("--loss", 0), warmupSeconds = options.Double("--warmup-seconds", 0);
        if (options.Error is { } error) { Console.Error.WriteLine(error); return 2; }
        if (mib <= 0 || rounds <= 0 || warmup < 0 || warmupSeconds < 0 || double.IsNaN(warmupSeconds) || (checksumOffload && loss > 0))
        {
            Console.Error.WriteLine("--mib and --rounds must be positive, --warmup and --warmup-seconds not negative, --checksum-offload without --loss");
            return 2;
        }
        var offloads = checksumOffload ? DeviceOffloads.TransmitChecksumPartial : DeviceOffloads.None;
        Console.WriteLine($"MTU {mtu}, {mib} MiB per round, loss {loss:P1} on each end's transmit side, checksums {(checksumOffload ? "offloaded" : "computed")}");
        return loss > 0
            ? Measure(new TcpBulkTransfer<FaultInjector<PipeEnd>>(TcpBulkSetup.Lossy(mtu, loss), TcpBulkSetup.WarmUpBytes), mib, rounds, warmup, warmupSeconds)
            : Measure(new TcpBulkTransfer<PipeEnd>(TcpBulkSetup.Perfect(mtu, offloads), TcpBulkSetup.WarmUpBytes), mib, rounds, warmup, warmupSeconds);
    }

    private static int Measure<TDevice>(TcpBulkTransfer<TDevice> transfer, int mib, int rounds, int warmup, double warmupSeconds) where TDevice : IDevice
    {
        long bytes = (long)mib << 20;
        // Untimed rounds first: the tiered JIT needs them to reach its optimized, profiled code.
        long warmupStart = Stopwatch.GetTimestamp();
        int untimed = 0;
        while (untimed < warmup || Stopwatch.GetElapsedTime(warmupStart).TotalSeconds < warmupSeconds)
        {
            if (transfer.Move(bytes) != bytes) { Console.Error.WriteLine("the transfer stalled"); return 1; }
            untimed++;
        }
        if (untimed > 0)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{untimed} untimed rounds in {Stopwatch.GetElapsedTime(warmupStart).TotalSeconds:F1} s"));
        var wall = new double[rounds];
        var perCpu = new double[rounds];
        for (int round = 0; round < rounds; round++)
        {
            var before = transfer.Pair.Client.Tcp.Counters;
            long acksBefore = transfer.Pair.Server.Tcp.Counters.SegmentsOut;
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            var cpuBefore = Environment.CpuUsage.TotalTime;
            long start = Stopwatch.GetTimestamp();
            long moved = transfer.Move(bytes);
            var elapsed = Stopwatch.GetElapsedTime(start);
            var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            var after = transfer.Pair.Client.Tcp.Counters;
            long acks = transfer.Pair.Server.Tcp.Counters.SegmentsOut - acksBefore;
            long segments = after.SegmentsOut - before.SegmentsOut, retransmits = after.Retransmits - before.Retransmits;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: {moved * 8 / elapsed.TotalSeconds / 1e9:F2} Gbit/s ({elapsed.TotalMilliseconds:F1} ms), " +
                $"{moved * 8 / cpu.TotalSeconds / 1e9:F2} Gbit/s per CPU second ({cpu.TotalMilliseconds:F1} ms of CPU), {allocated} B allocated, " +
                $"client segments out {segments}, server segments out {acks}, retransmits {retransmits} ({100.0 * retransmits / Math.Max(1, segments):F2} %), " +
                $"fast retransmits {after.FastRetransmits - before.FastRetransmits}, timeouts {after.Timeouts - before.Timeouts}"));
            if (moved != bytes) { Console.Error.WriteLine("the transfer stalled"); return 1; }
            wall[round] = moved * 8 / elapsed.TotalSeconds / 1e9;
            perCpu[round] = moved * 8 / cpu.TotalSeconds / 1e9;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median of {rounds} rounds: {Median(wall):F2} Gbit/s, {Median(perCpu):F2} Gbit/s per CPU second"));
        return 0;
    }

    /// <summary>The median of <paramref name="values"/> (sorted in place).</summary>
    internal static double Median(double[] values)
    {
        if (values.Length == 0) return 0;
        Array.Sort(values);
        int middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
