using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ethox.Layer.Arp;
using Ethox.Layer.Ndisc;
using Ethox.Wire;

namespace Ethox.Layer.Ip;

/// <summary>The ICMP errors the IP layer originates.</summary>
internal enum IcmpErrorKind : byte
{
    PortUnreachable,
    ProtocolUnreachable,
    ReassemblyTimeExceeded,
}

/// <summary>
/// Everything the IP layer sends, for both families and both media: headers, next-hop resolution with the
/// hold queue, in-place replies and ICMP errors. Not generic, so the upper layer's type does not multiply it.
/// </summary>
internal static class IpOutput
{
    /// <summary>The header we put on datagrams we originate: no IPv4 options, no IPv6 extension headers.</summary>
    public static int HeaderLength(in IpAddress destination) => destination.IsV4 ? Ipv4Packet.MinHeaderLength : Ipv6Packet.HeaderLength;

    /// <summary>Writes our header at the start of <paramref name="buffer"/> (IPv4: DF when <paramref name="dontFragment"/>); returns the packet length.</summary>
    public static int WriteHeader(IpEndpoint endpoint, Span<byte> buffer, in IpAddress source, in IpAddress destination, IpProtocol protocol, int payloadLength, byte hopLimit, bool dontFragment = false)
    {
        if (destination.IsV4)
        {
            new Ipv4Repr(source.V4, destination.V4, protocol, payloadLength, hopLimit)
            {
                Identification = endpoint.NextIpv4Identification(),
                DontFragment = dontFragment,
            }.TryEmit(buffer);
            return Ipv4Packet.MinHeaderLength + payloadLength;
        }
        new Ipv6Repr(source.V6, destination.V6, protocol, payloadLength, hopLimit).TryEmit(buffer);
        return Ipv6Packet.HeaderLength + payloadLength;
    }

    // A call of its own (IpPacket.Send is a few instructions around it): its caller's inlining budget would otherwise run
    // out inside it, and the JIT would leave span and field accessors of the per-packet path as calls.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static IpOutcome SendPrepared(IpEndpoint endpoint, LinkFrame link, ref IpExchange x)
    {
        if (x.Large)
        {
            var buffer = ReserveLarge(endpoint, x.PayloadOffset + x.PayloadLength);
            int total = WriteHeader(endpoint, buffer, x.Source, x.Destination, x.Protocol, x.PayloadLength, x.HopLimit);
            return CommitLarge(endpoint, link, buffer[..total], x.Destination, null);
        }
        int length = WriteHeader(endpoint, link.Buffer, x.Source, x.Destination, x.Protocol, x.PayloadLength, x.HopLimit, x.DontFragment);
        var offload = TransportOffload(x, x.PayloadOffset);
        if (x.SegmentSize > 0)
        {
            // TSO: every segment repeats the IP and TCP headers (options included: the data offset's words).
            int headers = x.PayloadOffset + (link.Buffer[x.PayloadOffset + 12] >> 4) * 4;
            offload = offload with
            {
                Segmentation = x.Destination.IsV4 ? SegmentationKind.TcpV4 : SegmentationKind.TcpV6,
                SegmentSize = x.SegmentSize,
                HeaderLength = (ushort)headers,
            };
        }
        return Transmit(endpoint, link, x.Destination, length, offload);
    }

    /// <summary>
    /// What the device is to finish on a datagram whose transport header starts at <paramref name="headerLength"/>: the
    /// TCP (RFC 9293 §3.1: field at byte 16) or UDP (RFC 768: byte 6) checksum the layer above left partial
    /// (<see cref="IpPacket.TryOffloadChecksum"/>), or nothing.
    /// </summary>
    private static PacketOffload TransportOffload(in IpExchange x, int headerLength)
        => x.ChecksumOffload ? PacketOffload.PartialChecksum(headerLength, x.Protocol == IpProtocol.Tcp ? 16 : 6) : default;

    /// <summary>The fragmenter's buffer for a datagram of <paramref name="length"/> bytes, or empty when there is none free.</summary>
    public static Span<byte> ReserveLarge(IpEndpoint endpoint, int length)
        => endpoint.Fragmenter is { HasPending: false } fragmenter && length <= ushort.MaxValue ? fragmenter.Reserve(length) : default;

