using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Layer.Udp;
using Ethox.Nic;
using Ethox.Wire;

namespace Ethox.Tests.Layer;

/// <summary>
/// What a <see cref="ProbeTransport"/> saw, and what it is told to do: send datagrams of its protocol (from a
/// pinned source when one is set), answer received ones through <see cref="IpPacket.ReplyPayload"/>, report a deadline.
/// </summary>
public sealed class TransportProbe
{
    public IpProtocol Protocol = IpProtocol.Tcp;

    // receiving
    public int Received;
    /// <summary>The first bytes of the last payload, read before any reply was written.</summary>
    public readonly byte[] Head = new byte[16];
    public int LastLength;
    public int Errors;
    public IcmpTransportError LastError;

    // sending
    public int ToSend;
    public IpAddress Destination;
    public IpAddress? Source;
    public int Length = 100;
    public IpSendOptions Options;
    /// <summary>Send only at or after this time (a timer), and report it as the deadline meanwhile.</summary>
    public Instant Deadline = Instant.Never;
    public bool SendOnlyWhenDue;
    public int Sent, PrepareFailures, SendFailures;
    public Instant LastSent;
    /// <summary><see cref="IpPacket.MaxPayload"/> toward <see cref="Destination"/> at the last transmit call.</summary>
    public int MaxPayload = -1;

    // replying
    public int ReplyLength = -1;
    public IpSendOptions ReplyOptions;
    public int ReplyRoom = -1;
    public bool ReplyResult;
}

/// <summary>A transport for tests, in any slot of a <see cref="TransportMux{TTcp, TUdp, TIcmp}"/>: a value type over a <see cref="TransportProbe"/>.</summary>
public readonly struct ProbeTransport(TransportProbe probe) : IRecv<IpPacket>, ISend<IpPacket>, ITimed, ITransportErrors
{
    public TransportProbe Probe => probe;

    public void Receive(IpPacket packet)
    {
        probe.Received++;
        var payload = packet.Payload;
        probe.LastLength = payload.Length;
        payload[..Math.Min(payload.Length, probe.Head.Length)].CopyTo(probe.Head);
        if (probe.ReplyLength < 0) return;
        var room = packet.ReplyPayload;
        probe.ReplyRoom = room.Length;
        Pattern(room[..Math.Min(probe.ReplyLength, room.Length)]);
        probe.ReplyResult = packet.Reply(probe.ReplyLength, probe.ReplyOptions);
    }

    public void Send(IpPacket packet)
    {
        if (!probe.Destination.IsUnspecified) probe.MaxPayload = packet.MaxPayload(probe.Destination);
        if (probe.ToSend <= 0 || (probe.SendOnlyWhenDue && packet.Timestamp < probe.Deadline)) return;
        bool prepared = probe.Source is { } source
            ? packet.TryPrepare(source, probe.Destination, probe.Protocol, probe.Length, probe.Options, out var payload)
            : packet.TryPrepare(probe.Destination, probe.Protocol, probe.Length, out payload);
        if (!prepared)
        {
            probe.PrepareFailures++;
            return;
        }
        Pattern(payload);
        if (!packet.Send())
        {
            probe.SendFailures++;
            return;
        }
        probe.Sent++;
        probe.ToSend--;
        probe.LastSent = packet.Timestamp;
        if (probe.SendOnlyWhenDue) probe.Deadline = Instant.Never;
    }

    public Instant NextDeadline() => probe.ToSend > 0 ? probe.Deadline : Instant.Never;

    public void ReceiveError(in IcmpTransportError error)
    {
        probe.Errors++;
        probe.LastError = error;
    }

    public static void Pattern(Span<byte> bytes)
    {
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(i * 7 + 1);
    }
}

