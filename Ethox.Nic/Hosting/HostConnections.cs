using System;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ethox.Layer.Tcp;

namespace Ethox.Nic.Hosting;

// TCP connections: the entries and their rings, the TCP layer's events, and the requests on a connection (connect,
// read, write, shutdown, close, abort).
internal sealed partial class HostCore
{
    private readonly byte[] _rings;
    private readonly int _sendBytes, _receiveBytes;
    private readonly HostConnection[] _connections;
    private readonly int[] _connectionOfSlot; // TCP slot index → entry, valid while the entry's key is that slot's key
    private readonly int[] _freeConnections;
    private int _freeCount;
    private int _live;

    private bool TryAllocate(out int index)
    {
        index = -1;
        if (_freeCount == 0) return false;
        index = _freeConnections[--_freeCount];
        ref var c = ref _connections[index];
        int generation = c.Generation + 1;
        c = default;
        c.Generation = generation == 0 ? 1 : generation;
        c.Flags = HostConnectionFlags.InUse;
        c.Listener = c.NextQueued = -1;
        _live++;
        return true;
    }

    private void Free(int index)
    {
        ref var c = ref _connections[index];
        c.Flags = HostConnectionFlags.None;
        c.Key = default;
        _freeConnections[_freeCount++] = index;
        _live--;
    }

    private static bool CanFree(in HostConnection c)
        => c.Has(HostConnectionFlags.TcpClosed) && (c.Has(HostConnectionFlags.Released) || !c.Has(HostConnectionFlags.Owned | HostConnectionFlags.Queued));

    private TcpBuffers BuffersOf(int index)
    {
        var pair = _rings.AsMemory(index * (_sendBytes + _receiveBytes), _sendBytes + _receiveBytes);
        return new TcpBuffers(pair[.._sendBytes], pair[_sendBytes..]);
    }

    private Span<byte> ReceiveRingOf(int index) => _rings.AsSpan(index * (_sendBytes + _receiveBytes) + _sendBytes, _receiveBytes);

    private HostHandle HandleOf(int index) => new(index, _connections[index].Generation);

    private void Attach(int index, SlotKey key, in FourTuple tuple)
    {
        ref var c = ref _connections[index];
        c.Key = key;
        c.Tuple = tuple;
        _connectionOfSlot[key.Index] = index;
    }

    /// <summary>TCP let go of the connection: its key is stale from now on.</summary>
    private void Detach(int index)
    {
        ref var c = ref _connections[index];
        c.Key = default;
        c.Flags |= HostConnectionFlags.TcpClosed;
    }

    private bool TryFind(SlotKey key, out int index)
    {
        index = (uint)key.Index < (uint)_connectionOfSlot.Length ? _connectionOfSlot[key.Index] : -1;
        return index >= 0 && _connections[index].Has(HostConnectionFlags.InUse) && _connections[index].Key == key;
    }

    /// <summary>The entry a user's handle names, unless it was disposed (or freed and reused).</summary>
    private bool TryResolve(HostHandle handle, out int index)
    {
        index = handle.Index;
        if ((uint)index >= (uint)_connections.Length) return false;
        ref var c = ref _connections[index];
        return c.Generation == handle.Generation && c.Has(HostConnectionFlags.InUse) && !c.Has(HostConnectionFlags.Released);
    }

    // ---- the TCP layer's events ---------------------------------------------------------------------------

    /// <summary>A SYN on a listening port (or a valid cookie's ACK): taken into an entry with its rings while the listener has room; or our active open completed.</summary>
    public void OnOpen(TcpOpen open)
    {
        if (open.Kind == TcpOpenKind.Connected)
        {
            OnConnected(open.Key);
            return;
        }
        int listener = FindListener(open.Local.Port);
        if (listener < 0)
        {
            open.Refuse();
            return;
        }
        ref var l = ref _listeners[listener];
        if (l.HalfOpen + l.Queued >= l.Backlog)
        {
            // As a full Linux accept queue does: no answer, the client's SYN retransmission tries again later.
            _counters.AcceptQueueFull++;
            return;
        }
        if (!TryAllocate(out int index))
        {
            _counters.NoRings++;
            return;
        }
        if (open.Accept(BuffersOf(index), _connectionOptions, out var key) != TcpStatus.Ok)
        {
            Free(index);
            return;
        }
        Attach(index, key, open.Tuple);
        ref var c = ref _connections[index];
        c.Listener = listener;
        if (open.Kind == TcpOpenKind.Cookie)
        {
            c.Flags |= HostConnectionFlags.Established;
            Enqueue(listener, index);
        }
        else
        {
            c.Flags |= HostConnectionFlags.HalfOpen;
            l.HalfOpen++;
        }
    }