    /// <summary>
    /// Hands the datagram written in the fragmenter's buffer to the fragmenter and settles where its
    /// fragments go: <paramref name="linkAddress"/> when known (a reply), else by resolution, started now
    /// in this buffer when needed. The fragments leave one per transmit buffer, before other traffic.
    /// </summary>
    public static IpOutcome CommitLarge(IpEndpoint endpoint, LinkFrame link, Span<byte> datagram, in IpAddress destination, EthernetAddress? linkAddress)
    {
        var fragmenter = endpoint.Fragmenter!;
        uint identification = destination.IsV4 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(datagram[4..]) : endpoint.NextIpv6Identification();
        var now = link.Now;
        if (fragmenter.Commit(datagram.Length, identification, endpoint.PathMtuFor(destination, now)) != FragmentationStatus.Ready)
        {
            endpoint._counters.DroppedTooBig++;
            return IpOutcome.Failed;
        }
        endpoint._fragmentLinkAddress = linkAddress;
        endpoint._fragmentNextHop = destination;
        endpoint.Wake(now);
        if (endpoint.Link is null || linkAddress is not null) return IpOutcome.Sent;
        if (TryGroupAddress(endpoint, destination, out var group)) { endpoint._fragmentLinkAddress = group; return IpOutcome.Sent; }
        if (!endpoint.TryGetNextHop(destination, now, out var nextHop))
        {
            fragmenter.Cancel();
            endpoint._counters.DroppedNoRoute++;
            return IpOutcome.Failed;
        }
        var neighbors = endpoint.Neighbors!;
        endpoint._fragmentNextHop = nextHop;
        endpoint._fragmentDeadline = now + neighbors.RetransmitInterval * neighbors.MaxRequests;
        var lookup = neighbors.Lookup(nextHop, now, out var mac);
        if (lookup == NeighborLookup.Found) endpoint._fragmentLinkAddress = mac;
        else if (lookup == NeighborLookup.RequestNeeded) SendResolution(endpoint, link, nextHop, null);
        return IpOutcome.Sent;
    }

    /// <summary>Sends the next fragment of the pending datagram; false when none went out (still resolving, or given up and counted).</summary>
    public static bool SendNextFragment(IpEndpoint endpoint, LinkFrame link)
    {
        var fragmenter = endpoint.Fragmenter!;
        if (endpoint.Link is not null && endpoint._fragmentLinkAddress is null)
        {
            var state = endpoint.Neighbors!.Peek(endpoint._fragmentNextHop, out var mac);
            if (NeighborCache.IsUsable(state))
            {
                endpoint._fragmentLinkAddress = mac;
            }
            else
            {
                if (state == NeighborState.Empty || link.Now >= endpoint._fragmentDeadline)
                {
                    fragmenter.Cancel();
                    endpoint._counters.DroppedUnresolved++;
                }
                return false;
            }
        }
        var buffer = link.Buffer;
        if (!fragmenter.TryEmitNext(buffer[..Math.Min(buffer.Length, endpoint.Mtu)], out int length))
        {
            fragmenter.Cancel();
            endpoint._counters.DroppedTooBig++;
            return false;
        }
        var type = (buffer[0] >> 4) == 4 ? EtherType.Ipv4 : EtherType.Ipv6;
        if (!link.Send(endpoint._fragmentLinkAddress ?? default, type, length)) return false;
        endpoint._counters.PacketsOut++;
        endpoint._counters.FragmentsOut++;
        return true;
    }

