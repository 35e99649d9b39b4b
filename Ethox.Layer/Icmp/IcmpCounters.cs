using Ethox.Layer.Common;

namespace Ethox.Layer.Icmp;

/// <summary>ICMPv4 and ICMPv6 counters (RFC 792, RFC 4443), read through <see cref="Ip.IpEndpoint.IcmpCounters"/>.</summary>
public struct IcmpCounters
{
    /// <summary>ICMP messages received (NDISC included).</summary>
    public long MessagesIn;
    /// <summary>Malformed messages, by kind.</summary>
    public WireErrorCounts Errors;
    /// <summary>Echo requests answered.</summary>
    public long EchoRepliesSent;
    /// <summary>Echo requests to a broadcast address, ignored (RFC 1122 §3.2.2.6 allows it, Linux does it).</summary>
    public long EchoIgnored;
    /// <summary>Error messages received (unreachable, time exceeded, parameter problem, packet too big).</summary>
    public long ErrorsReceived;
    /// <summary>Error messages we sent.</summary>
    public long ErrorsSent;
    /// <summary>Errors not sent because of the rate limit.</summary>
    public long ErrorsRateLimited;
    /// <summary>Errors not sent because the rules forbid it (answering an error, a broadcast, a fragment…).</summary>
    public long ErrorsSuppressed;
    /// <summary>Types we do not act on (redirects, timestamps, information requests).</summary>
    public long Ignored;
}
