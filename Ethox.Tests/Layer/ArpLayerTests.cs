using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

public class ArpLayerTests
{
    private static ArpRepr ParseArp(byte[] frame)
    {
        Assert.That(EthernetFrame.TryParse(frame, out var eth, out _), Is.True);
        Assert.That(eth.EtherType, Is.EqualTo(EtherType.Arp));
        Assert.That(ArpRepr.TryParse(eth.Payload, out var arp, out _), Is.True);
        return arp;
    }

    [Test]
    public void Request_for_our_address_is_answered_unicast_in_place()
    {
        var t = new HostAndPeer();
        var sent = t.Exchange(RawPeer.Arp(ArpOperation.Request, RawPeer.V4, TwoHosts.V4A));
        Assert.That(sent, Has.Count.EqualTo(1));
        EthernetFrame.TryParse(sent[0], out var eth, out _);
        Assert.That(eth.Destination, Is.EqualTo(RawPeer.Mac));
        Assert.That(sent[0], Has.Length.EqualTo(60), "padded to the Ethernet minimum");
        var arp = ParseArp(sent[0]);
        Assert.That(arp, Is.EqualTo(new ArpRepr(ArpOperation.Reply, TwoHosts.MacA, TwoHosts.V4A, RawPeer.Mac, RawPeer.V4)));
        // RFC 826: the asker is added to the cache because we were the target.
        Assert.That(t.Host.Ip.Neighbors!.Peek(RawPeer.V4, out var mac), Is.EqualTo(NeighborState.Stale));
        Assert.That(mac, Is.EqualTo(RawPeer.Mac));
    }

    [Test]
    public void Request_for_another_host_is_not_answered_and_not_cached()
    {
        var t = new HostAndPeer();
        var sent = t.Exchange(RawPeer.Arp(ArpOperation.Request, RawPeer.V4, new Ipv4Address(198, 18, 0, 99)));
        Assert.That(sent, Is.Empty);
        Assert.That(t.Host.Ip.ArpCounters.NotForUs, Is.EqualTo(1));
        Assert.That(t.Host.Ip.Neighbors!.Peek(RawPeer.V4, out _), Is.EqualTo(NeighborState.Empty));
    }

    [Test]
    public void Gratuitous_arp_announces_each_address_at_start_and_on_request()
    {
        var (hostLink, peerLink) = Ethox.Nic.Pipe.CreatePair(16);
        var host = new TestHost(TwoHosts.MacA);
        var peer = new RawPeer(peerLink);
        host.Ip.AddAddress(TwoHosts.V4A, 24, Instant.Zero);
        host.Poll(hostLink, Instant.Zero);
        var first = peer.Drain(Instant.Zero).Select(ParseArp).ToList();
        Assert.That(first, Is.EqualTo(new[] { new ArpRepr(ArpOperation.Request, TwoHosts.MacA, TwoHosts.V4A, default, TwoHosts.V4A) }));
        host.Ip.AnnounceAddresses();
        host.Poll(hostLink, Instant.FromMilliseconds(5));
        Assert.That(peer.Drain(Instant.Zero).Select(ParseArp), Is.EqualTo(first));
        Assert.That(host.Ip.ArpCounters.Announcements, Is.EqualTo(2));
    }

    [Test]
    public void Another_station_claiming_our_address_is_counted_and_we_defend_once()
    {
        var t = new HostAndPeer();
        var sent = t.Exchange(RawPeer.Arp(ArpOperation.Request, TwoHosts.V4A, TwoHosts.V4A));
        Assert.That(t.Host.Ip.ArpCounters.Conflicts, Is.EqualTo(1));
        Assert.That(sent.Select(ParseArp).Single().SenderHardwareAddress, Is.EqualTo(TwoHosts.MacA));
        Assert.That(t.Host.Ip.Neighbors!.Peek(TwoHosts.V4A, out _), Is.EqualTo(NeighborState.Empty), "our own address never enters the cache");
    }

