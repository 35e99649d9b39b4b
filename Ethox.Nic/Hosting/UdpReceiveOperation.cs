using System;
using System.Net.Sockets;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using Ethox.Layer;

namespace Ethox.Nic.Hosting;

/// <summary>
/// Receives one datagram into <see cref="Buffer"/> (cut to its length); waits when none is queued. Awaited as an
/// <see cref="EthoxUdpReceiveResult"/> (sender and destination), or through <see cref="ReceiveFromTask"/> as the
/// <see cref="SocketReceiveFromResult"/> of <c>ReceiveFromAsync</c>: one request object serves both calls.
/// </summary>
internal sealed class UdpReceiveOperation : HostOperation<EthoxUdpReceiveResult>, IValueTaskSource<SocketReceiveFromResult>
{
    /// <summary>The socket.</summary>
    internal HostHandle Socket;
    /// <summary>The caller's memory, written by the host's thread until the receive completes.</summary>
    internal Memory<byte> Buffer;
    /// <summary>True when the caller wants the destination too (<see cref="EthoxUdpReceiveResult.LocalEndPoint"/>).</summary>
    internal bool WantsDestination;
    /// <summary>Bytes written into <see cref="Buffer"/> (host's thread).</summary>
    internal int Received;
    /// <summary>Who sent the datagram, and where to (host's thread).</summary>
    internal TransportAddress From, To;

    /// <summary>The awaitable of the current use as <c>ReceiveFromAsync</c> returns it.</summary>
    internal ValueTask<SocketReceiveFromResult> ReceiveFromTask => new(this, Version);

    internal override void Run(HostCore core) => core.ReceiveUdp(this);
    internal override void Withdraw(HostCore core) => core.WithdrawUdpReceive(this);

    protected override void BuildResult() => Result = new EthoxUdpReceiveResult
    {
        ReceivedBytes = Received,
        RemoteEndPoint = Endpoints.From(From),
        LocalEndPoint = WantsDestination ? Endpoints.From(To) : null!,
    };

    protected override Exception CreateException() => HostErrors.ForSocket(this, nameof(EthoxUdpSocket));

    SocketReceiveFromResult IValueTaskSource<SocketReceiveFromResult>.GetResult(short token)
    {
        var result = GetResult(token);
        return new SocketReceiveFromResult { ReceivedBytes = result.ReceivedBytes, RemoteEndPoint = result.RemoteEndPoint };
    }
}