    private void OnConnected(SlotKey key)
    {
        if (!TryFind(key, out int index)) return;
        ref var c = ref _connections[index];
        c.Flags |= HostConnectionFlags.Established;
        if (c.Connect is not { } connect) return;
        c.Connect = null;
        c.Flags |= HostConnectionFlags.Owned;
        _counters.Connected++;
        connect.Opened = new OpenedConnection(HandleOf(index), c.Tuple);
        connect.Complete();
    }

    /// <summary>Events of a connection: serve the waiting read and write, hand an established connection to its listener, let go of a closed one.</summary>
    public void OnPacket(TcpInPacket packet)
    {
        if (!TryFind(packet.Key, out int index)) return;
        ref var c = ref _connections[index];
        var events = packet.Events;
        if ((events & TcpEvents.Connected) != 0)
        {
            c.Flags |= HostConnectionFlags.Established;
            if (c.Has(HostConnectionFlags.HalfOpen))
            {
                c.Flags &= ~HostConnectionFlags.HalfOpen;
                ListenerAt(c.Listener).HalfOpen--;
                Enqueue(c.Listener, index);
            }
        }
        if ((events & TcpEvents.PeerClosed) != 0) c.Flags |= HostConnectionFlags.PeerClosed;
        if ((events & (TcpEvents.Reset | TcpEvents.TimedOut | TcpEvents.Unreachable)) != 0 && c.Error == SocketError.Success)
            c.Error = (events & TcpEvents.Reset) != 0 ? (c.Has(HostConnectionFlags.Established) ? SocketError.ConnectionReset : SocketError.ConnectionRefused)
                : (events & TcpEvents.TimedOut) != 0 ? SocketError.TimedOut
                : packet.IcmpError is { } icmp ? IcmpSocketErrors.Of(icmp)
                : SocketError.HostUnreachable;
        if (c.Has(HostConnectionFlags.Released) && (events & TcpEvents.Closed) == 0 && HasUnread(index))
        {
            // RFC 1122 §4.2.2.13: data arriving after the close is lost; a RST says so.
            _counters.ResetOnClose++;
            Tcp.Abort(c.Key);
            Detach(index);
            Free(index);
            return;
        }
        if ((events & (TcpEvents.Readable | TcpEvents.PeerClosed | TcpEvents.Reset | TcpEvents.TimedOut | TcpEvents.Unreachable | TcpEvents.Closed)) != 0)
            ServeRead(index);
        if ((events & (TcpEvents.Writable | TcpEvents.Reset | TcpEvents.TimedOut | TcpEvents.Unreachable | TcpEvents.Closed)) != 0)
            ServeWrite(index);
        if ((events & TcpEvents.Closed) != 0) OnClosed(index);
    }

    /// <summary>TCP is done with the connection (closed, reset, timed out): keep what is unread, fail a handshake still waiting, free what nobody holds.</summary>
    private void OnClosed(int index)
    {
        ref var c = ref _connections[index];
        if (c.Error == SocketError.Success && !c.Has(HostConnectionFlags.Released)) SaveLeftover(index);
        Detach(index);
        if (c.Connect is { } connect)
        {
            c.Connect = null;
            connect.Complete(HostFailure.Socket, c.Error == SocketError.Success ? SocketError.ConnectionRefused : c.Error);
        }
        if (c.Has(HostConnectionFlags.HalfOpen))
        {
            c.Flags &= ~HostConnectionFlags.HalfOpen;
            ListenerAt(c.Listener).HalfOpen--;
        }
        if (CanFree(c)) Free(index);
    }

