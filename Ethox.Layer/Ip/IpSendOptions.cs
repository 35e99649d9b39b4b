using System;

namespace Ethox.Layer.Ip;

/// <summary>How a datagram we originate or answer with is sent.</summary>
[Flags]
public enum IpSendOptions : byte
{
    /// <summary>As the IP layer sees fit: a datagram larger than the path MTU is fragmented when a <see cref="Fragmenter"/> is there.</summary>
    None = 0,
    /// <summary>
    /// Never fragmented by us or on the path: the IPv4 Don't Fragment bit is set (RFC 791 §3.1, RFC 1191 §3) and a
    /// datagram larger than the path MTU or the buffer is refused (counted in <see cref="IpCounters.DroppedTooBig"/>)
    /// instead of going to the fragmenter. For TCP, which sizes its segments to the path MTU itself.
    /// </summary>
    DontFragment = 1,
}
