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
    /// <summary>
    /// A TCP super-segment for a device that cuts it into segments (TSO, <see cref="DeviceOffloads.TransmitSegmentation"/>):
    /// it may be larger than the path MTU, up to <see cref="IpPacket.MaxSegmentedPayload"/>. Give the size of each segment's
    /// data with <see cref="IpPacket.TryOffloadSegmentation"/> before sending. Ignored where the device cannot.
    /// </summary>
    Segmented = 2,
}
