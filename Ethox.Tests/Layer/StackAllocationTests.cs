using System;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Layer.Udp;
using Ethox.Nic;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

/// <summary>
/// Design principle 1: after start-up no packet path allocates. Two stacks over a <see cref="Pipe"/> ping
/// each other and exchange UDP echoes over IPv4 and IPv6 for thousands of rounds while time runs, so that
/// neighbour entries age (RFC 4861 §7.3.3: stale, delay, unicast probes) and expire completely (fresh ARP
/// requests and multicast solicitations with packets held meanwhile) inside the measured loop.
/// </summary>
public class StackAllocationTests
{
    private const ushort EchoPort = 7;
    private const ushort ClientPort = 40000;

    // With checksum offload on the pipe, every UDP checksum goes out partial and is trusted on arrival, and a datagram held
    // for resolution has its checksum finished first: the same exchanges, the same counts, still nothing allocated.
    [TestCase(false)]
    [TestCase(true)]
    public void Icmp_udp_arp_and_ndisc_exchanges_allocate_nothing_after_warm_up(bool checksumOffload)
    {
        var net = new MixedPair(checksumOffload ? DeviceOffloads.TransmitChecksumPartial : DeviceOffloads.None);
        net.Advance(Duration.FromSeconds(2)); // DAD of both IPv6 addresses (RFC 4862 §5.4)
        const int warmUp = 300, measured = 3000;
        for (int round = 0; round < warmUp; round++) net.Round(round);

        var a = net.A.Counters();
        var b = net.B.Counters();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = warmUp; round < warmUp + measured; round++) net.Round(round);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var a2 = net.A.Counters();
        var b2 = net.B.Counters();

