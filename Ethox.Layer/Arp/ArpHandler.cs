using System;
using Ethox.Layer.Ip;
using Ethox.Wire;

namespace Ethox.Layer.Arp;

/// <summary>
/// ARP for IPv4 over Ethernet (RFC 826, RFC 5227): answers requests for our addresses in place, learns
/// from what it sees, resolves next hops through the shared neighbour cache, announces our addresses.
/// </summary>
internal static class ArpHandler
{
    public static void Receive(IpEndpoint endpoint, LinkFrame link, Span<byte> payload)
    {
        ref var counters = ref endpoint._arp;
        counters.PacketsIn++;
        if (!ArpPacket.TryParse(payload, out var packet, out var error)) { counters.Errors.Count(error); return; }
        if (!ArpRepr.TryParse(packet, out var arp, out error)) { counters.Errors.Count(error); return; }
        var now = link.Now;
        // A group or zero sender hardware address would poison the cache (RFC 1812 §3.3.2).
        if (!arp.SenderHardwareAddress.IsUnicast || arp.SenderHardwareAddress == default || arp.SenderProtocolAddress.IsMulticast || arp.SenderProtocolAddress.IsBroadcast)
        {
            counters.Errors.Count(WireError.Malformed);
            return;
        }
        var local = endpoint.Link!.Address;
        if (arp.SenderHardwareAddress == local) return; // our own broadcast reflected back
        if (endpoint.IsOurAddress(arp.SenderProtocolAddress))
        {
            // Someone else uses our address: defend it once with an announcement (RFC 5227 §2.4 (b)).
            counters.Conflicts++;
            endpoint._announcementsDue = Math.Max(endpoint._announcementsDue, 1);
            endpoint.Wake(now);
            return;
        }
        bool forUs = endpoint.IsOurAddress(arp.TargetProtocolAddress);
        // RFC 826 "merge": refresh what we know about the sender; add it only when the packet is for us.
        // A reply to us confirms reachability (it answers our request, RFC 4861 §7.3.1 by analogy).
        if (!arp.SenderProtocolAddress.IsUnspecified)
            endpoint.Neighbors!.Update(arp.SenderProtocolAddress, arp.SenderHardwareAddress, now,
                confirmed: forUs && arp.Operation == ArpOperation.Reply, createIfMissing: forUs);
        if (!forUs) { counters.NotForUs++; return; }
        if (arp.Operation != ArpOperation.Request) return;
        // The reply goes in place and unicast to the asker (RFC 826 "swap ... send the packet to the new target").
        packet.TryMakeReply(local, out _);
        if (link.Send(arp.SenderHardwareAddress, EtherType.Arp, ArpPacket.EthernetIpv4Length)) counters.RepliesSent++;
    }

    /// <summary>Sends a request for <paramref name="target"/>: broadcast, or unicast to revalidate a known entry (as Linux does).</summary>
    public static bool SendRequest(IpEndpoint endpoint, LinkFrame link, Ipv4Address target, EthernetAddress? unicast)
    {
        if (!endpoint.TrySelectSource(target, out var sender)) return false;
        var request = new ArpRepr(ArpOperation.Request, endpoint.Link!.Address, sender.V4, EthernetAddress.Unspecified, target);
        if (!request.TryEmit(link.Buffer)) return false;
        if (!link.Send(unicast ?? EthernetAddress.Broadcast, EtherType.Arp, request.EmittedLength)) return false;
        endpoint._arp.RequestsSent++;
        return true;
    }

    /// <summary>
    /// Sends one gratuitous ARP announcement (RFC 5227 §3: a broadcast request with sender and target both
    /// our address) for the next IPv4 address still to be announced.
    /// </summary>
    public static bool SendAnnouncement(IpEndpoint endpoint, LinkFrame link)
    {
        int skip = --endpoint._announcementsDue;
        foreach (ref readonly var a in endpoint.Addresses)
        {
            if (!a.Address.IsV4 || !a.IsUsable || skip-- > 0) continue;
            var announcement = new ArpRepr(ArpOperation.Request, endpoint.Link!.Address, a.Address.V4, EthernetAddress.Unspecified, a.Address.V4);
            if (!announcement.TryEmit(link.Buffer) || !link.Send(EthernetAddress.Broadcast, EtherType.Arp, announcement.EmittedLength)) return false;
            endpoint._arp.Announcements++;
            return true;
        }
        endpoint._announcementsDue = 0;
        return false;
    }
}
