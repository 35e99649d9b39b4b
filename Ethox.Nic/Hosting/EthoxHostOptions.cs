using System;
using System.Collections.Generic;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Wire;

namespace Ethox.Nic.Hosting;

/// <summary>
/// How <see cref="EthoxHost"/> builds its stack: addresses and routes, and every capacity, all allocated when the host is
/// made (nothing grows later). The defaults suit a service with a few hundred connections.
/// </summary>
public sealed class EthoxHostOptions
{
    /// <summary>Our Ethernet address; required on an Ethernet device. A device whose interface has another address must receive in promiscuous mode.</summary>
    public EthernetAddress? Mac { get; set; }
    /// <summary>Our addresses with their on-link prefixes.</summary>
    public IList<HostAddress> Addresses { get; } = new List<HostAddress>();
    /// <summary>Default routers (one per family at most is used by a lookup: the first added).</summary>
    public IList<IpAddress> Gateways { get; } = new List<IpAddress>();
    /// <summary>Duplicate address detection probes per IPv6 address (RFC 4862; 0: the addresses are usable at once).</summary>
    public int DadTransmits { get; set; } = 1;

    /// <summary>Connections with rings at once (open, closing, or waiting to be accepted). TIME-WAIT needs no rings and has room of its own.</summary>
    public int MaxConnections { get; set; } = 256;
    /// <summary>Bytes of each connection's send ring: what a writer can have in flight and unacknowledged.</summary>
    public int SendBufferSize { get; set; } = 64 * 1024;
    /// <summary>Bytes of each connection's receive ring: the largest window offered to the peer.</summary>
    public int ReceiveBufferSize { get; set; } = 64 * 1024;
    /// <summary>Ports listened on at once.</summary>
    public int MaxListeners { get; set; } = 16;
    /// <summary>UDP sockets bound at once.</summary>
    public int MaxUdpSockets { get; set; } = 64;
    /// <summary>Bytes of datagrams (each plus 44 bytes of bookkeeping: its sender and destination) a UDP socket keeps while nobody receives.</summary>
    public int UdpReceiveQueueSize { get; set; } = 64 * 1024;
    /// <summary>Requests from other threads waiting for the host's thread at once; more make their callers wait.</summary>
    public int RequestQueueCapacity { get; set; } = 4096;
    /// <summary>Frames handed to the stack per receive call, and lent per transmit call.</summary>
    public int Batch { get; set; } = 64;
    /// <summary>Entries of the ARP/NDISC neighbour cache.</summary>
    public int NeighborCapacity { get; set; } = 256;

    /// <summary>Sends data at once instead of holding small writes back (Nagle's algorithm off, as Kestrel and HttpClient set their sockets), for every new connection; per stream: <see cref="EthoxStream.NoDelay"/>.</summary>
    public bool NoDelay { get; set; } = true;
    /// <summary>
    /// Keep-alive probes on idle connections (RFC 1122 §4.2.3.6), for every new connection; off by default, as the RFC and
    /// .NET sockets have it. The times are <see cref="TcpTimerSettings.KeepAliveIdle"/>, <see cref="TcpTimerSettings.KeepAliveInterval"/>
    /// and <see cref="TcpTimerSettings.KeepAliveProbes"/> of <see cref="TcpSettings"/>. Per stream: <see cref="EthoxStream.KeepAlive"/>.
    /// </summary>
    public bool KeepAlive { get; set; }
    /// <summary>TCP timers and limits (RFC defaults when null).</summary>
    public TcpTimerSettings? TcpSettings { get; set; }
    /// <summary>How long <c>ConnectAsync</c> waits for the handshake unless given a timeout of its own.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>How long a graceful stop waits for connections to finish closing before it resets the rest.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>
    /// Transparent mode: the families (<see cref="IpFamilies.All"/> for both) whose TCP connections and UDP datagrams to
    /// <em>any</em> unicast address that is not the host's are taken — connections handed to <see cref="EthoxHost.AcceptAnyAsync"/>,
    /// datagrams to the socket of <see cref="EthoxHost.BindAnyUdpAsync"/> — and answered from the address they were sent to
    /// (<see cref="IpEndpoint.AcceptAny"/>). None (the default): such packets are not for us.
    /// </summary>
    public IpFamilies AcceptAny { get; set; }
    /// <summary>In transparent mode, connections to foreign addresses half-open or waiting for <see cref="EthoxHost.AcceptAnyAsync"/> at most; beyond it a SYN goes unanswered and the client tries again.</summary>
    public int AcceptAnyBacklog { get; set; } = 128;
    /// <summary>
    /// How long the host's thread keeps looking for frames and requests, awake, after the last of them (zero, the default:
    /// it sleeps at once; at most a second). A request and its response then cost no wake-up of the host's thread: with
    /// Kestrel on two CPUs, 50 µs took the host from 0.15–0.5 sleeps per HTTP request to 0.005, and <c>/hello</c> from
    /// about even with the socket transport to 1.06–1.28× (docs/performance.md). Between two looks it yields the CPU to
    /// any thread ready there, so it gives way to the application's threads; idle, it costs this long of spinning after the
    /// last activity, then nothing. See <see cref="Ethox.Nic.BusyPoll"/>.
    /// </summary>
    public TimeSpan BusyPoll { get; set; }
    /// <summary>The name of the host's thread.</summary>
    public string ThreadName { get; set; } = "ethox-host";
    /// <summary>
    /// Learn the sender of every unicast IPv4/IPv6 packet from an on-link address as a reachable neighbour
    /// (<see cref="Ethox.Layer.Ip.NeighborGleaner{TStack}"/>; Ethernet devices only). Needed when several hosts share one
    /// interface as the queues of a PACKET_FANOUT group or a multi-queue TAP, one host per queue: every ARP frame reaches
    /// one and the same queue, so the others would never hear the answers to their own requests. Off by default.
    /// </summary>
    public bool GleanNeighbors { get; set; }
}
