using System;
using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

public class UdpLayerTests
{
    [Test]
    public void Udp_echo_over_ipv4_resolves_with_arp_and_returns_same_bytes()
    {
        var net = new TwoHosts();
        net.A.Udp.Bind(7);
        net.A.App.Echo = true;
        net.B.Udp.Bind(40000);
        net.Run();
        net.B.App.Queue(new TransportAddress(TwoHosts.V4A, 7), 40000, "hello ethox"u8);
        net.Run();
        Assert.That(net.B.App.Received, Is.EqualTo(1));
        Assert.That(net.B.App.LastPayload, Is.EqualTo("hello ethox"u8.ToArray()));
        Assert.That(net.B.App.LastSource, Is.EqualTo(new TransportAddress(TwoHosts.V4A, 7)));
        Assert.That(net.B.Ip.ArpCounters.RequestsSent, Is.EqualTo(1));
        Assert.That(net.A.Ip.ArpCounters.RepliesSent, Is.EqualTo(1));
        Assert.That(net.B.Ip.Counters.Held, Is.EqualTo(1));
        Assert.That(net.B.Ip.Neighbors!.Peek(TwoHosts.V4A, out var mac), Is.EqualTo(NeighborState.Reachable));
        Assert.That(mac, Is.EqualTo(TwoHosts.MacA));
    }

    [Test]
    public void Udp_echo_over_ipv6_after_dad_resolves_with_neighbor_solicitation()
    {
        var net = new TwoHosts();
        net.A.Udp.Bind(7);
        net.A.App.Echo = true;
        net.B.Udp.Bind(40000);
        net.Run();
        Assert.That(net.A.Ip.Addresses[1].State, Is.EqualTo(AddressState.Tentative));
        net.Advance(Duration.FromSeconds(1));
        Assert.That(net.A.Ip.Addresses[1].State, Is.EqualTo(AddressState.Preferred));
        net.B.App.Queue(new TransportAddress(TwoHosts.V6A, 7), 40000, "hello six"u8);
        net.Run();
        Assert.That(net.B.App.LastPayload, Is.EqualTo("hello six"u8.ToArray()));
        Assert.That(net.B.Ip.NdiscCounters.SolicitationsSent, Is.GreaterThanOrEqualTo(2)); // DAD + resolution
        Assert.That(net.A.Ip.NdiscCounters.AdvertisementsSent, Is.EqualTo(1));
    }

    [Test]
    public void Datagram_to_unbound_port_gets_port_unreachable()
    {
        var net = new TwoHosts();
        net.B.Udp.Bind(40000);
        net.Run();
        net.B.App.Queue(new TransportAddress(TwoHosts.V4A, 9), 40000, "x"u8);
        net.Run();
        Assert.That(net.A.Udp.Counters.NoPort, Is.EqualTo(1));
        Assert.That(net.A.Ip.IcmpCounters.ErrorsSent, Is.EqualTo(1));
        Assert.That(net.B.Ip.IcmpCounters.ErrorsReceived, Is.EqualTo(1));
    }
}
