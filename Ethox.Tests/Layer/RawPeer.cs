using System;
using System.Collections.Generic;
using Ethox.Layer;
using Ethox.Nic;
using Ethox.Wire;

namespace Ethox.Tests.Layer;

/// <summary>The far end of a pipe driven by the test itself: injects hand-made frames, collects what the stack sends.</summary>
public sealed class RawPeer
{
    public static readonly EthernetAddress Mac = new(0x02, 0, 0, 0, 0, 0x77);
    public static readonly Ipv4Address V4 = new(198, 18, 0, 77);
    public static readonly Ipv6Address V6 = Ipv6Address.Parse("2001:db8::77");
    public static readonly Ipv6Address LinkLocal = Ipv6Address.LinkLocalFromMac(Mac);

    private readonly PipeEnd _end;
    public readonly List<byte[]> Frames = new();
    /// <summary>The offload metadata of each frame in <see cref="Frames"/> (what the stack left the device to finish).</summary>
    public readonly List<PacketOffload> Offloads = new();

    public RawPeer(PipeEnd end) => _end = end;

    /// <summary>Sends a frame to the stack, with the metadata a device would give it (over a pipe with offloads).</summary>
    public void Inject(ReadOnlySpan<byte> frame, Instant now, PacketOffload offload = default)
    {
        var sender = new OneFrame(frame.ToArray(), offload);
        _end.Transmit(1, ref sender, now);
    }

    /// <summary>Takes every frame the stack sent since the last call, as it came (a partial checksum unfinished: see <see cref="Offloads"/>).</summary>
    public List<byte[]> Drain(Instant now)
    {
        Frames.Clear();
        Offloads.Clear();
        var collector = new Collector(Frames, Offloads);
        while (_end.Receive(64, ref collector, now) > 0) { }
        return Frames;
    }

    /// <summary>Finishes the checksums of the drained frames that the stack left partial, as the device would on the wire.</summary>
    public void FinishChecksums()
    {
        for (int i = 0; i < Frames.Count; i++)
            if (!Offloads[i].TryFinishChecksum(Frames[i])) throw new InvalidOperationException("a partial checksum outside its frame");
    }

    private struct OneFrame(byte[] frame, PacketOffload offload) : ISend<RawPacket>
    {
        public void Send(RawPacket packet)
        {
            frame.CopyTo(packet.Capacity);
            if (offload == default) packet.Send(frame.Length);
            else if (!packet.Send(frame.Length, offload)) throw new InvalidOperationException("the pipe does not take this offload");
        }
    }

    private readonly struct Collector(List<byte[]> frames, List<PacketOffload> offloads) : IRecv<RawPacket>
    {
        public void Receive(RawPacket packet)
        {
            frames.Add(packet.Frame.ToArray());
            offloads.Add(packet.Offload);
        }
    }

    // ---- frame builders (our own reprs; tshark and the kernel check the same paths elsewhere) ----

    public static byte[] Ethernet(EthernetAddress destination, EtherType type, ReadOnlySpan<byte> payload, EthernetAddress? source = null)
    {
        var frame = new byte[14 + payload.Length];
        new EthernetRepr(source ?? Mac, destination, type).TryEmit(frame);
        payload.CopyTo(frame.AsSpan(14));
        return frame;
    }

    public static byte[] Arp(ArpOperation op, Ipv4Address sender, Ipv4Address target, EthernetAddress? senderMac = null, EthernetAddress? destination = null)
    {
        var arp = new byte[28];
        new ArpRepr(op, senderMac ?? Mac, sender, op == ArpOperation.Reply ? TwoHosts.MacA : default, target).TryEmit(arp);
        return Ethernet(destination ?? EthernetAddress.Broadcast, EtherType.Arp, arp, senderMac);
    }

    public static byte[] Ipv4(Ipv4Address source, Ipv4Address destination, IpProtocol protocol, ReadOnlySpan<byte> payload, EthernetAddress? linkDestination = null, byte ttl = 64)
    {
        var packet = new byte[20 + payload.Length];
        payload.CopyTo(packet.AsSpan(20));
        new Ipv4Repr(source, destination, protocol, payload.Length, ttl).TryEmit(packet);
        return Ethernet(linkDestination ?? TwoHosts.MacA, EtherType.Ipv4, packet);
    }

