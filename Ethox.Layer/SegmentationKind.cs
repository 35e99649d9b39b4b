namespace Ethox.Layer;

/// <summary>Whether a frame is a super-segment standing for several segments (GSO, TSO), and of which protocol (<see cref="PacketOffload.Segmentation"/>).</summary>
public enum SegmentationKind : byte
{
    /// <summary>An ordinary frame.</summary>
    None = 0,
    /// <summary>A TCP over IPv4 super-segment: IPv4 Total Length and the TCP payload cover all its segments.</summary>
    TcpV4 = 1,
    /// <summary>A TCP over IPv6 super-segment: IPv6 Payload Length and the TCP payload cover all its segments.</summary>
    TcpV6 = 2,
    /// <summary>A UDP super-datagram to split into datagrams (UDP GSO): the layers cannot take it whole, so the devices cut it into its datagrams before handing them over; never sent.</summary>
    Udp = 3,
}
