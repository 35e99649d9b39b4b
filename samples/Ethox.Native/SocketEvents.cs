using System;

namespace Ethox.Native;

/// <summary>The readiness of a socket (<c>ETHOX_EV_*</c>), from <c>ethox_socket_events</c> and in each <c>ethox_event</c>.</summary>
[Flags]
public enum SocketEvents : uint
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>A read or accept does not return <see cref="EthoxStatus.Again"/>: bytes, the end of the stream, an error, a connection to accept, a datagram.</summary>
    Readable = 1,
    /// <summary>A write takes at least one byte (an open connection with room in its send ring, a UDP send queue with room).</summary>
    Writable = 2,
    /// <summary>The peer sent FIN: once the bytes before it are read, reads return 0.</summary>
    PeerClosed = 4,
    /// <summary>The connection is over: closed both ways, reset, timed out or refused. Close the handle.</summary>
    Closed = 8,
    /// <summary>The connection failed (<c>ethox_socket_error</c> says how); reads and writes return that error.</summary>
    Error = 16,
    /// <summary>The handshake completed.</summary>
    Connected = 32,
}
