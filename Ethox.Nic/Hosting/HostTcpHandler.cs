using Ethox.Layer;
using Ethox.Layer.Tcp;

namespace Ethox.Nic.Hosting;

/// <summary>The value type the TCP layer calls (generic, so the JIT inlines through it); it forwards to the host's state.</summary>
internal readonly struct HostTcpHandler(HostCore core) : IRecv<TcpOpen>, IRecv<TcpStray>, IRecv<TcpInPacket>, ISend<TcpSender>
{
    /// <summary>A connection attempt on a listening port, or our active open completed.</summary>
    public void Receive(TcpOpen packet) => core.OnOpen(packet);
    /// <summary>No connection and no listener: taken for <c>AcceptAnyAsync</c> in transparent mode, else the stack answers with RST (RFC 9293 §3.10.7.1).</summary>
    public void Receive(TcpStray packet) => core.OnStray(packet);
    /// <summary>Something happened to a connection.</summary>
    public void Receive(TcpInPacket packet) => core.OnPacket(packet);
    /// <summary>Requests are taken at the start of each turn, not here.</summary>
    public void Send(TcpSender sender) { }
}