    /// <summary>
    /// Sends the IP packet of <paramref name="length"/> bytes at the start of the link buffer toward
    /// <paramref name="destination"/>. Over Ethernet the next hop's link address comes from the group mapping
    /// (RFC 1112 §6.4, RFC 2464 §7), broadcast, or the neighbour cache; an unknown neighbour gets the packet
    /// parked in the hold queue and this buffer turned into the ARP request or neighbour solicitation. The device finishes
    /// what <paramref name="offload"/> says; a held packet has it finished here, since it leaves later from another buffer.
    /// </summary>
    public static IpOutcome Transmit(IpEndpoint endpoint, LinkFrame link, in IpAddress destination, int length, in PacketOffload offload = default)
    {
        var type = destination.IsV4 ? EtherType.Ipv4 : EtherType.Ipv6;
        if (endpoint.Link is null)
            return Count(endpoint, link.Send(default, type, length, offload));
        if (TryGroupAddress(endpoint, destination, out var group))
            return Count(endpoint, link.Send(group, type, length, offload));
        var now = link.Now;
        if (!endpoint.TryGetNextHop(destination, now, out var nextHop))
        {
            endpoint._counters.DroppedNoRoute++;
            return IpOutcome.Failed;
        }
        var neighbors = endpoint.Neighbors!;
        var lookup = neighbors.Lookup(nextHop, now, out var mac);
        endpoint.Wake(now + neighbors.RetransmitInterval);
        if (lookup == NeighborLookup.Found)
            return Count(endpoint, link.Send(mac, type, length, offload));
        var deadline = now + neighbors.RetransmitInterval * neighbors.MaxRequests;
        // A super-segment cannot wait: it leaves later from another buffer, without the device cutting it (its sender resends).
        if (endpoint.Hold is { } hold && offload.Segmentation == SegmentationKind.None && offload.TryFinishChecksum(link.Buffer[..length])
            && hold.TryHold(nextHop, link.Buffer[..length], deadline))
            endpoint._counters.Held++;
        else
            endpoint._counters.DroppedUnresolved++;
        if (lookup == NeighborLookup.RequestNeeded) SendResolution(endpoint, link, nextHop, null);
        return IpOutcome.Held;
    }

    private static IpOutcome Count(IpEndpoint endpoint, bool sent)
    {
        if (!sent) return IpOutcome.Failed;
        endpoint._counters.PacketsOut++;
        return IpOutcome.Sent;
    }

    /// <summary>The link address of a destination that needs no resolution: broadcast or multicast.</summary>
    private static bool TryGroupAddress(IpEndpoint endpoint, in IpAddress destination, out EthernetAddress group)
    {
        group = EthernetAddress.Broadcast;
        if (destination.IsV6)
        {
            if (!destination.V6.IsMulticast) return false;
            group = EthernetAddress.FromIpv6Multicast(destination.V6);
            return true;
        }
        var d = destination.V4;
        if (d.IsBroadcast) return true;
        if (d.IsMulticast) { group = EthernetAddress.FromIpv4Multicast(d); return true; }
        return endpoint.IsDirectedBroadcast(d);
    }

    /// <summary>Turns the buffer into an ARP request (IPv4) or a neighbour solicitation (IPv6) for <paramref name="target"/>; unicast when revalidating.</summary>
    public static bool SendResolution(IpEndpoint endpoint, LinkFrame link, in IpAddress target, EthernetAddress? unicast)
        => target.IsV4
            ? ArpHandler.SendRequest(endpoint, link, target.V4, unicast)
            : NdiscHandler.SendSolicitation(endpoint, link, target.V6, unicast, dad: false);

