using System;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Layer.Udp;
using Ethox.Nic;
using Ethox.Wire;

// Two Ethox stacks joined by an in-memory pipe (Ethox.Nic), built from the packages: a UDP echo server and a
// client that sends one datagram to each of the server's addresses, IPv4 and IPv6, and checks the echoes. No
// clock is read: time is simulated and jumps to the stacks' next deadline whenever nothing moves (the server's
// IPv6 address is tentative for the one second of duplicate address detection). Exit status 0 when both echoes
// came back intact, 1 otherwise.

var (serverLink, clientLink) = Pipe.CreatePair(capacity: 64, mtu: 1500);
var now = Instant.Zero;
var server = Hosts.Create("02:00:00:00:00:01", "198.18.0.1/24", "2001:db8::1/64", Echo.Port, new Echo(), now);
var probe = new Probe(
    new TransportAddress(IpAddress.Parse("198.18.0.1"), Echo.Port),
    new TransportAddress(IpAddress.Parse("2001:db8::1"), Echo.Port));
var client = Hosts.Create("02:00:00:00:00:02", "198.18.0.2/24", "2001:db8::2/64", Probe.LocalPort, new Client(probe), now);

var giveUp = now + Duration.FromSeconds(10);
while (!probe.Done && now < giveUp)
{
    int moved = serverLink.Receive(64, ref server, now) + serverLink.Transmit(64, ref server, now)
              + clientLink.Receive(64, ref client, now) + clientLink.Transmit(64, ref client, now);
    now = moved > 0 ? now + Duration.FromMicroseconds(10) : Instant.Min(server.NextDeadline(), client.NextDeadline());
}

foreach (string line in probe.Report()) Console.WriteLine("ethox-consumer: " + line);
Console.WriteLine($"ethox-consumer: {(probe.Done ? "passed" : "FAILED")} after {now} of simulated time");
return probe.Done ? 0 : 1;

/// <summary>Builds one host: Ethernet, ARP/NDISC, IPv4 and IPv6 with one address each, UDP on one port, and the given handler.</summary>
internal static class Hosts
{
    public static EthernetLayer<IpLayer<UdpLayer<T>>> Create<T>(string mac, string v4, string v6, ushort port, T handler, Instant now)
        where T : struct, IRecv<UdpPacket>, ISend<UdpPacket>
    {
        var eth = new EthernetEndpoint(EthernetAddress.Parse(mac));
        var ip = new IpEndpoint(eth, 1500, 8, new RouteTable(8), new NeighborCache(16, SipHash.WithRandomKey()))
            { Hold = new HoldQueue(new byte[4 * 1500], 1500) };   // datagrams waiting for ARP or NDISC
        var a4 = Ipv4Cidr.Parse(v4, null);
        var a6 = Ipv6Cidr.Parse(v6, null);
        ip.AddAddress(a4.Address, a4.PrefixLength, now);
        ip.AddAddress(a6.Address, a6.PrefixLength, now);         // tentative until DAD passes
        var udp = new UdpEndpoint();
        udp.Bind(port);                                           // other ports answer ICMP port unreachable
        return new(eth, new(ip, new(udp, handler)));
    }
}

/// <summary>The UDP echo service (RFC 862): every datagram goes back to its sender, in place.</summary>
internal struct Echo : IRecv<UdpPacket>, ISend<UdpPacket>
{
    public const ushort Port = 7;
    public void Receive(UdpPacket packet) => packet.Reply(packet.Payload.Length);
    public void Send(UdpPacket packet) { }
}

/// <summary>What the client is to send, and what came back.</summary>
internal sealed class Probe(params TransportAddress[] targets)
{
    public const ushort LocalPort = 40000;
    public static ReadOnlySpan<byte> Message => "hello from a project that uses the Ethox packages"u8;

    public readonly TransportAddress[] Targets = targets;
    public readonly bool[] Echoed = new bool[targets.Length];
    public int Sent;
    public int Unexpected;

    public bool Done => Array.TrueForAll(Echoed, e => e) && Unexpected == 0;

    public string[] Report()
    {
        var lines = new string[Targets.Length + 1];
        for (int i = 0; i < Targets.Length; i++)
            lines[i] = $"udp echo from {Targets[i]}: {(Echoed[i] ? "ok" : i < Sent ? "no answer" : "not sent")}";
        lines[^1] = $"unexpected datagrams: {Unexpected}";
        return lines;
    }
}

/// <summary>Sends the probe's datagrams one by one as the stack lets it, and checks each echo.</summary>
internal readonly struct Client(Probe probe) : IRecv<UdpPacket>, ISend<UdpPacket>
{
    public void Receive(UdpPacket packet)
    {
        int i = Array.IndexOf(probe.Targets, packet.Source);
        if (i >= 0 && packet.Destination.Port == Probe.LocalPort && packet.Payload.SequenceEqual(Probe.Message)) probe.Echoed[i] = true;
        else probe.Unexpected++;
    }

    public void Send(UdpPacket packet)
    {
        if (probe.Sent < probe.Targets.Length && packet.TrySend(probe.Targets[probe.Sent], Probe.LocalPort, Probe.Message)) probe.Sent++;
    }
}
