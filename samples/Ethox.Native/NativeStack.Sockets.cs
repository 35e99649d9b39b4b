using System;
using Ethox.Layer.Tcp;

namespace Ethox.Native;

// The socket table: handles, the three free pools, the ready queue of ethox_ready, readiness, and what is common to
// every kind of socket (close, options, errors).
internal sealed partial class NativeStack
{
    private const int IndexBits = 24, GenerationBits = 24;
    private const long IndexMask = (1L << IndexBits) - 1, GenerationMask = (1L << GenerationBits) - 1;
    /// <summary>The most sockets a stack may have: a socket's index takes 24 bits of its handle.</summary>
    public const int MaxSockets = 1 << IndexBits;

    private readonly int _tag;
    private NativeSocket[] _sockets = null!;
    private IndexPool _freeConnections = null!, _freeListeners = null!, _freeUdp = null!;
    private int _listenerBase, _udpBase;
    private int[] _ready = null!;
    private int _readyHead, _readyCount;

    private void InitializeSockets(in EthoxConfig config)
    {
        int connections = (int)config.TcpConnections, listeners = (int)config.TcpListeners, udp = (int)config.UdpSockets;
        _listenerBase = connections;
        _udpBase = connections + listeners;
        int total = _udpBase + udp;
        _sockets = new NativeSocket[total];
        for (int i = 0; i < total; i++) _sockets[i].Generation = 1;
        _freeConnections = new IndexPool(0, connections);
        _freeListeners = new IndexPool(_listenerBase, listeners);
        _freeUdp = new IndexPool(_udpBase, udp);
        _ready = new int[Math.Max(1, total)];
        InitializeTcp(config);
        InitializeUdp(config);
    }

    // ---- handles --------------------------------------------------------------------------------------
    // A socket handle is positive: the stack's tag (15 bits), the slot's generation (24 bits) and its index (24 bits). The
    // tag makes a handle of another stack foreign here; the generation makes a handle of a closed socket stale even
    // once its slot serves a new one.

    private long HandleOf(int index) => ((long)_tag << (IndexBits + GenerationBits)) | ((long)_sockets[index].Generation << IndexBits) | (uint)index;

    /// <summary>The open socket of <paramref name="kind"/> that <paramref name="handle"/> names; false for a stale, foreign or other-kind handle.</summary>
    private bool TryResolve(long handle, SocketKind kind, out int index)
    {
        index = (int)(handle & IndexMask);
        if (handle <= 0 || handle >> (IndexBits + GenerationBits) != _tag || index >= _sockets.Length) return false;
        ref readonly var s = ref _sockets[index];
        return s.Kind == kind && s.Has(SocketFlags.Open) && s.Generation == (uint)((handle >> IndexBits) & GenerationMask);
    }

    /// <summary>The open socket of any kind that <paramref name="handle"/> names.</summary>
    private bool TryResolveAny(long handle, out int index)
        => TryResolve(handle, SocketKind.Connection, out index) || TryResolve(handle, SocketKind.Listener, out index) || TryResolve(handle, SocketKind.Udp, out index);

    /// <summary>Makes every handle to the slot stale.</summary>
    private void Invalidate(ref NativeSocket s)
    {
        s.Generation = (uint)((s.Generation + 1) & GenerationMask);
        if (s.Generation == 0) s.Generation = 1;
        s.Clear(SocketFlags.Open);
    }

    /// <summary>Puts the slot back into its pool. Its place in the ready queue (<see cref="SocketFlags.InReady"/>) is kept, so it is never queued twice.</summary>
    private void Free(int index)
    {
        ref var s = ref _sockets[index];
        Invalidate(ref s);
        var pool = s.Kind switch
        {
            SocketKind.Connection => _freeConnections,
            SocketKind.Listener => _freeListeners,
            _ => _freeUdp,
        };
        s = new NativeSocket { Generation = s.Generation, Flags = s.Flags & SocketFlags.InReady, Owner = -1, Previous = -1, Next = -1 };
        pool.Return(index);
    }

    // ---- readiness ----------------------------------------------------------------------------------------

    /// <summary>Queues the socket for <c>ethox_ready</c> (once until it is reported).</summary>
    private void MarkReady(int index)
    {
        ref var s = ref _sockets[index];
        if (s.Has(SocketFlags.InReady)) return;
        s.Set(SocketFlags.InReady);
        int tail = _readyHead + _readyCount;
        if (tail >= _ready.Length) tail -= _ready.Length;
        _ready[tail] = index;
        _readyCount++;
    }

    /// <summary>
    /// Fills <paramref name="events"/> with the sockets whose readiness changed since they were last reported, each once,
    /// with its readiness now (edge-triggered: act on a socket until it says <see cref="EthoxStatus.Again"/>). Returns the count.
    /// </summary>
    public int Ready(Span<EthoxEvent> events)
    {
        int n = 0;
        while (n < events.Length && _readyCount > 0)
        {
            int index = _ready[_readyHead];
            _readyHead = _readyHead + 1 == _ready.Length ? 0 : _readyHead + 1;
            _readyCount--;
            ref var s = ref _sockets[index];
            s.Clear(SocketFlags.InReady);
            if (!s.Has(SocketFlags.Open)) continue;
            events[n++] = new EthoxEvent { Socket = HandleOf(index), Events = (uint)EventsOf(index) };
        }
        return n;
    }

