using System;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Layer.Udp;
using Ethox.Nic;
using Ethox.Wire;

namespace Ethox.Bench;

/// <summary>
/// An ICMP echo client as the layer above <see cref="IpLayer{TUpper}"/>: each transmit buffer it is lent
/// while <see cref="ToSend"/> is positive becomes an echo request (ICMPv4 or ICMPv6 after the target's
/// family); echo replies carrying its identifier are counted. A value type, so the JIT specialises the
/// whole Ethernet → IP → client path for it.
/// </summary>
public struct PingClient : IRecv<IpPacket>, ISend<IpPacket>, ITimed
{
    private readonly byte[] _data;

    /// <summary>A client pinging <paramref name="target"/> with <paramref name="dataLength"/> bytes of echo data.</summary>
    public PingClient(IpAddress target, ushort identifier, int dataLength)
    {
        Target = target;
        Identifier = identifier;
        _data = new byte[dataLength];
        for (int i = 0; i < _data.Length; i++) _data[i] = (byte)i;
    }

    /// <summary>Where the requests go.</summary>
    public IpAddress Target { get; }
    /// <summary>The echo identifier of our requests; replies with another one are not ours.</summary>
    public ushort Identifier { get; }
    /// <summary>Requests still to send at the next transmit calls.</summary>
    public int ToSend;
    /// <summary>Requests sent.</summary>
    public long Sent;
    /// <summary>Replies received.</summary>
    public long Replies;
    private ushort _sequence;

    /// <summary>Fills one transmit buffer with the next echo request.</summary>
    public void Send(IpPacket packet)
    {
        if (ToSend <= 0) return;
        bool v4 = Target.IsV4;
        int length = Icmpv4Packet.HeaderLength + _data.Length; // the ICMPv6 echo header has the same 8 bytes
        if (!packet.TryPrepare(Target, v4 ? IpProtocol.Icmp : IpProtocol.Icmpv6, length, out var message)) return;
        bool emitted = v4
            ? Icmpv4Repr.EchoRequest(Identifier, _sequence, _data.Length).TryEmit(message, _data)
            : Icmpv6Repr.EchoRequest(Identifier, _sequence, _data.Length).TryEmit(message, packet.Source.V6, Target.V6, _data);
        if (!emitted || !packet.Send()) return;
        _sequence++;
        ToSend--;
        Sent++;
    }

    /// <summary>The client keeps no timers.</summary>
    public readonly Instant NextDeadline() => Instant.Never;

    /// <summary>Counts our echo replies (the IP layer verified their checksum); refuses every other protocol.</summary>
    public void Receive(IpPacket packet)
    {
        bool ours = packet.Protocol switch
        {
            IpProtocol.Icmp => Icmpv4Packet.TryParse(packet.Payload, out var v4, out _) && v4.Type == Icmpv4Type.EchoReply && v4.Identifier == Identifier,
            IpProtocol.Icmpv6 => Icmpv6Packet.TryParse(packet.Payload, out var v6, out _) && v6.Type == Icmpv6Type.EchoReply && v6.Identifier == Identifier,
            _ => false,
        };
        if (ours) Replies++;
        else packet.RejectProtocol();
    }
}

/// <summary>A UDP client above <see cref="UdpLayer{TUser}"/>: sends <see cref="ToSend"/> datagrams to one peer and counts what comes back from it.</summary>
public struct UdpEchoClient : IRecv<UdpPacket>, ISend<UdpPacket>
{
    private readonly byte[] _data;

    /// <summary>A client sending <paramref name="dataLength"/> bytes from <paramref name="localPort"/> to <paramref name="remote"/>.</summary>
    public UdpEchoClient(TransportAddress remote, ushort localPort, int dataLength)
    {
        Remote = remote;
        LocalPort = localPort;
        _data = new byte[dataLength];
        for (int i = 0; i < _data.Length; i++) _data[i] = (byte)i;
    }

    /// <summary>The echo server.</summary>
    public TransportAddress Remote { get; }
    /// <summary>Our port.</summary>
    public ushort LocalPort { get; }
    /// <summary>Datagrams still to send at the next transmit calls.</summary>
    public int ToSend;
    /// <summary>Datagrams sent.</summary>
    public long Sent;
    /// <summary>Datagrams received back from <see cref="Remote"/>.</summary>
    public long Replies;

    /// <summary>Copies the data into one transmit buffer and sends it.</summary>
    public void Send(UdpPacket packet)
    {
        if (ToSend <= 0 || !packet.TrySend(Remote, LocalPort, _data)) return;
        ToSend--;
        Sent++;
    }

    /// <summary>Counts echoes of our data.</summary>
    public void Receive(UdpPacket packet)
    {
        if (packet.Source == Remote && packet.Payload.Length == _data.Length) Replies++;
    }
}

/// <summary>A UDP echo server (RFC 862 over UDP): every datagram on a bound port goes back in place, the same bytes.</summary>
public struct UdpEchoServer : IRecv<UdpPacket>, ISend<UdpPacket>
{
    /// <summary>Datagrams echoed.</summary>
    public long Echoed;

    /// <summary>Sends the datagram back to its sender.</summary>
    public void Receive(UdpPacket packet)
    {
        if (packet.Reply(packet.Payload.Length)) Echoed++;
    }

    /// <summary>Originates nothing.</summary>
    public readonly void Send(UdpPacket packet) { }
}

