using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Ethox.Nic.Hosting;
using Ethox.Wire;
using Microsoft.AspNetCore.Connections;

namespace Ethox.Hosting.AspNetCore;

/// <summary>
/// Kestrel's transport over an <see cref="EthoxHost"/>: listens on the host's TCP ports and hands Kestrel each accepted
/// connection as an <see cref="EthoxConnectionContext"/>. As an <see cref="IConnectionListenerFactorySelector"/> it claims
/// only the endpoints that belong to its host — an <see cref="EthoxEndPoint"/> of that host, or an <see cref="IPEndPoint"/>
/// whose address is one of the host's — so it sits beside Kestrel's socket transport, which keeps every other endpoint
/// (<c>localhost</c>, the kernel's addresses, Unix sockets).
/// </summary>
/// <remarks>
/// An Ethox listener takes its port on every address of the host: binding an <see cref="IPEndPoint"/> of one of the host's
/// addresses listens on that port on all of them, so a second endpoint of the same host on the same port fails with
/// <c>AddressAlreadyInUse</c>. Listen with one <see cref="EthoxEndPoint"/> per port instead.
/// </remarks>
public sealed class EthoxConnectionListenerFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly EthoxTransportOptions _options;

    /// <summary>A transport over <paramref name="host"/>, listening as <paramref name="options"/> say (defaults when null).</summary>
    public EthoxConnectionListenerFactory(EthoxHost host, EthoxTransportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        Host = host;
        _options = options ?? new EthoxTransportOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Backlog, 1, nameof(options));
    }

    /// <summary>The host whose connections Kestrel gets.</summary>
    public EthoxHost Host { get; }

    /// <summary>True for an <see cref="EthoxEndPoint"/> of <see cref="Host"/> and for an <see cref="IPEndPoint"/> on one of its addresses.</summary>
    public bool CanBind(EndPoint endpoint) => endpoint switch
    {
        EthoxEndPoint ethox => ethox.Host == Host,
        IPEndPoint ip => IsHostAddress(ip.Address),
        _ => false,
    };

    private bool IsHostAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var ours = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? new IpAddress(Ipv4Address.FromIPAddress(address))
            : new IpAddress(Ipv6Address.FromIPAddress(address));
        foreach (var hostAddress in Host.Options.Addresses)
            if (hostAddress.Address == ours) return true;
        return false;
    }

    /// <summary>
    /// Listens on the endpoint's port (on every address of the host). Throws <see cref="ArgumentException"/> for an endpoint
    /// this transport cannot bind (see <see cref="CanBind"/>, and port 0: an Ethox listener needs its port), and
    /// <see cref="System.Net.Sockets.SocketException"/> (<c>AddressAlreadyInUse</c>, <c>TooManyOpenSockets</c>) as the host does.
    /// </summary>
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!CanBind(endpoint)) throw new ArgumentException($"{endpoint} is not an endpoint of this Ethox host.", nameof(endpoint));
        int port = endpoint is EthoxEndPoint ethox ? ethox.Port : ((IPEndPoint)endpoint).Port;
        if (port == 0) throw new ArgumentException("An Ethox listener needs a port of its own; 0 (any free port) is not supported.", nameof(endpoint));
        var listener = await Host.ListenAsync(port, _options.Backlog, cancellationToken).ConfigureAwait(false);
        return new EthoxConnectionListener(listener, endpoint);
    }
}
