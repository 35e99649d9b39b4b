using System;

namespace Ethox.Nic.Hosting;

/// <summary>Shuts down, closes or aborts a connection; completes at once (the FIN or RST leaves with the next transmit).</summary>
internal sealed class ConnectionCommand : HostOperation<int>
{
    /// <summary>The connection.</summary>
    internal HostHandle Connection;
    /// <summary>What to do.</summary>
    internal ConnectionCommandKind Kind;

    internal override void Run(HostCore core) => core.Command(this);
    internal override void Withdraw(HostCore core) { } // never waits
    protected override Exception CreateException() => HostErrors.ForStream(this);
}
