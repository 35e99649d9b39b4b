using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

public class NdiscLayerTests
{
    private static NdiscRepr ParseNdisc(byte[] frame, out Ipv6Packet ip, out EthernetAddress linkDestination)
    {
        Assert.That(EthernetFrame.TryParse(frame, out var eth, out _), Is.True);
        linkDestination = eth.Destination;
        Assert.That(Ipv6Packet.TryParse(eth.Payload, out ip, out _), Is.True);
        Assert.That(ip.HopLimit, Is.EqualTo(255));
        Assert.That(Icmpv6Packet.TryParse(ip.Payload, out var icmp, out _), Is.True);
        Assert.That(NdiscRepr.TryParse(icmp, ip.Source, ip.Destination, out var repr, out var error), Is.True, error.ToString());
        return repr;
    }

    [Test]
    public void Solicitation_for_our_address_gets_a_solicited_override_advertisement()
    {
        var t = new HostAndPeer();
        var ns = NdiscRepr.NeighborSolicitation(TwoHosts.V6A, RawPeer.Mac);
        var sent = t.Exchange(RawPeer.Ndisc(ns, RawPeer.V6, TwoHosts.V6A.SolicitedNode, EthernetAddress.FromIpv6Multicast(TwoHosts.V6A.SolicitedNode)));
        var na = ParseNdisc(sent.Single(), out var ip, out var linkDestination);
        Assert.That(na.Type, Is.EqualTo(Icmpv6Type.NeighborAdvertisement));
        Assert.That(na.NeighborFlags, Is.EqualTo(NdiscNeighborFlags.Solicited | NdiscNeighborFlags.Override));
        Assert.That(na.Target, Is.EqualTo(TwoHosts.V6A));
        Assert.That(na.TargetLinkLayerAddress, Is.EqualTo(TwoHosts.MacA));
        Assert.That(ip.Destination, Is.EqualTo(RawPeer.V6));
        Assert.That(linkDestination, Is.EqualTo(RawPeer.Mac));
        Assert.That(t.Host.Ip.Neighbors!.Peek(RawPeer.V6, out _), Is.EqualTo(NeighborState.Stale));
    }

    [Test]
    public void Solicitation_not_from_a_link_hop_limit_255_is_invalid()
    {
        var t = new HostAndPeer();
        var ns = NdiscRepr.NeighborSolicitation(TwoHosts.V6A, RawPeer.Mac);
        Assert.That(t.Exchange(RawPeer.Ndisc(ns, RawPeer.V6, TwoHosts.V6A.SolicitedNode, EthernetAddress.FromIpv6Multicast(TwoHosts.V6A.SolicitedNode), hopLimit: 64)), Is.Empty);
        Assert.That(t.Host.Ip.NdiscCounters.Errors.Malformed, Is.EqualTo(1));
    }

    [Test]
    public void Dad_probes_from_unspecified_then_the_address_becomes_preferred()
    {
        var (hostLink, peerLink) = Ethox.Nic.Pipe.CreatePair(16);
        var host = new TestHost(TwoHosts.MacA);
        var peer = new RawPeer(peerLink);
        host.Ip.AddAddress(TwoHosts.V6A, 64, Instant.Zero);
        host.Poll(hostLink, Instant.Zero);
        var probe = ParseNdisc(peer.Drain(Instant.Zero).Single(), out var ip, out var linkDestination);
        Assert.That(ip.Source, Is.EqualTo(Ipv6Address.Unspecified));
        Assert.That(ip.Destination, Is.EqualTo(TwoHosts.V6A.SolicitedNode));
        Assert.That(linkDestination, Is.EqualTo(EthernetAddress.FromIpv6Multicast(TwoHosts.V6A.SolicitedNode)));
        Assert.That(probe.SourceLinkLayerAddress, Is.Null, "RFC 4862 §5.4.2: no source link-layer option from ::");
        Assert.That(host.Ip.Addresses[0].State, Is.EqualTo(AddressState.Tentative));
        host.Poll(hostLink, Instant.FromMilliseconds(999));
        Assert.That(host.Ip.Addresses[0].State, Is.EqualTo(AddressState.Tentative));
        host.Poll(hostLink, Instant.FromMilliseconds(1000));
        Assert.That(host.Ip.Addresses[0].State, Is.EqualTo(AddressState.Preferred));
    }

    [Test]
    public void Another_nodes_dad_probe_for_our_tentative_address_makes_it_duplicate()
    {
        var (hostLink, peerLink) = Ethox.Nic.Pipe.CreatePair(16);
        var host = new TestHost(TwoHosts.MacA);
        var peer = new RawPeer(peerLink);
        host.Ip.AddAddress(TwoHosts.V6A, 64, Instant.Zero);
        host.Poll(hostLink, Instant.Zero);
        var probe = NdiscRepr.NeighborSolicitation(TwoHosts.V6A, null);
        peer.Inject(RawPeer.Ndisc(probe, Ipv6Address.Unspecified, TwoHosts.V6A.SolicitedNode, EthernetAddress.FromIpv6Multicast(TwoHosts.V6A.SolicitedNode)), Instant.Zero);
        host.Poll(hostLink, Instant.FromMilliseconds(10));
        host.Poll(hostLink, Instant.FromMilliseconds(5000));
        Assert.That(host.Ip.Addresses[0].State, Is.EqualTo(AddressState.Duplicate));
        Assert.That(host.Ip.NdiscCounters.DuplicatesDetected, Is.EqualTo(1));
        Assert.That(host.Ip.IsOurAddress(TwoHosts.V6A), Is.False);
    }

