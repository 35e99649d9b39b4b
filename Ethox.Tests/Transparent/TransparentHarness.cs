using System;
using System.Collections.Generic;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Layer.Udp;
using Ethox.Nic;
using Ethox.Tests.Layer;
using Ethox.Tests.Tcp;
using Ethox.Wire;

namespace Ethox.Tests.Transparent;

/// <summary>
/// The application of a transparent host, at the layer API: accepts (or refuses, or ignores) stray SYNs and echoes
/// what its connections receive; records UDP datagrams with their four-tuple, answers them in place or from their
/// original destination later, or refuses them.
/// </summary>
public sealed class TransparentApp
{
    private readonly byte[] _arena;
    private readonly int _ring;
    private readonly int[] _free;
    private readonly int[] _bufferOf;
    private int _freeCount;

    public TransparentApp(int capacity, int ring)
    {
        _ring = ring;
        _arena = new byte[capacity * 2 * ring];
        _free = new int[capacity];
        _bufferOf = new int[capacity];
        for (int i = 0; i < capacity; i++) _free[i] = i;
        _freeCount = capacity;
    }

    public TcpEndpoint Tcp = null!;
    /// <summary>What to do with a stray connection request: accept it, ignore it, or (neither) let the layer reset it.</summary>
    public bool AcceptStrays = true, IgnoreStrays;
    public readonly List<(FourTuple Tuple, bool Foreign, TcpFlags Flags)> Strays = [];
    public readonly List<(FourTuple Tuple, TcpOpenKind Kind)> Opens = [];
    public SlotKey LastKey;
    public long Echoed;
    public int Closed;

    public readonly List<(TransportAddress Source, TransportAddress Destination, byte[] Data, bool Foreign)> Datagrams = [];
    /// <summary>What to do with a datagram: echo it in place, refuse it with port unreachable, or only record it.</summary>
    public bool ReplyInPlace, RefuseDatagrams;
    /// <summary>A datagram to send at the next transmit turn from a pinned local end, and whether it went.</summary>
    public (TransportAddress Local, TransportAddress Remote, byte[] Data)? Pending;
    public bool? PendingSent;

    internal void OnStray(TcpStray stray)
    {
        Strays.Add((stray.Tuple, stray.IsForeign, stray.Flags));
        if (IgnoreStrays) { stray.Ignore(); return; }
        if (!AcceptStrays || !stray.IsConnectionRequest || _freeCount == 0) return;
        int buffer = _free[--_freeCount];
        var memory = _arena.AsMemory(buffer * 2 * _ring, 2 * _ring);
        if (stray.Accept(new TcpBuffers(memory[.._ring], memory[_ring..]), out var key) == TcpStatus.Ok)
        {
            _bufferOf[key.Index] = buffer;
            LastKey = key;
        }
        else _free[_freeCount++] = buffer;
    }

    internal void OnOpen(TcpOpen open) => Opens.Add((open.Tuple, open.Kind));

    internal void OnPacket(TcpInPacket packet)
    {
        var key = packet.Key;
        if (Tcp.Peek(key, out var first, out var second) == TcpStatus.Ok)
        {
            Tcp.Write(key, first, out int a);
            int b = 0;
            if (a == first.Length) Tcp.Write(key, second, out b);
            Tcp.Consume(key, a + b);
            Echoed += a + b;
        }
        if (packet.Has(TcpEvents.PeerClosed) && Tcp.GetInfo(key, out var info) == TcpStatus.Ok && info.Readable == 0) Tcp.Close(key);
        if (packet.Has(TcpEvents.Closed))
        {
            Closed++;
            _free[_freeCount++] = _bufferOf[key.Index];
        }
    }

    internal void OnDatagram(UdpPacket packet)
    {
        Datagrams.Add((packet.Source, packet.Destination, packet.Payload.ToArray(), packet.IsForeign));
        if (ReplyInPlace) packet.Reply(packet.Payload.Length);
        else if (RefuseDatagrams) packet.SendPortUnreachable();
    }

    internal void OnSend(UdpPacket packet)
    {
        if (Pending is not { } p) return;
        PendingSent = packet.TrySend(p.Local, p.Remote, p.Data);
        Pending = null;
    }
}

