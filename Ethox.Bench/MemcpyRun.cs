using System;
using System.Diagnostics;
using System.Globalization;

namespace Ethox.Bench;

/// <summary>
/// The memory-copy figure the TCP bulk transfers are set against, outside BenchmarkDotNet so that a script can
/// run it in the same go as the peers: <c>memcpy [--mib N] [--rounds N]</c> copies N MiB per round in 64 KiB
/// chunks into a 256 KiB ring (both in cache, as <c>TcpBulkBench.CopyThroughRing</c> does: the copy an
/// application's write into a send ring makes) and prints, per round, GB/s and Gbit/s from
/// <see cref="Stopwatch.GetTimestamp"/>, then the median.
/// </summary>
public static class MemcpyRun
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>Runs the copies as <paramref name="args"/> say; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        var options = BenchArgs.Parse(args, ["--mib", "--rounds"]);
        int mib = options.Int("--mib", 1024), rounds = options.Int("--rounds", 20);
        if (options.Error is { } error) { Console.Error.WriteLine(error); return 2; }
        if (mib <= 0 || rounds <= 0) { Console.Error.WriteLine("--mib and --rounds must be positive"); return 2; }

        var source = new byte[ChunkSize];
        var ring = new byte[TcpBulkSetup.BufferSize];
        Random.Shared.NextBytes(source);
        long bytes = (long)mib << 20;
        Console.WriteLine($"memcpy: {mib} MiB per round in {ChunkSize / 1024} KiB chunks into a {ring.Length / 1024} KiB ring");
        Copy(source, ring, bytes); // the JIT's tiers settle before the first measured round
        var results = new double[rounds];
        for (int round = 0; round < rounds; round++)
        {
            long start = Stopwatch.GetTimestamp();
            Copy(source, ring, bytes);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            results[round] = bytes / seconds / 1e9;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: {results[round]:F2} GB/s = {results[round] * 8:F1} Gbit/s ({seconds * 1e3:F1} ms)"));
        }
        Array.Sort(results);
        double median = results[rounds / 2];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median {median:F2} GB/s = {median * 8:F1} Gbit/s over {rounds} rounds (min {results[0]:F2}, max {results[^1]:F2} GB/s)"));
        return 0;
    }

    // Returns where the ring was left so that the copies cannot be dropped as dead code.
    private static int Copy(byte[] source, byte[] ring, long bytes)
    {
        int at = 0;
        for (long done = 0; done < bytes; done += source.Length)
        {
            source.CopyTo(ring.AsSpan(at));
            at += source.Length;
            if (at == ring.Length) at = 0;
        }
        return at;
    }
}
