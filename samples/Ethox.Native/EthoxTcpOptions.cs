using System.Runtime.InteropServices;

namespace Ethox.Native;

/// <summary><c>ethox_tcp_options</c>: the options of a connection being opened (<c>ethox_tcp_connect</c>); NULL for the defaults.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct EthoxTcpOptions
{
    /// <summary>1: Nagle's algorithm off (RFC 896), small segments leave at once; 0: on (the default).</summary>
    public uint NoDelay;
    /// <summary>1: keep-alive probes on an idle connection (RFC 1122 §4.2.3.6); 0: off (the default).</summary>
    public uint KeepAlive;
    /// <summary>The send ring in bytes, at most the stack's <c>tcp_send_buffer</c>; 0 for that.</summary>
    public uint SendBuffer;
    /// <summary>The receive ring (the largest window) in bytes, at most the stack's <c>tcp_receive_buffer</c>; 0 for that.</summary>
    public uint ReceiveBuffer;
}
