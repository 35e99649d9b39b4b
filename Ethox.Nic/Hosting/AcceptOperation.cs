using System;

namespace Ethox.Nic.Hosting;

/// <summary>Takes the next established connection of a listener; waits for one when none is queued.</summary>
internal sealed class AcceptOperation(EthoxHost host) : HostOperation<EthoxStream>
{
    /// <summary>The listener.</summary>
    internal HostHandle Listener;
    /// <summary>The connection taken (host's thread).</summary>
    internal OpenedConnection Opened;

    internal override void Run(HostCore core) => core.Accept(this);
    internal override void Withdraw(HostCore core) => core.WithdrawAccept(this);
    protected override void BuildResult() => Result = new EthoxStream(host, Opened);
    protected override Exception CreateException() => HostErrors.ForSocket(this, nameof(EthoxListener));
}
