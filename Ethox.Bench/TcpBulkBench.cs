using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Ethox.Nic;

namespace Ethox.Bench;

/// <summary>
/// Bulk TCP between two Ethox stacks over the in-memory <see cref="Pipe"/> on one thread: one operation moves
/// <see cref="BytesPerOperation"/> bytes of payload through an established connection (client writes into its
/// send ring, both stacks pumped with explicit time, server discards in place), next to plain memory copies of
/// the same number of bytes. The Gbit/s column is 8 × bytes / mean.
/// </summary>
/// <remarks>
/// The connection is opened and warmed up (slow start over, rings and neighbours in steady state) in the
/// global setup and stays open: each operation carries on the same stream. The lossy variants drop 1 % of the
/// frames each end transmits (data and ACKs) through a <see cref="FaultInjector{TDevice}"/>, which also copies
/// every frame once into its own queue; their retransmissions are printed by the global cleanup.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class TcpBulkBench
{
    /// <summary>Payload per operation: 64 MiB.</summary>
    public const long BytesPerOperation = 64L << 20;
    /// <summary>What the set-up moves before measuring.</summary>
    public const long WarmUpBytes = TcpBulkSetup.WarmUpBytes;
    /// <summary>Each connection's send and receive ring.</summary>
    public const int BufferSize = TcpBulkSetup.BufferSize;
    /// <summary>The drop probability of the lossy variants, per frame and direction.</summary>
    public const double Loss = 0.01;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(5).WithLaunchCount(1));
            AddColumn(new GoodputColumn(BytesPerOperation));
        }
    }

    // Each benchmark runs in a process of its own and sets up only what it uses.
    private TcpBulkTransfer<PipeEnd> _perfect = null!;
    private TcpBulkTransfer<FaultInjector<PipeEnd>> _injected = null!;
    private byte[] _source = null!, _ring = null!, _large = null!, _largeCopy = null!;

    [GlobalSetup(Targets = [nameof(CopyThroughRing), nameof(CopyLarge)])]
    public void SetupCopies()
    {
        _source = new byte[64 * 1024];
        _ring = new byte[BufferSize];
        Random.Shared.NextBytes(_source);
        _large = new byte[BytesPerOperation];
        _largeCopy = new byte[BytesPerOperation];
        Random.Shared.NextBytes(_large);
    }

    [GlobalSetup(Target = nameof(TcpMtu1500))]
    public void Setup1500() => _perfect = new(TcpBulkSetup.Perfect(1500), WarmUpBytes);

    [GlobalSetup(Target = nameof(TcpMtu9000))]
    public void Setup9000() => _perfect = new(TcpBulkSetup.Perfect(9000), WarmUpBytes);

    [GlobalSetup(Target = nameof(TcpMtu1500Injector))]
    public void Setup1500Injector() => _injected = new(TcpBulkSetup.Lossy(1500, 0), WarmUpBytes);

    [GlobalSetup(Target = nameof(TcpMtu1500Lossy))]
    public void Setup1500Lossy() => _injected = new(TcpBulkSetup.Lossy(1500, Loss), WarmUpBytes);

    [GlobalSetup(Target = nameof(TcpMtu9000Lossy))]
    public void Setup9000Lossy() => _injected = new(TcpBulkSetup.Lossy(9000, Loss), WarmUpBytes);

    /// <summary>The copy an application's write into a send ring makes: a 64 KiB chunk into a ring of <see cref="BufferSize"/>, both in cache.</summary>
    [Benchmark(Baseline = true, Description = "memcpy, 64 KiB chunks into a 256 KiB ring")]
    public int CopyThroughRing()
    {
        int at = 0;
        for (long done = 0; done < BytesPerOperation; done += _source.Length)
        {
            _source.CopyTo(_ring.AsSpan(at));
            at += _source.Length;
            if (at == _ring.Length) at = 0;
        }
        return at;
    }

    /// <summary>One copy of 64 MiB into another 64 MiB: memory bandwidth, not cache.</summary>
    [Benchmark(Description = "memcpy, 64 MiB to 64 MiB")]
    public int CopyLarge()
    {
        _large.AsSpan().CopyTo(_largeCopy);
        return _largeCopy[^1];
    }

    [Benchmark(Description = "TCP/IPv4 over Pipe, MTU 1500")]
    public long TcpMtu1500() => Check(_perfect.Move(BytesPerOperation));

    [Benchmark(Description = "TCP/IPv4 over Pipe, MTU 9000")]
    public long TcpMtu9000() => Check(_perfect.Move(BytesPerOperation));

    /// <summary>The lossy set-up without loss: what the fault injector's own copies cost.</summary>
    [Benchmark(Description = "TCP/IPv4 over Pipe, MTU 1500, injector, no loss")]
    public long TcpMtu1500Injector() => Check(_injected.Move(BytesPerOperation));

    [Benchmark(Description = "TCP/IPv4 over Pipe, MTU 1500, 1 % loss")]
    public long TcpMtu1500Lossy() => Check(_injected.Move(BytesPerOperation));

    [Benchmark(Description = "TCP/IPv4 over Pipe, MTU 9000, 1 % loss")]
    public long TcpMtu9000Lossy() => Check(_injected.Move(BytesPerOperation));

    /// <summary>Prints what the fault injector and TCP counted over the whole process (set-up, pilot, warm-up and measured runs).</summary>
    [GlobalCleanup(Targets = [nameof(TcpMtu1500Injector), nameof(TcpMtu1500Lossy), nameof(TcpMtu9000Lossy)])]
    public void Cleanup()
    {
        var transfer = _injected;
        var counters = transfer.Pair.Client.Tcp.Counters;
        long moved = transfer.Pair.Server.App.Received;
        Console.WriteLine($"// MTU {transfer.Pair.Client.Ip.Mtu}, drop {transfer.Pair.ClientLink.TransmitSettings.DropProbability:P0} each way: {moved >> 20} MiB moved, client segments out {counters.SegmentsOut}, retransmits {counters.Retransmits} " +
            $"({100.0 * counters.Retransmits / Math.Max(1, counters.SegmentsOut):F2} %), fast retransmits {counters.FastRetransmits}, timeouts {counters.Timeouts}; " +
            $"frames dropped: client → server {transfer.Pair.ClientLink.TransmitCounters.Dropped}, server → client {transfer.Pair.ServerLink.TransmitCounters.Dropped}");
    }

    // A stalled transfer would make the figure meaningless: stop the run rather than report it.
    private static long Check(long moved) => moved == BytesPerOperation ? moved : throw new InvalidOperationException($"{moved} of {BytesPerOperation} bytes moved");
}
