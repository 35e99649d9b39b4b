using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Ethox.Layer;
using Ethox.Layer.Tcp;
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
    /// <summary>Connections opened, established and aborted per invocation (the reset queue holds 64).</summary>
    public const int Batch = 32;
    private const ushort BacklogPort = 80, CookiePort = 81;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(5).WithLaunchCount(1));
            AddColumn(StatisticColumn.OperationsPerSecond);
        }
    }

    private TcpBenchPair<PipeEnd> _pair = null!;
    private readonly SlotKey[] _keys = new SlotKey[Batch];

    [GlobalSetup]
    public void Setup()
    {
        _pair = TcpBenchPair.OverPipe(1500, 2 * Batch, 4096);
        _pair.Server.Tcp.Listen(BacklogPort, backlog: 128);
        _pair.Server.Tcp.Listen(CookiePort, backlog: 0); // a full backlog from the start: every SYN gets a cookie
        // One connection resolves the neighbours (ARP) with time moving; then each kind of batch runs once, checked.
        var client = _pair.Client.App;
        var server = _pair.Server.App;
        if (client.Connect(new TransportAddress(TcpBenchPair<PipeEnd>.ServerV4, BacklogPort), _pair.Now, out var first) != TcpStatus.Ok
            || !_pair.RunUntil(() => server.Established == 1 && client.Established == 1)
            || client.Abort(first) != TcpStatus.Ok
            || !_pair.RunUntil(() => server.Closed == 1))
            throw new InvalidOperationException("the first connection failed");
        Handshakes(BacklogPort);
        Handshakes(CookiePort);
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "TCP handshake + abort, backlog")]
    public long Backlog() => Handshakes(BacklogPort);

    [Benchmark(OperationsPerInvoke = Batch, Description = "TCP handshake + abort, SYN cookies")]
    public long Cookies() => Handshakes(CookiePort);

    private long Handshakes(ushort port)
    {
        var client = _pair.Client.App;
        var server = _pair.Server.App;
        long established = server.Established, closed = server.Closed, connected = client.Established;
        var remote = new TransportAddress(TcpBenchPair<PipeEnd>.ServerV4, port);
        for (int i = 0; i < Batch; i++)
            if (client.Connect(remote, _pair.Now, out _keys[i]) != TcpStatus.Ok) throw new InvalidOperationException("connect failed");
        _pair.Round(); // SYN → SYN-ACK (in place) → ACK (in place)
        _pair.Round(); // the ACKs reach the server: ESTABLISHED
        for (int i = 0; i < Batch; i++) client.Abort(_keys[i]);
        _pair.Round(); // the RSTs free the server's slots
        long made = server.Established - established;
        if ((made != Batch || server.Closed - closed != Batch || client.Established - connected != Batch))
            throw new InvalidOperationException($"{made} of {Batch} established, {server.Closed - closed} freed on the server, {client.Established - connected} on the client");
        return made;
    }
}
