using System;
using System.Net.Sockets;
using Ethox.Layer;

namespace Ethox.Nic.Hosting;

/// <summary>Receives one datagram into <see cref="Buffer"/> (cut to its length); waits when none is queued.</summary>
internal sealed class UdpReceiveOperation : HostOperation<SocketReceiveFromResult>
{
    /// <summary>The socket.</summary>
    internal HostHandle Socket;
    /// <summary>The caller's memory, written by the host's thread until the receive completes.</summary>
    internal Memory<byte> Buffer;
    /// <summary>Bytes written into <see cref="Buffer"/> (host's thread).</summary>
    internal int Received;
    /// <summary>Who sent the datagram (host's thread).</summary>
    internal TransportAddress From;

    internal override void Run(HostCore core) => core.ReceiveUdp(this);
    internal override void Withdraw(HostCore core) => core.WithdrawUdpReceive(this);
    protected override void BuildResult() => Result = new SocketReceiveFromResult { ReceivedBytes = Received, RemoteEndPoint = Endpoints.From(From) };
    protected override Exception CreateException() => HostErrors.ForSocket(this, nameof(EthoxUdpSocket));
}
