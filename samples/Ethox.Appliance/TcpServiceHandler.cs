using Ethox.Layer;
using Ethox.Layer.Tcp;

namespace Ethox.Appliance;

/// <summary>The value type the TCP layer calls (no virtual calls on the packet path); it forwards to <see cref="TcpServices"/>.</summary>
internal readonly struct TcpServiceHandler(TcpServices services) : IRecv<TcpOpen>, IRecv<TcpStray>, IRecv<TcpInPacket>, ISend<TcpSender>
{
    public void Receive(TcpOpen packet) => services.OnOpen(packet);

    // A segment for no connection and no listening port: the layer answers with RST (RFC 9293 §3.10.7.1).
    public void Receive(TcpStray packet) { }

    public void Receive(TcpInPacket packet) => services.OnEvents(packet);

    public void Send(TcpSender sender) => services.OnSend(sender);
}
