namespace Ethox.Layer.Tcp;

/// <summary>A listening port (RFC 9293 LISTEN) with its backlog of half-open connections.</summary>
internal struct Listener
{
    public ushort Port;
    /// <summary>The most half-open (SYN-RECEIVED) connections it holds; beyond that, SYN cookies.</summary>
    public int Backlog;
    public int HalfOpen;
    /// <summary>Answer every SYN with a cookie, even with room in the backlog (tests, or a host under attack).</summary>
    public bool AlwaysCookies;
}