    [Test]
    public void Router_advertisement_configures_a_global_address_and_a_default_route()
    {
        var (hostLink, host, peer) = AutoconfiguringHost();
        var now = Instant.Zero;
        now += Duration.FromSeconds(1);
        host.Poll(hostLink, now);
        host.Poll(hostLink, now);
        var sent = peer.Drain(now).Select(f => ParseNdisc(f, out _, out _).Type).ToList();
        Assert.That(sent, Is.EqualTo(new[] { Icmpv6Type.NeighborSolicitation, Icmpv6Type.RouterSolicitation }), "DAD for the link-local address, then RS");
        var prefix = new NdiscPrefixInformation(64, OnLink: true, Autonomous: true, ValidLifetime: 3600, PreferredLifetime: 1800, Ipv6Address.Parse("2001:db8:1::"));
        var ra = NdiscRepr.RouterAdvertisement(64, 0, 1800, 0, 0, RawPeer.Mac) with { Prefix = prefix, Mtu = 1400 };
        InjectToAllNodes(peer, ra, RawPeer.LinkLocal, now);
        host.Poll(hostLink, now);
        var global = new Ipv6Address(Ipv6Address.Parse("2001:db8:1::").High, Ipv6Address.InterfaceIdFromMac(TwoHosts.MacA));
        Assert.That(host.Ip.Addresses.ToArray().Select(a => a.Address), Does.Contain((IpAddress)global));
        Assert.That(host.Ip.Mtu, Is.EqualTo(1400));
        Assert.That(host.Ip.Routes.TryLookup(Ipv6Address.Parse("2001:db8:99::1"), now, out var route), Is.True);
        Assert.That(route.Gateway, Is.EqualTo((IpAddress)RawPeer.LinkLocal));
        now += Duration.FromSeconds(1);
        host.Poll(hostLink, now);
        host.Poll(hostLink, now);
        Assert.That(host.Ip.IsOurAddress(global), Is.True, "usable after DAD");
        Assert.That(host.Ip.NdiscCounters.AddressesAutoconfigured, Is.EqualTo(1));
        // The default route expires with the router lifetime.
        host.Poll(hostLink, now + Duration.FromSeconds(1800));
        Assert.That(host.Ip.Routes.TryLookup(Ipv6Address.Parse("2001:db8:99::1"), now + Duration.FromSeconds(1800), out _), Is.False);
    }

    // RFC 4861 §7.2.5: a neighbour advertisement without the router flag from a router in the Default Router List takes
    // it out of that list; the list holds routers learned from advertisements, not gateways the user configured.
    private static void InjectUnsolicitedAdvertisement(RawPeer peer, Ipv6Address target, Instant now)
    {
        InjectToAllNodes(peer, NdiscRepr.NeighborAdvertisement(NdiscNeighborFlags.Override, target, RawPeer.Mac), target, now);
    }

    private static void InjectToAllNodes(RawPeer peer, NdiscRepr message, Ipv6Address source, Instant now)
        => peer.Inject(RawPeer.Ndisc(message, source, Ipv6Address.LinkLocalAllNodes, EthernetAddress.FromIpv6Multicast(Ipv6Address.LinkLocalAllNodes)), now);

    // A host with autoconfiguration on, polled once at time zero, on end A of a pipe; the test's raw peer on end B.
    private static (Ethox.Nic.PipeEnd Link, TestHost Host, RawPeer Peer) AutoconfiguringHost()
    {
        var (hostLink, peerLink) = Ethox.Nic.Pipe.CreatePair(16);
        var host = new TestHost(TwoHosts.MacA);
        host.Ip.EnableAutoconfiguration(Instant.Zero);
        host.Poll(hostLink, Instant.Zero);
        return (hostLink, host, new RawPeer(peerLink));
    }

    [Test]
    public void Advertisement_without_the_router_flag_removes_a_learned_default_router()
    {
        var (hostLink, host, peer) = AutoconfiguringHost();
        var now = Instant.Zero;
        var ra = NdiscRepr.RouterAdvertisement(64, 0, 1800, 0, 0, RawPeer.Mac);
        InjectToAllNodes(peer, ra, RawPeer.LinkLocal, now);
        host.Poll(hostLink, now);
        var remote = Ipv6Address.Parse("2001:db8:99::1");
        Assert.That(host.Ip.Routes.TryLookup(remote, now, out _), Is.True, "learned from the advertisement");

        InjectUnsolicitedAdvertisement(peer, RawPeer.LinkLocal, now);
        host.Poll(hostLink, now);
        Assert.That(host.Ip.Routes.TryLookup(remote, now, out _), Is.False);
    }

    [Test]
    public void Advertisement_without_the_router_flag_keeps_a_configured_default_route()
    {
        var t = new HostAndPeer();
        t.Host.Ip.Routes.AddDefault(RawPeer.V6);
        long messagesIn = t.Host.Ip.NdiscCounters.MessagesIn;

        InjectUnsolicitedAdvertisement(t.Peer, RawPeer.V6, t.Now);
        t.Host.Poll(t.HostLink, t.Now);
        Assert.That(t.Host.Ip.NdiscCounters.MessagesIn, Is.EqualTo(messagesIn + 1), "the advertisement was taken");
        Assert.That((t.Host.Ip.NdiscCounters.Ignored, t.Host.Ip.NdiscCounters.Errors.Malformed), Is.EqualTo((0L, 0L)));
        Assert.That(t.Host.Ip.Routes.TryLookup(Ipv6Address.Parse("2001:db8:99::1"), t.Now, out var route), Is.True);
        Assert.That(route.Gateway, Is.EqualTo((IpAddress)RawPeer.V6));
    }
}
