namespace Ethox.Layer.Ip;

/// <summary>What the path MTU table did with the reports it was given, read through <see cref="PathMtuTable.Counters"/>.</summary>
public struct PathMtuCounters
{
    /// <summary>Reports that lowered a destination's path MTU.</summary>
    public long Lowered;
    /// <summary>
    /// Reports that changed nothing: not below the current path MTU (a report never raises it, RFC 1191 §3,
    /// RFC 8201 §4), an IPv6 MTU under 1280 (RFC 8201 §4: discarded), or an unusable destination.
    /// </summary>
    public long Ignored;
    /// <summary>IPv4 reports under <see cref="PathMtuTable.MinIpv4Mtu"/>, raised to it before use.</summary>
    public long Clamped;
    /// <summary>Live entries dropped to make room for a new destination (the one lowered longest ago went first).</summary>
    public long Evicted;
    /// <summary>Entries that aged out (RFC 1191 §6.3, RFC 8201 §4): the destination is back at the interface MTU.</summary>
    public long Expired;
}