    /// <summary>
    /// Sends the payload of a received datagram (rewritten by the layer above) back to its sender, in place:
    /// a fresh header ends right before the payload's standard position, the payload moves there if options
    /// or extension headers had pushed it further. A reassembled datagram is copied into the device buffer.
    /// </summary>
    public static bool Reply(IpEndpoint endpoint, LinkFrame link, Span<byte> datagram, ref IpExchange x, int payloadLength)
    {
        var destination = x.Source;
        if (!TryReplySource(endpoint, x, out var source)) return false;
        int header = HeaderLength(destination);
        var payload = datagram.Slice(x.PayloadOffset, payloadLength);
        if (header + payloadLength > Math.Min(endpoint.PathMtuFor(destination, link.Now), link.Buffer.Length))
        {
            // Only a reassembled request gets a reply this large: it leaves in fragments.
            var large = ReserveLarge(endpoint, header + payloadLength);
            if (large.IsEmpty)
            {
                endpoint._counters.DroppedTooBig++;
                return false;
            }
            payload.CopyTo(large[header..]);
            WriteHeader(endpoint, large, source, destination, x.Protocol, payloadLength, endpoint.HopLimit);
            // Fragments leave without the offload: the checksum is finished here, over the whole datagram.
            if (!TransportOffload(x, header).TryFinishChecksum(large[..(header + payloadLength)])) return false;
            return CommitLarge(endpoint, link, large, destination, AnswerLinkAddress(endpoint, link, x.Multicast)) == IpOutcome.Sent;
        }
        var target = link.Buffer.Slice(header, payloadLength);
        // An echo answered in place usually has its payload where it already is: no copy then.
        if (!Unsafe.AreSame(ref MemoryMarshal.GetReference(payload), ref MemoryMarshal.GetReference(target))) payload.CopyTo(target);
        int length = WriteHeader(endpoint, link.Buffer, source, destination, x.Protocol, payloadLength, endpoint.HopLimit);
        return SendAnswer(endpoint, link, destination, length, AnswerLinkAddress(endpoint, link, x.Multicast), TransportOffload(x, header));
    }

    /// <summary>
    /// Sends an answer to a received datagram whose <paramref name="payloadLength"/>-byte payload the layer above
    /// built right after the answer's header in the link buffer (<see cref="IpPacket.ReplyPayload"/>, which bounds
    /// the length): only the header is written, in front of it.
    /// </summary>
    public static bool ReplyInPlace(IpEndpoint endpoint, LinkFrame link, ref IpExchange x, int payloadLength)
    {
        var destination = x.Source;
        if (!TryReplySource(endpoint, x, out var source)) return false;
        int length = WriteHeader(endpoint, link.Buffer, source, destination, x.Protocol, payloadLength, endpoint.HopLimit, x.DontFragment);
        return SendAnswer(endpoint, link, destination, length, AnswerLinkAddress(endpoint, link, x.Multicast), TransportOffload(x, HeaderLength(destination)));
    }

    /// <summary>The source of an answer: the address the question was sent to, or one of ours toward the asker when that was a group (RFC 1122 §3.2.1.3).</summary>
    private static bool TryReplySource(IpEndpoint endpoint, in IpExchange x, out IpAddress source)
    {
        source = x.Destination;
        return !x.Multicast || endpoint.TrySelectSource(x.Source, out source);
    }

    /// <summary>
    /// Where an answer to a received packet goes on the link: back to the station that brought the
    /// question (RFC 1122 §3.3.1.2 allows it; no cache lookup on the echo path), or null when that is not
    /// known or not a unicast station and the next hop must be resolved.
    /// </summary>
    private static EthernetAddress? AnswerLinkAddress(IpEndpoint endpoint, LinkFrame link, bool multicast)
        => endpoint.Link is null || multicast || link.Peer.IsMulticast || link.Peer == default ? null : link.Peer;

    private static bool SendAnswer(IpEndpoint endpoint, LinkFrame link, in IpAddress destination, int length, EthernetAddress? linkAddress,
        in PacketOffload offload = default)
        => linkAddress is { } mac
            ? Count(endpoint, link.Send(mac, destination.IsV4 ? EtherType.Ipv4 : EtherType.Ipv6, length, offload)) == IpOutcome.Sent
            : Transmit(endpoint, link, destination, length, offload) == IpOutcome.Sent;

