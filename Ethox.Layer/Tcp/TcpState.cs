namespace Ethox.Layer.Tcp;

/// <summary>The connection states of RFC 9293 §3.3.2 (LISTEN lives in the listener table, not in a slot).</summary>
public enum TcpState : byte
{
    /// <summary>No connection (a freed slot).</summary>
    Closed,
    /// <summary>Our SYN is out, waiting for the peer's SYN.</summary>
    SynSent,
    /// <summary>Both SYNs seen, waiting for the ACK of ours.</summary>
    SynReceived,
    /// <summary>Open: data flows both ways.</summary>
    Established,
    /// <summary>We closed; our FIN is not yet acknowledged.</summary>
    FinWait1,
    /// <summary>Our FIN is acknowledged; waiting for the peer's.</summary>
    FinWait2,
    /// <summary>The peer closed; we may still send.</summary>
    CloseWait,
    /// <summary>Both closed at once; waiting for the ACK of our FIN.</summary>
    Closing,
    /// <summary>The peer closed first, then we did; waiting for the ACK of our FIN.</summary>
    LastAck,
    /// <summary>Both FINs acknowledged; the tuple is held for 2·MSL (RFC 9293 §3.6.1).</summary>
    TimeWait,
}

/// <summary>What happened to a connection, handed to the user with <see cref="TcpInPacket"/>.</summary>
[System.Flags]
public enum TcpEvents : byte
{
    /// <summary>Nothing the user must act on.</summary>
    None = 0,
    /// <summary>The handshake completed (ESTABLISHED).</summary>
    Connected = 1,
    /// <summary>New bytes can be read.</summary>
    Readable = 2,
    /// <summary>Room was freed in the send ring (data was acknowledged).</summary>
    Writable = 4,
    /// <summary>The peer sent FIN: no more data will arrive (reads drain what is left).</summary>
    PeerClosed = 8,
    /// <summary>The connection was reset (by the peer, or refused).</summary>
    Reset = 16,
    /// <summary>The connection gave up: retransmissions or keep-alive probes went unanswered, or an ICMP error ended the attempt.</summary>
    TimedOut = 32,
    /// <summary>The connection is over for the user: its key is no longer valid after this call and its buffers are the user's again.</summary>
    Closed = 64,
    /// <summary>
    /// An ICMP error ended the handshake: a hard one (RFC 1122 §4.2.3.9: protocol or port unreachable, administratively
    /// prohibited), or a soft one with <see cref="TcpEndpoint.AbortOpeningOnSoftErrors"/>; <see cref="TcpInPacket.IcmpError"/> says which.
    /// </summary>
    Unreachable = 128,
}

/// <summary>The result of a call on the <see cref="TcpEndpoint"/>: API misuse is a status, never an exception.</summary>
public enum TcpStatus : byte
{
    /// <summary>Done.</summary>
    Ok,
    /// <summary>The key names no live connection (closed, freed, or never issued): it is never aliased to a newer one.</summary>
    StaleKey,
    /// <summary>The connection is not in a state that allows this (e.g. writing after close).</summary>
    InvalidState,
    /// <summary>Every slot is in use.</summary>
    NoSlot,
    /// <summary>No route or source address for the destination.</summary>
    NoRoute,
    /// <summary>The port or four-tuple is taken, or the listener table is full.</summary>
    InUse,
    /// <summary>An argument is out of range (an empty buffer, port 0 where one is needed, mixed address families).</summary>
    InvalidArgument,
    /// <summary>
    /// The rings given would make one group too many: rings of one size pair carved from one array form one group, and the
    /// endpoint holds a fixed number of groups in use at once (<see cref="TcpEndpoint"/>'s <c>bufferRegions</c>).
    /// </summary>
    NoBufferRegion,
}
