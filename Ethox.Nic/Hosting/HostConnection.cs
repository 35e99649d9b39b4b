using System.Net.Sockets;
using Ethox.Layer.Tcp;

namespace Ethox.Nic.Hosting;

/// <summary>
/// The host's side of one TCP connection: its TCP key, where it stands, and the requests waiting on it. Entry i owns
/// the i-th pair of rings of the host's ring memory for its whole life, which outlasts the TCP connection when the
/// user still has to read what arrived before it ended (the leftover) or has not disposed its stream yet.
/// </summary>
internal struct HostConnection
{
    /// <summary>Moves on each time the entry is freed, so old handles go stale.</summary>
    public int Generation;
    /// <summary>The TCP connection, until <see cref="HostConnectionFlags.TcpClosed"/>.</summary>
    public SlotKey Key;
    /// <summary>Both ends.</summary>
    public FourTuple Tuple;
    public HostConnectionFlags Flags;
    /// <summary>Why the connection ended, when it did not end well (reset, timed out, unreachable).</summary>
    public SocketError Error;
    /// <summary>The listener it came through, or -1 for an active open.</summary>
    public int Listener;
    /// <summary>The next entry in the listener's accept queue, or -1.</summary>
    public int NextQueued;
    /// <summary>Bytes received before TCP let go of the connection and not yet read, at the start of the receive ring.</summary>
    public int LeftoverStart, LeftoverLength;
    public ConnectOperation? Connect;
    public ReadOperation? Read;
    public WriteOperation? Write;

    public readonly bool Has(HostConnectionFlags flags) => (Flags & flags) != 0;
}
