namespace Ethox.Native;

/// <summary>
/// What a call of the C ABI returns when it did not succeed: a negative number, the same as the <c>ETHOX_E_*</c>
/// constants of ethox.h. Success is 0 or a non-negative result (a handle, a length, a deadline). Nothing ever throws
/// across the boundary: an unexpected failure inside is <see cref="Internal"/>.
/// </summary>
public enum EthoxStatus
{
    /// <summary>Done.</summary>
    Ok = 0,
    /// <summary>An argument is wrong: a null pointer, a negative length, an unknown option, a port 0 where one is needed, a bad configuration.</summary>
    InvalidArgument = -1,
    /// <summary>The stack or socket handle names nothing live here: closed, of another stack, of another kind, or never issued.</summary>
    BadHandle = -2,
    /// <summary>The call would have to wait: nothing to read or accept, no room to write or queue. Try again after the stack moved.</summary>
    Again = -3,
    /// <summary>A capacity fixed at creation is used up: stacks, sockets, connection buffers, listeners, UDP queues.</summary>
    NoSpace = -4,
    /// <summary>The port or the connection's four-tuple is taken.</summary>
    InUse = -5,
    /// <summary>The socket is not in a state that allows the call (writing after shutdown, accepting on a connection, a buffer size after connecting).</summary>
    InvalidState = -6,
    /// <summary>No route or no source address toward the destination.</summary>
    NoRoute = -7,
    /// <summary>The peer refused the connection (RST or ICMP port unreachable in answer to our SYN).</summary>
    Refused = -8,
    /// <summary>The connection was reset.</summary>
    Reset = -9,
    /// <summary>The connection gave up: retransmissions or keep-alive probes went unanswered.</summary>
    TimedOut = -10,
    /// <summary>An ICMP error (protocol unreachable, administratively prohibited) ended the connection attempt.</summary>
    Unreachable = -11,
    /// <summary>The time is negative or earlier than the time of an earlier call on this stack.</summary>
    TimeWentBack = -12,
    /// <summary>A frame buffer is smaller than <c>ethox_frame_capacity</c>, or a received frame is longer than its buffer.</summary>
    BufferTooSmall = -13,
    /// <summary>A UDP datagram larger than the stack can send (65,507 bytes over IPv4, 65,487 over IPv6, or the send queue).</summary>
    MessageTooLong = -14,
    /// <summary>Another thread is inside a call on this stack: a stack has one caller thread at a time.</summary>
    Busy = -15,
    /// <summary>An unexpected failure inside the library, caught at the boundary. The stack is unusable from then on: destroy it.</summary>
    Internal = -16,
}
