using System;

namespace Ethox.Nic.Hosting;

/// <summary>Stops a listener: waiting accepts fail, connections not yet accepted are reset.</summary>
internal sealed class StopListeningOperation : HostOperation<int>
{
    /// <summary>The listener.</summary>
    internal HostHandle Listener;

    internal override void Run(HostCore core) => core.StopListening(this);
    internal override void Withdraw(HostCore core) { } // never waits
    protected override Exception CreateException() => HostErrors.ForSocket(this, nameof(EthoxListener));
}
