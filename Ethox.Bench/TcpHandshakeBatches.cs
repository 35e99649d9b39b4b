using System;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Nic;

namespace Ethox.Bench;

/// <summary>
/// Connection set-up between two Ethox stacks over the in-memory <see cref="Pipe"/> on one thread, in batches of
/// <see cref="Batch"/>: each connection's SYN, the server's SYN-ACK (from a backlog slot, or a SYN cookie with no
/// state), the client's ACK that makes both ends ESTABLISHED, then the client's abort, whose RST frees the
/// server's slot. Shared by <c>TcpHandshakeBench</c> (BenchmarkDotNet) and the <c>tcphandshake</c> mode of both
/// bench programs.
/// </summary>
public sealed class TcpHandshakeBatches
{
    /// <summary>Connections opened, established and aborted per batch (the reset queue holds 64).</summary>
    public const int Batch = 32;
    private const ushort BacklogPort = 80, CookiePort = 81;

    private readonly TcpBenchPair<PipeEnd> _pair;
    private readonly SlotKey[] _keys = new SlotKey[Batch];

    /// <summary>Builds the two hosts, resolves the neighbours and runs each kind of batch once, checked.</summary>
    public TcpHandshakeBatches()
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
        Backlog();
        Cookies();
    }

    /// <summary>One batch whose SYNs each take a backlog slot (SYN-RECEIVED); returns the connections made.</summary>
    public long Backlog() => Handshakes(BacklogPort);

    /// <summary>One batch whose SYNs are each answered with a SYN cookie and no state; returns the connections made.</summary>
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
