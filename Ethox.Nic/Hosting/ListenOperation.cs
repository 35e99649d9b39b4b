using System;

namespace Ethox.Nic.Hosting;

/// <summary>Listens on <see cref="Port"/>; completes at once with the listener.</summary>
internal sealed class ListenOperation(EthoxHost host) : HostOperation<EthoxListener>
{
    /// <summary>The port.</summary>
    internal ushort Port;
    /// <summary>Connections established and not yet accepted, plus those half-open, at most.</summary>
    internal int Backlog;
    /// <summary>The listener's entry (host's thread).</summary>
    internal HostHandle Handle;

    internal override void Run(HostCore core) => core.Listen(this);
    internal override void Withdraw(HostCore core) { } // never waits
    protected override void BuildResult() => Result = new EthoxListener(host, Handle, Port);
    protected override Exception CreateException() => HostErrors.ForSocket(this, nameof(EthoxHost));
}
