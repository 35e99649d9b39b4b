using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Nic;
using Ethox.Wire;

namespace Ethox.Tunnel;

/// <summary>
/// The relay: Ethox's IP and TCP layers on a TUN device in transparent mode (<see cref="IpEndpoint.AcceptAny"/>), with no
/// address of their own, accept every connection the kernel routes into the TUN as a stray SYN, answering from its
/// original destination; each is paired with a non-blocking kernel socket to the server. One thread waits in poll(2) on
/// the TUN and every socket and moves bytes straight between the sockets and the connections' rings: toward the server
/// from the receive ring in place (<see cref="TcpEndpoint.Peek"/>), toward the client through one scratch buffer, never
/// more than the send ring has room for. Half-close goes both ways (a FIN becomes shutdown(SHUT_WR), end of file
/// becomes a FIN); a reset or an unreachable server resets the other side.
/// </summary>
internal sealed class TunnelRelay : IDisposable
{
    /// <summary>The longest poll(2) wait, so that <see cref="Stop"/> is seen promptly.</summary>
    private static readonly Duration MaxWait = Duration.FromMilliseconds(200);
    private const int SolSocket = 1, SoError = 4;
    /// <summary>
    /// A relay passes bytes on as they come: no Nagle on either side (the sockets get TCP_NODELAY), so a small answer is not
    /// held back waiting for an ACK (RFC 1122 §4.2.3.4 lets an application turn the algorithm off).
    /// </summary>
    private static readonly TcpConnectionOptions RelayOptions = new() { Nagle = false };

    private readonly TunnelOptions _options;
    private readonly TunDevice _tun;
    private readonly IpEndpoint _ip;
    private readonly TcpEndpoint _tcp;
    private IpLayer<TransportMux<TcpLayer<RelayHandler>, NoTransport, NoTransport>> _stack;
    private readonly Relay[] _relays;
    private readonly Relay?[] _bySlot;
    private readonly int[] _free;
    private int _freeCount;
    private readonly PollFd[] _fds;
    private readonly Relay?[] _fdRelay;
    private readonly byte[] _scratch;
    private readonly TextWriter _log;
    private TunnelCounters _counters;
    private volatile bool _stop;

    private TunnelRelay(TunnelOptions options, TunDevice tun, TextWriter log)
    {
        _options = options;
        _tun = tun;
        _log = log;
        var now = Instant.Now;
        _ip = new IpEndpoint(null, tun.Capabilities.Mtu, 1, new RouteTable(1), null)
        {
            AcceptAny = IpFamilies.All,
            Reassembler = new Reassembler(new byte[4 * Reassembler.LargestUsefulSlot], Reassembler.LargestUsefulSlot),
            PathMtu = new PathMtuTable(256, SipHash.WithRandomKey()),
        };
        // Twice the relays: a connection that closed sits in TIME-WAIT on its slot for a while (RFC 9293 §3.6.1).
        _tcp = new TcpEndpoint(_ip, 2 * options.MaxConnections, SipHash.WithRandomKey(), start: now);
        _stack = new(_ip, new(new(_tcp, new RelayHandler(this)), default, default));
        int ring = options.BufferBytes;
        var arena = new byte[(long)options.MaxConnections * 2 * ring];
        _relays = new Relay[options.MaxConnections];
        _free = new int[options.MaxConnections];
        for (int i = 0; i < _relays.Length; i++)
        {
            var memory = arena.AsMemory(i * 2 * ring, 2 * ring);
            _relays[i] = new Relay(i, new TcpBuffers(memory[..ring], memory[ring..]));
            _free[i] = _relays.Length - 1 - i;
        }
        _freeCount = _relays.Length;
        _bySlot = new Relay?[_tcp.Capacity];
        _fds = new PollFd[1 + _relays.Length];
        _fdRelay = new Relay?[_fds.Length];
        _scratch = new byte[Math.Min(ring, 64 * 1024)];
    }

