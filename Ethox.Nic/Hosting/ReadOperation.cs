using System;

namespace Ethox.Nic.Hosting;

/// <summary>
/// A read of a connection: copies received bytes from the connection's ring straight into <see cref="Buffer"/> (the one
/// copy), as soon as there is at least one; 0 at the end of the stream. An empty buffer waits until there is
/// something to read and completes with 0 (the zero-byte read HttpClient uses on idle connections).
/// </summary>
internal sealed class ReadOperation : HostOperation<int>
{
    /// <summary>The connection.</summary>
    internal HostHandle Connection;
    /// <summary>The caller's memory, written by the host's thread until the read completes.</summary>
    internal Memory<byte> Buffer;

    internal override void Run(HostCore core) => core.Read(this);
    internal override void Withdraw(HostCore core) => core.WithdrawRead(this);
    protected override Exception CreateException() => HostErrors.ForStream(this);
}
