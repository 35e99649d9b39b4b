using System;

namespace Ethox.Nic.Hosting;

/// <summary>Unbinds a UDP socket: waiting receives and sends fail, queued datagrams are dropped.</summary>
internal sealed class UdpCloseOperation : HostOperation<int>
{
    /// <summary>The socket.</summary>
    internal HostHandle Socket;

    internal override void Run(HostCore core) => core.CloseUdp(this);
    internal override void Withdraw(HostCore core) { } // never waits
    protected override Exception CreateException() => HostErrors.ForSocket(this, nameof(EthoxUdpSocket));
}
