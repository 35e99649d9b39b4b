using Ethox.Layer;
using Ethox.Layer.Udp;

namespace Ethox.Appliance;

/// <summary>What the echo service did.</summary>
internal sealed class EchoCounters
{
    /// <summary>Datagrams sent back.</summary>
    public long Echoed;
    /// <summary>Payload bytes sent back.</summary>
    public long Bytes;
    /// <summary>Datagrams to a broadcast or multicast address, not answered (no amplification).</summary>
    public long IgnoredMulticast;
    /// <summary>Replies the stack could not send (no room, no route).</summary>
    public long Failed;
}

/// <summary>
/// The UDP echo service (RFC 862): every datagram to <c>port</c> goes back to its sender with the same
/// bytes, rewritten in place in the buffer it arrived in, so nothing is copied or allocated.
/// </summary>
internal readonly struct EchoService(ushort port, EchoCounters counters) : IRecv<UdpPacket>, ISend<UdpPacket>
{
    public void Receive(UdpPacket packet)
    {
        if (packet.Destination.Port != port) return;
        if (packet.IsMulticast)
        {
            counters.IgnoredMulticast++;
            return;
        }
        int length = packet.Payload.Length;
        if (packet.Reply(length))
        {
            counters.Echoed++;
            counters.Bytes += length;
        }
        else counters.Failed++;
    }

    // The service only answers; it never starts a datagram of its own.
    public void Send(UdpPacket packet) { }
}
