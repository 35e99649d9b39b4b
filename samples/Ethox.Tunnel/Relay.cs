using System.Net;
using System.Net.Sockets;
using Ethox.Layer.Tcp;

namespace Ethox.Tunnel;

/// <summary>
/// One relayed connection: the Ethox connection from the client (its key and the rings it owns for good) and the kernel
/// socket to the server, with where each direction stands. Made once at start-up with its rings and reused.
/// </summary>
internal sealed class Relay(int index, TcpBuffers buffers)
{
    /// <summary>Its place in the tunnel's pool.</summary>
    public int Index { get; } = index;
    /// <summary>The Ethox connection's two rings, carved from the tunnel's arena at start-up.</summary>
    public TcpBuffers Buffers { get; } = buffers;
    /// <summary>The Ethox connection, or none while the relay is free.</summary>
    public SlotKey Key;
    public FourTuple Tuple;
    public Socket? Socket;
    public int Fd;
    public IPEndPoint? Server;
    /// <summary>The socket's non-blocking connect is under way.</summary>
    public bool Connecting;
    /// <summary>The socket had nothing to read (wait for POLLIN) / could take no more (wait for POLLOUT).</summary>
    public bool WantRead, WantWrite;
    /// <summary>The client sent its FIN; once its bytes are all with the server, the socket's sending side is shut.</summary>
    public bool ClientClosed, ServerShutDown;
    /// <summary>The server closed its sending side: our FIN to the client follows its bytes.</summary>
    public bool ServerClosed;
    /// <summary>Bytes relayed toward the server and toward the client.</summary>
    public long ToServer, ToClient;
    /// <summary>What the last poll(2) reported for the socket.</summary>
    public short Revents;

    public bool InUse => Key != SlotKey.None;
}
