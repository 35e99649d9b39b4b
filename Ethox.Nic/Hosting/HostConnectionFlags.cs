using System;

namespace Ethox.Nic.Hosting;

/// <summary>Where a connection entry of the host stands.</summary>
[Flags]
internal enum HostConnectionFlags : ushort
{
    None = 0,
    /// <summary>The entry (and its rings) is taken.</summary>
    InUse = 1 << 0,
    /// <summary>Accepted from a SYN on a listening port, handshake not complete: counts against the listener's backlog.</summary>
    HalfOpen = 1 << 1,
    /// <summary>The handshake completed.</summary>
    Established = 1 << 2,
    /// <summary>In its listener's accept queue.</summary>
    Queued = 1 << 3,
    /// <summary>Handed to the user (a stream exists).</summary>
    Owned = 1 << 4,
    /// <summary>The user closed or aborted it: nobody reads or writes any more.</summary>
    Released = 1 << 5,
    /// <summary>The peer's FIN arrived.</summary>
    PeerClosed = 1 << 6,
    /// <summary>TCP is done with it (closed, reset, timed out): its key is stale, unread bytes (if any) are in the leftover.</summary>
    TcpClosed = 1 << 7,
    /// <summary>Our FIN is queued (half-close or close).</summary>
    OutputShut = 1 << 8,
}
