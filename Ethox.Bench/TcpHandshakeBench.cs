using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Ethox.Nic;

namespace Ethox.Bench;

/// <summary>
/// Connection set-up between two Ethox stacks over the in-memory <see cref="Pipe"/> on one thread. One operation
/// is one connection's life: the client's SYN, the server's SYN-ACK (from a backlog slot, or a SYN cookie with no
/// state), the client's ACK that makes both ends ESTABLISHED, then the client's abort, whose RST frees the
/// server's slot. Connections go in batches of <see cref="Batch"/>: one transmit and one receive call per step on
/// each side, as a busy server sees them.
/// </summary>
/// <remarks>
/// Both stacks run on the measured thread, so the time per operation is the client's work plus the server's;
/// each end does about half (one segment parsed and one built per step). Every batch checks that every
/// connection was established on both ends and freed on the server.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class TcpHandshakeBench
{
    /// <summary>Connections opened, established and aborted per invocation.</summary>
    public const int Batch = TcpHandshakeBatches.Batch;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(5).WithLaunchCount(1));
            AddColumn(StatisticColumn.OperationsPerSecond);
        }
    }

    private TcpHandshakeBatches _batches = null!;

    [GlobalSetup]
    public void Setup() => _batches = new TcpHandshakeBatches();

    [Benchmark(OperationsPerInvoke = Batch, Description = "TCP handshake + abort, backlog")]
    public long Backlog() => _batches.Backlog();

    [Benchmark(OperationsPerInvoke = Batch, Description = "TCP handshake + abort, SYN cookies")]
    public long Cookies() => _batches.Cookies();
}
