using System;
using Ethox.Layer.Ip;
using Ethox.Wire;

namespace Ethox.Layer.Ndisc;

/// <summary>
/// Neighbour discovery for IPv6 over Ethernet (RFC 4861) and the host side of stateless address
/// autoconfiguration (RFC 4862): answers solicitations for our addresses in place, learns neighbours,
/// detects duplicate addresses, solicits routers and applies their advertisements.
/// </summary>
internal static class NdiscHandler
{
    /// <summary>RFC 4861 §7.1.1 / §6.1.2: a hop limit of 255 proves the message was not forwarded.</summary>
    private const byte LinkHopLimit = 255;

    public static void Receive(IpEndpoint endpoint, LinkFrame link, Icmpv6Packet icmp, ref IpExchange x)
    {
        ref var counters = ref endpoint._ndisc;
        counters.MessagesIn++;
        if (endpoint.Link is null) { counters.Ignored++; return; } // no link addresses to discover on an IP medium
        var source = x.Source.V6;
        var destination = x.Destination.V6;
        if (x.HopLimit != LinkHopLimit) { counters.Errors.Count(WireError.Malformed); return; }
        if (!NdiscRepr.TryParse(icmp, source, destination, out var repr, out var error) || !NdiscPacket.TryParse(icmp, out var view, out error))
        {
            counters.Errors.Count(error);
            return;
        }
        switch (repr.Type)
        {
            case Icmpv6Type.NeighborSolicitation: OnSolicitation(endpoint, link, in repr, source, destination); break;
            case Icmpv6Type.NeighborAdvertisement: OnAdvertisement(endpoint, link, in repr, destination); break;
            case Icmpv6Type.RouterAdvertisement: OnRouterAdvertisement(endpoint, link, in repr, view, source); break;
            default: counters.Ignored++; break; // router solicitations are for routers; redirects are not followed
        }
    }

    // RFC 4861 §7.2.3, RFC 4862 §5.4.3.
    private static void OnSolicitation(IpEndpoint endpoint, LinkFrame link, in NdiscRepr ns, Ipv6Address source, Ipv6Address destination)
    {
        ref var counters = ref endpoint._ndisc;
        bool dadProbe = source.IsUnspecified;
        if (ns.Target.IsMulticast || (dadProbe && (destination != ns.Target.SolicitedNode || ns.SourceLinkLayerAddress is not null)))
        {
            counters.Errors.Count(WireError.Malformed);
            return;
        }
        int index = endpoint.IndexOf(ns.Target);
        if (index < 0) { counters.Ignored++; return; }
        ref var address = ref endpoint.AddressAt(index);
        if (address.State == AddressState.Tentative)
        {
            // Someone else probes the address we are probing: it is a duplicate. A solicitation from a
            // real source for a tentative address is silently dropped.
            if (dadProbe) MarkDuplicate(endpoint, ref address);
            return;
        }
        if (address.State == AddressState.Duplicate) return;
        var now = link.Now;
        var reply = link.Peer;
        Ipv6Address replyTo;
        NdiscNeighborFlags flags = NdiscNeighborFlags.Override;
        if (dadProbe)
        {
            replyTo = Ipv6Address.LinkLocalAllNodes; // §7.2.4: answer a DAD probe to all nodes, unsolicited
            reply = EthernetAddress.FromIpv6Multicast(replyTo);
        }
        else
        {
            replyTo = source;
            flags |= NdiscNeighborFlags.Solicited;
            if (ns.SourceLinkLayerAddress is { } sourceLink)
            {
                endpoint.Neighbors!.Update(source, sourceLink, now, confirmed: false, createIfMissing: true);
                reply = sourceLink;
            }
        }
        SendAdvertisement(endpoint, link, ns.Target, replyTo, reply, flags);
    }

    // RFC 4861 §7.2.5, RFC 4862 §5.4.4.
    private static void OnAdvertisement(IpEndpoint endpoint, LinkFrame link, in NdiscRepr na, Ipv6Address destination)
    {
        ref var counters = ref endpoint._ndisc;
        bool solicited = (na.NeighborFlags & NdiscNeighborFlags.Solicited) != 0;
        if (na.Target.IsMulticast || (destination.IsMulticast && solicited))
        {
            counters.Errors.Count(WireError.Malformed);
            return;
        }
        int index = endpoint.IndexOf(na.Target);
        if (index >= 0)
        {
            ref var address = ref endpoint.AddressAt(index);
            if (address.State == AddressState.Tentative) MarkDuplicate(endpoint, ref address);
            else counters.Ignored++; // another node claims an address we hold: logged by the counter only (§5.4.4)
            return;
        }
        var now = link.Now;
        var neighbors = endpoint.Neighbors!;
        if (na.TargetLinkLayerAddress is { } targetLink)
        {
            bool isRouter = (na.NeighborFlags & NdiscNeighborFlags.Router) != 0;
            neighbors.Update(na.Target, targetLink, now, confirmed: solicited, createIfMissing: false);
            if (!isRouter) endpoint.Routes.ForgetRouter(na.Target); // §7.2.5: a router that stopped being one
        }
        else if (solicited)
        {
            neighbors.Confirm(na.Target, now);
        }
    }