/// <summary>
/// One Ethox host: Ethernet → IP (with ARP, NDISC, ICMP echo) → <typeparamref name="TUpper"/>, with every
/// table sized at construction.
/// </summary>
public sealed class BenchHost<TUpper> where TUpper : struct, IRecv<IpPacket>, ISend<IpPacket>, ITimed
{
    /// <summary>The Ethernet interface.</summary>
    public readonly EthernetEndpoint Ethernet;
    /// <summary>The IP state.</summary>
    public readonly IpEndpoint Ip;
    /// <summary>The whole stack, a value held here and driven by reference.</summary>
    public EthernetLayer<IpLayer<TUpper>> Stack;

    /// <summary>A host with station address <paramref name="mac"/> and <paramref name="upper"/> above IP.</summary>
    public BenchHost(EthernetAddress mac, int mtu, TUpper upper)
    {
        Ethernet = new EthernetEndpoint(mac);
        Ip = new IpEndpoint(Ethernet, mtu, 4, new RouteTable(8), new NeighborCache(16, SipHash.WithRandomKey()))
        {
            Hold = new HoldQueue(new byte[4 * mtu], mtu),
        };
        Stack = new(Ethernet, new(Ip, upper));
    }

    /// <summary>The layer above IP, by reference.</summary>
    public ref TUpper Upper => ref Stack.Upper.Upper;

    /// <summary>Hands up to <paramref name="max"/> received frames to the stack (answers go out in place).</summary>
    public int Receive<TDevice>(TDevice device, int max, Instant now) where TDevice : IDevice => device.Receive(max, ref Stack, now);

    /// <summary>Lends up to <paramref name="max"/> transmit buffers to the stack.</summary>
    public int Transmit<TDevice>(TDevice device, int max, Instant now) where TDevice : IDevice => device.Transmit(max, ref Stack, now);
}

/// <summary>
/// Two Ethox hosts joined by a <see cref="Pipe"/> on one thread, driven by explicit time: the server
/// (ICMP echo answered by its IP layer, UDP echo on port 7) and a client of type <typeparamref name="TClient"/>.
/// </summary>
public sealed class EchoPair<TClient> where TClient : struct, IRecv<IpPacket>, ISend<IpPacket>, ITimed
{
    /// <summary>The echo port of the server.</summary>
    public const ushort EchoPort = 7;
    /// <summary>Frames each direction of the pipe holds.</summary>
    public const int PipeCapacity = 256;

    /// <summary>Server station address.</summary>
    public static readonly EthernetAddress ServerMac = new(0x02, 0, 0x5e, 0, 0, 0x0a);
    /// <summary>Client station address.</summary>
    public static readonly EthernetAddress ClientMac = new(0x02, 0, 0x5e, 0, 0, 0x0b);
    /// <summary>Server IPv4 address.</summary>
    public static readonly Ipv4Address ServerV4 = new(198, 18, 0, 1);
    /// <summary>Client IPv4 address.</summary>
    public static readonly Ipv4Address ClientV4 = new(198, 18, 0, 2);
    /// <summary>Server IPv6 address.</summary>
    public static readonly Ipv6Address ServerV6 = Ipv6Address.Parse("2001:db8::a");
    /// <summary>Client IPv6 address.</summary>
    public static readonly Ipv6Address ClientV6 = Ipv6Address.Parse("2001:db8::b");

    private readonly PipeEnd _serverLink, _clientLink;

    /// <summary>The server.</summary>
    public readonly BenchHost<UdpLayer<UdpEchoServer>> Server;
    /// <summary>The client.</summary>
    public readonly BenchHost<TClient> Client;
    /// <summary>The time given to every call; it only moves in <see cref="Settle"/>.</summary>
    public Instant Now { get; private set; } = Instant.FromMilliseconds(1000);

    /// <summary>Both hosts with IPv4 and IPv6 addresses (DAD still to run: see <see cref="Settle"/>).</summary>
    public EchoPair(int mtu, TClient client)
    {
        (_serverLink, _clientLink) = Pipe.CreatePair(PipeCapacity, mtu);
        var udp = new UdpEndpoint();
        udp.Bind(EchoPort);
        Server = new(ServerMac, mtu, new UdpLayer<UdpEchoServer>(udp, default));
        Client = new(ClientMac, mtu, client);
        Server.Ip.AddAddress(ServerV4, 24, Now);
        Client.Ip.AddAddress(ClientV4, 24, Now);
        Server.Ip.AddAddress(ServerV6, 64, Now);
        Client.Ip.AddAddress(ClientV6, 64, Now);
    }

    /// <summary>Polls both hosts (receive, then transmit) until no frame moves.</summary>
    public void Run()
    {
        for (int round = 0; round < 64; round++)
        {
            int moved = Server.Receive(_serverLink, PipeCapacity, Now) + Server.Transmit(_serverLink, PipeCapacity, Now)
                      + Client.Receive(_clientLink, PipeCapacity, Now) + Client.Transmit(_clientLink, PipeCapacity, Now);
            if (moved == 0) return;
        }
    }

    /// <summary>Lets <paramref name="elapsed"/> pass (DAD, retransmissions), then polls until quiet.</summary>
    public void Settle(Duration elapsed)
    {
        Now += elapsed;
        Run();
    }

    /// <summary>
    /// One batch on the hot path: the client sends what its upper layer has queued (at most
    /// <paramref name="batch"/> frames), the server answers all of them in place, the client takes the
    /// answers. No time passes, so no timer fires.
    /// </summary>
    public void Exchange(int batch)
    {
        Client.Transmit(_clientLink, batch, Now);
        Server.Receive(_serverLink, batch, Now);
        Client.Receive(_clientLink, batch, Now);
    }
}
