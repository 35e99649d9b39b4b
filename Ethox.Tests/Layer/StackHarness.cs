using System.Linq;
using System;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Layer.Udp;
using Ethox.Nic;
using Ethox.Wire;

namespace Ethox.Tests.Layer;

/// <summary>A UDP application for tests: echoes what arrives on bound ports, sends queued datagrams, records what it got.</summary>
public sealed class UdpApp
{
    private readonly byte[] _pending = new byte[65536];
    private int _pendingLength = -1;
    private TransportAddress _pendingTo;
    private ushort _pendingFrom;

    /// <summary>Echo received datagrams back.</summary>
    public bool Echo { get; set; }
    /// <summary>Datagrams received.</summary>
    public int Received { get; private set; }
    /// <summary>Last payload received.</summary>
    public byte[] LastPayload { get; private set; } = [];
    /// <summary>Last sender.</summary>
    public TransportAddress LastSource { get; private set; }
    /// <summary>Datagrams sent.</summary>
    public int Sent { get; private set; }

    /// <summary>Queues one datagram for the next transmit call.</summary>
    public void Queue(TransportAddress to, ushort from, ReadOnlySpan<byte> data)
    {
        data.CopyTo(_pending);
        _pendingLength = data.Length;
        _pendingTo = to;
        _pendingFrom = from;
    }

    internal void OnReceive(UdpPacket packet, bool keep)
    {
        Received++;
        LastSource = packet.Source;
        if (keep) LastPayload = packet.Payload.ToArray();
        if (Echo) packet.Reply(packet.Payload.Length);
    }

    internal void OnSend(UdpPacket packet)
    {
        if (_pendingLength < 0) return;
        if (packet.TrySend(_pendingTo, _pendingFrom, _pending.AsSpan(0, _pendingLength)))
        {
            _pendingLength = -1;
            Sent++;
        }
    }
}

/// <summary>The value-type handler that forwards to a <see cref="UdpApp"/> (the JIT specialises the stack for it).</summary>
public struct UdpAppHandler : IRecv<UdpPacket>, ISend<UdpPacket>
{
    private readonly UdpApp _app;
    /// <summary>Keep copies of payloads (allocates: off in zero-allocation tests).</summary>
    public bool KeepPayloads;

    public UdpAppHandler(UdpApp app, bool keepPayloads = true) { _app = app; KeepPayloads = keepPayloads; }

    public void Receive(UdpPacket packet) => _app.OnReceive(packet, KeepPayloads);
    public void Send(UdpPacket packet) => _app.OnSend(packet);
}

/// <summary>One Ethox host on a device: Ethernet → IP → UDP → <see cref="UdpApp"/>.</summary>
public sealed class TestHost
{
    public readonly EthernetEndpoint Ethernet;
    public readonly IpEndpoint Ip;
    public readonly UdpEndpoint Udp = new();
    public readonly UdpApp App = new();
    public EthernetLayer<IpLayer<UdpLayer<UdpAppHandler>>> Stack;

    public TestHost(EthernetAddress mac, int mtu = 1500, bool keepPayloads = true, int holdSlots = 4)
    {
        Ethernet = new EthernetEndpoint(mac);
        Ip = new IpEndpoint(Ethernet, mtu, 8, new RouteTable(16), new NeighborCache(32, SipHash.WithRandomKey()))
        {
            Hold = new HoldQueue(new byte[holdSlots * mtu], mtu),
            Reassembler = new Reassembler(new byte[4 * Reassembler.LargestUsefulSlot], Reassembler.LargestUsefulSlot),
            Fragmenter = new Fragmenter(new byte[ushort.MaxValue]),
        };
        Stack = new(Ethernet, new(Ip, new(Udp, new UdpAppHandler(App, keepPayloads))));
    }

    public int Poll<TDevice>(TDevice device, Instant now) where TDevice : IDevice
    {
        int n = device.Receive(64, ref Stack, now);
        n += device.Transmit(64, ref Stack, now);
        return n;
    }
}

/// <summary>Two hosts joined by a <see cref="Pipe"/>, driven by explicit time.</summary>
public sealed class TwoHosts
{
    public readonly PipeEnd LinkA, LinkB;
    public readonly TestHost A, B;
    public Instant Now = Instant.FromMilliseconds(1000);

    public static readonly EthernetAddress MacA = new(0x02, 0, 0, 0, 0, 0x0a);
    public static readonly EthernetAddress MacB = new(0x02, 0, 0, 0, 0, 0x0b);
    public static readonly Ipv4Address V4A = new(198, 18, 0, 1);
    public static readonly Ipv4Address V4B = new(198, 18, 0, 2);
    public static readonly Ipv6Address V6A = Ipv6Address.Parse("2001:db8::a");
    public static readonly Ipv6Address V6B = Ipv6Address.Parse("2001:db8::b");

    public TwoHosts(int mtu = 1500, bool keepPayloads = true)
    {
        (LinkA, LinkB) = Pipe.CreatePair(256, mtu);
        A = new TestHost(MacA, mtu, keepPayloads);
        B = new TestHost(MacB, mtu, keepPayloads);
        A.Ip.AddAddress(V4A, 24, Now);
        B.Ip.AddAddress(V4B, 24, Now);
        A.Ip.AddAddress(V6A, 64, Now);
        B.Ip.AddAddress(V6B, 64, Now);
    }

    /// <summary>Polls both hosts until nothing moves.</summary>
    public void Run(int rounds = 16)
    {
        for (int i = 0; i < rounds; i++)
            if (A.Poll(LinkA, Now) + B.Poll(LinkB, Now) == 0) return;
    }

    /// <summary>Advances time and polls.</summary>
    public void Advance(Duration d)
    {
        Now += d;
        Run();
    }
}

/// <summary>Counter structs as text for assertion messages.</summary>
public static class Dump
{
    public static string Of<T>(T value) where T : struct
        => string.Join(" ", typeof(T).GetFields().Select(f => $"{f.Name}={f.GetValue(value)}"));
}
