using System;
using System.Runtime.InteropServices;
using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Native;

/// <summary><c>ethox_endpoint</c>: an IPv4 or IPv6 address and a port, as the C caller passes and receives them.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct EthoxEndpoint
{
    /// <summary><c>ETHOX_FAMILY_IPV4</c> (4) or <c>ETHOX_FAMILY_IPV6</c> (6).</summary>
    public byte Family;
    /// <summary>Zero.</summary>
    public byte Reserved;
    /// <summary>The port, in the host's byte order.</summary>
    public ushort Port;
    /// <summary>The address in network byte order: IPv4 in the first 4 bytes.</summary>
    public fixed byte Address[16];

    /// <summary><c>ETHOX_FAMILY_IPV4</c>.</summary>
    public const byte FamilyIpv4 = 4;
    /// <summary><c>ETHOX_FAMILY_IPV6</c>.</summary>
    public const byte FamilyIpv6 = 6;

    /// <summary>The endpoint of <paramref name="address"/>.</summary>
    public static EthoxEndpoint From(in TransportAddress address)
    {
        var e = new EthoxEndpoint { Port = address.Port };
        var bytes = new Span<byte>(e.Address, 16);
        if (address.Address.IsV4)
        {
            e.Family = FamilyIpv4;
            address.Address.V4.WriteTo(bytes);
        }
        else if (address.Address.IsV6)
        {
            e.Family = FamilyIpv6;
            address.Address.V6.WriteTo(bytes);
        }
        return e;
    }

    /// <summary>The transport address, or false for an unknown family.</summary>
    public readonly bool TryGet(out TransportAddress address)
    {
        address = default;
        fixed (byte* a = Address)
        {
            var bytes = new ReadOnlySpan<byte>(a, 16);
            switch (Family)
            {
                case FamilyIpv4: address = new TransportAddress(Ipv4Address.Read(bytes), Port); return true;
                case FamilyIpv6: address = new TransportAddress(Ipv6Address.Read(bytes), Port); return true;
                default: return false;
            }
        }
    }
}
