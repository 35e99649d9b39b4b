using System;
using Ethox.Layer.Arp;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Icmp;
using Ethox.Layer.Ndisc;
using Ethox.Wire;

namespace Ethox.Layer.Ip;

/// <summary>
/// The IP state of one interface, for IPv4 and IPv6 together: our addresses with their prefixes, the
/// route table, the neighbour cache shared by ARP and NDISC, the packets held during resolution,
/// reassembly and fragmentation buffers, the ICMP error rate limit and the counters. Every table is given
/// by the caller at construction and never grows.
/// </summary>
/// <remarks>
/// Over Ethernet pass the <see cref="EthernetEndpoint"/> and a <see cref="NeighborCache"/>; on a bare IP
/// medium (TUN, a VPN's packet interface) pass neither: there is no link address to resolve.
/// </remarks>
public sealed class IpEndpoint
{
    /// <summary>RFC 4861 §10 MAX_RTR_SOLICITATIONS.</summary>
    private const int MaxRouterSolicitations = 3;
    /// <summary>RFC 4861 §10 RTR_SOLICITATION_INTERVAL.</summary>
    private static readonly Duration RouterSolicitationInterval = Duration.FromSeconds(4);
    /// <summary>RFC 4862 §5.5.3(e): a router may not cut a valid lifetime below two hours unannounced.</summary>
    private static readonly Duration TwoHours = Duration.FromSeconds(7200);

    private readonly InterfaceAddress[] _addresses;
    private int _addressCount;
    private ushort _nextIpv4Id;
    private uint _nextIpv6Id;
    internal IpCounters _counters;
    internal ArpCounters _arp;
    internal IcmpCounters _icmp;
    internal NdiscCounters _ndisc;
    internal TokenBucket _icmpErrors;
    internal int _announcementsDue;
    internal int _routerSolicitationsLeft;
    internal Instant _nextRouterSolicitation = Instant.Never;

    /// <summary>
    /// An endpoint on <paramref name="link"/> (null on an IP medium) with an MTU, room for
    /// <paramref name="addressCapacity"/> addresses, a route table and (over Ethernet) a neighbour cache.
    /// </summary>
    public IpEndpoint(EthernetEndpoint? link, int mtu, int addressCapacity, RouteTable routes, NeighborCache? neighbors)
        : this(link, mtu, addressCapacity, routes, neighbors, RandomSeed())
    {
    }