/// <summary>One Ethox host with a transport multiplexer: probes in the TCP and ICMP slots, the real UDP layer between them.</summary>
public sealed class MuxHost
{
    public readonly EthernetEndpoint Ethernet;
    public readonly IpEndpoint Ip;
    public readonly UdpEndpoint Udp = new();
    public readonly UdpApp App = new();
    public readonly TransportProbe Tcp = new(), Icmp = new() { Protocol = IpProtocol.Icmp };
    public EthernetLayer<IpLayer<TransportMux<ProbeTransport, UdpLayer<UdpAppHandler>, ProbeTransport>>> Stack;

    public MuxHost(EthernetAddress mac, int mtu = 1500, bool keepPayloads = true)
    {
        Ethernet = new EthernetEndpoint(mac);
        Ip = new IpEndpoint(Ethernet, mtu, 8, new RouteTable(16), new NeighborCache(32, SipHash.WithRandomKey()))
        {
            Hold = new HoldQueue(new byte[4 * mtu], mtu),
            Reassembler = new Reassembler(new byte[4 * Reassembler.LargestUsefulSlot], Reassembler.LargestUsefulSlot),
            Fragmenter = new Fragmenter(new byte[ushort.MaxValue]),
            PathMtu = new PathMtuTable(16, SipHash.WithRandomKey()),
        };
        Stack = new(Ethernet, new(Ip, new(new ProbeTransport(Tcp), new UdpLayer<UdpAppHandler>(Udp, new UdpAppHandler(App, keepPayloads)), new ProbeTransport(Icmp))));
    }

    public ref TransportMux<ProbeTransport, UdpLayer<UdpAppHandler>, ProbeTransport> Mux => ref Stack.Upper.Upper;

    public int Poll<TDevice>(TDevice device, Instant now) where TDevice : IDevice
        => device.Receive(64, ref Stack, now) + device.Transmit(64, ref Stack, now);
}

/// <summary>A <see cref="MuxHost"/> on end A of a pipe with addresses v4 and v6 (DAD done), the test's <see cref="RawPeer"/> on end B, already a known neighbour.</summary>
public sealed class MuxAndPeer
{
    public readonly PipeEnd HostLink, PeerLink;
    public readonly MuxHost Host;
    public readonly RawPeer Peer;
    public Instant Now = Instant.FromMilliseconds(1000);
    public static readonly Ipv4Address Router4 = new(198, 18, 0, 254);
    public static readonly Ipv6Address Router6 = Ipv6Address.Parse("2001:db8::fe");

    public MuxAndPeer(int mtu = 1500, bool keepPayloads = true)
    {
        (HostLink, PeerLink) = Pipe.CreatePair(256, mtu);
        Host = new MuxHost(TwoHosts.MacA, mtu, keepPayloads);
        Peer = new RawPeer(PeerLink);
        Host.Ip.AddAddress(TwoHosts.V4A, 24, Now);
        Host.Ip.AddAddress(TwoHosts.V6A, 64, Now);
        Host.Poll(HostLink, Now);
        Now += Duration.FromSeconds(2);
        Host.Poll(HostLink, Now);
        foreach (var address in new IpAddress[] { RawPeer.V4, RawPeer.V6 })
            Host.Ip.Neighbors!.Update(address, RawPeer.Mac, Now, confirmed: true, createIfMissing: true);
        Peer.Drain(Now); // start-up chatter: gratuitous ARP, DAD probes
    }

    /// <summary>Injects a frame, lets the host handle it and send, returns (a copy of the list of) what it sent.</summary>
    public List<byte[]> Exchange(ReadOnlySpan<byte> frame)
    {
        Peer.Inject(frame, Now);
        Host.Poll(HostLink, Now);
        return [.. Peer.Drain(Now)];
    }

    /// <summary>One transmit call of up to <paramref name="max"/> buffers; (a copy of the list of) what went out.</summary>
    public List<byte[]> Transmit(int max = 64)
    {
        HostLink.Transmit(max, ref Host.Stack, Now);
        return [.. Peer.Drain(Now)];
    }
}