    // RFC 4861 §6.1.2 validity and §6.3.4 processing; RFC 4862 §5.5.3 for prefixes.
    private static void OnRouterAdvertisement(IpEndpoint endpoint, LinkFrame link, in NdiscRepr ra, NdiscPacket view, Ipv6Address source)
    {
        ref var counters = ref endpoint._ndisc;
        if (!source.IsLinkLocal) { counters.Errors.Count(WireError.Malformed); return; }
        if (!endpoint.Autoconfigure) { counters.Ignored++; return; }
        counters.RouterAdvertisementsIn++;
        endpoint._routerSolicitationsLeft = 0;
        var now = link.Now;
        var neighbors = endpoint.Neighbors!;
        if (ra.CurrentHopLimit != 0) endpoint.HopLimit = ra.CurrentHopLimit;
        if (ra.ReachableTime != 0 && ra.ReachableTime <= 3_600_000) neighbors.ReachableTime = Duration.FromMilliseconds(ra.ReachableTime);
        if (ra.RetransTimer != 0 && ra.RetransTimer <= 60_000) neighbors.RetransmitInterval = Duration.FromMilliseconds(ra.RetransTimer);
        if (ra.SourceLinkLayerAddress is { } routerLink) neighbors.Update(source, routerLink, now, confirmed: false, createIfMissing: true);
        if (ra.RouterLifetime > 0) endpoint.Routes.AddDefault(source, now + Duration.FromSeconds(ra.RouterLifetime));
        else endpoint.Routes.ForgetRouter(source);
        if (ra.Mtu is { } mtu && mtu >= Ipv6Packet.MinimumMtu && mtu <= endpoint.LinkMtu) endpoint.Mtu = (int)mtu;
        var options = view.Options;
        while (options.TryNext(out var option))
        {
            if (option.Type != NdiscOptionType.PrefixInformation) continue;
            var prefix = option.PrefixInformation;
            if (prefix.Prefix.IsLinkLocal || prefix.PrefixLength > 128) continue; // §6.3.4: ignore the link-local prefix
            if (prefix.OnLink)
            {
                if (prefix.ValidLifetime == 0) endpoint.Routes.Remove(prefix.Prefix, prefix.PrefixLength);
                else endpoint.Routes.Add(prefix.Prefix, prefix.PrefixLength, default, IpEndpoint.Lifetime(now, prefix.ValidLifetime));
            }
            endpoint.AutoconfigurePrefix(prefix, now);
        }
    }

    private static void MarkDuplicate(IpEndpoint endpoint, ref InterfaceAddress address)
    {
        address.State = AddressState.Duplicate;
        address.DadDeadline = Instant.Never;
        endpoint._ndisc.DuplicatesDetected++;
    }

    /// <summary>Sends a neighbour advertisement for our <paramref name="target"/> with our link address (RFC 4861 §7.2.4).</summary>
    private static bool SendAdvertisement(IpEndpoint endpoint, LinkFrame link, Ipv6Address target, Ipv6Address destination, EthernetAddress linkDestination, NdiscNeighborFlags flags)
    {
        var na = NdiscRepr.NeighborAdvertisement(flags, target, endpoint.Link!.Address);
        if (!Send(endpoint, link, in na, target, destination, linkDestination)) return false;
        endpoint._ndisc.AdvertisementsSent++;
        return true;
    }

    /// <summary>
    /// Sends a neighbour solicitation for <paramref name="target"/>: to its solicited-node group, or unicast
    /// to revalidate (§7.3.3); for DAD from the unspecified address without a link-layer option (RFC 4862 §5.4.2).
    /// </summary>
    public static bool SendSolicitation(IpEndpoint endpoint, LinkFrame link, Ipv6Address target, EthernetAddress? unicast, bool dad)
    {
        Ipv6Address source = default;
        if (!dad)
        {
            if (!endpoint.TrySelectSource(target, out var selected)) return false;
            source = selected.V6;
        }
        var destination = unicast is null ? target.SolicitedNode : target;
        var ns = NdiscRepr.NeighborSolicitation(target, dad ? null : endpoint.Link!.Address);
        if (!Send(endpoint, link, in ns, source, destination, unicast ?? EthernetAddress.FromIpv6Multicast(destination))) return false;
        endpoint._ndisc.SolicitationsSent++;
        return true;
    }

    /// <summary>Sends a router solicitation to all routers (RFC 4861 §6.3.7), from our link-local address once it is usable.</summary>
    public static bool SendRouterSolicitation(IpEndpoint endpoint, LinkFrame link)
    {
        var all = Ipv6Address.LinkLocalAllRouters;
        bool haveSource = endpoint.TrySelectSource(all, out var source) && source.V6.IsLinkLocal;
        var rs = NdiscRepr.RouterSolicitation(haveSource ? endpoint.Link!.Address : null);
        if (!Send(endpoint, link, in rs, haveSource ? source.V6 : default, all, EthernetAddress.FromIpv6Multicast(all))) return false;
        endpoint._ndisc.RouterSolicitationsSent++;
        return true;
    }

    private static bool Send(IpEndpoint endpoint, LinkFrame link, in NdiscRepr message, Ipv6Address source, Ipv6Address destination, EthernetAddress linkDestination)
    {
        var buffer = link.Buffer;
        if (!message.TryEmit(buffer[Ipv6Packet.HeaderLength..], source, destination)) return false;
        int length = IpOutput.WriteHeader(endpoint, buffer, source, destination, IpProtocol.Icmpv6, message.BufferLength, LinkHopLimit);
        if (!link.Send(linkDestination, EtherType.Ipv6, length)) return false;
        endpoint._counters.PacketsOut++;
        return true;
    }
}
