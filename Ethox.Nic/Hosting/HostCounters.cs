namespace Ethox.Nic.Hosting;

/// <summary>What the host's loop and its facade did, beside the layers' own counters. Plain longs, read by value.</summary>
public struct HostCounters
{
    /// <summary>Turns of the loop (receive batch, transmit batch).</summary>
    public long LoopTurns;
    /// <summary>Times the loop slept in poll(2).</summary>
    public long Sleeps;
    /// <summary>Requests taken from other threads.</summary>
    public long Requests;
    /// <summary>Requests withdrawn because their token fired or their timeout passed.</summary>
    public long Cancellations;
    /// <summary>Connections opened by <c>ConnectAsync</c> (handshake completed).</summary>
    public long Connected;
    /// <summary>Connections taken by <c>AcceptAsync</c>.</summary>
    public long Accepted;
    /// <summary>Connection attempts on a listening port dropped because its accept queue was full (the client retries).</summary>
    public long AcceptQueueFull;
    /// <summary>Connection attempts (incoming or outgoing) refused because every pair of rings was in use.</summary>
    public long NoRings;
    /// <summary>Connections reset when closed with received data unread, or when data arrived after the close (RFC 1122 §4.2.2.13).</summary>
    public long ResetOnClose;
    /// <summary>UDP datagrams dropped because the socket's receive queue was full.</summary>
    public long UdpQueueFull;
    /// <summary>UDP datagrams cut to the receiver's buffer.</summary>
    public long UdpTruncated;
    /// <summary>In transparent mode, UDP datagrams to foreign addresses dropped because no transparent socket was bound (<c>BindAnyUdpAsync</c>).</summary>
    public long UdpForeignUnclaimed;
}
