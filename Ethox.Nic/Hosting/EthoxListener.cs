using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;

namespace Ethox.Nic.Hosting;

/// <summary>
/// A listening TCP port of an <see cref="EthoxHost"/>, on every address of the host, IPv4 and IPv6. Connections are
/// established by the stack as they come (up to the backlog) and wait in the accept queue until
/// <see cref="AcceptAsync"/> takes them; beyond the backlog a client's SYN goes unanswered and the client tries again.
/// </summary>
public sealed class EthoxListener : IDisposable, IAsyncDisposable
{
    private readonly EthoxHost _host;
    private readonly HostHandle _handle;
    private int _disposed;

    internal EthoxListener(EthoxHost host, HostHandle handle, ushort port)
    {
        _host = host;
        _handle = handle;
        Port = port;
    }

    /// <summary>The port listened on.</summary>
    public int Port { get; }
    /// <summary>The port on every address (shown as the IPv4 any-address; IPv6 connections are accepted too).</summary>
    public IPEndPoint LocalEndPoint => new(IPAddress.Any, Port);

    /// <summary>
    /// The next connection: one already waiting, or the next to complete its handshake. Fails with an
    /// <see cref="ObjectDisposedException"/> once the listener is disposed, an <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> fires first.
    /// </summary>
    public ValueTask<EthoxStream> AcceptAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var operation = new AcceptOperation(_host) { Listener = _handle };
        operation.Begin(_host.Channel, cancellationToken, Timeout.InfiniteTimeSpan);
        _host.Submit(operation);
        return operation.Task;
    }

    /// <summary>Stops listening: waiting accepts fail, connections not yet accepted are reset. Accepted ones go on.</summary>
    public void Dispose() => _ = Stop();

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync() => Stop();

    private ValueTask Stop()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return ValueTask.CompletedTask;
        var operation = new StopListeningOperation { Listener = _handle };
        operation.Begin(_host.Channel, default, Timeout.InfiniteTimeSpan);
        _host.Submit(operation);
        return operation.VoidTask;
    }
}
