using System;
using System.Net.Sockets;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Layer.Udp;

namespace Ethox.Nic.Hosting;

/// <summary>
/// Everything of a host that lives on its thread: the endpoints of the stack, the connection entries with their rings,
/// the listeners and UDP sockets, and the requests waiting on them. Other threads never touch it: they reach it only
/// through the <see cref="CommandChannel"/>. All of it is allocated here, at construction; after that the host's thread
/// allocates nothing, not per packet and not per request (completions go to the thread pool by the request object
/// itself). The protocol work is split by concern: connections (HostConnections.cs), listeners (HostListeners.cs),
/// UDP (HostUdp.cs).
/// </summary>
internal sealed partial class HostCore
{
    /// <summary>Requests taken per turn at most, so that a flood of them cannot hold back the packets.</summary>
    private const int RequestsPerTurn = 1024;

    private readonly CommandChannel _channel;
    private readonly TcpConnectionOptions _connectionOptions;
    private readonly Duration _stopTimeout;
    private HostCounters _counters;
    private long _allocated;
    private bool _stopping;
    private Instant _stopDeadline = Instant.Never;

    /// <summary>The stack over <paramref name="capabilities"/> as <paramref name="options"/> say, addresses configured at <paramref name="now"/>.</summary>
    public HostCore(CommandChannel channel, EthoxHostOptions options, DeviceCapabilities capabilities, Instant now)
    {
        _channel = channel;
        int frame = capabilities.MaxFrameLength;
        if (capabilities.Medium == Medium.Ethernet)
        {
            if (options.Mac is not { } mac) throw new ArgumentException("An Ethernet device needs EthoxHostOptions.Mac.", nameof(options));
            Ethernet = new EthernetEndpoint(mac);
        }
        Ip = new IpEndpoint(Ethernet, capabilities.Mtu, options.Addresses.Count + 4, new RouteTable(16),
            Ethernet is null ? null : new NeighborCache(options.NeighborCapacity, SipHash.WithRandomKey()))
        {
            Hold = Ethernet is null ? null : new HoldQueue(new byte[16 * frame], frame),
            Reassembler = new Reassembler(new byte[4 * Reassembler.LargestUsefulSlot], Reassembler.LargestUsefulSlot),
            Fragmenter = new Fragmenter(new byte[ushort.MaxValue]),
            PathMtu = new PathMtuTable(256, SipHash.WithRandomKey()),
            DadTransmits = options.DadTransmits,
        };
        foreach (var address in options.Addresses) Ip.AddAddress(address.Address, address.PrefixLength, now);
        foreach (var gateway in options.Gateways) Ip.Routes.AddDefault(gateway);
        Ip.AcceptAny = options.AcceptAny;
        // TIME-WAIT holds a slot but no rings: as many slots again keep closing connections from crowding out new ones.
        Tcp = new TcpEndpoint(Ip, 2 * options.MaxConnections, SipHash.WithRandomKey(), options.TcpSettings, options.MaxListeners, now)
        {
            // As a Linux socket's connect: any destination unreachable about our SYN ends it at once, with the error its
            // code says (IcmpSocketErrors), rather than after the SYN retries of RFC 1122 §4.2.3.9's soft errors.
            AbortOpeningOnSoftErrors = true,
        };
        Udp = new UdpEndpoint();
        _connectionOptions = new TcpConnectionOptions { Nagle = !options.NoDelay, KeepAlive = options.KeepAlive };
        _stopTimeout = Duration.FromTimeSpan(options.StopTimeout);
        Now = now;
        _sendBytes = options.SendBufferSize;
        _receiveBytes = options.ReceiveBufferSize;
        _rings = new byte[(long)options.MaxConnections * (_sendBytes + _receiveBytes)];
        _connections = new HostConnection[options.MaxConnections];
        _connectionOfSlot = new int[Tcp.Capacity];
        _freeConnections = new int[options.MaxConnections];
        for (int i = 0; i < _freeConnections.Length; i++) _freeConnections[i] = _freeConnections.Length - 1 - i;
        _freeCount = _freeConnections.Length;
        _listeners = new HostListener[options.MaxListeners];
        _any = new HostListener
        {
            Generation = 1, InUse = options.AcceptAny != IpFamilies.None, Backlog = options.AcceptAnyBacklog, QueueHead = -1, QueueTail = -1,
        };
        _udpSockets = new HostUdpSocket[options.MaxUdpSockets];
        _udpByPort = new ushort[ushort.MaxValue + 1];
    }

