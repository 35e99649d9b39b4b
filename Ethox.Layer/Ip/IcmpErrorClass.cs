namespace Ethox.Layer.Ip;

/// <summary>What an ICMP or ICMPv6 error about one of our datagrams says, across both families.</summary>
public enum IcmpErrorClass : byte
{
    /// <summary>Destination Unreachable other than "fragmentation needed" (RFC 792, RFC 4443 §3.1).</summary>
    Unreachable,
    /// <summary>
    /// IPv4 Destination Unreachable "fragmentation needed and DF set" (RFC 1191 §4) or ICMPv6 Packet Too Big
    /// (RFC 4443 §3.2, RFC 8201 §4): the path carries smaller packets, see <see cref="IcmpTransportError.NextHopMtu"/>.
    /// </summary>
    PacketTooBig,
    /// <summary>Time Exceeded: hop limit in transit, or fragment reassembly (RFC 792, RFC 4443 §3.3).</summary>
    TimeExceeded,
    /// <summary>Parameter Problem (RFC 792, RFC 4443 §3.4).</summary>
    ParameterProblem,
    /// <summary>
    /// IPv4 Source Quench (RFC 792), deprecated: RFC 6633 §2 has the IP layer discard it, and Ethox's does, so no
    /// error of this class is ever delivered. The value completes the list of ICMPv4 messages that quote a datagram.
    /// </summary>
    SourceQuench,
}
