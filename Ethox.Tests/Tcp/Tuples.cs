using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Wire;

namespace Ethox.Tests.Tcp;

/// <summary>Addresses and tuples of the test ranges (198.18.0.0/15, 2001:db8::/32) for the TCP structure tests.</summary>
internal static class Tuples
{
    public static readonly Ipv4Address V4Local = Ipv4Address.Parse("198.18.0.1");
    public static readonly Ipv4Address V4Remote = Ipv4Address.Parse("198.18.0.2");
    public static readonly Ipv6Address V6Local = Ipv6Address.Parse("2001:db8::1");
    public static readonly Ipv6Address V6Remote = Ipv6Address.Parse("2001:db8::2");

    public static FourTuple V4(ushort localPort, ushort remotePort) => new(new TransportAddress(V4Local, localPort), new TransportAddress(V4Remote, remotePort));

    public static FourTuple V6(ushort localPort, ushort remotePort) => new(new TransportAddress(V6Local, localPort), new TransportAddress(V6Remote, remotePort));

    /// <summary>The <paramref name="i"/>-th of many distinct tuples: IPv4 clients 198.18.x.y with sequential ports towards port 80, every eighth one IPv6.</summary>
    public static FourTuple Numbered(int i)
    {
        ushort port = (ushort)(1024 + i % 60000);
        int host = i / 60000;
        if (i % 8 == 7)
            return new FourTuple(new TransportAddress(V6Local, 80), new TransportAddress(new Ipv6Address(0x2001_0db8_0000_0000UL, (ulong)host + 2), port));
        return new FourTuple(new TransportAddress(V4Local, 80), new TransportAddress(new Ipv4Address(V4Remote.Value + (uint)host), port));
    }
}
