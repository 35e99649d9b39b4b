using System.Net;
using System.Net.Sockets;
using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Nic.Hosting;

/// <summary>Conversions between .NET's <see cref="IPEndPoint"/> and Ethox's <see cref="TransportAddress"/>.</summary>
internal static class Endpoints
{
    /// <summary>An <see cref="IPEndPoint"/> (allocates: for the caller's side, never the host's thread).</summary>
    public static IPEndPoint From(TransportAddress address)
        => new(address.Address.IsV4 ? address.Address.V4.ToIPAddress() : address.Address.V6.ToIPAddress(), address.Port);

    /// <summary>The Ethox address of <paramref name="address"/>; an IPv4-mapped IPv6 address is taken as the IPv4 address it maps.</summary>
    public static IpAddress ToIpAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return address.AddressFamily == AddressFamily.InterNetwork
            ? new IpAddress(Ipv4Address.FromIPAddress(address))
            : new IpAddress(Ipv6Address.FromIPAddress(address));
    }

    /// <summary>The Ethox address of <paramref name="endpoint"/>.</summary>
    public static TransportAddress ToTransport(IPEndPoint endpoint) => new(ToIpAddress(endpoint.Address), (ushort)endpoint.Port);
}
