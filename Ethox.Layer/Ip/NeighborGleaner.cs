using System.Buffers.Binary;
using Ethox.Wire;

namespace Ethox.Layer.Ip;

/// <summary>
/// Before the stack sees a frame, records the sender of every IPv4/IPv6 packet sent to our Ethernet address from an
/// on-link address as a reachable neighbour. Used when the appliance runs several queues: the kernel's fanout (or
/// multi-queue TAP) hash gives every ARP frame to one and the same queue (ARP has no ports or IP header to hash), and
/// the neighbour advertisements for a pair of addresses to one queue, so another queue that asks for the kernel's
/// address would never see the answer. The kernel resolved our address to send us this unicast frame, and its link
/// address is in it: it serves as the forward progress hint of RFC 4861 §7.3.1 and keeps each queue's cache its own.
/// <c>samples/Ethox.Appliance</c> (<c>--queues</c>) and <c>EthoxHostOptions.GleanNeighbors</c> put it in front of the
/// Ethernet layer.
/// </summary>
/// <typeparam name="TStack">The Ethernet stack the frames go on to.</typeparam>
/// <param name="stack">The Ethernet stack the frames go on to.</param>
/// <param name="ip">The IP endpoint whose neighbour cache learns the senders and whose addresses say what is on-link.</param>
/// <param name="ours">Our Ethernet address: only frames sent to it teach anything.</param>
public struct NeighborGleaner<TStack>(TStack stack, IpEndpoint ip, EthernetAddress ours) : IRecv<RawPacket>, ISend<RawPacket>, ITimed
    where TStack : IRecv<RawPacket>, ISend<RawPacket>, ITimed
{
    private const int EthernetHeader = 14;
    private const ushort Ipv4Type = 0x0800, Ipv6Type = 0x86DD;

    /// <summary>The Ethernet stack the frames go on to.</summary>
    public TStack Stack = stack;

    /// <summary>The stack's next deadline.</summary>
    public Instant NextDeadline() => Stack.NextDeadline();

    /// <summary>Lets the stack send; nothing is learnt from what we send.</summary>
    public void Send(RawPacket packet) => Stack.Send(packet);

    /// <summary>Learns the sender of the frame, if it teaches one, then hands the frame to the stack.</summary>
    public void Receive(RawPacket packet)
    {
        Glean(packet.Frame, packet.Timestamp);
        Stack.Receive(packet);
    }

    private readonly void Glean(System.ReadOnlySpan<byte> frame, Instant now)
    {
        // No VLAN tag: the appliance runs untagged (the kernel strips tags with receive VLAN offload).
        if (frame.Length < EthernetHeader + 40 || EthernetAddress.Read(frame) != ours) return;
        var ipHeader = frame[EthernetHeader..];
        IpAddress source;
        switch (BinaryPrimitives.ReadUInt16BigEndian(frame[12..]))
        {
            case Ipv4Type when ipHeader[0] >> 4 == 4: source = Ipv4Address.Read(ipHeader[12..]); break;
            case Ipv6Type when ipHeader[0] >> 4 == 6: source = Ipv6Address.Read(ipHeader[8..]); break;
            default: return;
        }
        if (source.IsUnspecified || source.IsMulticast || !OnLink(source)) return;
        ip.Neighbors!.Update(source, EthernetAddress.Read(frame[6..]), now, confirmed: true, createIfMissing: true);
    }

    private readonly bool OnLink(in IpAddress source)
    {
        foreach (ref readonly var a in ip.Addresses)
            if (a.Address != source && a.OnLink(source)) return true;
        return false;
    }
}