    /// <summary>
    /// As the other constructor, with the starting IP identifiers taken from <paramref name="identificationSeed"/> (at least
    /// 6 bytes, unpredictable to peers: e.g. a keyed hash of a secret) instead of the operating system's generator, which on
    /// Linux is OpenSSL's; a C program linking Ethox statically then needs no OpenSSL.
    /// </summary>
    public IpEndpoint(EthernetEndpoint? link, int mtu, int addressCapacity, RouteTable routes, NeighborCache? neighbors, ReadOnlySpan<byte> identificationSeed)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 576);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(addressCapacity);
        if (link is not null && neighbors is null) throw new ArgumentException("An Ethernet interface needs a neighbour cache.", nameof(neighbors));
        Link = link;
        Mtu = mtu;
        LinkMtu = mtu;
        Routes = routes;
        Neighbors = neighbors;
        _addresses = new InterfaceAddress[addressCapacity];
        _icmpErrors = new TokenBucket(10, Duration.FromMilliseconds(10));
        ArgumentOutOfRangeException.ThrowIfLessThan(identificationSeed.Length, 6, nameof(identificationSeed));
        // Unpredictable starting identifiers (RFC 7739 §5.1) so peers cannot count our traffic.
        var seed = identificationSeed;
        _nextIpv4Id = (ushort)(seed[0] << 8 | seed[1]);
        _nextIpv6Id = (uint)(seed[2] << 24 | seed[3] << 16 | seed[4] << 8 | seed[5]);
    }

    private static byte[] RandomSeed() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(6);

    /// <summary>The Ethernet interface below, or null on an IP medium.</summary>
    public EthernetEndpoint? Link { get; }
    /// <summary>The largest IP packet we send (a router advertisement's MTU option may lower it, never above <see cref="LinkMtu"/>).</summary>
    public int Mtu { get; set; }
    /// <summary>The MTU given at construction: what the device carries.</summary>
    public int LinkMtu { get; }
    /// <summary>TTL / hop limit of packets we originate (RFC 1700 recommends 64; a router advertisement may change it).</summary>
    public byte HopLimit { get; set; } = 64;
    /// <summary>The route table (longest-prefix match; on-link prefixes of our addresses are added automatically).</summary>
    public RouteTable Routes { get; }
    /// <summary>The neighbour cache shared by ARP and NDISC (null on an IP medium).</summary>
    public NeighborCache? Neighbors { get; }
    /// <summary>Where packets wait for address resolution; without one they are dropped and counted.</summary>
    public HoldQueue? Hold { get; init; }
    /// <summary>Reassembles IPv4 and IPv6 fragments addressed to us; without one, fragments are dropped and counted.</summary>
    public Reassembler? Reassembler { get; init; }
    /// <summary>Fragments our datagrams larger than the MTU (replies to reassembled requests included); without one they are dropped and counted.</summary>
    public Fragmenter? Fragmenter { get; init; }
    /// <summary>
    /// Path MTUs learnt from ICMP per destination (RFC 1191, RFC 8201); without one every destination gets
    /// <see cref="Mtu"/> and reports are ignored.
    /// </summary>
    public PathMtuTable? PathMtu { get; init; }
    /// <summary>Neighbour solicitations sent per address by duplicate address detection (RFC 4862 DupAddrDetectTransmits; 0 turns DAD off).</summary>
    public int DadTransmits { get; set; } = 1;
    /// <summary>Whether router advertisements configure addresses and routes (RFC 4862 SLAAC).</summary>
    public bool Autoconfigure { get; private set; }
    /// <summary>Answer echo requests sent to a broadcast address (off by default, like Linux's icmp_echo_ignore_broadcasts).</summary>
    public bool AnswerBroadcastEcho { get; set; }

    /// <summary>
    /// Transparent mode, per family (off by default): TCP and UDP datagrams and ICMP errors to <em>any</em> unicast address
    /// of these families that is not one of ours are taken in instead of dropped as not for us, marked
    /// <see cref="IpPacket.IsForeign"/>; answers to them, and datagrams sent later, may come from that address
    /// (<see cref="CanSendFrom"/>). For a VPN or a transparent proxy on a TUN device or a caller's packet interface,
    /// where the kernel or the caller routes traffic of other addresses into the stack: no address or route needs to be
    /// configured for it. Other protocols, echo requests and neighbour discovery to such addresses stay unanswered.
    /// </summary>
    public IpFamilies AcceptAny { get; set; }

    /// <summary>IP counters.</summary>
    public ref readonly IpCounters Counters => ref _counters;
    /// <summary>ARP counters.</summary>
    public ref readonly ArpCounters ArpCounters => ref _arp;
    /// <summary>ICMP counters.</summary>
    public ref readonly IcmpCounters IcmpCounters => ref _icmp;
    /// <summary>NDISC counters.</summary>
    public ref readonly NdiscCounters NdiscCounters => ref _ndisc;

    /// <summary>Our addresses.</summary>
    public ReadOnlySpan<InterfaceAddress> Addresses => _addresses.AsSpan(0, _addressCount);

    /// <summary>
    /// Sets the ICMP error rate limit: <paramref name="burst"/> errors at once, then one per
    /// <paramref name="interval"/> (RFC 4443 §2.4(f); default 10 and 10 ms, i.e. 100 per second).
    /// </summary>
    public void SetIcmpErrorRateLimit(int burst, Duration interval) => _icmpErrors = new TokenBucket(burst, interval);

    /// <summary>
    /// Adds an address with its on-link prefix and the matching on-link route. An IPv6 address over
    /// Ethernet starts tentative while DAD runs (RFC 4862 §5.4); an IPv4 address is announced with a
    /// gratuitous ARP (RFC 5227 §3).
    /// </summary>
    public AddressUpdate AddAddress(IpAddress address, int prefixLength, Instant now)
        => AddAddress(address, prefixLength, now, Instant.Never, Instant.Never, autoconfigured: false);

    /// <summary>Removes an address and its on-link route; false when it was not ours.</summary>
    public bool RemoveAddress(IpAddress address)
    {
        int i = IndexOf(address);
        if (i < 0) return false;
        var removed = _addresses[i];
        _addresses[i] = _addresses[--_addressCount];
        if (removed.Address.IsV6) Link?.Leave(EthernetAddress.FromIpv6Multicast(removed.Address.V6.SolicitedNode));
        bool prefixStillUsed = false;
        foreach (ref readonly var a in Addresses)
            if (a.PrefixLength == removed.PrefixLength && a.OnLink(removed.Address)) prefixStillUsed = true;
        if (!prefixStillUsed) Routes.Remove(removed.Address, removed.PrefixLength);
        return true;
    }

    /// <summary>Sends a gratuitous ARP for each IPv4 address at the next transmit (RFC 5227 §3), e.g. after a MAC change or failover.</summary>
    public void AnnounceAddresses()
    {
        int v4 = 0;
        foreach (ref readonly var a in Addresses)
            if (a.Address.IsV4 && a.IsUsable) v4++;
        if (Link is not null) _announcementsDue = v4;
        Wake(Instant.Zero);
    }

    /// <summary>
    /// Turns on stateless address autoconfiguration (RFC 4862): adds the EUI-64 link-local address
    /// (tentative until DAD passes), then solicits routers and configures addresses and default routes from
    /// their advertisements. Only over Ethernet.
    /// </summary>
    public bool EnableAutoconfiguration(Instant now)
    {
        if (Link is null) return false;
        Autoconfigure = true;
        var linkLocal = Ipv6Address.LinkLocalFromMac(Link.Address);
        var result = AddAddress(linkLocal, 64, now, Instant.Never, Instant.Never, autoconfigured: true);
        _routerSolicitationsLeft = MaxRouterSolicitations;
        _nextRouterSolicitation = now;
        Wake(now);
        return result is AddressUpdate.Added or AddressUpdate.Updated;
    }

    /// <summary>When the endpoint next needs a call: a retransmission, a DAD step, a solicitation, an expiry.</summary>
    public Instant NextDeadline()
    {
        var next = Routes.NextExpiry();
        if (Neighbors is not null) next = Instant.Min(next, Neighbors.NextDeadline());
        if (Hold is not null) next = Instant.Min(next, Hold.NextDeadline());
        if (Reassembler is not null) next = Instant.Min(next, Reassembler.NextDeadline());
        if (Fragmenter is { HasPending: true }) next = Instant.Zero;
        if (_announcementsDue > 0) next = Instant.Zero;
        if (_routerSolicitationsLeft > 0) next = Instant.Min(next, _nextRouterSolicitation);
        foreach (ref readonly var a in Addresses)
        {
            next = Instant.Min(next, a.State == AddressState.Tentative ? a.DadDeadline : a.ValidUntil);
            if (a.State == AddressState.Preferred) next = Instant.Min(next, a.PreferredUntil);
        }
        return next;
    }

    /// <summary>Ages addresses and routes: deprecates and removes addresses whose lifetimes ran out (RFC 4862 §5.5.4).</summary>
    public void Expire(Instant now)
    {
        Routes.Expire(now);
        for (int i = _addressCount - 1; i >= 0; i--)
        {
            ref var a = ref _addresses[i];
            if (a.ValidUntil <= now) { RemoveAddress(a.Address); continue; }
            if (a.State == AddressState.Preferred && a.PreferredUntil <= now) a.State = AddressState.Deprecated;
        }
    }

    internal AddressUpdate AddAddress(IpAddress address, int prefixLength, Instant now, Instant preferredUntil, Instant validUntil, bool autoconfigured)
    {
        bool v4 = address.IsV4;
        if (!(v4 ? address.V4.IsUnicast && prefixLength is >= 0 and <= 32 : address.IsV6 && address.V6.IsUnicast && prefixLength is >= 0 and <= 128))
            return AddressUpdate.Invalid;
        int existing = IndexOf(address);
        if (existing >= 0)
        {
            ref var a = ref _addresses[existing];
            a.PreferredUntil = preferredUntil;
            a.ValidUntil = validUntil;
            if (a.State == AddressState.Deprecated && preferredUntil > now) a.State = AddressState.Preferred;
            return AddressUpdate.Updated;
        }
        if (_addressCount == _addresses.Length) return AddressUpdate.Full;
        bool dad = !v4 && Link is not null && DadTransmits > 0;
        if (!v4 && Link is not null)
        {
            // Listen to the solicited-node group from the start: DAD probes of others arrive there (RFC 4862 §5.4.2).
            if (!Link.Join(EthernetAddress.FromIpv6Multicast(address.V6.SolicitedNode))) return AddressUpdate.Full;
            Link.Join(EthernetAddress.FromIpv6Multicast(Ipv6Address.LinkLocalAllNodes));
        }
        _addresses[_addressCount++] = new InterfaceAddress
        {
            Address = address,
            PrefixLength = (byte)prefixLength,
            State = dad ? AddressState.Tentative : AddressState.Preferred,
            Autoconfigured = autoconfigured,
            PreferredUntil = preferredUntil,
            ValidUntil = validUntil,
            DadProbesLeft = (byte)(dad ? DadTransmits : 0),
            DadDeadline = dad ? now : Instant.Never,
        };
        if (prefixLength > 0 && !(address.IsV6 && address.V6.IsLinkLocal && prefixLength == 64))
            Routes.Add(address, prefixLength, default, validUntil);
        if (v4 && Link is not null) _announcementsDue++;
        Wake(now);
        return AddressUpdate.Added;
    }

    /// <summary>Applies a prefix information option of a router advertisement (RFC 4862 §5.5.3).</summary>
    internal void AutoconfigurePrefix(in NdiscPrefixInformation prefix, Instant now)
    {
        if (!Autoconfigure || Link is null || !prefix.Autonomous || prefix.Prefix.IsLinkLocal) return;
        if (prefix.PreferredLifetime > prefix.ValidLifetime || prefix.PrefixLength != 64) return; // §5.5.3(c), interface ids are 64 bits
        var address = new Ipv6Address(prefix.Prefix.High, Ipv6Address.InterfaceIdFromMac(Link.Address));
        var preferred = Lifetime(now, prefix.PreferredLifetime);
        var valid = Lifetime(now, prefix.ValidLifetime);
        int i = IndexOf(address);
        if (i >= 0)
        {
            // §5.5.3(e): accept a longer lifetime, or one above two hours; otherwise keep at most two hours left.
            ref var a = ref _addresses[i];
            if (valid > now + TwoHours || valid > a.ValidUntil) a.ValidUntil = valid;
            else if (a.ValidUntil > now + TwoHours) a.ValidUntil = now + TwoHours;
            a.PreferredUntil = preferred;
            if (a.State == AddressState.Deprecated && preferred > now) a.State = AddressState.Preferred;
            return;
        }
        if (prefix.ValidLifetime == 0) return;
        if (AddAddress(address, 64, now, preferred, valid, autoconfigured: true) == AddressUpdate.Added) _ndisc.AddressesAutoconfigured++;
    }

    internal static Instant Lifetime(Instant now, uint seconds) => seconds == uint.MaxValue ? Instant.Never : now + Duration.FromSeconds(seconds);

    internal int IndexOf(in IpAddress address)
    {
        for (int i = 0; i < _addressCount; i++)
            if (_addresses[i].Address == address) return i;
        return -1;
    }

    internal ref InterfaceAddress AddressAt(int index) => ref _addresses[index];

    /// <summary>True when <paramref name="address"/> is one of our usable unicast addresses.</summary>
    public bool IsOurAddress(in IpAddress address)
    {
        int i = IndexOf(address);
        return i >= 0 && _addresses[i].IsUsable;
    }

    /// <summary>
    /// True when we may send from <paramref name="source"/>: one of our usable addresses or, in transparent mode for its
    /// family (<see cref="AcceptAny"/>), any unicast address that is not ours (an address of ours that is tentative,
    /// duplicate or deprecated-and-gone stays unusable).
    /// </summary>
    public bool CanSendFrom(in IpAddress source)
    {
        int i = IndexOf(source);
        return i >= 0 ? _addresses[i].IsUsable : IsForeign(source);
    }

    /// <summary>
    /// True when a packet to <paramref name="destination"/>, which <see cref="AcceptsDestination"/> refused, is taken in
    /// transparent mode: <see cref="AcceptAny"/> covers its family, it is none of our addresses (a tentative one of ours
    /// stays refused, RFC 4862 §5.4), and it is a unicast host address (not unspecified, broadcast, multicast or loopback:
    /// RFC 1122 §3.2.1.3 forbids loopback on the wire).
    /// </summary>
    internal bool IsForeign(in IpAddress destination)
    {
        bool covered = destination.IsV4
            ? (AcceptAny & IpFamilies.V4) != 0 && destination.V4.IsUnicast && !destination.V4.IsLoopback
            : destination.IsV6 && (AcceptAny & IpFamilies.V6) != 0 && destination.V6.IsUnicast && !destination.V6.IsLoopback;
        return covered && IndexOf(destination) < 0;
    }

    /// <summary>
    /// True when a packet to <paramref name="destination"/> is for this host: one of our usable addresses,
    /// the limited or a directed broadcast of one of our IPv4 prefixes, all-hosts/all-nodes, or the
    /// solicited-node group of any of our addresses (tentative ones too, for DAD).
    /// </summary>
    internal bool AcceptsDestination(in IpAddress destination, out bool multicast)
    {
        multicast = false;
        if (destination.IsV4)
        {
            var d = destination.V4;
            if (d.IsBroadcast || d == new Ipv4Address(224, 0, 0, 1)) { multicast = true; return true; }
            if (IsOurAddress(destination)) return true;
            multicast = IsDirectedBroadcast(d);
            return multicast;
        }
        var v6 = destination.V6;
        if (v6.IsMulticast)
        {
            multicast = true;
            if (v6 == Ipv6Address.LinkLocalAllNodes) return true;
            foreach (ref readonly var a in Addresses)
                if (a.Address.IsV6 && a.State != AddressState.Duplicate && a.Address.V6.SolicitedNode == v6) return true;
            return false;
        }
        return IsOurAddress(destination);
    }

    /// <summary>True when <paramref name="address"/> is the directed broadcast of one of our IPv4 prefixes (none for /31 and /32, RFC 3021).</summary>
    internal bool IsDirectedBroadcast(Ipv4Address address)
    {
        foreach (ref readonly var a in Addresses)
            if (a.Address.IsV4 && a.IsUsable && a.PrefixLength < 31 && new Ipv4Cidr(a.Address.V4, a.PrefixLength).BroadcastAddress == address) return true;
        return false;
    }

    /// <summary>
    /// Picks our source address for a packet to <paramref name="destination"/> (a reduced RFC 6724 §5 /
    /// RFC 1122 §3.3.4.3): same family, usable, same scope for IPv6 link-local and link-scoped multicast,
    /// preferring an address whose prefix holds the destination, then a preferred over a deprecated one.
    /// </summary>
    public bool TrySelectSource(in IpAddress destination, out IpAddress source)
    {
        int best = -1, bestScore = -1;
        bool linkScope = destination.IsV6 && (destination.V6.IsLinkLocal || (destination.V6.IsMulticast && (destination.V6.High >> 48 & 0xF) <= 2));
        for (int i = 0; i < _addressCount; i++)
        {
            ref readonly var a = ref _addresses[i];
            if (a.Address.Version != destination.Version || !a.IsUsable) continue;
            int score = 0;
            if (a.Address.IsV6 && a.Address.V6.IsLinkLocal == linkScope) score += 4;
            if (a.OnLink(destination)) score += 2;
            if (a.State == AddressState.Preferred) score += 1;
            if (score > bestScore) { best = i; bestScore = score; }
        }
        source = best < 0 ? default : _addresses[best].Address;
        return best >= 0;
    }

    /// <summary>
    /// The largest IP packet that reaches <paramref name="destination"/> unfragmented as far as we know at
    /// <paramref name="now"/>: <see cref="Mtu"/>, or less when the path said so (RFC 1191, RFC 8201) and the
    /// report has not aged out.
    /// </summary>
    public int PathMtuFor(in IpAddress destination, Instant now)
        => PathMtu is { } table && table.TryGet(destination, now, out int mtu) ? Math.Min(Mtu, mtu) : Mtu;

    /// <summary>
    /// Takes a report that packets of more than <paramref name="mtu"/> bytes do not reach
    /// <paramref name="destination"/> (a frag-needed's Next-Hop MTU, a Packet Too Big's MTU). Never raises the
    /// path MTU (RFC 1191 §3, RFC 8201 §4); an IPv6 value under 1280 is discarded (RFC 8201 §4), an IPv4 value
    /// under <see cref="PathMtuTable.MinIpv4Mtu"/> raised to it. True when the path MTU went down; counted in
    /// <see cref="PathMtuTable.Counters"/>. The caller has checked that the report is about a packet we sent.
    /// </summary>
    public bool TryLowerPathMtu(in IpAddress destination, int mtu, Instant now)
        => PathMtu is { } table && table.TryLower(destination, mtu, PathMtuFor(destination, now), now);

    /// <summary>
    /// The next hop toward <paramref name="destination"/>: itself when on-link (a route without gateway,
    /// an IPv6 link-local or multicast address, a broadcast), else the gateway of the longest matching route.
    /// </summary>
    public bool TryGetNextHop(in IpAddress destination, Instant now, out IpAddress nextHop)
    {
        nextHop = destination;
        if (destination.IsMulticast || (destination.IsV6 && destination.V6.IsLinkLocal)) return true;
        if (Link is null && !Routes.TryLookup(destination, now, out _)) return true; // point-to-point: everything goes down the tunnel
        if (!Routes.TryLookup(destination, now, out var route)) return false;
        if (!route.IsOnLink) nextHop = route.Gateway;
        return true;
    }

    /// <summary>
    /// A hint from a transport that its packets to <paramref name="destination"/> go unanswered (RFC 4861
    /// §7.3.1 lets upper layers take part in reachability): the next hop's entry is probed now by unicast
    /// and, when the probes fail, resolved afresh. An entry poisoned by a bad answer (ARP has no checksum,
    /// and nothing else would question a reachable entry for up to 30 s) is found out within seconds.
    /// </summary>
    public void SuspectNeighbor(in IpAddress destination, Instant now)
    {
        if (Neighbors is null || !TryGetNextHop(destination, now, out var nextHop)) return;
        if (Neighbors.Suspect(nextHop, now)) Wake(now);
    }

    /// <summary>When housekeeping (timers, retransmissions, DAD, solicitations) is next due.</summary>
    internal Instant _housekeepingDue;

    /// <summary>Brings housekeeping forward to <paramref name="at"/> at the latest.</summary>
    internal void Wake(Instant at) => _housekeepingDue = Instant.Min(_housekeepingDue, at);

    /// <summary>Where the pending fragmented datagram goes: its next hop, its link address once known, and when to give up.</summary>
    internal IpAddress _fragmentNextHop;
    internal EthernetAddress? _fragmentLinkAddress;
    internal Instant _fragmentDeadline;

    internal ushort NextIpv4Identification() => _nextIpv4Id++;
    internal uint NextIpv6Identification() => _nextIpv6Id++;
}
