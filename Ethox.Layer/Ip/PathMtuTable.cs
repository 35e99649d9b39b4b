using System;
using System.Buffers.Binary;
using Ethox.Layer.Common;
using Ethox.Wire;

namespace Ethox.Layer.Ip;

/// <summary>
/// Path MTUs learnt from ICMP "fragmentation needed" (RFC 1191) and Packet Too Big (RFC 8201) messages, per
/// destination, for <see cref="IpEndpoint.PathMtuFor"/>: a fixed-capacity open-addressing table indexed by
/// keyed SipHash-2-4 of the destination (whoever sends the reports cannot aim collisions), whose entries
/// age out so a path that grew again is found (RFC 1191 §6.3, RFC 8201 §4). A full table evicts the entry
/// lowered longest ago. Nothing allocates after construction.
/// </summary>
/// <remarks>Only <see cref="IpEndpoint.TryLowerPathMtu"/> writes entries: it applies the floors and never raises a value.</remarks>
public sealed class PathMtuTable
{
    /// <summary>
    /// The lowest IPv4 path MTU taken from a report (Linux's default <c>min_pmtu</c>, 512 + 20 + 20). RFC 1191 would
    /// go down to 68, but a forged "fragmentation needed" quoting a guessed connection could then force
    /// 28-byte segments on it, a resource attack (RFC 5927 §7); lower reports are raised to this.
    /// </summary>
    public const int MinIpv4Mtu = 552;
    /// <summary>The lowest IPv6 path MTU: the minimum link MTU (RFC 8200 §5); a Packet Too Big below it is discarded (RFC 8201 §4).</summary>
    public const int MinIpv6Mtu = Ipv6Packet.MinimumMtu;

    /// <summary>RFC 1191 §7, table 7-1: the MTU plateaus of common links, highest first, for a "fragmentation needed" without an MTU.</summary>
    private static ReadOnlySpan<ushort> Plateaus => [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68];

    private struct Entry
    {
        public IpAddress Destination;
        public uint Home;
        public int Mtu;
        public Instant Expires;
        public bool Used;
    }

    private readonly Entry[] _slots;
    private readonly int _mask;
    private readonly SipHash _hash;
    private int _count;
    internal PathMtuCounters _counters;

    /// <summary>A table for up to <paramref name="capacity"/> destinations, hashed with <paramref name="hash"/> (e.g. <see cref="SipHash.WithRandomKey"/>).</summary>
    public PathMtuTable(int capacity, SipHash hash)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 24);
        Capacity = capacity;
        // At most half full, so probe runs stay short.
        int slots = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity * 2);
        _slots = new Entry[slots];
        _mask = slots - 1;
        _hash = hash;
    }

    /// <summary>How many destinations the table holds at most.</summary>
    public int Capacity { get; }
    /// <summary>Destinations held now (aged entries included until they are next looked at).</summary>
    public int Count => _count;
    /// <summary>How long a lowered path MTU is kept: 10 minutes by default (RFC 1191 §6.3, RFC 8201 §4: at least 5, 10 recommended).</summary>
    public Duration Timeout { get; init; } = Duration.FromSeconds(600);
    /// <summary>The counters.</summary>
    public ref readonly PathMtuCounters Counters => ref _counters;

    /// <summary>
    /// The path MTU to guess when a "fragmentation needed" carries no Next-Hop MTU (a router older than RFC 1191):
    /// the highest plateau below the quoted datagram's <paramref name="totalLength"/> (RFC 1191 §5, §7), 68 at the least.
    /// </summary>
    public static int PlateauBelow(int totalLength)
    {
        foreach (ushort plateau in Plateaus)
            if (plateau < totalLength) return plateau;
        return Plateaus[^1];
    }

    /// <summary>The path MTU learnt for <paramref name="destination"/>, if any and not aged out at <paramref name="now"/>.</summary>
    public bool TryGet(in IpAddress destination, Instant now, out int mtu)
    {
        mtu = 0;
        // Asked for every packet sent; with nothing learnt (the usual case) there is nothing to hash for.
        if (_count == 0) return false;
        int i = Find(destination, HomeOf(destination));
        if (i < 0) return false;
        if (_slots[i].Expires <= now)
        {
            RemoveAt(i);
            _counters.Expired++;
            return false;
        }
        mtu = _slots[i].Mtu;
        return true;
    }

    /// <summary>
    /// Applies a report of <paramref name="reported"/> bytes for <paramref name="destination"/>, whose path MTU is
    /// <paramref name="current"/> now: IPv6 under 1280 is discarded, IPv4 under <see cref="MinIpv4Mtu"/> raised to it,
    /// and the result kept only when below <paramref name="current"/>. True when it lowered the path MTU.
    /// </summary>
    internal bool TryLower(in IpAddress destination, int reported, int current, Instant now)
    {
        if (destination.IsUnspecified || destination.IsMulticast || (destination.IsV6 && reported < MinIpv6Mtu))
        {
            _counters.Ignored++;
            return false;
        }
        if (destination.IsV4 && reported < MinIpv4Mtu)
        {
            _counters.Clamped++;
            reported = MinIpv4Mtu;
        }
        if (reported >= current)
        {
            _counters.Ignored++;
            return false;
        }
        uint home = HomeOf(destination);
        int i = Find(destination, home);
        if (i < 0)
        {
            if (_count == Capacity) EvictOldest(now);
            i = (int)home;
            while (_slots[i].Used) i = (i + 1) & _mask;
            _slots[i] = new Entry { Destination = destination, Home = home, Used = true };
            _count++;
        }
        // RFC 1191 §6.3: the age counts from the latest decrease.
        _slots[i].Mtu = reported;
        _slots[i].Expires = now + Timeout;
        _counters.Lowered++;
        return true;
    }

    private uint HomeOf(in IpAddress destination)
    {
        Span<byte> key = stackalloc byte[17];
        var bits = destination.V6; // an IPv4 address sits in the low bits; the version byte keeps the families apart
        BinaryPrimitives.WriteUInt64BigEndian(key, bits.High);
        BinaryPrimitives.WriteUInt64BigEndian(key[8..], bits.Low);
        key[16] = (byte)destination.Version;
        return (uint)_hash.Hash(key) & (uint)_mask;
    }

    private int Find(in IpAddress destination, uint home)
    {
        for (int i = (int)home; _slots[i].Used; i = (i + 1) & _mask)
            if (_slots[i].Destination == destination) return i;
        return -1;
    }

    // Aged entries have the earliest expiry, so they go before any live one.
    private void EvictOldest(Instant now)
    {
        int oldest = -1;
        for (int i = 0; i < _slots.Length; i++)
            if (_slots[i].Used && (oldest < 0 || _slots[i].Expires < _slots[oldest].Expires)) oldest = i;
        if (_slots[oldest].Expires <= now) _counters.Expired++;
        else _counters.Evicted++;
        RemoveAt(oldest);
    }

    // Backward-shift deletion: entries after the hole move into it unless their home lies between hole and
    // entry, so lookups never meet a gap inside a probe run (no tombstones to accumulate).
    private void RemoveAt(int hole)
    {
        int j = hole;
        while (true)
        {
            _slots[hole].Used = false;
            while (true)
            {
                j = (j + 1) & _mask;
                if (!_slots[j].Used)
                {
                    _count--;
                    return;
                }
                uint home = _slots[j].Home;
                bool stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
                if (!stays) break;
            }
            _slots[hole] = _slots[j];
            hole = j;
        }
    }
}
