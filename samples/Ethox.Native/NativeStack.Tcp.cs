using System;
using Ethox.Layer;
using Ethox.Layer.Tcp;

namespace Ethox.Native;

// TCP sockets: listeners with their accept queues, connections with their buffer pairs, and the events of the TCP
// layer turned into the state the caller's calls read.
internal sealed partial class NativeStack
{
    private byte[] _buffers = null!;
    private int _sendMax, _receiveMax;
    private int[] _socketOfSlot = null!;
    private PortMap _listenPorts = null!;

    private void InitializeTcp(in EthoxConfig config)
    {
        _sendMax = (int)config.TcpSendBuffer;
        _receiveMax = (int)config.TcpReceiveBuffer;
        _buffers = new byte[(long)config.TcpConnections * (_sendMax + _receiveMax)];
        _socketOfSlot = new int[Tcp.Capacity];
        _socketOfSlot.AsSpan().Fill(-1);
        _listenPorts = new PortMap((int)config.TcpListeners);
    }

    // Connection i owns bytes [i·(S+R), (i+1)·(S+R)) of the arena: its send ring first, then its receive ring, each used up
    // to the size chosen for it.
    private int BufferBase(int index) => index * (_sendMax + _receiveMax);

    private TcpBuffers BuffersOf(int index, in NativeSocket s)
    {
        int at = BufferBase(index);
        return new TcpBuffers(_buffers.AsMemory(at, s.SendSize), _buffers.AsMemory(at + _sendMax, s.ReceiveSize));
    }

    private bool TryTakeConnection(int sendSize, int receiveSize, SocketFlags options, out int index)
    {
        if (!_freeConnections.TryTake(out index)) return false;
        ref var s = ref _sockets[index];
        s.Kind = SocketKind.Connection;
        s.Flags = (s.Flags & SocketFlags.InReady) | (options & (SocketFlags.NoDelay | SocketFlags.KeepAlive));
        s.SendSize = sendSize;
        s.ReceiveSize = receiveSize;
        return true;
    }

    private void Attach(int index, SlotKey key)
    {
        ref var s = ref _sockets[index];
        s.Tcp = key;
        Tcp.GetInfo(key, out var info);
        s.Tuple = info.Tuple;
        _socketOfSlot[key.Index] = index;
    }

    // ---- listening and accepting ------------------------------------------------------------------------

    /// <summary>Listens on <paramref name="port"/> with room for <paramref name="backlog"/> connections not yet accepted; returns the listener's handle.</summary>
    public long Listen(ushort port, int backlog)
    {
        if (port == 0 || backlog < 1) return (long)EthoxStatus.InvalidArgument;
        if (_listenPorts.Find(port) >= 0 || Tcp.IsListening(port)) return (long)EthoxStatus.InUse;
        if (!_freeListeners.TryTake(out int index)) return (long)EthoxStatus.NoSpace;
        var status = Tcp.Listen(port, backlog);
        if (status != TcpStatus.Ok)
        {
            _freeListeners.Return(index);
            return (long)StatusOf(status);
        }
        ref var l = ref _sockets[index];
        l.Kind = SocketKind.Listener;
        l.Flags = (l.Flags & SocketFlags.InReady) | SocketFlags.Open;
        l.Port = port;
        l.Backlog = backlog;
        l.Unaccepted = 0;
        l.Owner = l.Previous = -1;
        l.SendSize = _sendMax;
        l.ReceiveSize = _receiveMax;
        _listenPorts.Add(port, index);
        return HandleOf(index);
    }

    /// <summary>Takes the oldest established connection of the listener; <see cref="EthoxStatus.Again"/> when none waits.</summary>
    public long Accept(long listener, out TransportAddress peer)
    {
        peer = default;
        if (!TryResolve(listener, SocketKind.Listener, out int l)) return (long)EthoxStatus.BadHandle;
        int index = _sockets[l].Owner;
        if (index < 0) return (long)EthoxStatus.Again;
        Unlink(index);
        ref var s = ref _sockets[index];
        s.Set(SocketFlags.Open);
        peer = s.Tuple.Remote;
        return HandleOf(index);
    }

