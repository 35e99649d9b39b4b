using System;
using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Wire;

namespace Ethox.Native;

/// <summary>Checks an <see cref="EthoxConfig"/> and reads its addresses and key, so that building the stack never fails halfway.</summary>
internal static unsafe class ConfigReader
{
    /// <summary>The largest ring of one connection (16 MiB: beyond what window scaling by 2^7 needs for any link here).</summary>
    public const int MaxRing = 16 << 20;
    /// <summary>The largest UDP queue (of one socket, or the send queue).</summary>
    public const int MaxUdpQueue = 16 << 20;
    /// <summary>The most bytes of TCP rings and UDP queues one stack may hold (they are one array each).</summary>
    public const long MaxArena = int.MaxValue;

    /// <summary><see cref="EthoxStatus.Ok"/> for a configuration a stack can be built from; why not otherwise.</summary>
    public static EthoxStatus Check(in EthoxConfig c)
    {
        if (c.Size != (uint)sizeof(EthoxConfig) || (c.Flags & ~EthoxConfig.FlagIpv6Autoconf) != 0) return EthoxStatus.InvalidArgument;
        if (c.Medium is not (EthoxConfig.MediumEthernet or EthoxConfig.MediumIp)) return EthoxStatus.InvalidArgument;
        bool ethernet = c.Medium == EthoxConfig.MediumEthernet;
        if (c.Mtu < 576 || c.Mtu > 9216) return EthoxStatus.InvalidArgument;
        if (ethernet)
        {
            var mac = Mac(c);
            if (mac.IsMulticast || mac == default || c.Neighbors < 1 || c.Neighbors > 65536) return EthoxStatus.InvalidArgument;
        }
        else if ((c.Flags & EthoxConfig.FlagIpv6Autoconf) != 0) return EthoxStatus.InvalidArgument; // SLAAC needs a link-layer address
        var v4 = Ipv4(c, gateway: false);
        if (!v4.IsUnspecified && (c.Ipv4Prefix < 1 || c.Ipv4Prefix > 32 || v4.IsMulticast || v4.IsBroadcast)) return EthoxStatus.InvalidArgument;
        var v6 = Ipv6(c, gateway: false);
        if (!v6.IsUnspecified && (c.Ipv6Prefix < 1 || c.Ipv6Prefix > 128 || v6.IsMulticast || c.Mtu < 1280)) return EthoxStatus.InvalidArgument;
        if (!Ipv4(c, gateway: true).IsUnspecified && v4.IsUnspecified) return EthoxStatus.InvalidArgument;
        if (!Ipv6(c, gateway: true).IsUnspecified && v6.IsUnspecified && (c.Flags & EthoxConfig.FlagIpv6Autoconf) == 0) return EthoxStatus.InvalidArgument;
        if (c.TcpListeners > 1024 || c.UdpSockets > 4096) return EthoxStatus.InvalidArgument;
        if ((long)c.TcpConnections + c.TcpListeners + c.UdpSockets > NativeStack.MaxSockets || c.TcpConnections > 1 << 20) return EthoxStatus.InvalidArgument;
        if (c.TcpConnections > 0 && (c.TcpSendBuffer < 1 || c.TcpSendBuffer > MaxRing || c.TcpReceiveBuffer < 1 || c.TcpReceiveBuffer > MaxRing))
            return EthoxStatus.InvalidArgument;
        if (c.UdpSockets > 0 && (c.UdpReceiveQueue < DatagramQueue.HeaderLength || c.UdpReceiveQueue > MaxUdpQueue)) return EthoxStatus.InvalidArgument;
        if (c.UdpSendQueue > MaxUdpQueue || (c.UdpSockets > 0 && c.UdpSendQueue < DatagramQueue.HeaderLength)) return EthoxStatus.InvalidArgument;
        if ((long)c.TcpConnections * ((long)c.TcpSendBuffer + c.TcpReceiveBuffer) > MaxArena) return EthoxStatus.NoSpace;
        if ((long)c.UdpSockets * c.UdpReceiveQueue + c.UdpSendQueue > MaxArena) return EthoxStatus.NoSpace;
        return EthoxStatus.Ok;
    }

    public static EthernetAddress Mac(in EthoxConfig c)
    {
        fixed (EthoxConfig* p = &c) return EthernetAddress.Read(new ReadOnlySpan<byte>(p->Mac, 6));
    }

    private static Ipv4Address Ipv4(in EthoxConfig c, bool gateway)
    {
        fixed (EthoxConfig* p = &c) return Ipv4Address.Read(new ReadOnlySpan<byte>(gateway ? p->Ipv4Gateway : p->Ipv4, 4));
    }

    private static Ipv6Address Ipv6(in EthoxConfig c, bool gateway)
    {
        fixed (EthoxConfig* p = &c) return Ipv6Address.Read(new ReadOnlySpan<byte>(gateway ? p->Ipv6Gateway : p->Ipv6, 16));
    }

    /// <summary>The configuration's addresses, default routes and SLAAC, on a new IP endpoint.</summary>
    public static void AddAddresses(in EthoxConfig c, IpEndpoint ip, Instant now)
    {
        var v4 = Ipv4(c, gateway: false);
        if (!v4.IsUnspecified) ip.AddAddress(v4, (int)c.Ipv4Prefix, now);
        var v6 = Ipv6(c, gateway: false);
        if (!v6.IsUnspecified) ip.AddAddress(v6, (int)c.Ipv6Prefix, now);
        var gateway4 = Ipv4(c, gateway: true);
        if (!gateway4.IsUnspecified) ip.Routes.AddDefault(gateway4);
        var gateway6 = Ipv6(c, gateway: true);
        if (!gateway6.IsUnspecified) ip.Routes.AddDefault(gateway6);
        if ((c.Flags & EthoxConfig.FlagIpv6Autoconf) != 0) ip.EnableAutoconfiguration(now);
    }

    /// <summary>The configuration's key, or 16 bytes from the kernel when it is all zero; false when the kernel gave none.</summary>
    public static bool TryReadKey(in EthoxConfig c, Span<byte> key)
    {
        fixed (EthoxConfig* p = &c) new ReadOnlySpan<byte>(p->Key, 16).CopyTo(key);
        return key.ContainsAnyExcept((byte)0) || SystemRandom.TryFill(key);
    }
}
