using System;
using Ethox.Layer;
using Ethox.Layer.Tcp;

namespace Ethox.Appliance;

/// <summary>
/// The appliance's TCP application: listens on the ports of the configured services, accepts each attempt into
/// a buffer set of the <see cref="ConnectionArena"/> (or drops it when none is free, and the client's SYN
/// retries), hands every event of a connection to its service, opens the <c>--fetch</c> connection, and closes
/// connections that stay idle. State per connection lives in an array indexed by slot, so nothing is allocated
/// after start-up.
/// </summary>
internal sealed class TcpServices
{
    /// <summary>Each connection's head buffer (the longest HTTP head accepted, an iperf3 control message).</summary>
    public const int HeadSize = 4096;

    /// <summary>How often idle connections are looked for.</summary>
    private static readonly Duration SweepInterval = Duration.FromSeconds(1);

    /// <summary>
    /// Every connection's options: the defaults, with ACKs coalesced per receive batch (the poll loop transmits after every
    /// receive, where the owed ACK goes out): a sender that fills the window gets one ACK per batch instead of one per two
    /// segments, which matters most to a sender on this host, whose ACK processing runs in our transmit call.
    /// </summary>
    private static readonly TcpConnectionOptions ConnectionOptions = new() { CoalesceAcks = true };

    private readonly TcpServiceConnection[] _connections;
    private readonly ushort _echoPort, _discardPort, _chargenPort, _httpPort, _iperfPort;
    private readonly int _backlog;
    private Instant _nextSweep;

    public TcpServices(TcpEndpoint endpoint, ApplianceOptions options, HttpFetchClient? fetch, IperfTest? iperf = null, IperfClient? iperfClient = null)
    {
        Endpoint = endpoint;
        // Each connection's send and receive ring (--tcp-buffer): the receive ring is the most the peer may have in flight.
        Arena = new ConnectionArena(endpoint.Capacity, options.TcpBuffer, options.TcpBuffer, HeadSize);
        _connections = new TcpServiceConnection[endpoint.Capacity];
        _echoPort = options.TcpEchoPort;
        _discardPort = options.TcpDiscardPort;
        _chargenPort = options.TcpChargenPort;
        _httpPort = options.HttpPort;
        _iperfPort = options.IperfPort;
        if (_iperfPort != 0) Iperf = new IperfService(iperf ?? new IperfTest());
        _backlog = options.Backlog;
        Fetch = fetch;
        IperfClient = iperfClient;
    }

    public TcpEndpoint Endpoint { get; }
    public ConnectionArena Arena { get; }
    public TcpServiceCounters Counters { get; } = new();
    public HttpFetchClient? Fetch { get; }
    /// <summary>The iperf3 server (<c>--iperf</c>), or null.</summary>
    public IperfService? Iperf { get; }
    /// <summary>The iperf3 client (<c>--iperf-client</c>), or null.</summary>
    public IperfClient? IperfClient { get; }

    /// <summary>
    /// A connection on which nothing moved this long is closed (waiting for a request) or aborted (stuck with data
    /// to send, or our FIN unanswered): a slow client is one that moves, a vanished one is freed.
    /// </summary>
    public Duration IdleTimeout { get; set; } = Duration.FromSeconds(30);

    /// <summary>Listens on every configured port; false with the reason when one cannot be opened.</summary>
    public bool TryListen(out string error)
    {
        error = "";
        ReadOnlySpan<ushort> ports = [_echoPort, _discardPort, _chargenPort, _httpPort, _iperfPort];
        foreach (ushort port in ports)
        {
            if (port == 0) continue;
            var status = Endpoint.Listen(port, _backlog);
            if (status != TcpStatus.Ok)
            {
                error = $"cannot listen on TCP port {port}: {status}";
                return false;
            }
        }
        return true;
    }

    private TcpServiceKind KindOf(ushort port)
        => port == 0 ? TcpServiceKind.None
            : port == _httpPort ? TcpServiceKind.Http
            : port == _echoPort ? TcpServiceKind.Echo
            : port == _discardPort ? TcpServiceKind.Discard
            : port == _chargenPort ? TcpServiceKind.Chargen
            : port == _iperfPort ? TcpServiceKind.Iperf
            : TcpServiceKind.None;

    /// <summary>The head buffer of a connection.</summary>
    public Span<byte> HeadOf(in TcpServiceConnection c) => Arena.HeadOf(c.Buffer);

    /// <summary>The application's state of the connection <paramref name="key"/> (by its slot).</summary>
    public ref TcpServiceConnection ConnectionOf(SlotKey key) => ref _connections[key.Index];

    public void OnOpen(TcpOpen open)
    {
        if (open.Kind == TcpOpenKind.Connected)
        {
            ref var c = ref _connections[open.Key.Index];
            if (c.Key != open.Key) return;
            c.LastActive = open.Timestamp;
            if (c.Kind == TcpServiceKind.Fetch) Fetch!.OnConnected(this, ref c);
            else if (c.Kind == TcpServiceKind.IperfClient) IperfClient!.OnConnected(this, ref c, open.Timestamp);
            return;
        }
        var kind = KindOf(open.Local.Port);
        if (kind == TcpServiceKind.None)
        {
            open.Refuse();
            return;
        }
        if (!Arena.TryTake(out int buffer))
        {
            Counters.NoBuffers++;
            return;
        }
        if (open.Accept(Arena.BuffersOf(buffer), ConnectionOptions, out var key) != TcpStatus.Ok)
        {
            Arena.Return(buffer);
            return;
        }
        ref var conn = ref _connections[key.Index];
        conn = new TcpServiceConnection { Key = key, Kind = kind, Buffer = buffer, LastActive = open.Timestamp };
        switch (kind)
        {
            case TcpServiceKind.Echo: Counters.EchoConnections++; break;
            case TcpServiceKind.Discard: Counters.DiscardConnections++; break;
            case TcpServiceKind.Http: Counters.HttpConnections++; break;
            case TcpServiceKind.Iperf: Counters.IperfConnections++; break;
            case TcpServiceKind.Chargen:
                Counters.ChargenConnections++;
                TcpChargenService.Pump(this, ref conn);
                break;
        }
    }