    /// <summary>The readiness of a socket now (level: what a call would find), or a negative status.</summary>
    public int Events(long handle) => TryResolveAny(handle, out int index) ? (int)EventsOf(index) : (int)EthoxStatus.BadHandle;

    private SocketEvents EventsOf(int index)
    {
        ref readonly var s = ref _sockets[index];
        return s.Kind switch
        {
            SocketKind.Connection => ConnectionEvents(s),
            SocketKind.Listener => s.Owner >= 0 ? SocketEvents.Readable : SocketEvents.None,
            _ => UdpEvents(index),
        };
    }

    /// <summary>How a connection failed, or 0.</summary>
    public int SocketError(long handle)
    {
        if (TryResolve(handle, SocketKind.Connection, out int index)) return (int)_sockets[index].Error;
        return TryResolveAny(handle, out _) ? 0 : (int)EthoxStatus.BadHandle;
    }

    // ---- common calls -------------------------------------------------------------------------------------

    /// <summary>Closes any socket: a connection gracefully (FIN after the data written), a listener (its unaccepted connections reset), a UDP socket. The handle is stale afterwards.</summary>
    public int Close(long handle)
    {
        if (TryResolve(handle, SocketKind.Connection, out int index)) return CloseConnection(index);
        if (TryResolve(handle, SocketKind.Listener, out index)) return CloseListener(index);
        if (TryResolve(handle, SocketKind.Udp, out index)) return CloseUdp(index);
        return (int)EthoxStatus.BadHandle;
    }

    /// <summary>Sets a TCP option on a connection or a listener.</summary>
    public int SetOption(long handle, SocketOption option, long value)
    {
        bool connection = TryResolve(handle, SocketKind.Connection, out int index);
        if (!connection && !TryResolve(handle, SocketKind.Listener, out index))
            return (int)(TryResolve(handle, SocketKind.Udp, out _) ? EthoxStatus.InvalidArgument : EthoxStatus.BadHandle);
        ref var s = ref _sockets[index];
        switch (option)
        {
            case SocketOption.NoDelay or SocketOption.KeepAlive:
                if (value is not (0 or 1)) return (int)EthoxStatus.InvalidArgument;
                var flag = option == SocketOption.NoDelay ? SocketFlags.NoDelay : SocketFlags.KeepAlive;
                if (value == 1) s.Set(flag); else s.Clear(flag);
                if (connection && s.Tcp.IsSome) return (int)StatusOf(Tcp.Configure(s.Tcp, OptionsOf(s), _now));
                return 0;
            case SocketOption.SendBuffer or SocketOption.ReceiveBuffer:
                if (connection) return (int)EthoxStatus.InvalidState; // the rings were lent to TCP when the connection began
                bool send = option == SocketOption.SendBuffer;
                if (value < 1 || value > (send ? _sendMax : _receiveMax)) return (int)EthoxStatus.InvalidArgument;
                if (send) s.SendSize = (int)value; else s.ReceiveSize = (int)value;
                return 0;
            default:
                return (int)EthoxStatus.InvalidArgument;
        }
    }

    /// <summary>Reads a TCP option of a connection or a listener: its value, or a negative status.</summary>
    public long GetOption(long handle, SocketOption option)
    {
        if (!TryResolve(handle, SocketKind.Connection, out int index) && !TryResolve(handle, SocketKind.Listener, out index))
            return (long)(TryResolve(handle, SocketKind.Udp, out _) ? EthoxStatus.InvalidArgument : EthoxStatus.BadHandle);
        ref readonly var s = ref _sockets[index];
        return option switch
        {
            SocketOption.NoDelay => s.Has(SocketFlags.NoDelay) ? 1 : 0,
            SocketOption.KeepAlive => s.Has(SocketFlags.KeepAlive) ? 1 : 0,
            SocketOption.SendBuffer => s.SendSize,
            SocketOption.ReceiveBuffer => s.ReceiveSize,
            _ => (long)EthoxStatus.InvalidArgument,
        };
    }

    private static TcpConnectionOptions OptionsOf(in NativeSocket s)
        => new() { Nagle = !s.Has(SocketFlags.NoDelay), KeepAlive = s.Has(SocketFlags.KeepAlive) };

    private static EthoxStatus StatusOf(TcpStatus status) => status switch
    {
        TcpStatus.Ok => EthoxStatus.Ok,
        TcpStatus.StaleKey => EthoxStatus.BadHandle,
        TcpStatus.InvalidState => EthoxStatus.InvalidState,
        TcpStatus.NoSlot => EthoxStatus.NoSpace,
        TcpStatus.NoRoute => EthoxStatus.NoRoute,
        TcpStatus.InUse => EthoxStatus.InUse,
        _ => EthoxStatus.InvalidArgument,
    };
}
