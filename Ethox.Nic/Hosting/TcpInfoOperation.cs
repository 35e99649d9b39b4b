using System;
using Ethox.Layer.Tcp;

namespace Ethox.Nic.Hosting;

/// <summary>Reads the TCP layer's snapshot of a connection on the host's thread (<see cref="EthoxStream.GetTcpInfoAsync"/>).</summary>
internal sealed class TcpInfoOperation : HostOperation<TcpConnectionInfo>
{
    /// <summary>The connection.</summary>
    internal HostHandle Connection;

    internal override void Run(HostCore core) => core.ReadTcpInfo(this);
    internal override void Withdraw(HostCore core) { } // never waits
    protected override Exception CreateException() => HostErrors.ForStream(this);
}
