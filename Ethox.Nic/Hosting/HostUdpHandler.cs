using Ethox.Layer;
using Ethox.Layer.Udp;

namespace Ethox.Nic.Hosting;

/// <summary>The value type the UDP layer calls; it forwards to the host's state.</summary>
internal readonly struct HostUdpHandler(HostCore core) : IRecv<UdpPacket>, ISend<UdpPacket>
{
    /// <summary>A datagram to a bound port.</summary>
    public void Receive(UdpPacket packet) => core.OnDatagram(packet);
    /// <summary>A transmit buffer: the oldest datagram waiting goes out in it.</summary>
    public void Send(UdpPacket packet) => core.OnUdpTransmit(packet);
}
