using System;
using System.Collections.Generic;
using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

public class FragmentationLayerTests
{
    // Splits an IP packet into Ethernet frames with our own fragmenter (checked against tshark and scapy in FragmenterTests).
    private static List<byte[]> Fragment(byte[] ipPacket, uint id, int mtu = 1500)
    {
        var fragmenter = new Fragmenter(new byte[ushort.MaxValue]);
        ipPacket.CopyTo(fragmenter.Reserve(ipPacket.Length));
        Assert.That(fragmenter.Commit(ipPacket.Length, id, mtu), Is.EqualTo(FragmentationStatus.Ready));
        var frames = new List<byte[]>();
        var buffer = new byte[mtu];
        while (fragmenter.TryEmitNext(buffer, out int length))
            frames.Add(RawPeer.Ethernet(TwoHosts.MacA, (buffer[0] >> 4) == 4 ? EtherType.Ipv4 : EtherType.Ipv6, buffer.AsSpan(0, length)));
        return frames;
    }

    private static byte[] Reassemble(List<byte[]> frames, Instant now)
    {
        var reassembler = new Reassembler(new byte[Reassembler.LargestUsefulSlot], Reassembler.LargestUsefulSlot);
        foreach (var frame in frames)
        {
            Assert.That(EthernetFrame.TryParse(frame, out var eth, out _), Is.True);
            Assert.That(eth.Payload.Length, Is.LessThanOrEqualTo(1500), "no frame above the MTU");
            var status = eth.EtherType == EtherType.Ipv4
                ? (Ipv4Packet.TryParse(eth.Payload, out var v4, out _) ? reassembler.TryAddIpv4(v4, now, out var whole) : throw new AssertionException("bad IPv4"))
                : (Ipv6Packet.TryParse(eth.Payload, out var v6, out _) ? reassembler.TryAddIpv6(v6, now, out whole) : throw new AssertionException("bad IPv6"));
            if (status == ReassemblyStatus.Complete) return whole.ToArray();
        }
        throw new AssertionException("not reassembled");
    }

    [Test]
    public void Fragmented_8000_byte_ping_is_reassembled_and_answered_in_fragments()
    {
        var t = new HostAndPeer();
        var request = RawPeer.Echo4(RawPeer.V4, TwoHosts.V4A, 42, 1, 8000).AsSpan(14).ToArray();
        var frames = Fragment(request, 0x4242);
        Assert.That(frames, Has.Count.EqualTo(6));
        foreach (var frame in frames) t.Peer.Inject(frame, t.Now);
        for (int i = 0; i < 10; i++) t.Host.Poll(t.HostLink, t.Now);
        var reply = Reassemble(t.Peer.Drain(t.Now), t.Now);
        Assert.That(Ipv4Packet.TryParse(reply, out var ip, out _), Is.True);
        Assert.That(Icmpv4Packet.TryParse(ip.Payload, out var icmp, out _), Is.True);
        Assert.That(icmp.Type, Is.EqualTo(Icmpv4Type.EchoReply));
        Assert.That(icmp.VerifyChecksum(), Is.True);
        Assert.That(icmp.Payload.ToArray(), Is.EqualTo(request.AsSpan(28).ToArray()));
        Assert.That(t.Host.Ip.Counters.Reassembled, Is.EqualTo(1));
        Assert.That(t.Host.Ip.Counters.FragmentsOut, Is.EqualTo(6));
    }

    [Test]
    public void Fragmented_ping_over_ipv6_is_reassembled_and_answered_in_fragments()
    {
        var t = new HostAndPeer();
        var request = RawPeer.Echo6(RawPeer.V6, TwoHosts.V6A, 43, 2, 8000).AsSpan(14).ToArray();
        foreach (var frame in Fragment(request, 0x01020304)) t.Peer.Inject(frame, t.Now);
        for (int i = 0; i < 10; i++) t.Host.Poll(t.HostLink, t.Now);
        var reply = Reassemble(t.Peer.Drain(t.Now), t.Now);
        Assert.That(Ipv6Packet.TryParse(reply, out var ip, out _), Is.True);
        Assert.That(Icmpv6Packet.TryParse(ip.Payload, out var icmp, out _), Is.True);
        Assert.That(icmp.Type, Is.EqualTo(Icmpv6Type.EchoReply));
        Assert.That(icmp.VerifyChecksum(ip.Source, ip.Destination), Is.True);
        Assert.That(icmp.Payload.Length, Is.EqualTo(8000));
    }

    [Test]
    public void Large_udp_datagram_between_two_stacks_goes_in_fragments_both_ways()
    {
        var net = new TwoHosts();
        net.A.Udp.Bind(7);
        net.A.App.Echo = true;
        net.B.Udp.Bind(40000);
        net.Run();
        net.Advance(Duration.FromSeconds(1)); // DAD done
        var data = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        foreach (var destination in new IpAddress[] { TwoHosts.V4A, TwoHosts.V6A })
        {
            net.B.App.Queue(new TransportAddress(destination, 7), 40000, data);
            int before = net.B.App.Received;
            net.Run(64);
            Assert.That(net.B.App.Received, Is.EqualTo(before + 1), $"{destination}: B ip {Dump.Of(net.B.Ip.Counters)} | A ip {Dump.Of(net.A.Ip.Counters)} | A udp {Dump.Of(net.A.Udp.Counters)} | B ndisc {Dump.Of(net.B.Ip.NdiscCounters)}");
            Assert.That(net.B.App.LastPayload, Is.EqualTo(data), destination.ToString());
        }
        Assert.That(net.A.Ip.Counters.Reassembled, Is.EqualTo(2));
        Assert.That(net.B.Ip.Counters.Reassembled, Is.EqualTo(2));
    }

    [Test]
    public void Incomplete_datagram_times_out_with_time_exceeded_when_fragment_zero_came()
    {
        var t = new HostAndPeer();
        t.Exchange(RawPeer.Arp(ArpOperation.Request, RawPeer.V4, TwoHosts.V4A)); // the host knows the sender's link address
        var request = RawPeer.Echo4(RawPeer.V4, TwoHosts.V4A, 44, 3, 3000).AsSpan(14).ToArray();
        var frames = Fragment(request, 0x4444);
        t.Peer.Inject(frames[0], t.Now); // the rest never comes
        t.Host.Poll(t.HostLink, t.Now);
        Assert.That(t.Advance(Duration.FromSeconds(59)), Is.Empty);
        var sent = t.Advance(Duration.FromSeconds(2));
        Assert.That(sent, Has.Count.EqualTo(1));
        EthernetFrame.TryParse(sent[0], out var eth, out _);
        Ipv4Packet.TryParse(eth.Payload, out var ip, out _);
        Icmpv4Packet.TryParse(ip.Payload, out var icmp, out _);
        Assert.That(icmp.Type, Is.EqualTo(Icmpv4Type.TimeExceeded));
        Assert.That(icmp.Code, Is.EqualTo((byte)Icmpv4TimeExceededCode.FragmentReassemblyTimeExceeded));
        Assert.That(ip.Destination, Is.EqualTo(RawPeer.V4));
    }
}
