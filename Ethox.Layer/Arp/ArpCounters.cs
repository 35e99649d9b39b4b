using Ethox.Layer.Common;

namespace Ethox.Layer.Arp;

/// <summary>ARP counters (RFC 826, RFC 5227), read through <see cref="Ip.IpEndpoint.ArpCounters"/>.</summary>
public struct ArpCounters
{
    /// <summary>ARP packets received.</summary>
    public long PacketsIn;
    /// <summary>Malformed or unsupported (not Ethernet/IPv4) packets, by kind.</summary>
    public WireErrorCounts Errors;
    /// <summary>Requests for one of our addresses, answered.</summary>
    public long RepliesSent;
    /// <summary>Requests and probes we sent to resolve or revalidate a neighbour.</summary>
    public long RequestsSent;
    /// <summary>Gratuitous announcements of our addresses.</summary>
    public long Announcements;
    /// <summary>Another station claimed one of our addresses (RFC 5227 §2.4).</summary>
    public long Conflicts;
    /// <summary>Requests and replies about other hosts (seen, cache refreshed if known, not answered).</summary>
    public long NotForUs;
}
