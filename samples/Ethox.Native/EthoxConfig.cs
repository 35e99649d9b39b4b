using System.Runtime.InteropServices;

namespace Ethox.Native;

/// <summary>
/// <c>ethox_config</c>: everything a stack is made of, given once to <c>ethox_create</c>. Every capacity is fixed here;
/// nothing grows later. <c>ethox_config_init</c> fills in the defaults (<see cref="Defaults"/>).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct EthoxConfig
{
    /// <summary><c>sizeof(ethox_config)</c>: the library refuses a configuration of another size (a header of another version).</summary>
    public uint Size;
    /// <summary><c>ETHOX_MEDIUM_ETHERNET</c> (0): frames in and out; <c>ETHOX_MEDIUM_IP</c> (1): bare IPv4/IPv6 packets (TUN).</summary>
    public uint Medium;
    /// <summary>Our Ethernet address (Ethernet medium only): unicast.</summary>
    public fixed byte Mac[6];
    /// <summary>The IP MTU, 576 to 9216 (1500 by default).</summary>
    public ushort Mtu;
    /// <summary>Our IPv4 address, network byte order; 0.0.0.0 for none.</summary>
    public fixed byte Ipv4[4];
    /// <summary>The IPv4 default gateway; 0.0.0.0 for none.</summary>
    public fixed byte Ipv4Gateway[4];
    /// <summary>The prefix length of <see cref="Ipv4"/> (1 to 32).</summary>
    public uint Ipv4Prefix;
    /// <summary>The prefix length of <see cref="Ipv6"/> (1 to 128).</summary>
    public uint Ipv6Prefix;
    /// <summary>Our IPv6 address; :: for none.</summary>
    public fixed byte Ipv6[16];
    /// <summary>The IPv6 default gateway; :: for none.</summary>
    public fixed byte Ipv6Gateway[16];
    /// <summary>TCP connections with buffers at once (accepted, connecting, open, or closing after <c>ethox_close</c>).</summary>
    public uint TcpConnections;
    /// <summary>The largest send ring of a connection, in bytes; the default size.</summary>
    public uint TcpSendBuffer;
    /// <summary>The largest receive ring of a connection (its largest window), in bytes; the default size.</summary>
    public uint TcpReceiveBuffer;
    /// <summary>Listening ports at once.</summary>
    public uint TcpListeners;
    /// <summary>Bound UDP sockets at once.</summary>
    public uint UdpSockets;
    /// <summary>Bytes of received datagrams each UDP socket holds (each datagram takes 24 bytes more).</summary>
    public uint UdpReceiveQueue;
    /// <summary>Bytes of datagrams waiting for <c>ethox_output</c>, for the whole stack (each takes 24 bytes more).</summary>
    public uint UdpSendQueue;
    /// <summary>Entries of the neighbour cache (ARP and NDISC; Ethernet medium only).</summary>
    public uint Neighbors;
    /// <summary><c>ETHOX_CONFIG_IPV6_AUTOCONF</c>: a link-local address and SLAAC from router advertisements (Ethernet only).</summary>
    public uint Flags;
    /// <summary>
    /// Milliseconds a closed connection (<c>ethox_close</c>) waits in FIN-WAIT-2 for the peer's FIN before it is dropped
    /// (Linux's <c>tcp_fin_timeout</c>): 60000 by default; 0 drops it as soon as our FIN is acknowledged.
    /// </summary>
    public uint TcpFinTimeoutMs;
    /// <summary>The secret key of every keyed hash (ISNs, ports, SYN cookies, tables); all zero: 16 bytes from getrandom(2).</summary>
    public fixed byte Key[16];

    /// <summary><c>ETHOX_MEDIUM_ETHERNET</c>.</summary>
    public const uint MediumEthernet = 0;
    /// <summary><c>ETHOX_MEDIUM_IP</c>.</summary>
    public const uint MediumIp = 1;
    /// <summary><c>ETHOX_CONFIG_IPV6_AUTOCONF</c>.</summary>
    public const uint FlagIpv6Autoconf = 1;

    /// <summary>The defaults of <c>ethox_config_init</c>: Ethernet, MTU 1500, no address, 64 connections of 64 KiB rings, 8 listeners, 8 UDP sockets.</summary>
    public static EthoxConfig Defaults => new()
    {
        Size = (uint)sizeof(EthoxConfig),
        Medium = MediumEthernet,
        Mtu = 1500,
        TcpConnections = 64,
        TcpSendBuffer = 64 * 1024,
        TcpReceiveBuffer = 64 * 1024,
        TcpListeners = 8,
        UdpSockets = 8,
        UdpReceiveQueue = 64 * 1024,
        UdpSendQueue = 64 * 1024,
        Neighbors = 64,
        TcpFinTimeoutMs = 60_000,
    };
}