    [Test]
    public void Multicast_sender_hardware_address_is_refused()
    {
        var t = new HostAndPeer();
        var hostile = RawPeer.Arp(ArpOperation.Request, RawPeer.V4, TwoHosts.V4A, senderMac: new EthernetAddress(0x01, 0, 0x5e, 0, 0, 1));
        Assert.That(t.Exchange(hostile), Is.Empty);
        Assert.That(t.Host.Ip.ArpCounters.Errors.Malformed, Is.EqualTo(1));
        Assert.That(t.Host.Ip.Neighbors!.Entries.ToArray().All(e => e.State == NeighborState.Empty), Is.True);
    }

    [Test]
    public void Unanswered_resolution_retries_three_times_then_drops_the_held_packet_counted()
    {
        var t = new HostAndPeer(ipv6: false);
        t.Host.Udp.Bind(5000);
        t.Host.App.Queue(new TransportAddress(RawPeer.V4, 9), 5000, "lost"u8);
        var first = t.Advance(Duration.Zero).Select(ParseArp).ToList();
        Assert.That(first, Has.Count.EqualTo(1));
        Assert.That(first[0].TargetProtocolAddress, Is.EqualTo(RawPeer.V4));
        Assert.That(t.Host.Ip.Counters.Held, Is.EqualTo(1));
        Assert.That(t.Advance(Duration.FromMilliseconds(500)), Is.Empty, "rate limited to one request per second");
        Assert.That(t.Advance(Duration.FromMilliseconds(500)).Count, Is.EqualTo(1));
        Assert.That(t.Advance(Duration.FromSeconds(1)).Count, Is.EqualTo(1));
        Assert.That(t.Advance(Duration.FromSeconds(1)), Is.Empty);
        t.Advance(Duration.FromSeconds(1));
        Assert.That(t.Host.Ip.ArpCounters.RequestsSent, Is.EqualTo(3));
        Assert.That(t.Host.Ip.Counters.DroppedUnresolved, Is.EqualTo(1));
        Assert.That(t.Host.Ip.Hold!.Count, Is.Zero);
    }

    [Test]
    public void Held_packet_leaves_as_soon_as_the_reply_arrives()
    {
        var t = new HostAndPeer(ipv6: false);
        t.Host.Udp.Bind(5000);
        t.Host.App.Queue(new TransportAddress(RawPeer.V4, 9), 5000, "held"u8);
        t.Advance(Duration.Zero);
        var sent = t.Exchange(RawPeer.Arp(ArpOperation.Reply, RawPeer.V4, TwoHosts.V4A, destination: TwoHosts.MacA));
        Assert.That(sent, Has.Count.EqualTo(1));
        EthernetFrame.TryParse(sent[0], out var eth, out _);
        Assert.That(eth.Destination, Is.EqualTo(RawPeer.Mac));
        Assert.That(Ipv4Repr.TryParse(eth.Payload, out var ip, out _), Is.True);
        Assert.That(ip.Protocol, Is.EqualTo(IpProtocol.Udp));
        Assert.That(t.Host.Ip.Neighbors!.Peek(RawPeer.V4, out _), Is.EqualTo(NeighborState.Reachable));
    }

    [Test]
    public void Stale_entry_in_use_is_revalidated_with_a_unicast_probe_after_the_delay()
    {
        var t = new HostAndPeer(ipv6: false);
        t.Exchange(RawPeer.Arp(ArpOperation.Request, RawPeer.V4, TwoHosts.V4A)); // entry learned, stale
        t.Host.Udp.Bind(5000);
        t.Host.App.Queue(new TransportAddress(RawPeer.V4, 9), 5000, "x"u8);
        var sent = t.Advance(Duration.Zero);
        Assert.That(sent, Has.Count.EqualTo(1), "a stale entry is used at once (RFC 4861 §7.3.3)");
        Assert.That(t.Host.Ip.Neighbors!.Peek(RawPeer.V4, out _), Is.EqualTo(NeighborState.Delay));
        var probe = t.Advance(Duration.FromSeconds(5)).Select(f => { EthernetFrame.TryParse(f, out var e, out _); return (e.Destination, ParseArp(f)); }).Single();
        Assert.That(probe.Destination, Is.EqualTo(RawPeer.Mac), "probe is unicast");
        Assert.That(probe.Item2.TargetProtocolAddress, Is.EqualTo(RawPeer.V4));
    }
}
