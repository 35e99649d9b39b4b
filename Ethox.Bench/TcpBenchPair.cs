using System;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Nic;
using Ethox.Wire;

namespace Ethox.Bench;

/// <summary>One Ethox host with TCP: Ethernet → IP → TCP → <see cref="TcpBenchApp"/>, every table sized at construction.</summary>
public sealed class TcpBenchHost
{
    /// <summary>The Ethernet interface.</summary>
    public readonly EthernetEndpoint Ethernet;
    /// <summary>The IP state.</summary>
    public readonly IpEndpoint Ip;
    /// <summary>The TCP state.</summary>
    public readonly TcpEndpoint Tcp;
    /// <summary>The application above TCP.</summary>
    public readonly TcpBenchApp App;
    /// <summary>The whole stack, a value held here and driven by reference.</summary>
    public EthernetLayer<IpLayer<TcpLayer<TcpBenchHandler>>> Stack;

    /// <summary>A host with station address <paramref name="mac"/>, <paramref name="capacity"/> connection slots and rings of <paramref name="bufferSize"/> bytes.</summary>
    public TcpBenchHost(EthernetAddress mac, int mtu, int capacity, int bufferSize, Instant start, ulong key, int listeners = 16)
    {
        Ethernet = new EthernetEndpoint(mac);
        Ip = new IpEndpoint(Ethernet, mtu, 4, new RouteTable(8), new NeighborCache(16, new SipHash(key, 1)))
        {
            Hold = new HoldQueue(new byte[8 * (mtu + 22)], mtu + 22),
            PathMtu = new PathMtuTable(16, new SipHash(key, 2)),
            DadTransmits = 0,
        };
        Tcp = new TcpEndpoint(Ip, capacity, new SipHash(key, 3), listenerCapacity: listeners, start: start);
        App = new TcpBenchApp(capacity, bufferSize) { Endpoint = Tcp };
        Stack = new(Ethernet, new(Ip, new(Tcp, new TcpBenchHandler(App))));
    }

    /// <summary>Hands up to <paramref name="max"/> received frames to the stack (answers go out in place).</summary>
    public int Receive<TDevice>(TDevice device, int max, Instant now) where TDevice : IDevice => device.Receive(max, ref Stack, now);

    /// <summary>Lends up to <paramref name="max"/> transmit buffers to the stack.</summary>
    public int Transmit<TDevice>(TDevice device, int max, Instant now) where TDevice : IDevice => device.Transmit(max, ref Stack, now);
}

/// <summary>
/// A TCP client and a TCP server, two Ethox stacks joined by a <see cref="Pipe"/> (directly, or through a
/// <see cref="FaultInjector{TDevice}"/> on each end's transmit side), on one thread with explicit time.
/// </summary>
public sealed class TcpBenchPair<TDevice> where TDevice : IDevice
{
    /// <summary>Client IPv4 address.</summary>
    public static readonly Ipv4Address ClientV4 = new(198, 18, 0, 1);
    /// <summary>Server IPv4 address.</summary>
    public static readonly Ipv4Address ServerV4 = new(198, 18, 0, 2);

    private readonly int _burst;

    /// <summary>The client's end of the link.</summary>
    public readonly TDevice ClientLink;
    /// <summary>The server's end of the link.</summary>
    public readonly TDevice ServerLink;

    /// <summary>The active opener.</summary>
    public readonly TcpBenchHost Client;
    /// <summary>The listener.</summary>
    public readonly TcpBenchHost Server;
    /// <summary>The time given to every call.</summary>
    public Instant Now = Instant.FromMilliseconds(1000);
    /// <summary>How far the clock moves after each <see cref="Round"/> that moved frames: the simulated time one exchange takes.</summary>
    public Duration Step = Duration.FromMicroseconds(10);

    /// <summary>Both hosts on <paramref name="clientLink"/> and <paramref name="serverLink"/>, at most <paramref name="burst"/> frames per device call.</summary>
    public TcpBenchPair(TDevice clientLink, TDevice serverLink, int mtu, int capacity, int bufferSize, int burst, int listeners = 16)
    {
        ClientLink = clientLink;
        ServerLink = serverLink;
        _burst = burst;
        Client = new TcpBenchHost(new EthernetAddress(0x02, 0, 0x5e, 0, 0, 0x01), mtu, capacity, bufferSize, Now, 11);
        Server = new TcpBenchHost(new EthernetAddress(0x02, 0, 0x5e, 0, 0, 0x02), mtu, capacity, bufferSize, Now, 22, listeners);
        Client.Ip.AddAddress(ClientV4, 24, Now);
        Server.Ip.AddAddress(ServerV4, 24, Now);
    }

    /// <summary>
    /// One exchange: the client transmits, the server takes it in (answering in place) and transmits, the
    /// client takes that in (answering in place). Then the clock moves by <see cref="Step"/>, or, when no
    /// frame moved, to the next deadline of either stack (a retransmission timeout after a loss).
    /// Returns the number of frames moved.
    /// </summary>
    public int Round()
    {
        int moved = Client.Transmit(ClientLink, _burst, Now)
                  + Server.Receive(ServerLink, _burst, Now)
                  + Server.Transmit(ServerLink, _burst, Now)
                  + Client.Receive(ClientLink, _burst, Now);
        if (moved > 0) Now += Step;
        else
        {
            var next = Instant.Min(Client.Stack.NextDeadline(), Server.Stack.NextDeadline());
            Now = next > Now && next != Instant.Never ? next : Now + Step;
        }
        return moved;
    }

    /// <summary>Rounds until <paramref name="done"/> holds; false after <paramref name="maxRounds"/> rounds (set-up only: the predicate is a delegate).</summary>
    public bool RunUntil(Func<bool> done, int maxRounds = 100_000)
    {
        for (int i = 0; i < maxRounds; i++)
        {
            if (done()) return true;
            Round();
        }
        return done();
    }
}

/// <summary>Builds <see cref="TcpBenchPair{TDevice}"/>s.</summary>
public static class TcpBenchPair
{
    /// <summary>Frames each direction of the pipe (and each fault lane) holds.</summary>
    public const int PipeCapacity = 256;

    /// <summary>Two hosts over a perfect pipe.</summary>
    public static TcpBenchPair<PipeEnd> OverPipe(int mtu, int capacity, int bufferSize, DeviceOffloads offloads = DeviceOffloads.None)
    {
        var (client, server) = Pipe.CreatePair(PipeCapacity, mtu, Medium.Ethernet, offloads);
        return new TcpBenchPair<PipeEnd>(client, server, mtu, capacity, bufferSize, PipeCapacity);
    }

    /// <summary>Two hosts over a pipe that drops <paramref name="dropProbability"/> of the frames each end transmits.</summary>
    public static TcpBenchPair<FaultInjector<PipeEnd>> OverLossyPipe(int mtu, int capacity, int bufferSize, double dropProbability, ulong seed)
    {
        var (client, server) = Pipe.CreatePair(PipeCapacity, mtu);
        var faults = new FaultSettings { DropProbability = dropProbability };
        return new TcpBenchPair<FaultInjector<PipeEnd>>(
            new FaultInjector<PipeEnd>(client, FaultSettings.None, faults, seed, PipeCapacity),
            new FaultInjector<PipeEnd>(server, FaultSettings.None, faults, seed + 1, PipeCapacity),
            mtu, capacity, bufferSize, PipeCapacity);
    }
}