/// <summary>The value type the layers call; it forwards to a <see cref="TransparentApp"/>.</summary>
public readonly struct TransparentAppHandler(TransparentApp app)
    : IRecv<TcpOpen>, IRecv<TcpStray>, IRecv<TcpInPacket>, ISend<TcpSender>, IRecv<UdpPacket>, ISend<UdpPacket>
{
    public void Receive(TcpOpen packet) => app.OnOpen(packet);
    public void Receive(TcpStray packet) => app.OnStray(packet);
    public void Receive(TcpInPacket packet) => app.OnPacket(packet);
    public void Send(TcpSender sender) { }
    public void Receive(UdpPacket packet) => app.OnDatagram(packet);
    public void Send(UdpPacket packet) => app.OnSend(packet);
}

/// <summary>
/// A transparent host on the bare-IP medium (as on a TUN device): no address of its own, no route, TCP and UDP under a
/// mux, <see cref="IpEndpoint.AcceptAny"/> as the test sets it.
/// </summary>
public sealed class TransparentHost
{
    public readonly IpEndpoint Ip;
    public readonly TcpEndpoint Tcp;
    public readonly UdpEndpoint Udp = new();
    public readonly TransparentApp App;
    public IpLayer<TransportMux<TcpLayer<TransparentAppHandler>, UdpLayer<TransparentAppHandler>, NoTransport>> Stack;

    public TransparentHost(Instant start, IpFamilies acceptAny, int capacity = 16, int ring = 64 * 1024)
    {
        Ip = new IpEndpoint(null, 1500, 4, new RouteTable(4), null)
        {
            AcceptAny = acceptAny,
            PathMtu = new PathMtuTable(16, new SipHash(7, 3)),
        };
        Tcp = new TcpEndpoint(Ip, capacity, new SipHash(7, 4), start: start);
        App = new TransparentApp(capacity, ring) { Tcp = Tcp };
        var handler = new TransparentAppHandler(App);
        Stack = new(Ip, new(new(Tcp, handler), new(Udp, handler), default));
    }

    public int Poll(PipeEnd link, Instant now) => link.Receive(64, ref Stack, now) + link.Transmit(64, ref Stack, now);
}

/// <summary>A received IP packet taken apart: addresses, protocol, payload.</summary>
public sealed record SeenPacket(IpAddress Source, IpAddress Destination, IpProtocol Protocol, byte[] Payload)
{
    public static SeenPacket Parse(byte[] packet)
    {
        if (Ipv4Packet.TryParse(packet, out var v4, out _))
            return new SeenPacket(v4.Source, v4.Destination, v4.Protocol, v4.Payload.ToArray());
        if (Ipv6Packet.TryParse(packet, out var v6, out _) && v6.TryGetUpperLayer(out var upper, out _))
            return new SeenPacket(v6.Source, v6.Destination, upper.Protocol, v6.Payload[upper.Offset..].ToArray());
        throw new InvalidOperationException("not an IP packet");
    }

    /// <summary>The TCP segment it carries (its checksum checked against the addresses).</summary>
    public TcpRepr Tcp(out byte[] data)
    {
        var bytes = (byte[])Payload.Clone();
        if (Protocol != IpProtocol.Tcp || !TcpSegment.TryParse(bytes, out var view, out _) || !TcpRepr.TryParse(view, Source, Destination, out var repr, out _))
            throw new InvalidOperationException($"not a valid TCP segment: {this}");
        data = view.Payload.ToArray();
        return repr;
    }
}

/// <summary>The test's side of a bare-IP pipe: injects hand-made IP packets, collects and parses what the host sends.</summary>
public sealed class IpScript
{
    public static readonly Ipv4Address Client4 = new(198, 18, 0, 77);
    public static readonly Ipv6Address Client6 = Ipv6Address.Parse("2001:db8::77");
    public static readonly Ipv4Address Elsewhere4 = new(198, 18, 200, 5);
    public static readonly Ipv6Address Elsewhere6 = Ipv6Address.Parse("2001:db8:200::5");
    public const ushort ClientPort = 40_000;

