namespace Ethox.Tunnel;

/// <summary>What the tunnel did, besides the layers' own counters.</summary>
internal struct TunnelCounters
{
    /// <summary>Connections accepted (a relay and a socket to the server given).</summary>
    public long Accepted;
    /// <summary>Connection requests refused with a RST: outside <c>--accept</c>, or every relay in use.</summary>
    public long Refused;
    /// <summary>Connections reset because the server could not be reached or reset its side.</summary>
    public long ServerFailures;
    /// <summary>Connections the client reset or that timed out; the server's side was reset too.</summary>
    public long ClientResets;
    /// <summary>Connections that ended cleanly.</summary>
    public long Closed;
    /// <summary>Bytes relayed from clients to the server, and from the server to clients.</summary>
    public long BytesToServer, BytesToClients;
}