    /// <summary>Creates the TUN interface and the stack; false with a one-line reason (no privilege, name taken…).</summary>
    public static bool TryOpen(TunnelOptions options, TextWriter log, out TunnelRelay? tunnel, out string error)
    {
        tunnel = null;
        if (!TunDevice.TryOpen(options.TunName, options.Offloads, out var tun, out error)) return false;
        tunnel = new TunnelRelay(options, tun!, log);
        return true;
    }

    public ref readonly TunnelCounters Counters => ref _counters;
    public IpEndpoint Ip => _ip;
    public TcpEndpoint Tcp => _tcp;
    public DeviceCounters DeviceCounters => _tun.Counters;

    public string Describe()
        => $"ethox-tunnel: running on tun {_tun.Name} (mtu {_tun.Capabilities.Mtu}, offloads {(_options.Offloads == DeviceOffloads.None ? "off" : "on")}), "
           + (_options.Server!.Port == 0 ? $"relaying every TCP connection to {_options.Server.Address}, each to the port it was made to" : $"relaying every TCP connection to {_options.Server}");

    /// <summary>Asks the loop to stop (from a signal handler or another thread).</summary>
    public void Stop() => _stop = true;

    /// <summary>The loop: TUN in, sockets served, TUN out, then one poll(2) on everything until the stack's next deadline.</summary>
    public void Run()
    {
        var end = _options.RunFor is { } d ? Instant.Now + d : Instant.Never;
        while (!_stop)
        {
            var now = Instant.Now;
            if (now >= end) break;
            _tun.Receive(64, ref _stack, now);
            ServeSockets();
            _tun.Transmit(64, ref _stack, Instant.Now);
            int count = PrepareWait();
            now = Instant.Now;
            var wait = Duration.Min(Duration.Min(_stack.NextDeadline() - now, end - now), MaxWait);
            if (Posix.Poll(_fds, count, WaitMilliseconds(wait))) CollectEvents(count);
        }
        // Stopping: the clients' connections are reset (the server's sides too), so that no peer waits for us.
        foreach (var relay in _relays)
            if (relay.InUse) ResetBoth(relay, serverFailed: false);
        _tun.Transmit(64, ref _stack, Instant.Now);
    }

    // poll(2) takes milliseconds: a part of one rounds up so a short wait does not spin.
    private static int WaitMilliseconds(Duration wait) => wait.Microseconds <= 0 ? 0 : (int)Math.Min((wait.Microseconds + 999) / 1000, int.MaxValue);

    private int PrepareWait()
    {
        _fds[0] = new PollFd { Fd = _tun.FileDescriptor, Events = Posix.PollIn };
        int count = 1;
        foreach (var relay in _relays)
        {
            if (!relay.InUse) continue;
            short events = 0;
            if (relay.Connecting || relay.WantWrite) events |= Posix.PollOut;
            if (!relay.Connecting && relay.WantRead) events |= Posix.PollIn;
            if (events == 0) continue;
            _fds[count] = new PollFd { Fd = relay.Fd, Events = events };
            _fdRelay[count++] = relay;
        }
        return count;
    }

    private void CollectEvents(int count)
    {
        for (int i = 1; i < count; i++)
            if (_fds[i].Revents != 0) _fdRelay[i]!.Revents = _fds[i].Revents;
    }

    private void ServeSockets()
    {
        foreach (var relay in _relays)
        {
            short revents = relay.Revents;
            if (!relay.InUse || revents == 0) continue;
            relay.Revents = 0;
            if (relay.Connecting)
            {
                FinishConnect(relay);
                continue;
            }
            if ((revents & (Posix.PollIn | Posix.PollHup | Posix.PollErr)) != 0) ToClient(relay);
            if (relay.InUse && (revents & (Posix.PollOut | Posix.PollHup | Posix.PollErr)) != 0) ToServer(relay);
        }
    }

    // ---- the TCP layer's events ------------------------------------------------------------------

