using Ethox.Layer;
using Ethox.Layer.Tcp;

namespace Ethox.Native;

/// <summary>The value type the TCP layer calls (generic, so the JIT inlines through it); it hands every event to the stack's socket table.</summary>
internal readonly struct NativeTcpUser(NativeStack stack) : IRecv<TcpOpen>, IRecv<TcpStray>, IRecv<TcpInPacket>, ISend<TcpSender>
{
    /// <summary>A connection attempt on a listening port, or our own connect completed.</summary>
    public void Receive(TcpOpen packet) => stack.OnOpen(packet);

    /// <summary>No connection and no listener: left undecided, so the layer answers with RST (RFC 9293 §3.10.7.1).</summary>
    public void Receive(TcpStray packet) { }

    /// <summary>Something happened to a connection.</summary>
    public void Receive(TcpInPacket packet) => stack.OnConnectionEvents(packet.Key, packet.Events, packet.IcmpError is { IsPortUnreachable: true });

    /// <summary>Nothing of our own to send: the caller's data is written into the rings by <c>ethox_tcp_write</c>.</summary>
    public void Send(TcpSender sender) { }
}