    /// <summary>Ethernet, or null on a bare-IP device.</summary>
    public EthernetEndpoint? Ethernet { get; }
    /// <summary>IP, with ARP, NDISC and ICMP.</summary>
    public IpEndpoint Ip { get; }
    /// <summary>TCP.</summary>
    public TcpEndpoint Tcp { get; }
    /// <summary>UDP.</summary>
    public UdpEndpoint Udp { get; }
    /// <summary>The time of the current turn.</summary>
    public Instant Now { get; private set; }
    /// <summary>True once a stop has run its course: the loop ends.</summary>
    public bool Finished { get; private set; }
    /// <summary>While stopping, when the stop gives up waiting for connections to close; else never.</summary>
    public Instant StopDeadline => _stopDeadline;
    /// <summary>True while datagrams wait for a transmit buffer: the loop must not sleep.</summary>
    public bool HasQueuedDatagrams => _sendHead is not null;

    /// <summary>The transports above IP: TCP and UDP serving the requests, no ICMP handler of our own (echo is answered by IP).</summary>
    public TransportMux<TcpLayer<HostTcpHandler>, UdpLayer<HostUdpHandler>, NoTransport> CreateTransports()
        => new(new TcpLayer<HostTcpHandler>(Tcp, new HostTcpHandler(this)), new UdpLayer<HostUdpHandler>(Udp, new HostUdpHandler(this)), default);

    /// <summary>Starts a turn of the loop at <paramref name="now"/>: withdraws cancelled requests, then takes new ones.</summary>
    public int BeginTurn(Instant now)
    {
        int n = 0;
        Now = now;
        _counters.LoopTurns++;
        TakeCancellations();
        for (; n < RequestsPerTurn && _channel.TryDequeue(out var operation); n++)
        {
            _counters.Requests++;
            if (operation.CancelRequested)
            {
                _counters.Cancellations++;
                operation.Complete(operation.CancelFailure);
                continue;
            }
            operation.Run(this);
        }
        if (_channel.StopRequested && !_stopping) BeginStop();
        return n;
    }

    /// <summary>Ends a turn: notes the thread's allocations, and finishes a stop once every connection is closed or its time is up.</summary>
    public void EndTurn()
    {
        _allocated = GC.GetAllocatedBytesForCurrentThread();
        if (!_stopping || (_live > 0 && Now < _stopDeadline)) return;
        // Out of time: what is still open is reset (RFC 9293 §3.10.5 ABORT).
        for (int i = 0; i < _connections.Length; i++)
            if (_connections[i].Has(HostConnectionFlags.InUse)) Release(i, abort: true);
        Finished = true;
    }

    /// <summary>The loop is about to sleep.</summary>
    public void CountSleep() => _counters.Sleeps++;

    private void TakeCancellations()
    {
        var operation = _channel.TakeCancels();
        while (operation is not null)
        {
            var next = operation.NextCancel;
            operation.NextCancel = null;
            System.Threading.Volatile.Write(ref operation.InCancelList, 0);
            // Not pending: still queued (it is cancelled when taken), or already completed (too late).
            if (operation.Pending && operation.CancelRequested)
            {
                operation.Withdraw(this);
                _counters.Cancellations++;
                operation.Complete(operation.CancelFailure);
            }
            operation = next;
        }
    }

