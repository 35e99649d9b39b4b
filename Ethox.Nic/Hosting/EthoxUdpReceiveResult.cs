using System.Net;

namespace Ethox.Nic.Hosting;

/// <summary>
/// A datagram received by <see cref="EthoxUdpSocket.ReceiveMessageFromAsync"/>: how many bytes were written, who sent it,
/// and the address and port it was sent to — on a transparent socket (<see cref="EthoxHost.BindAnyUdpAsync"/>) the original
/// destination, which is what an answer must come from (<see cref="EthoxUdpSocket.SendToAsync(IPEndPoint, IPEndPoint, System.ReadOnlyMemory{byte}, System.Threading.CancellationToken)"/>).
/// </summary>
public readonly struct EthoxUdpReceiveResult
{
    /// <summary>Bytes written into the buffer (the datagram cut to the buffer's length).</summary>
    public int ReceivedBytes { get; init; }
    /// <summary>The sender.</summary>
    public IPEndPoint RemoteEndPoint { get; init; }
    /// <summary>The address and port the datagram was sent to.</summary>
    public IPEndPoint LocalEndPoint { get; init; }
}