    /// <summary>A connection request to any address routed into the TUN: a relay and a socket to the server, or a RST.</summary>
    internal void OnStray(TcpStray stray)
    {
        if (!stray.IsConnectionRequest) return; // no connection: the layer answers with a RST (RFC 9293 §3.10.7.1)
        if (!Accepts(stray.Local.Address) || _freeCount == 0)
        {
            _counters.Refused++;
            return;
        }
        var server = _options.Server!;
        var endpoint = new IPEndPoint(server.Address, server.Port != 0 ? server.Port : stray.Local.Port);
        if (!TryStartConnect(endpoint, out var socket, out bool connecting, out var failure))
        {
            _counters.ServerFailures++;
            if (_options.Verbose) _log.WriteLine($"ethox-tunnel: refused {Describe(stray.Tuple)}: cannot connect to {endpoint}: {failure}");
            return;
        }
        var relay = _relays[_free[_freeCount - 1]];
        if (stray.Accept(relay.Buffers, RelayOptions, out var key) != TcpStatus.Ok)
        {
            socket!.Dispose();
            _counters.Refused++;
            return;
        }
        _freeCount--;
        relay.Key = key;
        relay.Tuple = stray.Tuple;
        relay.Socket = socket;
        relay.Fd = (int)socket!.SafeHandle.DangerousGetHandle();
        relay.Server = endpoint;
        relay.Connecting = connecting;
        relay.WantRead = relay.WantWrite = relay.ClientClosed = relay.ServerShutDown = relay.ServerClosed = false;
        relay.ToServer = relay.ToClient = 0;
        relay.Revents = 0;
        _bySlot[key.Index] = relay;
        _counters.Accepted++;
        if (_options.Verbose) _log.WriteLine($"ethox-tunnel: accepted {Describe(stray.Tuple)}, relaying to {endpoint}");
        if (!connecting) ToClient(relay);
    }

    /// <summary>What happened on a client's connection: bytes to pass on, room for more, its FIN, its end.</summary>
    internal void OnPacket(TcpInPacket packet)
    {
        var relay = _bySlot[packet.Key.Index];
        if (relay is null || relay.Key != packet.Key) return;
        if (packet.Has(TcpEvents.PeerClosed)) relay.ClientClosed = true;
        if (packet.Has(TcpEvents.Readable) || packet.Has(TcpEvents.PeerClosed)) ToServer(relay);
        if (relay.Key == packet.Key && packet.Has(TcpEvents.Writable)) ToClient(relay);
        if (relay.Key != packet.Key || !packet.Has(TcpEvents.Closed)) return;
        bool reset = packet.Has(TcpEvents.Reset) || packet.Has(TcpEvents.TimedOut);
        if (reset) _counters.ClientResets++;
        else _counters.Closed++;
        Release(relay, resetServer: reset);
    }

    // ---- moving bytes ----------------------------------------------------------------------------

    /// <summary>The client's bytes, from the receive ring in place to the socket; then the client's FIN as shutdown(SHUT_WR).</summary>
    private void ToServer(Relay relay)
    {
        if (relay.Connecting) return;
        var socket = relay.Socket!;
        while (_tcp.Peek(relay.Key, out var first, out _) == TcpStatus.Ok && !first.IsEmpty)
        {
            int sent = socket.Send(first, SocketFlags.None, out var error);
            if (error is not (SocketError.Success or SocketError.WouldBlock))
            {
                ResetBoth(relay, serverFailed: true);
                return;
            }
            if (sent > 0)
            {
                _tcp.Consume(relay.Key, sent); // opens the client's window
                relay.ToServer += sent;
                _counters.BytesToServer += sent;
            }
            if (sent < first.Length)
            {
                relay.WantWrite = true; // the socket's buffer is full: poll(2) says when it has room
                return;
            }
        }
        relay.WantWrite = false;
        if (relay.ClientClosed && !relay.ServerShutDown)
        {
            relay.ServerShutDown = true;
            socket.Shutdown(SocketShutdown.Send); // half-close: the server sees end of file, and may still answer
        }
    }

