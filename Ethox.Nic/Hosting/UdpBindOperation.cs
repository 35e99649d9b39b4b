using System;

namespace Ethox.Nic.Hosting;

/// <summary>
/// Binds a UDP port (0: an ephemeral one), or the transparent socket that takes datagrams to foreign addresses, with a
/// receive queue in <see cref="Queue"/>; completes at once with the socket.
/// </summary>
internal sealed class UdpBindOperation(EthoxHost host) : HostOperation<EthoxUdpSocket>
{
    /// <summary>The port asked for; the port bound once completed (0 for the transparent socket).</summary>
    internal ushort Port;
    /// <summary>True for the transparent socket (<see cref="EthoxHost.BindAnyUdpAsync"/>).</summary>
    internal bool Transparent;
    /// <summary>Memory for datagrams that arrive while nobody receives (allocated by the caller).</summary>
    internal byte[] Queue = [];
    /// <summary>The socket's entry (host's thread).</summary>
    internal HostHandle Handle;

    internal override void Run(HostCore core) => core.BindUdp(this);
    internal override void Withdraw(HostCore core) { } // never waits
    protected override void BuildResult() => Result = new EthoxUdpSocket(host, Handle, Port, Transparent);
    protected override Exception CreateException() => HostErrors.ForSocket(this, nameof(EthoxHost));
}
