using System;

namespace Ethox.Nic.Hosting;

/// <summary>Shuts down, closes, aborts or configures a connection; completes at once (the FIN or RST leaves with the next transmit).</summary>
internal sealed class ConnectionCommand : HostOperation<int>
{
    /// <summary>The connection.</summary>
    internal HostHandle Connection;
    /// <summary>What to do.</summary>
    internal ConnectionCommandKind Kind;
    /// <summary>For <see cref="ConnectionCommandKind.Configure"/>: Nagle's algorithm off, keep-alive on.</summary>
    internal bool NoDelay, KeepAlive;

    internal override void Run(HostCore core) => core.Command(this);
    internal override void Withdraw(HostCore core) { } // never waits
    protected override Exception CreateException() => HostErrors.ForStream(this);
}
