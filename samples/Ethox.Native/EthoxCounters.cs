using System.Runtime.InteropServices;

namespace Ethox.Native;

/// <summary><c>ethox_counters</c>: what a stack has done since it was made, read with <c>ethox_read_counters</c>. Every field counts up from 0.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct EthoxCounters
{
    /// <summary>Frames (or IP packets) handed in with <c>ethox_input</c>.</summary>
    public ulong FramesIn;
    /// <summary>Frames handed out: answers written in place by <c>ethox_input</c> plus frames from <c>ethox_output</c>.</summary>
    public ulong FramesOut;
    /// <summary>Of <see cref="FramesOut"/>, the answers written in place into the received frame's buffer.</summary>
    public ulong AnsweredInPlace;
    /// <summary>Ethernet frames dropped: malformed, not for us, unknown EtherType, our own source.</summary>
    public ulong EthernetDropped;
    /// <summary>IP packets received.</summary>
    public ulong IpPacketsIn;
    /// <summary>IP packets (and fragments) sent.</summary>
    public ulong IpPacketsOut;
    /// <summary>IP packets dropped: bad headers, not for us, martian sources, unresolved next hops, no route, too big.</summary>
    public ulong IpDropped;
    /// <summary>ARP requests and replies sent.</summary>
    public ulong ArpOut;
    /// <summary>ICMP echo replies sent (v4 and v6).</summary>
    public ulong IcmpEchoReplies;
    /// <summary>ICMP errors sent.</summary>
    public ulong IcmpErrorsOut;
    /// <summary>TCP segments received.</summary>
    public ulong TcpSegmentsIn;
    /// <summary>TCP segments sent (retransmissions included).</summary>
    public ulong TcpSegmentsOut;
    /// <summary>TCP segments retransmitted.</summary>
    public ulong TcpRetransmits;
    /// <summary>TCP connections opened with <c>ethox_tcp_connect</c>.</summary>
    public ulong TcpActiveOpens;
    /// <summary>TCP connections accepted on a listening port.</summary>
    public ulong TcpPassiveOpens;
    /// <summary>TCP connections reset (by the peer or by us).</summary>
    public ulong TcpResets;
    /// <summary>TCP segments malformed or with a bad checksum.</summary>
    public ulong TcpErrors;
    /// <summary>Incoming connections dropped because the listener's backlog or the stack's sockets or buffers were full (the client retries).</summary>
    public ulong TcpAcceptDrops;
    /// <summary>UDP datagrams received.</summary>
    public ulong UdpDatagramsIn;
    /// <summary>UDP datagrams sent.</summary>
    public ulong UdpDatagramsOut;
    /// <summary>UDP datagrams to a port nobody bound.</summary>
    public ulong UdpNoPort;
    /// <summary>UDP datagrams malformed or with a bad checksum.</summary>
    public ulong UdpErrors;
    /// <summary>UDP datagrams dropped because the socket's receive queue was full.</summary>
    public ulong UdpQueueDrops;
    /// <summary>UDP datagrams from <c>ethox_udp_send</c> that could not leave (no route, no source address).</summary>
    public ulong UdpSendFailures;
}