    /// <summary>
    /// Answers the offending datagram with an ICMP error quoting as much of it as fits (RFC 1812 §4.3.2.3 and
    /// RFC 4443 §2.4(c): up to 576 / 1280 bytes), unless forbidden: never about an ICMP error or redirect,
    /// a multicast or broadcast, a link-layer broadcast, or a source that is not a unicast host
    /// (RFC 1122 §3.2.2, RFC 4443 §2.4(e)); and at most as often as the rate limit allows (RFC 4443 §2.4(f)).
    /// </summary>
    public static bool SendError(IpEndpoint endpoint, LinkFrame link, ReadOnlySpan<byte> offending, ref IpExchange x, IcmpErrorKind kind, int pointer)
    {
        ref var icmp = ref endpoint._icmp;
        if (!MayAnswerWithError(offending, ref x, link.LinkMulticast))
        {
            icmp.ErrorsSuppressed++;
            return false;
        }
        if (!endpoint._icmpErrors.TryTake(link.Now))
        {
            icmp.ErrorsRateLimited++;
            return false;
        }
        var destination = x.Source;
        var source = x.Destination;
        // From the address the offending datagram went to when we may send from it (ours, or foreign in transparent mode).
        if (!endpoint.CanSendFrom(source) && !endpoint.TrySelectSource(destination, out source)) return false;
        var buffer = link.Buffer;
        int header = HeaderLength(destination);
        int room = Math.Min(buffer.Length, endpoint.Mtu) - header - 8;
        int length;
        if (destination.IsV4)
        {
            var repr = kind switch
            {
                IcmpErrorKind.PortUnreachable => Icmpv4Repr.DestinationUnreachable(Icmpv4UnreachableCode.PortUnreachable, offending.Length),
                IcmpErrorKind.ProtocolUnreachable => Icmpv4Repr.DestinationUnreachable(Icmpv4UnreachableCode.ProtocolUnreachable, offending.Length),
                _ => Icmpv4Repr.TimeExceeded(Icmpv4TimeExceededCode.FragmentReassemblyTimeExceeded, offending.Length),
            };
            repr = repr with { PayloadLength = Math.Min(repr.PayloadLength, room) };
            var quote = buffer.Slice(header + Icmpv4Packet.HeaderLength, repr.PayloadLength);
            offending[..repr.PayloadLength].CopyTo(quote); // memmove: the offending datagram may sit in this very buffer
            repr.TryEmit(buffer[header..], quote);
            length = WriteHeader(endpoint, buffer, source, destination, IpProtocol.Icmp, repr.BufferLength, endpoint.HopLimit);
        }
        else
        {
            var repr = kind switch
            {
                IcmpErrorKind.PortUnreachable => Icmpv6Repr.DestinationUnreachable(Icmpv6UnreachableCode.PortUnreachable, offending.Length),
                IcmpErrorKind.ProtocolUnreachable => Icmpv6Repr.ParameterProblem(Icmpv6ParameterProblemCode.UnrecognizedNextHeader, (uint)pointer, offending.Length),
                _ => Icmpv6Repr.TimeExceeded(Icmpv6TimeExceededCode.FragmentReassemblyTimeExceeded, offending.Length),
            };
            repr = repr with { PayloadLength = Math.Min(repr.PayloadLength, room) };
            var quote = buffer.Slice(header + Icmpv6Packet.MinimumLength, repr.PayloadLength);
            offending[..repr.PayloadLength].CopyTo(quote);
            repr.TryEmit(buffer[header..], source.V6, destination.V6, quote);
            length = WriteHeader(endpoint, buffer, source, destination, IpProtocol.Icmpv6, repr.BufferLength, endpoint.HopLimit);
        }
        bool sent = SendAnswer(endpoint, link, destination, length, AnswerLinkAddress(endpoint, link, x.Multicast));
        if (sent) icmp.ErrorsSent++;
        return sent;
    }

    private static bool MayAnswerWithError(ReadOnlySpan<byte> offending, ref IpExchange x, bool linkMulticast)
    {
        if (x.Multicast || linkMulticast) return false;
        var s = x.Source;
        if (s.IsUnspecified || s.IsMulticast || (s.IsV4 ? s.V4.IsLoopback : s.V6.IsLoopback)) return false;
        if (x.Protocol == IpProtocol.Icmp && x.PayloadLength > 0)
        {
            var type = (Icmpv4Type)offending[x.PayloadOffset];
            if (Icmpv4Repr.IsErrorType(type) || type == Icmpv4Type.Redirect) return false;
        }
        if (x.Protocol == IpProtocol.Icmpv6 && x.PayloadLength > 0)
        {
            byte type = offending[x.PayloadOffset];
            if (type < 128 || type == (byte)Icmpv6Type.Redirect) return false;
        }
        return true;
    }
}
