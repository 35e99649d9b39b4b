using Ethox.Layer.Udp;

namespace Ethox.Layer.Transparent;

/// <summary>The UDP layer's user inside a <see cref="TransparentStack{THandler}"/>: hands every datagram to the stack.</summary>
internal readonly struct TransparentUdp<THandler>(TransparentStack<THandler> stack) : IRecv<UdpPacket>, ISend<UdpPacket>
    where THandler : ITransparentHandler
{
    public void Receive(UdpPacket packet) => stack.OnDatagram(packet);
    public void Send(UdpPacket packet) { } // datagrams are written by TrySend into a buffer of their own
}
