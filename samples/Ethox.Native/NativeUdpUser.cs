using Ethox.Layer;
using Ethox.Layer.Udp;

namespace Ethox.Native;

/// <summary>The value type the UDP layer calls: received datagrams go to their socket's queue, queued ones go out.</summary>
internal readonly struct NativeUdpUser(NativeStack stack) : IRecv<UdpPacket>, ISend<UdpPacket>
{
    /// <summary>A datagram to a bound port.</summary>
    public void Receive(UdpPacket packet) => stack.OnDatagram(packet.Destination.Port, packet.Source, packet.Payload);

    /// <summary>A transmit buffer: the oldest datagram of <c>ethox_udp_send</c> goes into it.</summary>
    public void Send(UdpPacket packet) => stack.SendQueuedDatagram(packet);
}
