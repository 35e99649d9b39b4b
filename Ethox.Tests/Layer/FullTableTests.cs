using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

/// <summary>Full tables are statuses and counters, never growth or exceptions (design principle 1).</summary>
public class FullTableTests
{
    [Test]
    public void Full_hold_queue_drops_the_packet_counted_and_still_sends_the_request()
    {
        var t = new HostAndPeer(ipv6: false);
        t.Host.Udp.Bind(5000);
        int capacity = t.Host.Ip.Hold!.Capacity;
        for (int i = 0; i < capacity + 2; i++)
        {
            t.Host.App.Queue(new TransportAddress(new Ipv4Address(198, 18, 0, (byte)(100 + i)), 9), 5000, "x"u8);
            t.Advance(Duration.Zero);
        }
        Assert.That(t.Host.Ip.Hold.Count, Is.EqualTo(capacity));
        Assert.That(t.Host.Ip.Counters.DroppedUnresolved, Is.EqualTo(2));
        Assert.That(t.Host.Ip.ArpCounters.RequestsSent, Is.EqualTo(capacity + 2));
    }

    [Test]
    public void Full_address_table_and_full_group_table_are_statuses()
    {
        var eth = new EthernetEndpoint(TwoHosts.MacA, groupCapacity: 2);
        var ip = new IpEndpoint(eth, 1500, 2, new RouteTable(4), new NeighborCache(4, SipHash.WithRandomKey()));
        Assert.That(ip.AddAddress(new Ipv4Address(198, 18, 0, 1), 24, Instant.Zero), Is.EqualTo(AddressUpdate.Added));
        Assert.That(ip.AddAddress(TwoHosts.V6A, 64, Instant.Zero), Is.EqualTo(AddressUpdate.Added));
        Assert.That(ip.AddAddress(new Ipv4Address(198, 18, 1, 1), 24, Instant.Zero), Is.EqualTo(AddressUpdate.Full));
        Assert.That(ip.AddAddress(new Ipv4Address(224, 0, 0, 5), 24, Instant.Zero), Is.EqualTo(AddressUpdate.Invalid));
        Assert.That(ip.AddAddress(new Ipv4Address(198, 18, 0, 1), 24, Instant.Zero), Is.EqualTo(AddressUpdate.Updated));
        Assert.That(eth.Join(new EthernetAddress(0x01, 0, 0x5e, 0, 0, 9)), Is.False, "solicited-node and all-nodes groups fill the table of two");
    }

    [Test]
    public void Full_route_table_refuses_new_routes()
    {
        var routes = new RouteTable(1);
        Assert.That(routes.AddDefault(new Ipv4Address(198, 18, 0, 254)), Is.EqualTo(RouteUpdate.Added));
        Assert.That(routes.Add(new Ipv4Address(198, 19, 0, 0), 16, default), Is.EqualTo(RouteUpdate.Full));
    }
}
