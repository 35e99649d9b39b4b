using System;
using System.Diagnostics.CodeAnalysis;
using Ethox.Layer.Arp;
using Ethox.Layer.Eth;
using Ethox.Layer.Icmp;
using Ethox.Layer.Ndisc;
using Ethox.Wire;

namespace Ethox.Layer.Ip;

/// <summary>
/// The IP layer, IPv4 and IPv6 together, on either medium: above <see cref="EthernetLayer{TUpper}"/> (it
/// then also runs ARP and NDISC) or straight on a device that carries bare IP packets (TUN). It checks and
/// filters what arrives, answers ICMP echo and neighbour discovery itself, reassembles fragments, and hands
/// every other datagram for us to <typeparamref name="TUpper"/>; on transmit it first sends its own control
/// traffic (resolution, DAD, announcements, held packets), then lends buffers to the layer above.
/// </summary>
public struct IpLayer<TUpper> : IRecv<EthernetPacket>, ISend<EthernetPacket>, IRecv<RawPacket>, ISend<RawPacket>, ITimed
    where TUpper : IRecv<IpPacket>, ISend<IpPacket>, ITimed
{
    /// <summary>How often one transmit buffer is offered again when the layer above parked its packet for resolution.</summary>
    private const int SendAttempts = 4;

    private readonly IpEndpoint _endpoint;
    private TUpper _upper;

    /// <summary>The layer for <paramref name="endpoint"/> with <paramref name="upper"/> above it.</summary>
    public IpLayer(IpEndpoint endpoint, TUpper upper)
    {
        _endpoint = endpoint;
        _upper = upper;
    }

    /// <summary>The interface's IP state.</summary>
    public readonly IpEndpoint Endpoint => _endpoint;

    /// <summary>The layer above, by reference.</summary>
    [UnscopedRef]
    public ref TUpper Upper => ref _upper;

    /// <summary>A frame from the Ethernet layer: ARP, IPv4 or IPv6.</summary>
    public void Receive(EthernetPacket packet)
    {
        var link = new LinkFrame(packet.Raw, packet.Endpoint, packet.Source, packet.Destination.IsMulticast);
        switch (packet.EtherType)
        {
            case EtherType.Arp: ArpHandler.Receive(_endpoint, link, packet.Payload); break;
            case EtherType.Ipv4 or EtherType.Ipv6: ReceiveIp(link, packet.Payload); break;
            default: packet.RejectType(); break;
        }
    }

    /// <summary>A bare IP packet from a device on the IP medium.</summary>
    public void Receive(RawPacket packet) => ReceiveIp(new LinkFrame(packet, null, default, false), packet.Frame);

    /// <summary>A transmit buffer from the Ethernet layer.</summary>
    public void Send(EthernetPacket packet) => SendCore(new LinkFrame(packet.Raw, packet.Endpoint, default, false));

    /// <summary>A transmit buffer from a device on the IP medium.</summary>
    public void Send(RawPacket packet) => SendCore(new LinkFrame(packet, null, default, false));

    /// <summary>
    /// When the stack from here up next needs a transmit call even if nothing arrives: the earlier of the
    /// endpoint's timers (resolution, DAD, solicitations, reassembly, lifetimes) and the layer above's.
    /// </summary>
    public Instant NextDeadline() => Instant.Min(_endpoint.NextDeadline(), _upper.NextDeadline());

    private void ReceiveIp(LinkFrame link, Span<byte> bytes)
    {
        ref var counters = ref _endpoint._counters;
        counters.PacketsIn++;
        if (bytes.IsEmpty) { counters.Errors.Count(WireError.Truncated); return; }
        switch (bytes[0] >> 4)
        {
            case 4: ReceiveIpv4(link, bytes); break;
            case 6: ReceiveIpv6(link, bytes); break;
            default: counters.Errors.Count(WireError.Malformed); break;
        }
    }

    // RFC 791 §3.2 and RFC 1122 §3.2.1: version, header length, total length, checksum; then the address filter.
    private void ReceiveIpv4(LinkFrame link, Span<byte> bytes)
    {
        ref var counters = ref _endpoint._counters;
        if (!Ipv4Packet.TryParse(bytes, out var packet, out var error)) { counters.Errors.Count(error); return; }
        if (!packet.VerifyChecksum()) { counters.Errors.Count(WireError.BadChecksum); return; }
        if (!Accepts(packet.Destination, out bool multicast, out bool foreign)) return;
        var source = packet.Source;
        if (source.IsBroadcast || source.IsMulticast || (source.IsUnspecified && packet.Protocol != IpProtocol.Udp))
        {
            // Only a DHCP client may speak from 0.0.0.0 (RFC 1122 §3.2.1.3 (a)).
            counters.DroppedMartianSource++;
            return;
        }
        if (!packet.IsFragment)
        {
            DeliverIpv4(link, packet, bytes[..packet.TotalLength], multicast, detached: false, foreign);
            return;
        }
        counters.FragmentsIn++;
        if (_endpoint.Reassembler is not { } reassembler) { counters.FragmentsDropped++; return; }
        var status = reassembler.TryAddIpv4(packet, link.Now, out var whole);
        if (!Reassembled(status, link.Now)) return;
        if (Ipv4Packet.TryParse(whole, out var datagram, out error)) DeliverIpv4(link, datagram, whole, multicast, detached: true, foreign);
        else counters.Errors.Count(error);
        reassembler.Release();
    }

    private void DeliverIpv4(LinkFrame link, Ipv4Packet packet, Span<byte> datagram, bool multicast, bool detached, bool foreign)
    {
        var x = IpExchange.Receiving(packet, multicast, detached);
        if (foreign && !TakeForeign(ref x, IpProtocol.Icmp)) return;
        if (x.Protocol == IpProtocol.Icmp)
        {
            if (IcmpHandler.ReceiveV4(_endpoint, link, datagram, ref x)) DeliverIcmp(link, datagram, ref x);
            return;
        }
        if (x.Protocol == IpProtocol.Igmp) { _endpoint._counters.Delivered++; return; } // we join no IPv4 groups beyond all-hosts
        Deliver(link, datagram, ref x, quoteOffset: 9);
    }

    // Counts a fragment's fate; true when it completed a datagram.
    private readonly bool Reassembled(ReassemblyStatus status, Instant now)
    {
        ref var counters = ref _endpoint._counters;
        switch (status)
        {
            case ReassemblyStatus.Complete:
                counters.Reassembled++;
                return true;
            case ReassemblyStatus.Incomplete:
                _endpoint.Wake(now + _endpoint.Reassembler!.Timeout);
                return false;
            case ReassemblyStatus.Duplicate:
                return false;
            default:
                counters.FragmentsDropped++;
                return false;
        }
    }

    // RFC 8200 §3-§4: header, extension chain (bounded), routing and fragment headers; then the address filter.
    private void ReceiveIpv6(LinkFrame link, Span<byte> bytes)
    {
        ref var counters = ref _endpoint._counters;
        if (!Ipv6Packet.TryParse(bytes, out var packet, out var error)) { counters.Errors.Count(error); return; }
        if (!packet.TryGetUpperLayer(out var upper, out error)) { counters.Errors.Count(error); return; }
        if (!Accepts(packet.Destination, out bool multicast, out bool foreign)) return;
        if (packet.Source.IsMulticast) { counters.DroppedMartianSource++; return; }
        if (upper.FinalDestination != packet.Destination)
        {
            // Segments left in a routing header: a host that does not forward cannot go on (RFC 8200 §4.4).
            counters.DroppedRoutingHeader++;
            return;
        }
        if (upper.Fragment is null)
        {
            DeliverIpv6(link, packet, upper, multicast, detached: false, foreign);
            return;
        }
        counters.FragmentsIn++;
        if (_endpoint.Reassembler is not { } reassembler) { counters.FragmentsDropped++; return; }
        var status = reassembler.TryAddIpv6(packet, link.Now, out var whole);
        if (status == ReassemblyStatus.NotFragment)
        {
            DeliverIpv6(link, packet, upper with { Fragment = null }, multicast, detached: false, foreign); // atomic fragment (RFC 6946)
            return;
        }
        if (!Reassembled(status, link.Now)) return;
        if (Ipv6Packet.TryParse(whole, out var datagram, out error) && datagram.TryGetUpperLayer(out upper, out error))
            DeliverIpv6(link, datagram, upper, multicast, detached: true, foreign);
        else
            counters.Errors.Count(error);
        reassembler.Release();
    }

    private void DeliverIpv6(LinkFrame link, Ipv6Packet packet, Ipv6UpperLayer upper, bool multicast, bool detached, bool foreign)
    {
        var datagram = packet.Bytes[..(Ipv6Packet.HeaderLength + packet.PayloadLength)];
        var x = IpExchange.Receiving(packet, upper, multicast, detached);
        if (foreign && !TakeForeign(ref x, IpProtocol.Icmpv6)) return;
        if (x.Protocol == IpProtocol.Icmpv6)
        {
            if (IcmpHandler.ReceiveV6(_endpoint, link, datagram, ref x, packet.Destination)) DeliverIcmp(link, datagram, ref x);
            return;
        }
        if (x.Protocol == IpProtocol.Ipv6NoNext) { _endpoint._counters.Delivered++; return; }
        Deliver(link, datagram, ref x, quoteOffset: NextHeaderFieldOffset(packet));
    }

    // The offset of the next-header field that names the upper-layer protocol, for a parameter problem pointer (RFC 4443 §3.4).
    private static int NextHeaderFieldOffset(Ipv6Packet packet)
    {
        int offset = 6;
        var reader = packet.ExtensionHeaders;
        int position = Ipv6Packet.HeaderLength;
        while (reader.TryNext(out var header))
        {
            offset = position;
            position = Ipv6Packet.HeaderLength + reader.Offset;
        }
        return offset;
    }

    private void Deliver(LinkFrame link, Span<byte> datagram, ref IpExchange x, int quoteOffset)
    {
        _upper.Receive(new IpPacket(link, _endpoint, ref x, datagram));
        if (x.Outcome != IpOutcome.Rejected)
        {
            _endpoint._counters.Delivered++;
            return;
        }
        _endpoint._counters.DroppedUnknownProtocol++;
        // A transport refusing a datagram to a foreign address speaks for a host that is not us: say nothing.
        if (!x.Foreign) IpOutput.SendError(_endpoint, link, datagram, ref x, IcmpErrorKind.ProtocolUnreachable, quoteOffset);
    }

    // The destination filter: one of ours (or a group we are in), or, in transparent mode, any unicast address (foreign).
    private readonly bool Accepts(in IpAddress destination, out bool multicast, out bool foreign)
    {
        foreign = false;
        if (_endpoint.AcceptsDestination(destination, out multicast)) return true;
        if (_endpoint.IsForeign(destination))
        {
            foreign = true;
            _endpoint._counters.ForeignIn++;
            return true;
        }
        _endpoint._counters.DroppedNotForUs++;
        return false;
    }

    // Transparent mode takes TCP, UDP and ICMP (for the errors about its connections, IcmpHandler drops the rest) to a
    // foreign address; another protocol there is not for us.
    private readonly bool TakeForeign(ref IpExchange x, IpProtocol icmp)
    {
        if (x.Protocol != IpProtocol.Tcp && x.Protocol != IpProtocol.Udp && x.Protocol != icmp)
        {
            _endpoint._counters.DroppedNotForUs++;
            return false;
        }
        x.Foreign = true;
        return true;
    }

    // Echo replies and errors go up for whoever wants them; nobody wanting them is no error (never answer ICMP with ICMP).
    private void DeliverIcmp(LinkFrame link, Span<byte> datagram, ref IpExchange x)
    {
        _upper.Receive(new IpPacket(link, _endpoint, ref x, datagram));
        if (x.Outcome == IpOutcome.Rejected) _endpoint._icmp.Ignored++;
        else _endpoint._counters.Delivered++;
    }

    private void SendCore(LinkFrame link)
    {
        if (SendControl(link)) return;
        for (int attempt = 0; attempt < SendAttempts; attempt++)
        {
            var x = new IpExchange();
            _upper.Send(new IpPacket(link, _endpoint, ref x, default));
            if (link.Raw.IsQueued || x.Outcome is IpOutcome.None or IpOutcome.Failed) return;
            // Accepted without using the buffer (parked for resolution, or handed to the fragmenter):
            // the buffer carries the first fragment, or is offered to the layer above again.
            if (SendControl(link)) return;
        }
    }

    /// <summary>
    /// The IP layer's own traffic goes before the layer above so resolution and DAD never starve: address
    /// announcements, DAD probes, router solicitations, neighbour requests and probes, then packets whose
    /// next hop has been resolved meanwhile. True when the buffer was used.
    /// </summary>
    private readonly bool SendControl(LinkFrame link)
    {
        var endpoint = _endpoint;
        var now = link.Now;
        if (endpoint.Fragmenter is { HasPending: true } && IpOutput.SendNextFragment(endpoint, link)) return true;
        if (endpoint._announcementsDue > 0 && ArpHandler.SendAnnouncement(endpoint, link)) return true;
        if (now >= endpoint._housekeepingDue)
        {
            if (Housekeeping(link, now)) return true;
            endpoint._housekeepingDue = endpoint.NextDeadline();
        }
        return endpoint.Hold is { Count: > 0 } && SendHeld(link, now);
    }

    private readonly bool Housekeeping(LinkFrame link, Instant now)
    {
        var endpoint = _endpoint;
        endpoint.Expire(now);
        if (endpoint.Reassembler is { } reassembler)
            while (reassembler.TryTakeExpired(now, out var expired))
                if (SendReassemblyTimeout(link, expired.FirstFragment)) return true;
        if (endpoint.Link is null) return false;
        var addresses = endpoint.Addresses;
        for (int i = 0; i < addresses.Length; i++)
        {
            ref var a = ref endpoint.AddressAt(i);
            if (a.State != AddressState.Tentative || a.DadDeadline > now) continue;
            var retransmit = endpoint.Neighbors!.RetransmitInterval;
            if (a.DadProbesLeft > 0)
            {
                // RFC 4862 §5.4.2: DupAddrDetectTransmits probes RetransTimer apart, then one more RetransTimer of silence.
                a.DadProbesLeft--;
                a.DadDeadline = now + retransmit;
                return NdiscHandler.SendSolicitation(endpoint, link, a.Address.V6, null, dad: true);
            }
            a.State = AddressState.Preferred;
            a.DadDeadline = Instant.Never;
        }
        if (endpoint._routerSolicitationsLeft > 0 && endpoint._nextRouterSolicitation <= now && LinkLocalReady(endpoint))
        {
            endpoint._routerSolicitationsLeft--;
            endpoint._nextRouterSolicitation = endpoint._routerSolicitationsLeft > 0 ? now + Duration.FromSeconds(4) : Instant.Never;
            return NdiscHandler.SendRouterSolicitation(endpoint, link);
        }
        if (endpoint.Neighbors!.TryTakeDueRequest(now, out var due))
        {
            EthernetAddress? unicast = due.State == Ip.NeighborState.Probe ? due.LinkAddress : null;
            return IpOutput.SendResolution(endpoint, link, due.Address, unicast);
        }
        return false;
    }

    // RFC 792 / RFC 4443 §3.3 code 1: fragment zero arrived but the datagram never completed.
    private readonly bool SendReassemblyTimeout(LinkFrame link, Span<byte> firstFragment)
    {
        IpExchange x;
        bool multicast;
        if (Ipv4Packet.TryParse(firstFragment, out var v4, out _))
        {
            if (!_endpoint.AcceptsDestination(v4.Destination, out multicast)) return false;
            x = IpExchange.Receiving(v4, multicast, detached: true);
        }
        else if (Ipv6Packet.TryParse(firstFragment, out var v6, out _) && v6.TryGetUpperLayer(out var upper, out _))
        {
            if (!_endpoint.AcceptsDestination(v6.Destination, out multicast)) return false;
            x = IpExchange.Receiving(v6, upper, multicast, detached: true);
        }
        else return false;
        // Fragment zero holds only the start of the payload the headers announce.
        x.PayloadLength = Math.Clamp(x.PayloadLength, 0, firstFragment.Length - x.PayloadOffset);
        var quiet = new LinkFrame(link.Raw, link.Ethernet, default, false);
        return IpOutput.SendError(_endpoint, quiet, firstFragment, ref x, IcmpErrorKind.ReassemblyTimeExceeded, 0);
    }

    // RFC 4862 §5.4: wait for our link-local address to pass DAD before soliciting routers from it.
    private static bool LinkLocalReady(IpEndpoint endpoint)
    {
        foreach (ref readonly var a in endpoint.Addresses)
            if (a.Address.IsV6 && a.Address.V6.IsLinkLocal) return a.IsUsable;
        return true;
    }

    private readonly bool SendHeld(LinkFrame link, Instant now)
    {
        var endpoint = _endpoint;
        var hold = endpoint.Hold!;
        var neighbors = endpoint.Neighbors!;
        for (int i = 0; i < hold.Capacity; i++)
        {
            if (!hold.IsUsed(i, out var nextHop, out var deadline)) continue;
            var state = neighbors.Peek(nextHop, out var mac);
            if (NeighborCache.IsUsable(state))
            {
                var packet = hold.Packet(i);
                packet.CopyTo(link.Buffer);
                bool sent = link.Send(mac, nextHop.IsV4 ? EtherType.Ipv4 : EtherType.Ipv6, packet.Length);
                hold.Release(i);
                if (sent) { endpoint._counters.PacketsOut++; return true; }
                continue;
            }
            if (state == NeighborState.Empty || deadline <= now)
            {
                // Resolution failed (RFC 1122 §2.3.2.2: the packet is lost, but never silently).
                hold.Release(i);
                endpoint._counters.DroppedUnresolved++;
            }
        }
        return false;
    }
}
