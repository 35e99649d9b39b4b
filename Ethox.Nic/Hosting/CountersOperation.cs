using System;

namespace Ethox.Nic.Hosting;

/// <summary>Copies every counter of the stack on the host's thread, where they are consistent.</summary>
internal sealed class CountersOperation : HostOperation<EthoxHostCounters>
{
    internal override void Run(HostCore core) => core.ReadCounters(this);
    internal override void Withdraw(HostCore core) { } // never waits
    protected override Exception CreateException() => HostErrors.ForSocket(this, nameof(EthoxHost));
}