    /// <summary>A SYN on a listening port (or a valid cookie): accepted into a connection slot with buffers, or left for the client to retry when the backlog or the slots are full.</summary>
    internal void OnOpen(TcpOpen open)
    {
        if (open.Kind == TcpOpenKind.Connected)
        {
            OnConnectionEvents(open.Key, TcpEvents.Connected);
            return;
        }
        int listener = _listenPorts.Find(open.Local.Port);
        if (listener < 0)
        {
            open.Refuse();
            return;
        }
        ref var l = ref _sockets[listener];
        // Undecided: the layer drops the SYN and counts it (ListenDrops); the client's retransmission may find room.
        if (l.Unaccepted >= l.Backlog || !TryTakeConnection(l.SendSize, l.ReceiveSize, l.Flags, out int index)) return;
        ref var s = ref _sockets[index];
        if (open.Accept(BuffersOf(index, s), OptionsOf(s), out var key) != TcpStatus.Ok)
        {
            Free(index);
            return;
        }
        Attach(index, key);
        s.Owner = listener;
        s.Previous = s.Next = -1;
        s.Set(SocketFlags.Unaccepted);
        l.Unaccepted++;
        // A cookie's connection is established already; an ordinary one once the client's ACK arrives.
        if (open.Kind == TcpOpenKind.Cookie) OnConnectionEvents(key, TcpEvents.Connected);
    }

    // Appends an established connection to its listener's accept queue.
    private void Enqueue(int index)
    {
        ref var s = ref _sockets[index];
        ref var l = ref _sockets[s.Owner];
        s.Set(SocketFlags.InAcceptQueue);
        s.Next = -1;
        s.Previous = l.Previous;
        if (l.Previous >= 0) _sockets[l.Previous].Next = index;
        else l.Owner = index;
        l.Previous = index;
        MarkReady(s.Owner);
    }

    // Takes a connection away from its listener (accepted, or gone before it was).
    private void Unlink(int index)
    {
        ref var s = ref _sockets[index];
        ref var l = ref _sockets[s.Owner];
        if (s.Has(SocketFlags.InAcceptQueue))
        {
            if (s.Previous >= 0) _sockets[s.Previous].Next = s.Next;
            else l.Owner = s.Next;
            if (s.Next >= 0) _sockets[s.Next].Previous = s.Previous;
            else l.Previous = s.Previous;
        }
        l.Unaccepted--;
        s.Clear(SocketFlags.Unaccepted | SocketFlags.InAcceptQueue);
        s.Owner = s.Previous = s.Next = -1;
    }

    private int CloseListener(int index)
    {
        ref var l = ref _sockets[index];
        // Connections nobody accepted are reset, as a listening socket's close does in BSD.
        for (int i = 0; i < _listenerBase && l.Unaccepted > 0; i++)
        {
            ref var s = ref _sockets[i];
            if (s.Kind != SocketKind.Connection || !s.Has(SocketFlags.Unaccepted) || s.Owner != index) continue;
            Unlink(i);
            if (s.Tcp.IsSome)
            {
                Tcp.Abort(s.Tcp);
                _socketOfSlot[s.Tcp.Index] = -1;
            }
            Free(i);
        }
        Tcp.StopListening(l.Port);
        _listenPorts.Remove(l.Port);
        Free(index);
        return 0;
    }

    // ---- connecting --------------------------------------------------------------------------------------

    /// <summary>Opens a connection to <paramref name="remote"/>; the handle is writable once <see cref="SocketEvents.Connected"/> (data written before waits).</summary>
    public long Connect(in TransportAddress remote, in EthoxTcpOptions options)
    {
        int send = options.SendBuffer == 0 ? _sendMax : (int)Math.Min(options.SendBuffer, int.MaxValue);
        int receive = options.ReceiveBuffer == 0 ? _receiveMax : (int)Math.Min(options.ReceiveBuffer, int.MaxValue);
        if (send > _sendMax || receive > _receiveMax || options.NoDelay > 1 || options.KeepAlive > 1) return (long)EthoxStatus.InvalidArgument;
        // The layers would find out at the first transmit and drop the SYN until it timed out; the caller learns it now.
        if (!remote.Address.IsUnspecified && !Ip.TryGetNextHop(remote.Address, _now, out _)) return (long)EthoxStatus.NoRoute;
        var flags = (options.NoDelay == 1 ? SocketFlags.NoDelay : 0) | (options.KeepAlive == 1 ? SocketFlags.KeepAlive : 0);
        if (!TryTakeConnection(send, receive, flags, out int index)) return (long)EthoxStatus.NoSpace;
        ref var s = ref _sockets[index];
        var status = Tcp.Connect(remote, BuffersOf(index, s), _now, out var key, OptionsOf(s));
        if (status != TcpStatus.Ok)
        {
            Free(index);
            return (long)StatusOf(status);
        }
        Attach(index, key);
        s.Set(SocketFlags.Open);
        return HandleOf(index);
    }

    // ---- events from the TCP layer ---------------------------------------------------------------------

