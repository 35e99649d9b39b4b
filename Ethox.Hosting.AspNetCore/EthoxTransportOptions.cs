namespace Ethox.Hosting.AspNetCore;

/// <summary>How <see cref="EthoxConnectionListenerFactory"/> listens.</summary>
public sealed class EthoxTransportOptions
{
    /// <summary>
    /// Connections half-open or established and not yet taken by Kestrel, per listening port; beyond it a SYN goes
    /// unanswered and the client tries again, as with a full Linux accept queue. The host's
    /// <see cref="Ethox.Nic.Hosting.EthoxHostOptions.MaxConnections"/> bounds all connections together.
    /// </summary>
    public int Backlog { get; set; } = 512;
}