    /// <summary>
    /// The bytes still unread when TCP lets go stay in the receive ring, which is ours again: rotated to a single run when
    /// they wrap, so later reads copy them out as a whole.
    /// </summary>
    private void SaveLeftover(int index)
    {
        ref var c = ref _connections[index];
        if (Tcp.Peek(c.Key, out var first, out var second) != TcpStatus.Ok || first.Length + second.Length == 0) return;
        if (first.IsEmpty)
        {
            first = second;
            second = default;
        }
        var ring = ReceiveRingOf(index);
        int start = (int)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(ring), ref MemoryMarshal.GetReference(first));
        if (!second.IsEmpty)
        {
            // The bytes run from start to the end, then from the front: rotating the ring left by start joins them.
            ring[..start].Reverse();
            ring[start..].Reverse();
            ring.Reverse();
            start = 0;
        }
        c.LeftoverStart = start;
        c.LeftoverLength = first.Length + second.Length;
    }

    private bool HasUnread(int index)
    {
        ref var c = ref _connections[index];
        if (c.LeftoverLength > 0) return true;
        return !c.Has(HostConnectionFlags.TcpClosed) && Tcp.Peek(c.Key, out var first, out var second) == TcpStatus.Ok && first.Length + second.Length > 0;
    }

    private int ReadInto(int index, Span<byte> destination)
    {
        ref var c = ref _connections[index];
        if (c.LeftoverLength > 0)
        {
            int n = Math.Min(destination.Length, c.LeftoverLength);
            ReceiveRingOf(index).Slice(c.LeftoverStart, n).CopyTo(destination);
            c.LeftoverStart += n;
            c.LeftoverLength -= n;
            return n;
        }
        if (c.Has(HostConnectionFlags.TcpClosed)) return 0;
        Tcp.Read(c.Key, destination, out int read);
        return read;
    }

    // ---- reads and writes -----------------------------------------------------------------------------------

    /// <summary>A read request: served at once when bytes, the end or an error are there, else it waits for the next Readable.</summary>
    public void Read(ReadOperation operation)
    {
        if (!TryResolve(operation.Connection, out int index))
        {
            operation.Complete(Gone);
            return;
        }
        ref var c = ref _connections[index];
        c.Read = operation;
        ServeRead(index);
        if (c.Read == operation) operation.Pending = true;
    }

    private void ServeRead(int index)
    {
        ref var c = ref _connections[index];
        if (c.Read is not { } read) return;
        bool ended = c.Has(HostConnectionFlags.PeerClosed | HostConnectionFlags.TcpClosed);
        int n = 0;
        if (read.Buffer.IsEmpty)
        {
            if (!HasUnread(index) && !ended && c.Error == SocketError.Success) return;
        }
        else
        {
            if (!CallerMemory.TryGetSpan(read, read.Buffer, out var destination))
            {
                c.Read = null;
                read.Complete(HostFailure.BadBuffer);
                return;
            }
            n = ReadInto(index, destination);
            if (n == 0 && !ended && c.Error == SocketError.Success) return;
        }
        c.Read = null;
        // Bytes already received are the reader's even when the connection failed after them.
        if (n == 0 && c.Error != SocketError.Success && !HasUnread(index)) read.Complete(HostFailure.Socket, c.Error);
        else
        {
            read.Result = n;
            read.Complete();
        }
    }

    /// <summary>A write request: copied into the send ring as far as it fits, the rest each time the ring frees room.</summary>
    public void Write(WriteOperation operation)
    {
        if (!TryResolve(operation.Connection, out int index))
        {
            operation.Complete(Gone);
            return;
        }
        ref var c = ref _connections[index];
        operation.Done = 0;
        c.Write = operation;
        ServeWrite(index);
        if (c.Write == operation) operation.Pending = true;
    }

    private void ServeWrite(int index)
    {
        ref var c = ref _connections[index];
        if (c.Write is not { } write) return;
        var error = c.Error;
        if (error == SocketError.Success)
        {
            if (c.Has(HostConnectionFlags.TcpClosed | HostConnectionFlags.OutputShut)) error = SocketError.Shutdown;
            else
            {
                var status = TcpStatus.Ok;
                while (write.Done < write.Data.Length)
                {
                    if (!CallerMemory.TryGetSpan(write, write.Data, write.Done, out var data))
                    {
                        c.Write = null;
                        write.Complete(HostFailure.BadBuffer);
                        return;
                    }
                    status = Tcp.Write(c.Key, data, out int written);
                    write.Done += written;
                    if (status != TcpStatus.Ok || written < data.Length || data.IsEmpty) break; // an error, or the ring is full
                }
                if (status != TcpStatus.Ok) error = ErrorOf(status);
                else if (write.Done < write.Data.Length) return;
            }
        }
        c.Write = null;
        if (error != SocketError.Success) write.Complete(HostFailure.Socket, error);
        else write.Complete();
    }

    public void WithdrawRead(ReadOperation operation)
    {
        ref var c = ref _connections[operation.Connection.Index];
        if (c.Read == operation) c.Read = null;
    }

    public void WithdrawWrite(WriteOperation operation)
    {
        ref var c = ref _connections[operation.Connection.Index];
        if (c.Write == operation) c.Write = null;
    }

    private static void FailRead(ref HostConnection c, HostFailure failure, SocketError error = SocketError.Success)
    {
        if (c.Read is not { } read) return;
        c.Read = null;
        read.Complete(failure, error);
    }

    private static void FailWrite(ref HostConnection c, HostFailure failure, SocketError error = SocketError.Success)
    {
        if (c.Write is not { } write) return;
        c.Write = null;
        write.Complete(failure, error);
    }

    // ---- opening and closing --------------------------------------------------------------------------------

    /// <summary>An active open: an entry with its rings, the SYN out with the next transmit; completes in <see cref="OnConnected"/> or <see cref="OnClosed"/>.</summary>
    public void Connect(ConnectOperation operation)
    {
        if (_stopping)
        {
            operation.Complete(HostFailure.HostStopped);
            return;
        }
        // As Linux's connect(2) fails with ENETUNREACH at once, rather than as a SYN that can never leave.
        if (!Ip.TryGetNextHop(operation.Remote.Address, Now, out _))
        {
            operation.Complete(HostFailure.Socket, SocketError.NetworkUnreachable);
            return;
        }
        if (!TryAllocate(out int index))
        {
            _counters.NoRings++;
            operation.Complete(HostFailure.Socket, SocketError.NoBufferSpaceAvailable);
            return;
        }
        var status = Tcp.Connect(operation.Remote, BuffersOf(index), Now, out var key, _connectionOptions);
        if (status != TcpStatus.Ok)
        {
            Free(index);
            operation.Complete(HostFailure.Socket, ErrorOf(status));
            return;
        }
        Tcp.GetInfo(key, out var info); // a key just issued: always Ok
        Attach(index, key, info.Tuple);
        _connections[index].Connect = operation;
        operation.Connection = index;
        operation.Pending = true;
    }

    /// <summary>A handshake given up by its caller: the attempt ends (no RST for a SYN-SENT, RFC 9293 §3.10.5).</summary>
    public void WithdrawConnect(ConnectOperation operation)
    {
        int index = operation.Connection;
        ref var c = ref _connections[index];
        c.Connect = null;
        if (!c.Has(HostConnectionFlags.TcpClosed)) Tcp.Abort(c.Key);
        Detach(index);
        Free(index);
    }

    /// <summary>Shutdown, close, abort or options. Closing (or configuring) what is gone already is fine.</summary>
    public void Command(ConnectionCommand command)
    {
        if (TryResolve(command.Connection, out int index))
        {
            ref var c = ref _connections[index];
            switch (command.Kind)
            {
                case ConnectionCommandKind.ShutdownOutput:
                    FailWrite(ref c, HostFailure.Socket, SocketError.Shutdown);
                    if (!c.Has(HostConnectionFlags.TcpClosed | HostConnectionFlags.OutputShut)) Tcp.Close(c.Key);
                    c.Flags |= HostConnectionFlags.OutputShut;
                    break;
                case ConnectionCommandKind.Close:
                    Release(index, abort: HasUnread(index));
                    break;
                case ConnectionCommandKind.Configure:
                    if (!c.Has(HostConnectionFlags.TcpClosed))
                        Tcp.Configure(c.Key, _connectionOptions with { Nagle = !command.NoDelay, KeepAlive = command.KeepAlive }, Now);
                    break;
                default:
                    Release(index, abort: true);
                    break;
            }
        }
        command.Complete();
    }

    /// <summary>The TCP layer's snapshot of the connection (<see cref="TcpEndpoint.GetInfo"/>); <c>NotConnected</c> once TCP let go of it.</summary>
    public void ReadTcpInfo(TcpInfoOperation operation)
    {
        if (!TryResolve(operation.Connection, out int index))
        {
            operation.Complete(Gone);
            return;
        }
        ref var c = ref _connections[index];
        if (c.Has(HostConnectionFlags.TcpClosed) || Tcp.GetInfo(c.Key, out operation.Result) != TcpStatus.Ok)
        {
            operation.Complete(HostFailure.Socket, SocketError.NotConnected);
            return;
        }
        operation.Complete();
    }

    /// <summary>
    /// The user is done with the connection: what waits on it fails, and TCP closes it (a FIN after the data written) or
    /// resets it — also when received data is left unread, which RFC 1122 §4.2.2.13 asks to signal with a RST.
    /// </summary>
    private void Release(int index, bool abort)
    {
        ref var c = ref _connections[index];
        c.Flags |= HostConnectionFlags.Released;
        FailRead(ref c, HostFailure.Socket, SocketError.OperationAborted);
        FailWrite(ref c, HostFailure.Socket, SocketError.OperationAborted);
        if (!c.Has(HostConnectionFlags.TcpClosed))
        {
            if (abort)
            {
                if (HasUnread(index)) _counters.ResetOnClose++;
                Tcp.Abort(c.Key);
                Detach(index);
            }
            else
            {
                // Nobody reads or writes it again: TCP finishes the close, and drops it after OrphanFinWait2Timeout in
                // FIN-WAIT-2 if the peer never sends its FIN (Linux's tcp_fin_timeout).
                Tcp.Orphan(c.Key, Now);
                c.Flags |= HostConnectionFlags.OutputShut;
            }
        }
        if (CanFree(c)) Free(index);
    }
}