    /// <summary>The server's bytes into the send ring, no more than it has room for; end of file becomes our FIN.</summary>
    private void ToClient(Relay relay)
    {
        if (relay.Connecting || relay.ServerClosed) return;
        var socket = relay.Socket!;
        while (true)
        {
            if (_tcp.GetInfo(relay.Key, out var info) != TcpStatus.Ok) return;
            if (info.Writable == 0)
            {
                relay.WantRead = false; // the ring is full: the Writable event brings us back, the server's window closes meanwhile
                return;
            }
            int read = socket.Receive(_scratch.AsSpan(0, Math.Min(_scratch.Length, info.Writable)), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                relay.WantRead = true;
                return;
            }
            if (error != SocketError.Success)
            {
                ResetBoth(relay, serverFailed: true);
                return;
            }
            if (read == 0)
            {
                relay.ServerClosed = true;
                relay.WantRead = false;
                _tcp.Close(relay.Key); // our FIN follows the server's last bytes
                return;
            }
            _tcp.Write(relay.Key, _scratch.AsSpan(0, read), out _); // all of it: never more than Writable was read
            relay.ToClient += read;
            _counters.BytesToClients += read;
        }
    }

    private void FinishConnect(Relay relay)
    {
        Span<byte> value = stackalloc byte[sizeof(int)];
        relay.Socket!.GetRawSocketOption(SolSocket, SoError, value);
        int error = MemoryMarshal.Read<int>(value);
        if (error != 0)
        {
            if (_options.Verbose) _log.WriteLine($"ethox-tunnel: reset {Describe(relay.Tuple)}: cannot connect to {relay.Server}: errno {error}");
            ResetBoth(relay, serverFailed: true);
            return;
        }
        relay.Connecting = false;
        ToServer(relay); // what the client sent meanwhile waited in the ring
        if (relay.InUse) ToClient(relay);
    }

    // ---- connections' ends -----------------------------------------------------------------------

    private static bool TryStartConnect(IPEndPoint endpoint, out Socket? socket, out bool connecting, out string failure)
    {
        connecting = false;
        failure = "";
        socket = null;
        try
        {
            socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { Blocking = false, NoDelay = true };
            socket.Connect(endpoint);
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            // .NET reports a non-blocking connect under way (EINPROGRESS) as this exception: once per connection.
            connecting = true;
            return true;
        }
        catch (SocketException e)
        {
            socket?.Dispose();
            socket = null;
            failure = e.SocketErrorCode.ToString();
            return false;
        }
    }

    /// <summary>The server's side failed, or the tunnel stops: both sides are reset (RST to the client now, to the server on close).</summary>
    private void ResetBoth(Relay relay, bool serverFailed)
    {
        _tcp.Abort(relay.Key); // the key is stale at once: no Closed event follows
        if (serverFailed) _counters.ServerFailures++;
        Release(relay, resetServer: true);
    }

    private void Release(Relay relay, bool resetServer)
    {
        if (_options.Verbose)
            _log.WriteLine($"ethox-tunnel: {(resetServer ? "reset" : "closed")} {Describe(relay.Tuple)} ({relay.ToServer} bytes to the server, {relay.ToClient} to the client)");
        var socket = relay.Socket!;
        // SO_LINGER 0: close(2) sends a RST instead of a FIN, as the client's side ended with one.
        if (resetServer) socket.LingerState = new LingerOption(true, 0);
        socket.Dispose();
        _bySlot[relay.Key.Index] = null;
        relay.Key = SlotKey.None;
        relay.Socket = null;
        _free[_freeCount++] = relay.Index;
    }

    private bool Accepts(in IpAddress destination)
    {
        if (_options.Accept.Count == 0) return true;
        foreach (var range in _options.Accept)
            if (range.Contains(destination)) return true;
        return false;
    }

    private static string Describe(in FourTuple tuple) => $"{Text(tuple.Remote)} -> {Text(tuple.Local)}";

    private static string Text(TransportAddress a) => a.Address.IsV6 ? $"[{a.Address}]:{a.Port}" : $"{a.Address}:{a.Port}";

    public void Dispose()
    {
        foreach (var relay in _relays) relay.Socket?.Dispose();
        _tun.Dispose();
    }
}