    /// <summary>A graceful stop: no new work, listeners and sockets closed, every connection closed (FIN), then the loop waits for them.</summary>
    private void BeginStop()
    {
        _stopping = true;
        _stopDeadline = Now + _stopTimeout;
        for (int i = 0; i < _listeners.Length; i++)
            if (_listeners[i].InUse) CloseListener(i, HostFailure.HostStopped);
        if (_any.InUse) CloseListener(AnyListener, HostFailure.HostStopped);
        for (int i = 0; i < _udpSockets.Length; i++)
            if (_udpSockets[i].InUse) CloseUdpSocket(i, HostFailure.HostStopped);
        for (int i = 0; i < _connections.Length; i++)
        {
            ref var c = ref _connections[i];
            if (!c.Has(HostConnectionFlags.InUse)) continue;
            if (c.Connect is { } connect)
            {
                // A handshake under way just ends: TCP frees a SYN-SENT slot at once, with no event to wait for.
                WithdrawConnect(connect);
                connect.Complete(HostFailure.HostStopped);
                continue;
            }
            FailRead(ref c, HostFailure.HostStopped);
            FailWrite(ref c, HostFailure.HostStopped);
            Release(i, abort: HasUnread(i));
        }
    }

    /// <summary>The counters now.</summary>
    public EthoxHostCounters Snapshot()
        => new(Ethernet?.Counters ?? default, Ip.Counters, Ip.ArpCounters, Ip.IcmpCounters, Ip.NdiscCounters, Tcp.Counters, Udp.Counters, _counters, _allocated, _live);

    /// <summary>The counters request.</summary>
    public void ReadCounters(CountersOperation operation)
    {
        operation.Result = Snapshot();
        operation.Complete();
    }

    /// <summary>
    /// The end, after the loop or after its exception: every request still waiting fails with <paramref name="failure"/>,
    /// the channel closes, and what producers queued until the last of them left fails too.
    /// </summary>
    public void Shutdown(HostFailure failure, Exception? fault)
    {
        for (int i = 0; i < _connections.Length; i++)
        {
            ref var c = ref _connections[i];
            if (c.Connect is { } connect)
            {
                c.Connect = null;
                Refuse(connect, failure, fault);
            }
            if (c.Read is { } read)
            {
                c.Read = null;
                Refuse(read, failure, fault);
            }
            if (c.Write is { } write)
            {
                c.Write = null;
                Refuse(write, failure, fault);
            }
        }
        for (int i = 0; i < _listeners.Length; i++)
            while (TakeWaitingAccept(ref _listeners[i]) is { } accept) Refuse(accept, failure, fault);
        while (TakeWaitingAccept(ref _any) is { } acceptAny) Refuse(acceptAny, failure, fault);
        for (int i = 0; i < _udpSockets.Length; i++)
            while (TakeWaitingReceive(ref _udpSockets[i]) is { } receive) Refuse(receive, failure, fault);
        while (TakeQueuedDatagram() is { } send) Refuse(send, failure, fault);
        _channel.Close();
        var spin = new System.Threading.SpinWait();
        while (true)
        {
            bool gone = _channel.ProducersGone;
            while (_channel.TryDequeue(out var operation)) Refuse(operation, failure, fault);
            if (gone) break;
            spin.SpinOnce();
        }
    }

    private void Refuse(HostOperation operation, HostFailure failure, Exception? fault)
    {
        if (operation is CountersOperation counters)
        {
            // The counters are still there to read, as they are after the host stopped.
            ReadCounters(counters);
            return;
        }
        operation.Fault = fault;
        operation.Complete(failure);
    }

    /// <summary>The failure for a handle that names nothing (any more): the object was disposed, or the host is stopping.</summary>
    private HostFailure Gone => _stopping ? HostFailure.HostStopped : HostFailure.Disposed;

    private static SocketError ErrorOf(TcpStatus status) => status switch
    {
        TcpStatus.NoRoute => SocketError.NetworkUnreachable,
        TcpStatus.NoSlot => SocketError.NoBufferSpaceAvailable,
        TcpStatus.InUse => SocketError.AddressAlreadyInUse,
        TcpStatus.StaleKey => SocketError.ConnectionAborted,
        TcpStatus.InvalidState => SocketError.Shutdown,
        _ => SocketError.InvalidArgument,
    };
}
