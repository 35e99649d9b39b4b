using System;
using BenchmarkDotNet.Attributes;
using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Layer.Udp;
using Ethox.Wire;

namespace Ethox.Bench;

/// <summary>
/// Round trips between two Ethox stacks over the in-memory <see cref="Ethox.Nic.Pipe"/> on one core: the
/// client stack sends a batch of requests, the server stack answers each in place (ICMP echo in its IP
/// layer, UDP echo in a value-type application above its UDP layer), the client takes the answers.
/// Every frame goes through Ethernet filtering, IP header checks and checksums and ICMP or UDP checksums
/// on both sides. One operation is one round trip (request and reply), so 1 / mean is round trips per second.
/// </summary>
/// <remarks>
/// ARP, neighbour solicitation and DAD run in the global setup with explicit time, so the measured path is
/// the steady state: resolved neighbours, no timer due. Sizes are the bytes above the ICMP or UDP header.
/// </remarks>
[MemoryDiagnoser, MinColumn]
public class StackBench
{
    /// <summary>Requests in flight per invocation: one transmit call, one receive call on each side.</summary>
    public const int Batch = 64;

    private EchoPair<PingClient> _ping4 = null!, _ping6 = null!;
    private EchoPair<UdpLayer<UdpEchoClient>> _udp4Small = null!, _udp4Large = null!, _udp6Small = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ping4 = Ping(EchoPair<PingClient>.ServerV4, 64);
        _ping6 = Ping(EchoPair<PingClient>.ServerV6, 64);
        _udp4Small = Udp(EchoPair<PingClient>.ServerV4, 64);
        _udp4Large = Udp(EchoPair<PingClient>.ServerV4, 1400);
        _udp6Small = Udp(EchoPair<PingClient>.ServerV6, 64);
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "ICMPv4 echo, 64 B")]
    public long IcmpV4Echo64() => PingBatch(_ping4);

    [Benchmark(OperationsPerInvoke = Batch, Description = "ICMPv6 echo, 64 B")]
    public long IcmpV6Echo64() => PingBatch(_ping6);

    [Benchmark(OperationsPerInvoke = Batch, Description = "UDP/IPv4 echo, 64 B")]
    public long UdpV4Echo64() => UdpBatch(_udp4Small);

    [Benchmark(OperationsPerInvoke = Batch, Description = "UDP/IPv4 echo, 1400 B")]
    public long UdpV4Echo1400() => UdpBatch(_udp4Large);

    [Benchmark(OperationsPerInvoke = Batch, Description = "UDP/IPv6 echo, 64 B")]
    public long UdpV6Echo64() => UdpBatch(_udp6Small);

    private static long PingBatch(EchoPair<PingClient> pair)
    {
        ref var client = ref pair.Client.Upper;
        long before = client.Replies;
        client.ToSend = Batch;
        pair.Exchange(Batch);
        return Check(client.Replies - before);
    }

    private static long UdpBatch(EchoPair<UdpLayer<UdpEchoClient>> pair)
    {
        ref var client = ref pair.Client.Upper.User;
        long before = client.Replies;
        client.ToSend = Batch;
        pair.Exchange(Batch);
        return Check(client.Replies - before);
    }

    // A lost answer would make the figure meaningless: stop the run rather than report it.
    private static long Check(long replies) => replies == Batch ? replies : throw new InvalidOperationException($"{replies} of {Batch} answers came back");

    private static EchoPair<PingClient> Ping(IpAddress server, int dataLength)
    {
        var pair = new EchoPair<PingClient>(1500, new PingClient(server, 0x4554, dataLength));
        Resolve(pair, ref pair.Client.Upper.ToSend);
        PingBatch(pair);
        return pair;
    }

    private static EchoPair<UdpLayer<UdpEchoClient>> Udp(IpAddress server, int dataLength)
    {
        const ushort clientPort = 40000;
        var udp = new UdpEndpoint();
        udp.Bind(clientPort);
        var client = new UdpEchoClient(new TransportAddress(server, EchoPair<PingClient>.EchoPort), clientPort, dataLength);
        var pair = new EchoPair<UdpLayer<UdpEchoClient>>(1500, new UdpLayer<UdpEchoClient>(udp, client));
        Resolve(pair, ref pair.Client.Upper.User.ToSend);
        UdpBatch(pair);
        return pair;
    }

    /// <summary>
    /// Announcements, DAD (one probe, then a second of silence: RFC 4862 §5.4) and the first request, which
    /// waits in the hold queue while ARP or NDISC resolves the server.
    /// </summary>
    private static void Resolve<TClient>(EchoPair<TClient> pair, ref int toSend) where TClient : struct, IRecv<IpPacket>, ISend<IpPacket>, ITimed
    {
        pair.Run();
        pair.Settle(Duration.FromSeconds(2));
        toSend = 1;
        pair.Run();
        if (toSend != 0) throw new InvalidOperationException("the first request was not sent");
    }
}
