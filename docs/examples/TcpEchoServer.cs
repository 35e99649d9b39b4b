using System;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Wire;

namespace Ethox.Examples;

/// <summary>
/// An RFC 862 echo server on Ethox TCP: every byte a client sends comes back. The rings of all connections
/// are carved out of one array at start-up; nothing is allocated per connection or per segment.
/// </summary>
public sealed class TcpEchoServer
{
    private readonly byte[] _arena;
    private readonly int _ringBytes;
    private readonly int[] _freeBuffers;
    private readonly int[] _bufferOfSlot;
    private int _freeCount;

    public TcpEchoServer(int capacity, int ringBytes)
    {
        _ringBytes = ringBytes;
        _arena = new byte[capacity * 2 * ringBytes];
        _freeBuffers = new int[capacity];
        _bufferOfSlot = new int[capacity];
        for (int i = 0; i < capacity; i++) _freeBuffers[i] = i;
        _freeCount = capacity;
    }

    public long Echoed { get; private set; }

    /// <summary>A client knocks on the listening port: accept it with a pair of rings, or refuse (RST) when none is free.</summary>
    public void OnOpen(TcpOpen open)
    {
        if (open.Kind == TcpOpenKind.Connected) return; // the server opens no connections itself
        if (_freeCount == 0)
        {
            open.Refuse();
            return;
        }
        int buffer = _freeBuffers[--_freeCount];
        var memory = _arena.AsMemory(buffer * 2 * _ringBytes, 2 * _ringBytes);
        if (open.Accept(new TcpBuffers(memory[.._ringBytes], memory[_ringBytes..]), out var key) == TcpStatus.Ok)
            _bufferOfSlot[key.Index] = buffer;
        else
            _freeBuffers[_freeCount++] = buffer;
    }

    /// <summary>Something of a connection changed: echo what arrived (as much as the send ring takes), close when the client did.</summary>
    public void OnPacket(TcpInPacket packet)
    {
        var tcp = packet.Endpoint;
        var key = packet.Key;
        if (tcp.Peek(key, out var first, out var second) == TcpStatus.Ok)
        {
            // Copy from the receive ring straight into the send ring; what does not fit waits for the Writable event.
            tcp.Write(key, first, out int a);
            int b = 0;
            if (a == first.Length) tcp.Write(key, second, out b);
            tcp.Consume(key, a + b);
            Echoed += a + b;
        }
        if (packet.Has(TcpEvents.PeerClosed) && tcp.GetInfo(key, out var info) == TcpStatus.Ok && info.Readable == 0)
            tcp.Close(key); // our FIN follows the echoed bytes
        if (packet.Has(TcpEvents.Closed))
            _freeBuffers[_freeCount++] = _bufferOfSlot[key.Index];
    }
}

/// <summary>The value type the stack calls (generic, so the JIT inlines through it); it forwards to the server.</summary>
public readonly struct TcpEchoHandler(TcpEchoServer server) : IRecv<TcpOpen>, IRecv<TcpStray>, IRecv<TcpInPacket>, ISend<TcpSender>
{
    public void Receive(TcpOpen packet) => server.OnOpen(packet);
    public void Receive(TcpStray packet) { } // no connection: the stack answers with a RST
    public void Receive(TcpInPacket packet) => server.OnPacket(packet);
    public void Send(TcpSender sender) { }    // nothing of our own to send
}

/// <summary>One host: Ethernet, IPv4 and IPv6, TCP beside empty UDP and ICMP slots, the echo server on port 7.</summary>
public sealed class TcpEchoHost
{
    public readonly TcpEchoServer Server;
    public readonly TcpEndpoint Tcp;
    public EthernetLayer<IpLayer<TransportMux<TcpLayer<TcpEchoHandler>, NoTransport, NoTransport>>> Stack;

    public TcpEchoHost(EthernetAddress mac, Ipv4Address address, Instant now, int connections = 64, int ringBytes = 64 * 1024)
    {
        var ethernet = new EthernetEndpoint(mac);
        var ip = new IpEndpoint(ethernet, 1500, 8, new RouteTable(16), new NeighborCache(64, SipHash.WithRandomKey()))
        {
            Hold = new HoldQueue(new byte[16 * 1514], 1514),
            PathMtu = new PathMtuTable(64, SipHash.WithRandomKey()),
        };
        ip.AddAddress(address, 24, now);
        Tcp = new TcpEndpoint(ip, connections, SipHash.WithRandomKey(), start: now);
        Tcp.Listen(7);
        Server = new TcpEchoServer(connections, ringBytes);
        Stack = new(ethernet, new(ip, new(new(Tcp, new TcpEchoHandler(Server)), default, default)));
    }

    /// <summary>One turn of the loop: frames in (answered in place), then what is due out. Sleep until <c>Stack.NextDeadline()</c> after.</summary>
    public int Poll<TDevice>(ref TDevice device, Instant now) where TDevice : IDevice
        => device.Receive(64, ref Stack, now) + device.Transmit(64, ref Stack, now);
}
