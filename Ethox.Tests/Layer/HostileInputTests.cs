using System;
using Ethox.Layer;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

public class HostileInputTests
{
    [Test]
    public void Random_and_mutated_frames_never_throw_are_counted_and_leave_the_stack_working()
    {
        var t = new HostAndPeer();
        t.Host.Udp.Bind(7);
        t.Host.App.Echo = true;
        var random = new Random(20261123);
        byte[][] seeds =
        [
            RawPeer.Echo4(RawPeer.V4, TwoHosts.V4A, 1, 1, 40),
            RawPeer.Echo6(RawPeer.V6, TwoHosts.V6A, 1, 1, 40),
            RawPeer.Udp4(RawPeer.V4, TwoHosts.V4A, 1, 7, "abc"u8),
            RawPeer.Arp(ArpOperation.Request, RawPeer.V4, TwoHosts.V4A),
            RawPeer.Ndisc(NdiscRepr.NeighborSolicitation(TwoHosts.V6A, RawPeer.Mac), RawPeer.V6, TwoHosts.V6A.SolicitedNode, EthernetAddress.FromIpv6Multicast(TwoHosts.V6A.SolicitedNode)),
        ];
        for (int i = 0; i < 20_000; i++)
        {
            byte[] frame;
            if (i % 10 == 0)
            {
                frame = new byte[random.Next(0, 1515)];
                random.NextBytes(frame);
            }
            else
            {
                frame = (byte[])seeds[random.Next(seeds.Length)].Clone();
                int flips = random.Next(1, 6);
                for (int f = 0; f < flips; f++) frame[random.Next(frame.Length)] = (byte)random.Next(256);
                if (random.Next(4) == 0) Array.Resize(ref frame, random.Next(frame.Length + 1));
            }
            t.Peer.Inject(frame, t.Now);
            t.Host.Poll(t.HostLink, t.Now);
            t.Now += Duration.FromMilliseconds(1);
        }
        t.Peer.Drain(t.Now);
        var e = t.Host.Ethernet.Counters;
        var ip = t.Host.Ip.Counters;
        Assert.That(e.FramesIn, Is.EqualTo(20_000));
        Assert.That(e.Dropped + e.Delivered, Is.EqualTo(e.FramesIn), "every frame is delivered or counted as dropped");
        Assert.That(ip.Errors.Total + t.Host.Ip.ArpCounters.Errors.Total + t.Host.Ip.IcmpCounters.Errors.Total, Is.GreaterThan(1000));
        Assert.That(t.Host.Ip.IsOurAddress(TwoHosts.V4A) && t.Host.Ip.IsOurAddress(TwoHosts.V6A), Is.True, "addresses intact");
        // Still answers afterwards.
        var sent = t.Exchange(RawPeer.Echo4(RawPeer.V4, TwoHosts.V4A, 9, 9, 16));
        Assert.That(sent, Has.Count.EqualTo(1));
        EthernetFrame.TryParse(sent[0], out var eth, out _);
        Ipv4Packet.TryParse(eth.Payload, out var reply, out _);
        Assert.That(reply.Destination, Is.EqualTo(RawPeer.V4));
    }

    [Test]
    public void Frames_for_other_stations_vlans_and_our_own_source_are_dropped_by_reason()
    {
        var t = new HostAndPeer();
        t.Exchange(RawPeer.Echo4(RawPeer.V4, TwoHosts.V4A, 1, 1, 8, new EthernetAddress(0x02, 9, 9, 9, 9, 9)));
        t.Exchange(RawPeer.Echo4(RawPeer.V4, TwoHosts.V4A, 1, 1, 8, new EthernetAddress(0x01, 0, 0x5e, 1, 2, 3)));
        var own = RawPeer.Ethernet(TwoHosts.MacA, EtherType.Ipv4, new byte[40], source: TwoHosts.MacA);
        t.Exchange(own);
        var tagged = new byte[64];
        new EthernetRepr(RawPeer.Mac, TwoHosts.MacA, EtherType.Ipv4) { OuterTag = new VlanTag(EtherType.Vlan, 0, false, 5) }.TryEmit(tagged);
        t.Exchange(tagged);
        var c = t.Host.Ethernet.Counters;
        Assert.That(c.DroppedNotForUs, Is.EqualTo(2));
        Assert.That(c.DroppedOwnSource, Is.EqualTo(1));
        Assert.That(c.DroppedWrongVlan, Is.EqualTo(1));
    }

    [Test]
    public void On_a_vlan_only_frames_with_our_tag_are_accepted_and_answers_carry_it()
    {
        var t = new HostAndPeer();
        t.Host.Ethernet.VlanId = 5;
        var untagged = RawPeer.Echo4(RawPeer.V4, TwoHosts.V4A, 1, 1, 8);
        Assert.That(t.Exchange(untagged), Is.Empty);
        var tagged = new byte[untagged.Length + 4];
        new EthernetRepr(RawPeer.Mac, TwoHosts.MacA, EtherType.Ipv4) { OuterTag = new VlanTag(EtherType.Vlan, 0, false, 5) }.TryEmit(tagged);
        untagged.AsSpan(14).CopyTo(tagged.AsSpan(18));
        var sent = t.Exchange(tagged);
        Assert.That(sent, Has.Count.EqualTo(1));
        Assert.That(EthernetFrame.TryParse(sent[0], out var eth, out _), Is.True);
        Assert.That(eth.TagCount, Is.EqualTo(1));
        Assert.That(eth.Tag(0).VlanId, Is.EqualTo(5));
        Assert.That(Ipv4Packet.TryParse(eth.Payload, out var ip, out _), Is.True);
        Assert.That(ip.Destination, Is.EqualTo(RawPeer.V4));
    }
}
