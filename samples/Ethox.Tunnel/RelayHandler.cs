using Ethox.Layer;
using Ethox.Layer.Tcp;

namespace Ethox.Tunnel;

/// <summary>The value type the TCP layer calls (generic, so the JIT inlines through it); it forwards to the tunnel.</summary>
internal readonly struct RelayHandler(TunnelRelay tunnel) : IRecv<TcpOpen>, IRecv<TcpStray>, IRecv<TcpInPacket>, ISend<TcpSender>
{
    public void Receive(TcpOpen packet) { }                       // nothing listens: every connection comes as a stray
    public void Receive(TcpStray packet) => tunnel.OnStray(packet);
    public void Receive(TcpInPacket packet) => tunnel.OnPacket(packet);
    public void Send(TcpSender sender) { }
}