    public void OnEvents(TcpInPacket packet)
    {
        ref var c = ref _connections[packet.Key.Index];
        if (c.Key != packet.Key) return;
        c.LastActive = packet.Timestamp;
        if (packet.Has(TcpEvents.PeerClosed)) c.PeerClosed = true;
        if (packet.Has(TcpEvents.Reset)) Counters.Resets++;
        if (!packet.Has(TcpEvents.Reset | TcpEvents.TimedOut)) Pump(ref c, packet.Timestamp);
        if (c.Kind == TcpServiceKind.Fetch) Fetch!.OnEvents(this, ref c, packet.Events);
        if (packet.Has(TcpEvents.Closed))
        {
            if (c.Kind == TcpServiceKind.Iperf) Iperf!.OnClosed(ref c);
            else if (c.Kind == TcpServiceKind.IperfClient) IperfClient!.OnClosed(c, packet.Events);
            Release(ref c);
        }
    }

    private void Pump(ref TcpServiceConnection c, Instant now)
    {
        switch (c.Kind)
        {
            case TcpServiceKind.Iperf: Iperf!.Pump(this, ref c, now); break;
            case TcpServiceKind.IperfClient: IperfClient!.Pump(this, ref c, now); break;
            case TcpServiceKind.Echo: TcpEchoService.Pump(this, ref c); break;
            case TcpServiceKind.Discard: TcpDiscardService.Pump(this, ref c); break;
            case TcpServiceKind.Chargen: TcpChargenService.Pump(this, ref c); break;
            case TcpServiceKind.Http: HttpService.Pump(this, ref c); break;
        }
    }

    public void OnSend(TcpSender sender)
    {
        var now = sender.Timestamp;
        if (Fetch is { Started: false }) Fetch.TryStart(this, now);
        if (IperfClient is { } client)
        {
            if (!client.Started) client.TryStart(this, now);
            client.OnSend(this, now);
        }
        // A change of the iperf3 test (perhaps made by another queue) may concern connections that see no segment now.
        if (Iperf is { } iperf && iperf.TakeChange())
            for (int i = 0; i < _connections.Length; i++)
                if (_connections[i].Kind == TcpServiceKind.Iperf) Pump(ref _connections[i], now);
        if (now < _nextSweep) return;
        _nextSweep = now + SweepInterval;
        for (int i = 0; i < _connections.Length; i++)
        {
            ref var c = ref _connections[i];
            if (c.Kind == TcpServiceKind.None || now - c.LastActive < IdleTimeout) continue;
            // iperf3's control connection is silent for the whole test (-t may be long): a running test is not idle.
            if ((c.Kind == TcpServiceKind.Iperf && Iperf!.IsBusy(c)) || (c.Kind == TcpServiceKind.IperfClient && IperfClient!.IsRunning))
            {
                c.LastActive = now;
                continue;
            }
            Counters.IdleTimeouts++;
            // Waiting for the next request of a persistent connection (RFC 9112 §9.8): a graceful close. Anything
            // else (data the peer does not take, our FIN unanswered) has stalled: a RST frees the slot at once.
            if (c.Kind == TcpServiceKind.Http && c.Phase == HttpPhase.ReadingRequest && c.HeadLength == 0 && !c.Closing)
            {
                c.Closing = true;
                c.Phase = HttpPhase.Closed;
                c.LastActive = now;
                Endpoint.Close(c.Key);
                continue;
            }
            if (c.Kind == TcpServiceKind.Fetch) Fetch!.Fail("no progress for " + IdleTimeout.Microseconds / 1_000_000 + " s");
            if (c.Kind == TcpServiceKind.Iperf) Iperf!.OnClosed(ref c);
            if (c.Kind == TcpServiceKind.IperfClient) IperfClient!.Fail("no progress for " + IdleTimeout.Microseconds / 1_000_000 + " s");
            Endpoint.Abort(c.Key);
            Release(ref c);
        }
    }

    /// <summary>Opens a connection of ours (the fetch client's, the iperf3 client's) in a free buffer set; the caller records the key.</summary>
    public TcpStatus Connect(TransportAddress remote, TcpServiceKind kind, Instant now, out SlotKey key)
    {
        key = default;
        if (!Arena.TryTake(out int buffer)) return TcpStatus.NoSlot;
        var status = Endpoint.Connect(remote, Arena.BuffersOf(buffer), now, out key, ConnectionOptions);
        if (status != TcpStatus.Ok)
        {
            Arena.Return(buffer);
            return status;
        }
        _connections[key.Index] = new TcpServiceConnection { Key = key, Kind = kind, Buffer = buffer, LastActive = now };
        return TcpStatus.Ok;
    }

    private void Release(ref TcpServiceConnection c)
    {
        Arena.Return(c.Buffer);
        c = default;
    }
}