    /// <summary>
    /// What TCP says about a connection, turned into the socket's state; the socket is queued for <c>ethox_ready</c>. An
    /// attempt ended by an ICMP port unreachable (<paramref name="portUnreachable"/>) is refused, as Linux's <c>connect</c>
    /// says <c>ECONNREFUSED</c> for it.
    /// </summary>
    internal void OnConnectionEvents(SlotKey key, TcpEvents events, bool portUnreachable = false)
    {
        int index = _socketOfSlot[key.Index];
        if (index < 0) return;
        ref var s = ref _sockets[index];
        if (s.Kind != SocketKind.Connection || s.Tcp != key) return;
        if ((events & TcpEvents.Connected) != 0)
        {
            s.Set(SocketFlags.Connected);
            if (s.Has(SocketFlags.Unaccepted)) Enqueue(index);
        }
        if ((events & TcpEvents.PeerClosed) != 0) s.Set(SocketFlags.PeerClosed);
        if ((events & TcpEvents.Reset) != 0) s.Error = s.Has(SocketFlags.Connected) ? EthoxStatus.Reset : EthoxStatus.Refused;
        if ((events & TcpEvents.TimedOut) != 0) s.Error = EthoxStatus.TimedOut;
        if ((events & TcpEvents.Unreachable) != 0) s.Error = portUnreachable ? EthoxStatus.Refused : EthoxStatus.Unreachable;
        if ((events & TcpEvents.Closed) != 0)
        {
            // The last event of the key: keep what is left to read (TCP hands the rings back after this call).
            KeepResidual(index, ref s);
            s.Tcp = SlotKey.None;
            s.Set(SocketFlags.Done);
            _socketOfSlot[key.Index] = -1;
            // A connection no handle names any more (closed by the caller, or never accepted: TCP only ends those with an error) is freed.
            if (s.Has(SocketFlags.Unaccepted)) Unlink(index);
            if (!s.Has(SocketFlags.Open))
            {
                Free(index);
                return;
            }
        }
        else if ((events & TcpEvents.Readable) != 0 && !s.Has(SocketFlags.Open) && !s.Has(SocketFlags.Unaccepted))
        {
            // RFC 1122 §4.2.2.13: data arriving after CLOSE cannot be delivered; a RST tells the peer it was lost.
            Tcp.Abort(key);
            _socketOfSlot[key.Index] = -1;
            Free(index);
            return;
        }
        if (s.Has(SocketFlags.Open)) MarkReady(index);
    }

    private void KeepResidual(int index, ref NativeSocket s)
    {
        s.ResidualLength = s.ResidualLength2 = 0;
        if (Tcp.Peek(s.Tcp, out var first, out var second) != TcpStatus.Ok) return;
        var ring = _buffers.AsSpan(BufferBase(index) + _sendMax, s.ReceiveSize);
        if (!first.IsEmpty && ring.Overlaps(first, out int offset))
        {
            s.ResidualOffset = offset;
            s.ResidualLength = first.Length;
        }
        if (!second.IsEmpty && ring.Overlaps(second, out offset))
        {
            s.ResidualOffset2 = offset;
            s.ResidualLength2 = second.Length;
        }
    }

    // ---- the caller's calls on a connection -----------------------------------------------------------

    /// <summary>Reads received bytes: their count; 0 at the end of the stream; <see cref="EthoxStatus.Again"/> when none wait yet; the error of a failed connection.</summary>
    public int Read(long handle, Span<byte> destination)
    {
        if (!TryResolve(handle, SocketKind.Connection, out int index)) return (int)EthoxStatus.BadHandle;
        ref var s = ref _sockets[index];
        int read;
        if (s.Tcp.IsSome) Tcp.Read(s.Tcp, destination, out read);
        else read = ReadResidual(index, ref s, destination);
        if (read > 0 || destination.IsEmpty) return read;
        if (s.Error != EthoxStatus.Ok) return (int)s.Error;
        return s.Has(SocketFlags.PeerClosed) || s.Has(SocketFlags.Done) ? 0 : (int)EthoxStatus.Again;
    }

    private int ReadResidual(int index, ref NativeSocket s, Span<byte> destination)
    {
        var ring = _buffers.AsSpan(BufferBase(index) + _sendMax, s.ReceiveSize);
        int n = Math.Min(destination.Length, s.ResidualLength);
        ring.Slice(s.ResidualOffset, n).CopyTo(destination);
        s.ResidualOffset += n;
        s.ResidualLength -= n;
        if (s.ResidualLength == 0)
        {
            // The first range is used up: the second (the part after the ring wrapped) comes next.
            (s.ResidualOffset, s.ResidualLength, s.ResidualOffset2, s.ResidualLength2) = (s.ResidualOffset2, s.ResidualLength2, 0, 0);
            if (n < destination.Length && s.ResidualLength > 0) return n + ReadResidual(index, ref s, destination[n..]);
        }
        return n;
    }

