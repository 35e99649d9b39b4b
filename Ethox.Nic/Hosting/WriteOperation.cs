using System;
using System.Buffers;

namespace Ethox.Nic.Hosting;

/// <summary>
/// A write to a connection: copies <see cref="Data"/> straight into the connection's send ring (the one copy), as much as
/// fits each time the ring frees room, and completes when all of it is in (not when it is acknowledged): a full ring
/// makes the writer wait.
/// </summary>
internal sealed class WriteOperation : HostOperation<int>
{
    /// <summary>The connection.</summary>
    internal HostHandle Connection;
    /// <summary>The caller's bytes (one buffer, or all the segments a pipe's send loop took), read by the host's thread until the write completes.</summary>
    internal ReadOnlySequence<byte> Data;
    /// <summary>Bytes of <see cref="Data"/> already in the ring (host's thread).</summary>
    internal long Done;

    internal override void Run(HostCore core) => core.Write(this);
    internal override void Withdraw(HostCore core) => core.WithdrawWrite(this);
    protected override Exception CreateException() => HostErrors.ForStream(this);
}
