using System;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Ethox.Nic.Hosting;

/// <summary>
/// <see cref="HttpClient"/> over Ethox: a <see cref="SocketsHttpHandler"/> whose connections are <see cref="EthoxStream"/>s of a
/// host (its <see cref="SocketsHttpHandler.ConnectCallback"/>). Everything else — HTTP/1.1 keep-alive and the connection
/// pool, TLS, redirects, decompression — is the handler's own.
/// </summary>
public static class EthoxHttp
{
    /// <summary>
    /// A handler that connects through <paramref name="host"/>. A URL's host must be an IP address literal unless
    /// <paramref name="resolve"/> turns names into addresses (Ethox has no resolver of its own).
    /// </summary>
    public static SocketsHttpHandler CreateHandler(EthoxHost host, Func<string, CancellationToken, ValueTask<IPAddress>>? resolve = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        return new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var address = IPAddress.TryParse(context.DnsEndPoint.Host, out var literal) ? literal
                    : resolve is not null ? await resolve(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false)
                    : throw new SocketException((int)SocketError.HostNotFound);
                return await host.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
            },
        };
    }
}
