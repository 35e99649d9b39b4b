using System;
using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Layer.Udp;
using Ethox.Nic;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

/// <summary>The same IP layer type straight on a device that carries bare IP packets (TUN, a VPN's packet interface).</summary>
public class IpMediumTests
{
    private sealed class IpHost
    {
        public readonly IpEndpoint Ip = new(null, 1500, 4, new RouteTable(4), null)
        {
            Reassembler = new Reassembler(new byte[2 * Reassembler.LargestUsefulSlot], Reassembler.LargestUsefulSlot),
            Fragmenter = new Fragmenter(new byte[ushort.MaxValue]),
        };
        public readonly UdpEndpoint Udp = new();
        public readonly UdpApp App = new();
        public IpLayer<UdpLayer<UdpAppHandler>> Stack;

        public IpHost() => Stack = new(Ip, new(Udp, new UdpAppHandler(App)));

        public int Poll(PipeEnd device, Instant now) => device.Receive(64, ref Stack, now) + device.Transmit(64, ref Stack, now);
    }

    [Test]
    public void Udp_echo_runs_over_bare_ip_without_resolution_in_both_families()
    {
        var (linkA, linkB) = Pipe.CreatePair(64, 1500, Medium.Ip);
        var a = new IpHost();
        var b = new IpHost();
        var now = Instant.Zero;
        a.Ip.AddAddress(TwoHosts.V4A, 24, now);
        b.Ip.AddAddress(TwoHosts.V4B, 24, now);
        a.Ip.AddAddress(TwoHosts.V6A, 64, now);
        b.Ip.AddAddress(TwoHosts.V6B, 64, now);
        Assert.That(a.Ip.Addresses[1].State, Is.EqualTo(AddressState.Preferred), "no DAD without a link");
        a.Udp.Bind(7);
        a.App.Echo = true;
        b.Udp.Bind(40000);
        var big = new byte[4000];
        new Random(1).NextBytes(big);
        foreach (var (to, data) in new (IpAddress, byte[])[] { (TwoHosts.V4A, "four"u8.ToArray()), (TwoHosts.V6A, "six"u8.ToArray()), (TwoHosts.V4A, big) })
        {
            b.App.Queue(new TransportAddress(to, 7), 40000, data);
            for (int i = 0; i < 16; i++) if (a.Poll(linkA, now) + b.Poll(linkB, now) == 0) break;
            Assert.That(b.App.LastPayload, Is.EqualTo(data));
        }
        Assert.That(b.App.Received, Is.EqualTo(3));
        Assert.That(linkA.Counters.TxFrames, Is.EqualTo(1 + 1 + 3), "no ARP, no NDISC: one packet per echo, three fragments for 4000 bytes");
    }

    [Test]
    public void Ping_over_bare_ip_is_answered_in_place()
    {
        var (link, peerLink) = Pipe.CreatePair(8, 1500, Medium.Ip);
        var host = new IpHost();
        host.Ip.AddAddress(TwoHosts.V4A, 24, Instant.Zero);
        var peer = new RawPeer(peerLink);
        peer.Inject(RawPeer.Echo4(RawPeer.V4, TwoHosts.V4A, 5, 6, 32).AsSpan(14), Instant.Zero);
        host.Poll(link, Instant.Zero);
        var sent = peer.Drain(Instant.Zero);
        Assert.That(sent, Has.Count.EqualTo(1));
        Assert.That(Ipv4Packet.TryParse(sent[0], out var ip, out _), Is.True);
        Assert.That(Icmpv4Packet.TryParse(ip.Payload, out var icmp, out _), Is.True);
        Assert.That(icmp.Type, Is.EqualTo(Icmpv4Type.EchoReply));
    }
}
