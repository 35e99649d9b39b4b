using System;
using System.Buffers.Binary;
using Ethox.Appliance;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Appliance;

/// <summary>
/// The appliance's neighbour gleaning for <c>--queues</c>: a queue that never sees the ARP replies (the kernel's hash gives
/// them all to one queue) learns the kernel's address from the unicast IP packets the kernel sends it (RFC 4861 §7.3.1 hint).
/// </summary>
public class NeighborGleanerTests
{
    private static readonly EthernetAddress Ours = EthernetAddress.Parse("02:00:5e:10:00:03");
    private static readonly EthernetAddress Peer = EthernetAddress.Parse("02:00:5e:10:00:02");
    private static readonly Instant Now = Instant.FromMilliseconds(1000);

    private struct CountingStack : IRecv<RawPacket>, ISend<RawPacket>, ITimed
    {
        public int Received;
        public readonly Instant NextDeadline() => Instant.Never;
        public void Receive(RawPacket packet) => Received++;
        public readonly void Send(RawPacket packet) { }
    }

    private static IpEndpoint Endpoint()
    {
        var ip = new IpEndpoint(new EthernetEndpoint(Ours), 1500, 4, new RouteTable(4), new NeighborCache(16, SipHash.WithRandomKey()));
        Assert.That(ip.AddAddress(Ipv4Address.Parse("198.18.0.3"), 24, Now), Is.EqualTo(AddressUpdate.Added));
        return ip;
    }

    private static byte[] Ipv4Frame(EthernetAddress destination, string source)
    {
        var frame = new byte[64];
        destination.WriteTo(frame);
        Peer.WriteTo(frame.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        frame[14] = 0x45;
        Ipv4Address.Parse(source).WriteTo(frame.AsSpan(26));
        Ipv4Address.Parse("198.18.0.3").WriteTo(frame.AsSpan(30));
        return frame;
    }

    private static NeighborState StateOf(IpEndpoint ip, string address, out EthernetAddress link)
    {
        foreach (var e in ip.Neighbors!.Entries)
            if (e.State != NeighborState.Empty && e.Address == (IpAddress)Ipv4Address.Parse(address))
            {
                link = e.LinkAddress;
                return e.State;
            }
        link = default;
        return NeighborState.Empty;
    }

    private static void Deliver(ref NeighborGleaner<CountingStack> gleaner, byte[] frame)
    {
        var verdict = new PacketVerdict();
        gleaner.Receive(new RawPacket(frame, frame.Length, Now, ref verdict));
    }

    [Test]
    public void A_unicast_packet_from_an_on_link_sender_makes_it_a_reachable_neighbour()
    {
        var ip = Endpoint();
        var gleaner = new NeighborGleaner<CountingStack>(default, ip, Ours);
        Deliver(ref gleaner, Ipv4Frame(Ours, "198.18.0.2"));
        Assert.That(gleaner.Stack.Received, Is.EqualTo(1), "the frame still goes up the stack");
        Assert.That(StateOf(ip, "198.18.0.2", out var link), Is.EqualTo(NeighborState.Reachable));
        Assert.That(link, Is.EqualTo(Peer));
    }

    [Test]
    public void Off_link_senders_and_frames_for_another_address_teach_nothing()
    {
        var ip = Endpoint();
        var gleaner = new NeighborGleaner<CountingStack>(default, ip, Ours);
        Deliver(ref gleaner, Ipv4Frame(Ours, "198.19.0.9"));
        Deliver(ref gleaner, Ipv4Frame(EthernetAddress.Parse("02:00:5e:10:00:99"), "198.18.0.4"));
        Deliver(ref gleaner, Ipv4Frame(EthernetAddress.Broadcast, "198.18.0.5"));
        Assert.That(gleaner.Stack.Received, Is.EqualTo(3));
        Assert.That(StateOf(ip, "198.19.0.9", out _), Is.EqualTo(NeighborState.Empty));
        Assert.That(StateOf(ip, "198.18.0.4", out _), Is.EqualTo(NeighborState.Empty));
        Assert.That(StateOf(ip, "198.18.0.5", out _), Is.EqualTo(NeighborState.Empty));
    }

    [Test]
    public void Gleaning_allocates_nothing()
    {
        var ip = Endpoint();
        var gleaner = new NeighborGleaner<CountingStack>(default, ip, Ours);
        var frame = Ipv4Frame(Ours, "198.18.0.2");
        Deliver(ref gleaner, frame);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) Deliver(ref gleaner, frame);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(gleaner.Stack.Received, Is.EqualTo(10_001));
        Assert.That(StateOf(ip, "198.18.0.2", out _), Is.EqualTo(NeighborState.Reachable));
    }
}
