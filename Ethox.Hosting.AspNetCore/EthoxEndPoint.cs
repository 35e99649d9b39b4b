using System;
using System.Net;
using Ethox.Nic.Hosting;

namespace Ethox.Hosting.AspNetCore;

/// <summary>
/// A TCP port on every address of an <see cref="EthoxHost"/>, IPv4 and IPv6: what Kestrel listens on through
/// <see cref="EthoxConnectionListenerFactory"/> (<c>kestrel.Listen(new EthoxEndPoint(host, 80))</c>).
/// </summary>
public sealed class EthoxEndPoint : EndPoint
{
    /// <summary>Port <paramref name="port"/> (1 to 65535) on every address of <paramref name="host"/>.</summary>
    public EthoxEndPoint(EthoxHost host, int port)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        Host = host;
        Port = port;
    }

    /// <summary>The host whose addresses are listened on.</summary>
    public EthoxHost Host { get; }
    /// <summary>The port.</summary>
    public int Port { get; }

    /// <summary>"ethox:*:PORT": Kestrel prints it in its "Now listening on" line.</summary>
    public override string ToString() => $"ethox:*:{Port}";

    /// <summary>The same host and port.</summary>
    public override bool Equals(object? obj) => obj is EthoxEndPoint other && other.Host == Host && other.Port == Port;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Host, Port);
}
