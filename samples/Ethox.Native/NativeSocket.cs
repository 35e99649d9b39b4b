using System;
using Ethox.Layer.Tcp;

namespace Ethox.Native;

/// <summary>What a socket-table slot holds.</summary>
internal enum SocketKind : byte
{
    /// <summary>Nothing: the slot is in its kind's free pool.</summary>
    Free,
    /// <summary>A TCP connection (accepted, opened, or closing in the background after <c>ethox_close</c>).</summary>
    Connection,
    /// <summary>A listening TCP port with its accept queue.</summary>
    Listener,
    /// <summary>A bound UDP port with its receive queue.</summary>
    Udp,
}

/// <summary>The state bits of a socket.</summary>
[Flags]
internal enum SocketFlags : ushort
{
    None = 0,
    /// <summary>The caller holds a handle to it (cleared by <c>ethox_close</c>: the handle is stale from then on).</summary>
    Open = 1,
    /// <summary>A connection of a listener, half-open or not yet taken by <c>ethox_tcp_accept</c>.</summary>
    Unaccepted = 2,
    /// <summary>In its listener's accept queue (established, waiting for <c>ethox_tcp_accept</c>).</summary>
    InAcceptQueue = 4,
    /// <summary>In the ready queue of <c>ethox_ready</c>.</summary>
    InReady = 8,
    /// <summary>The handshake completed.</summary>
    Connected = 16,
    /// <summary>The peer's FIN arrived.</summary>
    PeerClosed = 32,
    /// <summary>Our side is shut down (<c>ethox_tcp_shutdown</c> or <c>ethox_close</c>): no more writes.</summary>
    Shutdown = 64,
    /// <summary>The TCP connection is over: its slot is gone, what was left unread is in the residual ranges.</summary>
    Done = 128,
    /// <summary>Nagle's algorithm off.</summary>
    NoDelay = 256,
    /// <summary>Keep-alive probes on.</summary>
    KeepAlive = 512,
}

/// <summary>
/// One slot of the socket table. A connection owns the buffer pair of its index from accept or connect until both the
/// caller closed its handle and TCP said Closed; a listener or UDP socket until the caller closes it.
/// </summary>
internal struct NativeSocket
{
    /// <summary>Moves on (24 bits, never 0) whenever a handle to the slot goes stale.</summary>
    public uint Generation;
    public SocketKind Kind;
    public SocketFlags Flags;
    /// <summary>How a connection failed (Reset, TimedOut, Refused, Unreachable); Ok while it did not.</summary>
    public EthoxStatus Error;
    /// <summary>The live TCP connection, <see cref="SlotKey.None"/> once TCP is done with it.</summary>
    public SlotKey Tcp;
    /// <summary>A connection's addresses and ports, kept after TCP is done with it.</summary>
    public FourTuple Tuple;
    /// <summary>A listener's or UDP socket's local port.</summary>
    public ushort Port;
    /// <summary>An unaccepted connection's listener; a listener's first queued connection (-1 for none).</summary>
    public int Owner;
    /// <summary>Links of a connection in its listener's accept queue; a listener's last queued connection in <see cref="Previous"/>.</summary>
    public int Previous, Next;
    /// <summary>A listener's most unaccepted connections, and how many it has.</summary>
    public int Backlog, Unaccepted;
    /// <summary>Ring sizes: a connection's own, or those a listener gives the connections it accepts.</summary>
    public int SendSize, ReceiveSize;
    /// <summary>Bytes received and not read when TCP finished: up to two ranges of the receive ring (it may wrap).</summary>
    public int ResidualOffset, ResidualLength, ResidualOffset2, ResidualLength2;

    public readonly bool Has(SocketFlags f) => (Flags & f) != 0;
    public void Set(SocketFlags f) => Flags |= f;
    public void Clear(SocketFlags f) => Flags &= ~f;
}
