using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Ethox.Nic.Hosting;
using Microsoft.AspNetCore.Connections;

namespace Ethox.Hosting.AspNetCore;

/// <summary>
/// A listening port of an <see cref="EthoxHost"/> as Kestrel sees one: <see cref="AcceptAsync"/> gives each established
/// connection as an <see cref="EthoxConnectionContext"/>, and null once the listener is unbound or disposed (or the host
/// has stopped), which ends Kestrel's accept loop.
/// </summary>
public sealed class EthoxConnectionListener : IConnectionListener
{
    private readonly EthoxListener _listener;

    internal EthoxConnectionListener(EthoxListener listener, EndPoint endpoint)
    {
        _listener = listener;
        EndPoint = endpoint;
    }

    /// <summary>The endpoint bound, as it was asked for.</summary>
    public EndPoint EndPoint { get; }

    /// <summary>The next connection, or null once the listener is unbound or disposed, or the host has stopped.</summary>
    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var stream = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            return new EthoxConnectionContext(stream);
        }
        catch (ObjectDisposedException)
        {
            // Unbound, disposed, or the host stopped: no more connections.
            return null;
        }
    }

    /// <summary>Stops listening: a waiting <see cref="AcceptAsync"/> returns null; connections not yet accepted are reset, accepted ones go on.</summary>
    public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => _listener.DisposeAsync();

    /// <summary>As <see cref="UnbindAsync"/>.</summary>
    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
