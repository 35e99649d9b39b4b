using System;
using Ethox.Layer;

namespace Ethox.Nic.Hosting;

/// <summary>Sends one datagram: copied from <see cref="Data"/> straight into a transmit buffer when the UDP layer is lent one.</summary>
internal sealed class UdpSendOperation : HostOperation<int>
{
    /// <summary>The socket.</summary>
    internal HostHandle Socket;
    /// <summary>The destination.</summary>
    internal TransportAddress Remote;
    /// <summary>The source address and port when <see cref="Pinned"/>.</summary>
    internal TransportAddress Local;
    /// <summary>True when the datagram leaves from <see cref="Local"/> (an original destination in transparent mode); else from the socket's port and the address the route picks.</summary>
    internal bool Pinned;
    /// <summary>The payload.</summary>
    internal ReadOnlyMemory<byte> Data;

    internal override void Run(HostCore core) => core.SendUdp(this);
    internal override void Withdraw(HostCore core) => core.WithdrawUdpSend(this);
    protected override Exception CreateException() => HostErrors.ForSocket(this, nameof(EthoxUdpSocket));
}
