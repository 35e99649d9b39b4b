using Ethox.Layer.Common;

namespace Ethox.Layer.Ip;

/// <summary>IPv4/IPv6 counters of one interface, read without allocation through <see cref="IpEndpoint.Counters"/>.</summary>
public struct IpCounters
{
    /// <summary>Packets handed to the IP layer by the link.</summary>
    public long PacketsIn;
    /// <summary>Packets (and fragments) sent.</summary>
    public long PacketsOut;
    /// <summary>Datagrams handed to the layer above.</summary>
    public long Delivered;
    /// <summary>Headers that failed to parse or verify, by kind.</summary>
    public WireErrorCounts Errors;
    /// <summary>Addressed to someone else (a host does not forward, RFC 1122 §3.3.1).</summary>
    public long DroppedNotForUs;
    /// <summary>
    /// Packets to an address not ours taken in transparent mode (<see cref="IpEndpoint.AcceptAny"/>); each is then also
    /// delivered or counted as a drop.
    /// </summary>
    public long ForeignIn;
    /// <summary>Impossible source addresses: broadcast, multicast, our own (RFC 1122 §3.2.1.3).</summary>
    public long DroppedMartianSource;
    /// <summary>No protocol handler above (answered with protocol unreachable where allowed).</summary>
    public long DroppedUnknownProtocol;
    /// <summary>Routing header with segments left that a host cannot process (RFC 8200 §4.4).</summary>
    public long DroppedRoutingHeader;
    /// <summary>Nothing to send to: no route or no source address.</summary>
    public long DroppedNoRoute;
    /// <summary>Packets waiting for address resolution that gave up or found the hold queue full.</summary>
    public long DroppedUnresolved;
    /// <summary>Sends refused because the source address asked for is not one of our usable addresses (tentative, duplicate, gone).</summary>
    public long DroppedSourceUnusable;
    /// <summary>Too big for the path MTU or the buffer and not allowed (Don't Fragment) or not able to be fragmented.</summary>
    public long DroppedTooBig;
    /// <summary>Fragments received.</summary>
    public long FragmentsIn;
    /// <summary>Fragments dropped by the reassembler (overlap, timeout, table full, no reassembler).</summary>
    public long FragmentsDropped;
    /// <summary>Datagrams reassembled.</summary>
    public long Reassembled;
    /// <summary>Fragments sent.</summary>
    public long FragmentsOut;
    /// <summary>Packets parked while their next hop was resolved.</summary>
    public long Held;
}
