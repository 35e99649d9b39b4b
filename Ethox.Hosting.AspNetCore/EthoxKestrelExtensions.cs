using System;
using Ethox.Nic.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Ethox.Hosting.AspNetCore;

/// <summary>Kestrel over Ethox in a few lines: <c>builder.WebHost.UseEthox(host)</c>, then listen on the host's endpoints.</summary>
public static class EthoxKestrelExtensions
{
    /// <summary>
    /// Adds an <see cref="EthoxConnectionListenerFactory"/> over <paramref name="host"/> beside Kestrel's socket transport:
    /// endpoints of the host (<see cref="EthoxEndPoint"/>s, or <see cref="System.Net.IPEndPoint"/>s on its addresses) are
    /// served over Ethox, every other endpoint by the sockets. Call it once per host; the host is started and stopped by the
    /// caller (start it before the web host, stop it after).
    /// </summary>
    public static IWebHostBuilder UseEthox(this IWebHostBuilder builder, EthoxHost host, Action<EthoxTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(host);
        var options = new EthoxTransportOptions();
        configure?.Invoke(options);
        var factory = new EthoxConnectionListenerFactory(host, options);
        // Kestrel asks the transports registered last first, so this one is asked before the socket transport.
        return builder.ConfigureServices(services => services.AddSingleton<IConnectionListenerFactory>(factory));
    }

    /// <summary>Listens on <paramref name="port"/> of every address of <paramref name="host"/> (a <see cref="EthoxEndPoint"/>).</summary>
    public static void ListenEthox(this KestrelServerOptions options, EthoxHost host, int port, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Listen(new EthoxEndPoint(host, port), configure ?? (static _ => { }));
    }
}
