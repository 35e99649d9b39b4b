namespace Ethox.Native;

/// <summary>The options of <c>ethox_setsockopt</c> / <c>ethox_getsockopt</c> (<c>ETHOX_OPT_*</c>).</summary>
public enum SocketOption
{
    /// <summary>1: Nagle's algorithm off; 0: on. On a connection at any time; on a listener, for the connections it accepts.</summary>
    NoDelay = 1,
    /// <summary>1: keep-alive probes; 0: none. On a connection at any time; on a listener, for the connections it accepts.</summary>
    KeepAlive = 2,
    /// <summary>The send ring in bytes (1 to the stack's <c>tcp_send_buffer</c>). On a listener only: a connection's rings are fixed once it exists.</summary>
    SendBuffer = 3,
    /// <summary>The receive ring in bytes (1 to the stack's <c>tcp_receive_buffer</c>). On a listener only.</summary>
    ReceiveBuffer = 4,
}