    private readonly PipeEnd _hostLink;
    private readonly RawPeer _peer;
    public readonly TransparentHost Host;
    public Instant Now = Instant.FromMilliseconds(1000);

    public IpScript(IpFamilies acceptAny)
    {
        (_hostLink, var peerLink) = Pipe.CreatePair(64, 1500, Medium.Ip);
        _peer = new RawPeer(peerLink);
        Host = new TransparentHost(Now, acceptAny);
    }

    public static IpAddress ClientFor(IpAddress destination) => destination.IsV4 ? Client4 : Client6;

    /// <summary>Sends the bare IP packet, lets the host run, and returns what it sent.</summary>
    public List<SeenPacket> Inject(ReadOnlySpan<byte> packet)
    {
        _peer.Inject(packet, Now);
        return Poll();
    }

    public List<SeenPacket> Poll()
    {
        for (int i = 0; i < 8; i++) if (Host.Poll(_hostLink, Now) == 0) break;
        var seen = new List<SeenPacket>();
        foreach (var p in _peer.Drain(Now)) seen.Add(SeenPacket.Parse(p));
        return seen;
    }

    /// <summary>A TCP segment from <paramref name="source"/> to <paramref name="destination"/>, as a bare IP packet.</summary>
    public static byte[] Segment(IpAddress source, TransportAddress destination, TcpRepr repr, ReadOnlySpan<byte> data = default, ushort sourcePort = ClientPort)
    {
        repr = repr with { SourcePort = sourcePort, DestinationPort = destination.Port, PayloadLength = data.Length };
        var tcp = new byte[repr.HeaderLength + data.Length];
        data.CopyTo(tcp.AsSpan(repr.HeaderLength));
        repr.TryEmit(tcp, source, destination.Address);
        return Packet(source, destination.Address, IpProtocol.Tcp, tcp);
    }

    /// <summary>A UDP datagram as a bare IP packet.</summary>
    public static byte[] Datagram(TransportAddress source, TransportAddress destination, ReadOnlySpan<byte> data)
    {
        var udp = new byte[UdpDatagram.HeaderLength + data.Length];
        data.CopyTo(udp.AsSpan(UdpDatagram.HeaderLength));
        new UdpRepr(source.Port, destination.Port, data.Length).TryEmit(udp, source.Address, destination.Address);
        return Packet(source.Address, destination.Address, IpProtocol.Udp, udp);
    }

    public static byte[] Packet(IpAddress source, IpAddress destination, IpProtocol protocol, ReadOnlySpan<byte> payload)
        => (source.IsV4 ? RawPeer.Ipv4(source.V4, destination.V4, protocol, payload) : RawPeer.Ipv6(source.V6, destination.V6, protocol, payload))
            .AsSpan(14).ToArray();

    public static TcpRepr Syn(TcpSeqNumber seq) => new()
    {
        Flags = TcpFlags.Syn,
        SequenceNumber = seq,
        WindowSize = 65535,
        MaxSegmentSize = 1460,
        SackPermitted = true,
    };
}

/// <summary>
/// An ordinary Ethox TCP host on the bare-IP medium with one address of each family and no route (on a point-to-point
/// link everything goes down the tunnel): the client that connects to addresses a transparent host takes.
/// </summary>
public sealed class IpClient
{
    public readonly IpEndpoint Ip = new(null, 1500, 4, new RouteTable(4), null);
    public readonly TcpEndpoint Tcp;
    public readonly TcpApp App;
    public IpLayer<TransportMux<TcpLayer<TcpAppHandler>, NoTransport, NoTransport>> Stack;

    public IpClient(Instant start, int capacity = 8, int bufferSize = 64 * 1024)
    {
        Ip.AddAddress(IpScript.Client4, 24, start);
        Ip.AddAddress(IpScript.Client6, 64, start);
        Tcp = new TcpEndpoint(Ip, capacity, new SipHash(9, 4), start: start);
        App = new TcpApp(capacity, bufferSize) { Endpoint = Tcp };
        Stack = new(Ip, new(new(Tcp, new TcpAppHandler(App)), default, default));
    }

    public int Poll(PipeEnd link, Instant now) => link.Receive(64, ref Stack, now) + link.Transmit(64, ref Stack, now);
}