    /// <summary>Writes bytes to send: how many the send ring took; <see cref="EthoxStatus.Again"/> when it is full.</summary>
    public int Write(long handle, ReadOnlySpan<byte> data)
    {
        if (!TryResolve(handle, SocketKind.Connection, out int index)) return (int)EthoxStatus.BadHandle;
        ref var s = ref _sockets[index];
        if (s.Error != EthoxStatus.Ok) return (int)s.Error;
        if (!s.Tcp.IsSome || s.Has(SocketFlags.Shutdown)) return (int)EthoxStatus.InvalidState;
        var status = Tcp.Write(s.Tcp, data, out int written);
        if (status != TcpStatus.Ok) return (int)StatusOf(status);
        return written == 0 && !data.IsEmpty ? (int)EthoxStatus.Again : written;
    }

    /// <summary>Half-close (RFC 9293 §3.10.4): a FIN follows the data written; reading goes on until the peer's FIN.</summary>
    public int Shutdown(long handle)
    {
        if (!TryResolve(handle, SocketKind.Connection, out int index)) return (int)EthoxStatus.BadHandle;
        ref var s = ref _sockets[index];
        if (s.Has(SocketFlags.Shutdown)) return 0;
        if (!s.Tcp.IsSome) return (int)(s.Error != EthoxStatus.Ok ? s.Error : EthoxStatus.InvalidState);
        var status = Tcp.Close(s.Tcp);
        if (status != TcpStatus.Ok) return (int)StatusOf(status);
        s.Set(SocketFlags.Shutdown);
        if (Tcp.StateOf(s.Tcp) == TcpState.Closed) Ended(index, ref s); // a connection still in SYN-SENT just ends
        return 0;
    }

    /// <summary>Resets the connection (RFC 9293 §3.10.5) and frees the handle.</summary>
    public int Abort(long handle)
    {
        if (!TryResolve(handle, SocketKind.Connection, out int index)) return (int)EthoxStatus.BadHandle;
        ref var s = ref _sockets[index];
        if (s.Tcp.IsSome)
        {
            Tcp.Abort(s.Tcp);
            _socketOfSlot[s.Tcp.Index] = -1;
        }
        Free(index);
        return 0;
    }

    private int CloseConnection(int index)
    {
        ref var s = ref _sockets[index];
        if (!s.Tcp.IsSome)
        {
            Free(index);
            return 0;
        }
        // RFC 1122 §4.2.2.13: closing with received data unread loses it; a RST tells the peer so.
        if (Tcp.GetInfo(s.Tcp, out var info) == TcpStatus.Ok && info.Readable > 0)
        {
            Tcp.Abort(s.Tcp);
            _socketOfSlot[s.Tcp.Index] = -1;
            Free(index);
            return 0;
        }
        // The caller lets go of it: TCP finishes the close, and drops it after tcp_fin_timeout_ms in FIN-WAIT-2 if the
        // peer never sends its FIN (TcpEndpoint.Orphan).
        if (Tcp.Orphan(s.Tcp, _now) == TcpStatus.Ok) s.Set(SocketFlags.Shutdown);
        if (Tcp.StateOf(s.Tcp) == TcpState.Closed)
        {
            Ended(index, ref s);
            Free(index);
            return 0;
        }
        // The handle is stale from now on; the slot and its buffers stay with TCP until it says Closed.
        Invalidate(ref s);
        return 0;
    }

    // TCP released the connection synchronously (closed in SYN-SENT): no Closed event follows.
    private void Ended(int index, ref NativeSocket s)
    {
        _socketOfSlot[s.Tcp.Index] = -1;
        s.Tcp = SlotKey.None;
        s.Set(SocketFlags.Done);
        MarkReady(index);
    }

    /// <summary>The local and remote ends of a connection (kept after it ended).</summary>
    public int Endpoints(long handle, out TransportAddress local, out TransportAddress remote)
    {
        local = remote = default;
        if (!TryResolve(handle, SocketKind.Connection, out int index)) return (int)EthoxStatus.BadHandle;
        local = _sockets[index].Tuple.Local;
        remote = _sockets[index].Tuple.Remote;
        return 0;
    }

    private SocketEvents ConnectionEvents(in NativeSocket s)
    {
        var events = SocketEvents.None;
        if (s.Has(SocketFlags.Connected)) events |= SocketEvents.Connected;
        if (s.Error != EthoxStatus.Ok) events |= SocketEvents.Error | SocketEvents.Readable;
        if (s.Has(SocketFlags.PeerClosed)) events |= SocketEvents.PeerClosed | SocketEvents.Readable;
        if (!s.Tcp.IsSome)
        {
            // Over: reads return what was left, then 0 or the error.
            return events | SocketEvents.Closed | SocketEvents.Readable;
        }
        if (Tcp.GetInfo(s.Tcp, out var info) != TcpStatus.Ok) return events;
        if (info.Readable > 0) events |= SocketEvents.Readable;
        if (s.Has(SocketFlags.Connected) && !s.Has(SocketFlags.Shutdown) && info.Writable > 0) events |= SocketEvents.Writable;
        return events;
    }
}
