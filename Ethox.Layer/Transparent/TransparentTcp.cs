using Ethox.Layer.Tcp;

namespace Ethox.Layer.Transparent;

/// <summary>The TCP layer's user inside a <see cref="TransparentStack{THandler}"/>: hands every event to the stack.</summary>
internal readonly struct TransparentTcp<THandler>(TransparentStack<THandler> stack) : IRecv<TcpOpen>, IRecv<TcpStray>, IRecv<TcpInPacket>, ISend<TcpSender>
    where THandler : ITransparentHandler
{
    public void Receive(TcpOpen packet) => stack.OnOpen(packet);
    public void Receive(TcpStray packet) => stack.OnStray(packet);
    public void Receive(TcpInPacket packet) => stack.OnEvents(packet.Key, packet.Events);
    public void Send(TcpSender sender) { } // the stack's own sends go through TrySend, outside the layers' turn
}