        Assert.That(allocated, Is.Zero);
        foreach (var (start, end) in new[] { (a, a2), (b, b2) })
        {
            // Every round each host pings the other and sends it a UDP datagram; all answers come back.
            Assert.That(end.PingReplies - start.PingReplies, Is.EqualTo(measured));
            Assert.That(end.UdpReplies - start.UdpReplies, Is.EqualTo(measured));
            Assert.That(end.EchoRepliesSent - start.EchoRepliesSent, Is.EqualTo(measured));
            Assert.That(end.UdpEchoed - start.UdpEchoed, Is.EqualTo(measured));
            // Resolution ran inside the measured loop, on both families.
            Assert.That(end.ArpRequests - start.ArpRequests, Is.GreaterThan(measured / MixedPair.ExpiryPeriod));
            Assert.That(end.Solicitations - start.Solicitations, Is.GreaterThan(measured / MixedPair.ExpiryPeriod));
            // Each host speaks first after every other expiry and parks its packets until resolution completes
            // (the other learns the first one's address from its request: RFC 826, RFC 4861 §7.2.3).
            Assert.That(end.Held - start.Held, Is.GreaterThanOrEqualTo(measured / MixedPair.ExpiryPeriod));
            Assert.That(end.Dropped, Is.Zero);
        }
        Assert.That(net.A.LinkCounters.TxChecksumPartial > 0 && net.B.LinkCounters.RxChecksumPartial > 0, Is.EqualTo(checksumOffload));
    }

    private readonly record struct HostCounters(
        long PingReplies, long UdpReplies, long EchoRepliesSent, long UdpEchoed, long ArpRequests, long Solicitations, long Held, long Dropped);

    /// <summary>UDP for the test: echoes datagrams to port 7, counts echoes coming back to our client port, sends one datagram when asked.</summary>
    private struct UdpApp : IRecv<UdpPacket>, ISend<UdpPacket>
    {
        private static readonly byte[] Data = new byte[100];

        public TransportAddress Target;
        public bool Pending;
        public long Echoed, Replies;

        public void Receive(UdpPacket packet)
        {
            if (packet.Destination.Port == EchoPort)
            {
                if (packet.Reply(packet.Payload.Length)) Echoed++;
            }
            else if (packet.Source == Target && packet.Payload.Length == Data.Length) Replies++;
        }

        public void Send(UdpPacket packet)
        {
            if (Pending && packet.TrySend(Target, ClientPort, Data)) Pending = false;
        }
    }

    /// <summary>
    /// The ICMP slot of the transport multiplexer: an echo client sending one request when asked and counting
    /// the replies that carry its identifier. UDP sits beside it in the same <see cref="TransportMux{TTcp, TUdp, TIcmp}"/>.
    /// </summary>
    private struct Pinger : IRecv<IpPacket>, ISend<IpPacket>, ITimed
    {
        private static readonly byte[] Data = new byte[56];
        private const ushort Identifier = 0x4554;

        public IpAddress Target;
        public bool Pending;
        public long Replies;
        private ushort _sequence;

        public void Receive(IpPacket packet)
        {
            bool ours = packet.Protocol == IpProtocol.Icmp
                ? Icmpv4Packet.TryParse(packet.Payload, out var v4, out _) && v4.Type == Icmpv4Type.EchoReply && v4.Identifier == Identifier
                : Icmpv6Packet.TryParse(packet.Payload, out var v6, out _) && v6.Type == Icmpv6Type.EchoReply && v6.Identifier == Identifier;
            if (ours) Replies++;
            else packet.RejectProtocol();
        }

        public void Send(IpPacket packet)
        {
            if (!Pending) return;
            bool v4 = Target.IsV4;
            if (!packet.TryPrepare(Target, v4 ? IpProtocol.Icmp : IpProtocol.Icmpv6, 8 + Data.Length, out var message)) return;
            if (v4) Icmpv4Repr.EchoRequest(Identifier, _sequence, Data.Length).TryEmit(message, Data);
            else Icmpv6Repr.EchoRequest(Identifier, _sequence, Data.Length).TryEmit(message, packet.Source.V6, Target.V6, Data);
            if (packet.Send())
            {
                Pending = false;
                _sequence++;
            }
        }

        public readonly Instant NextDeadline() => Instant.Never;
    }

    private sealed class Host
    {
        private readonly PipeEnd _link;
        public readonly IpEndpoint Ip;
        public readonly UdpEndpoint Udp = new();
        public EthernetLayer<IpLayer<TransportMux<NoTransport, UdpLayer<UdpApp>, Pinger>>> Stack;

        public Host(EthernetAddress mac, PipeEnd link)
        {
            _link = link;
            var ethernet = new EthernetEndpoint(mac);
            Ip = new IpEndpoint(ethernet, 1500, 4, new RouteTable(8), new NeighborCache(16, SipHash.WithRandomKey()))
            {
                Hold = new HoldQueue(new byte[4 * 1500], 1500),
            };
            Udp.Bind(EchoPort);
            Udp.Bind(ClientPort);
            Stack = new(ethernet, new(Ip, new(default, new UdpLayer<UdpApp>(Udp, default), default)));
        }

        public ref TransportMux<NoTransport, UdpLayer<UdpApp>, Pinger> Upper => ref Stack.Upper.Upper;

        public int Poll(Instant now) => _link.Receive(16, ref Stack, now) + _link.Transmit(16, ref Stack, now);

        public DeviceCounters LinkCounters => _link.Counters;

        public HostCounters Counters() => new(
            Upper.Icmp.Replies, Upper.Udp.User.Replies, Ip.IcmpCounters.EchoRepliesSent, Upper.Udp.User.Echoed,
            Ip.ArpCounters.RequestsSent, Ip.NdiscCounters.SolicitationsSent, Ip.Counters.Held,
            Ip.Counters.DroppedUnresolved + Ip.Counters.DroppedNoRoute + Ip.Neighbors!.Failures);

        /// <summary>Queues one ping and one UDP datagram to <paramref name="peer"/> for the next transmit call.</summary>
        public void Queue(IpAddress peer)
        {
            ref var upper = ref Upper;
            upper.Icmp.Target = peer;
            upper.Icmp.Pending = true;
            ref var app = ref upper.Udp.User;
            app.Target = new TransportAddress(peer, EchoPort);
            app.Pending = true;
        }
    }

    private sealed class MixedPair
    {
        /// <summary>Every this many rounds the neighbour caches are left to expire completely.</summary>
        public const int ExpiryPeriod = 100;

        public readonly Host A, B;
        private Instant _now = Instant.FromMilliseconds(1000);
        private bool _bFirst;

        private static readonly Ipv4Address V4A = new(198, 18, 0, 1), V4B = new(198, 18, 0, 2);
        private static readonly Ipv6Address V6A = Ipv6Address.Parse("2001:db8::a"), V6B = Ipv6Address.Parse("2001:db8::b");

        public MixedPair(DeviceOffloads offloads)
        {
            var (linkA, linkB) = Pipe.CreatePair(64, 1500, Medium.Ethernet, offloads);
            A = new Host(new EthernetAddress(0x02, 0, 0x5e, 0, 0, 0x0a), linkA);
            B = new Host(new EthernetAddress(0x02, 0, 0x5e, 0, 0, 0x0b), linkB);
            A.Ip.AddAddress(V4A, 24, _now);
            B.Ip.AddAddress(V4B, 24, _now);
            A.Ip.AddAddress(V6A, 64, _now);
            B.Ip.AddAddress(V6B, 64, _now);
        }

        /// <summary>
        /// One round, one second later than the last: both hosts ping each other and exchange a UDP echo,
        /// over IPv4 on even rounds and IPv6 on odd ones. Entries confirmed 30 s ago have gone stale
        /// (REACHABLE_TIME), so the ones in use are probed by unicast; every <see cref="ExpiryPeriod"/> rounds
        /// the caches are left alone long enough that every entry is forgotten and resolved afresh, by A first
        /// one time and by B first the next.
        /// </summary>
        public void Round(int round)
        {
            if (round % ExpiryPeriod == ExpiryPeriod - 1)
            {
                Advance(Duration.FromSeconds(31));  // reachable → stale
                Advance(Duration.FromSeconds(601)); // stale and unused → forgotten
            }
            _bFirst = round / ExpiryPeriod % 2 == 1;
            bool v4 = round % 2 == 0;
            A.Queue(v4 ? V4B : V6B);
            B.Queue(v4 ? V4A : V6A);
            Advance(Duration.FromSeconds(1));
        }

        public void Advance(Duration elapsed)
        {
            _now += elapsed;
            for (int i = 0; i < 32; i++)
            {
                int moved = _bFirst ? B.Poll(_now) + A.Poll(_now) : A.Poll(_now) + B.Poll(_now);
                if (moved == 0) return;
            }
        }
    }
}
