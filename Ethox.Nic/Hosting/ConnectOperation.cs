using System;
using Ethox.Layer;

namespace Ethox.Nic.Hosting;

/// <summary>An active open to <see cref="Remote"/>; completes with the stream once the handshake does.</summary>
internal sealed class ConnectOperation(EthoxHost host) : HostOperation<EthoxStream>
{
    /// <summary>Where to connect.</summary>
    internal TransportAddress Remote;
    /// <summary>The connection entry while the handshake runs (host's thread).</summary>
    internal int Connection = -1;
    /// <summary>The connection, once open (host's thread).</summary>
    internal OpenedConnection Opened;

    internal override void Run(HostCore core) => core.Connect(this);
    internal override void Withdraw(HostCore core) => core.WithdrawConnect(this);
    protected override void BuildResult() => Result = new EthoxStream(host, Opened);
    protected override Exception CreateException() => HostErrors.ForSocket(this, nameof(EthoxHost));
}