/// <summary>Hand-made ICMP errors quoting datagrams "we" sent, and views of what the host sent.</summary>
public static class IcmpErrors
{
    /// <summary>The first 20 bytes of a TCP header: ports and sequence number, the rest zero.</summary>
    public static byte[] TcpHead(ushort sourcePort, ushort destinationPort, uint sequence)
    {
        var tcp = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(2), destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp.AsSpan(4), sequence);
        tcp[12] = 5 << 4;
        return tcp;
    }

    /// <summary>The start of an IPv4 datagram of <paramref name="totalLength"/> bytes: its header and <paramref name="transport"/> (what a router quotes).</summary>
    public static byte[] Quote4(Ipv4Address source, Ipv4Address destination, IpProtocol protocol, ReadOnlySpan<byte> transport, int totalLength, ushort fragmentOffset = 0)
    {
        var whole = new byte[Math.Max(totalLength, 20 + transport.Length)];
        new Ipv4Repr(source, destination, protocol, whole.Length - 20, 64) { DontFragment = fragmentOffset == 0, FragmentOffset = fragmentOffset }.TryEmit(whole);
        transport.CopyTo(whole.AsSpan(20));
        return whole[..(20 + transport.Length)];
    }

    /// <summary>The start of an IPv6 packet of <paramref name="totalLength"/> bytes, with <paramref name="extensions"/> (a ready chain ending in the transport's number) before <paramref name="transport"/>.</summary>
    public static byte[] Quote6(Ipv6Address source, Ipv6Address destination, IpProtocol first, ReadOnlySpan<byte> extensions, ReadOnlySpan<byte> transport, int totalLength)
    {
        int start = 40 + extensions.Length + transport.Length;
        var whole = new byte[Math.Max(totalLength, start)];
        new Ipv6Repr(source, destination, first, whole.Length - 40, 64).TryEmit(whole);
        extensions.CopyTo(whole.AsSpan(40));
        transport.CopyTo(whole.AsSpan(40 + extensions.Length));
        return whole[..start];
    }

    /// <summary>An 8-byte Destination Options header (only padding) followed by <paramref name="next"/>.</summary>
    public static byte[] DestinationOptions(IpProtocol next) => [(byte)next, 0, 1, 4, 0, 0, 0, 0];

    public static byte[] Error4(Ipv4Address reporter, Icmpv4Type type, byte code, ushort mtu, ReadOnlySpan<byte> quote, Ipv4Address? to = null)
    {
        var repr = new Icmpv4Repr { Type = type, Code = code, NextHopMtu = mtu, PayloadLength = quote.Length };
        var icmp = new byte[repr.BufferLength];
        repr.TryEmit(icmp, quote);
        return RawPeer.Ipv4(reporter, to ?? TwoHosts.V4A, IpProtocol.Icmp, icmp);
    }

    public static byte[] Error6(Ipv6Address reporter, Icmpv6Type type, byte code, uint mtu, ReadOnlySpan<byte> quote, Ipv6Address? to = null)
    {
        var repr = new Icmpv6Repr { Type = type, Code = code, Mtu = mtu, PayloadLength = quote.Length };
        var icmp = new byte[repr.BufferLength];
        repr.TryEmit(icmp, reporter, to ?? TwoHosts.V6A, quote);
        return RawPeer.Ipv6(reporter, to ?? TwoHosts.V6A, IpProtocol.Icmpv6, icmp);
    }

    /// <summary>The IP packet in an Ethernet frame the host sent (no VLAN).</summary>
    public static Span<byte> IpOf(byte[] frame) => frame.AsSpan(14);

    /// <summary>The IP protocol of a frame the host sent (IPv4 or IPv6 without extension headers).</summary>
    public static IpProtocol ProtocolOf(byte[] frame)
    {
        var ip = IpOf(frame);
        return (ip[0] >> 4) == 4 ? (IpProtocol)ip[9] : (IpProtocol)ip[6];
    }
}