    public static byte[] Ipv6(Ipv6Address source, Ipv6Address destination, IpProtocol protocol, ReadOnlySpan<byte> payload, EthernetAddress? linkDestination = null, byte hopLimit = 64)
    {
        var packet = new byte[40 + payload.Length];
        payload.CopyTo(packet.AsSpan(40));
        new Ipv6Repr(source, destination, protocol, payload.Length, hopLimit).TryEmit(packet);
        return Ethernet(linkDestination ?? TwoHosts.MacA, EtherType.Ipv6, packet);
    }

    public static byte[] Echo4(Ipv4Address source, Ipv4Address destination, ushort id, ushort seq, int dataLength, EthernetAddress? linkDestination = null)
    {
        var repr = Icmpv4Repr.EchoRequest(id, seq, dataLength);
        var icmp = new byte[repr.BufferLength];
        var data = new byte[dataLength];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)i;
        repr.TryEmit(icmp, data);
        return Ipv4(source, destination, IpProtocol.Icmp, icmp, linkDestination);
    }

    public static byte[] Echo6(Ipv6Address source, Ipv6Address destination, ushort id, ushort seq, int dataLength, EthernetAddress? linkDestination = null)
    {
        var repr = Icmpv6Repr.EchoRequest(id, seq, dataLength);
        var icmp = new byte[repr.BufferLength];
        var data = new byte[dataLength];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 3);
        repr.TryEmit(icmp, source, destination, data);
        return Ipv6(source, destination, IpProtocol.Icmpv6, icmp, linkDestination);
    }

    public static byte[] Udp4(Ipv4Address source, Ipv4Address destination, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> data, EthernetAddress? linkDestination = null)
    {
        var udp = new byte[8 + data.Length];
        data.CopyTo(udp.AsSpan(8));
        new UdpRepr(sourcePort, destinationPort, data.Length).TryEmit(udp, source, destination);
        return Ipv4(source, destination, IpProtocol.Udp, udp, linkDestination);
    }

    public static byte[] Ndisc(NdiscRepr message, Ipv6Address source, Ipv6Address destination, EthernetAddress linkDestination, byte hopLimit = 255)
    {
        var icmp = new byte[message.BufferLength];
        message.TryEmit(icmp, source, destination);
        return Ipv6(source, destination, IpProtocol.Icmpv6, icmp, linkDestination, hopLimit);
    }
}

/// <summary>One Ethox host on end A of a pipe, the test's <see cref="RawPeer"/> on end B.</summary>
public sealed class HostAndPeer
{
    public readonly PipeEnd HostLink, PeerLink;
    public readonly TestHost Host;
    public readonly RawPeer Peer;
    public Instant Now = Instant.FromMilliseconds(1000);

    public HostAndPeer(bool ipv6 = true, int mtu = 1500, DeviceOffloads offloads = DeviceOffloads.None)
    {
        (HostLink, PeerLink) = Pipe.CreatePair(256, mtu, Medium.Ethernet, offloads);
        Host = new TestHost(TwoHosts.MacA, mtu);
        Peer = new RawPeer(PeerLink);
        Host.Ip.AddAddress(TwoHosts.V4A, 24, Now);
        if (ipv6)
        {
            Host.Ip.AddAddress(TwoHosts.V6A, 64, Now);
            Host.Ip.AddAddress(Ipv6Address.LinkLocalFromMac(TwoHosts.MacA), 64, Now);
        }
        Host.Poll(HostLink, Now);
        Now += Duration.FromSeconds(2);
        Host.Poll(HostLink, Now);
        Peer.Drain(Now); // start-up chatter: gratuitous ARP, DAD probes
    }

    /// <summary>Injects a frame, lets the host handle it and send, returns what it sent.</summary>
    public List<byte[]> Exchange(ReadOnlySpan<byte> frame, PacketOffload offload = default)
    {
        Peer.Inject(frame, Now, offload);
        Host.Poll(HostLink, Now);
        Host.Poll(HostLink, Now);
        return Peer.Drain(Now);
    }

    public List<byte[]> Advance(Duration d)
    {
        Now += d;
        Host.Poll(HostLink, Now);
        return Peer.Drain(Now);
    }
}
