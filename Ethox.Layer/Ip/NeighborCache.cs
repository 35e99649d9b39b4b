using System;
using Ethox.Layer.Common;
using Ethox.Wire;

namespace Ethox.Layer.Ip;

/// <summary>Reachability state of a neighbour (RFC 4861 §7.3.2; ARP entries use the same states).</summary>
public enum NeighborState : byte
{
    /// <summary>Slot unused.</summary>
    Empty,
    /// <summary>Resolution in progress: a request/solicitation was sent, no answer yet.</summary>
    Incomplete,
    /// <summary>Confirmed recently; usable until the reachable time runs out.</summary>
    Reachable,
    /// <summary>Not confirmed recently; still usable, revalidated on the next use.</summary>
    Stale,
    /// <summary>Used while stale; waiting briefly for upper-layer confirmation before probing.</summary>
    Delay,
    /// <summary>Unicast probes being sent to revalidate.</summary>
    Probe,
}

/// <summary>One cache entry.</summary>
public struct NeighborEntry
{
    /// <summary>The neighbour's IP address.</summary>
    public IpAddress Address;
    /// <summary>Its link-layer address (meaningless while <see cref="NeighborState.Incomplete"/>).</summary>
    public EthernetAddress LinkAddress;
    /// <summary>Reachability state.</summary>
    public NeighborState State;
    /// <summary>When the current state ends (reachable → stale, incomplete → retry/give up, delay → probe).</summary>
    public Instant Deadline;
    /// <summary>Requests or probes sent in the current state.</summary>
    public byte Probes;
    /// <summary>The neighbour said it is a router (NDISC R flag).</summary>
    public bool IsRouter;
}

/// <summary>What <see cref="NeighborCache.Lookup"/> found.</summary>
public enum NeighborLookup : byte
{
    /// <summary>A usable link-layer address.</summary>
    Found,
    /// <summary>Resolution is in progress; do not send a new request yet.</summary>
    Pending,
    /// <summary>Unknown (or resolution due): the caller should send a request/solicitation now.</summary>
    RequestNeeded,
}

/// <summary>
/// The neighbour cache shared by ARP (IPv4) and NDISC (IPv6): a fixed-capacity open-addressing table
/// given at construction, indexed through a keyed SipHash so peers cannot aim collisions. A full
/// table evicts the least useful entry (incomplete or stale first); it never grows.
/// </summary>
public sealed class NeighborCache
{
    private readonly NeighborEntry[] _entries;
    private readonly SipHash _hash;
    private int _lastFound; // the entry Find returned last: the next packet most likely goes to the same neighbour
    private readonly int _mask;

    /// <summary>How long a confirmed entry stays reachable (RFC 4861 REACHABLE_TIME, 30 s).</summary>
    public Duration ReachableTime { get; set; } = Duration.FromSeconds(30);
    /// <summary>Delay before probing a stale entry in use (RFC 4861 DELAY_FIRST_PROBE_TIME, 5 s).</summary>
    public Duration DelayFirstProbe { get; set; } = Duration.FromSeconds(5);
    /// <summary>Interval between requests/probes (RFC 4861 RETRANS_TIMER, 1 s; also the ARP request rate limit).</summary>
    public Duration RetransmitInterval { get; set; } = Duration.FromSeconds(1);
    /// <summary>Requests sent for an incomplete entry before giving up (RFC 4861 MAX_MULTICAST_SOLICIT, 3).</summary>
    public int MaxRequests { get; set; } = 3;
    /// <summary>Stale entries unused for this long are dropped.</summary>
    public Duration StaleLifetime { get; set; } = Duration.FromSeconds(600);

    /// <summary>Entries replaced because the table was full.</summary>
    public long Evictions { get; private set; }
    /// <summary>Resolutions that gave up after <see cref="MaxRequests"/>.</summary>
    public long Failures { get; private set; }

    /// <summary>A cache with room for <paramref name="capacity"/> entries (rounded up to a power of two), keyed by <paramref name="hash"/>.</summary>
    public NeighborCache(int capacity, SipHash hash)
    {
        if (capacity <= 0 || capacity > 1 << 20) throw new ArgumentOutOfRangeException(nameof(capacity));
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity);
        _entries = new NeighborEntry[size];
        _mask = size - 1;
        _hash = hash;
    }

    /// <summary>Number of slots.</summary>
    public int Capacity => _entries.Length;

    /// <summary>The entries, for inspection (empty slots have <see cref="NeighborState.Empty"/>).</summary>
    public ReadOnlySpan<NeighborEntry> Entries => _entries;

    /// <summary>
    /// Finds the link address for <paramref name="address"/>. Using a stale entry starts the delay timer
    /// (RFC 4861 §7.3.3); an unknown address gets an incomplete entry and <see cref="NeighborLookup.RequestNeeded"/>.
    /// </summary>
    public NeighborLookup Lookup(IpAddress address, Instant now, out EthernetAddress linkAddress)
    {
        linkAddress = default;
        int i = Find(address);
        if (i < 0)
        {
            i = Claim(address, now);
            ref var fresh = ref _entries[i];
            fresh = new NeighborEntry { Address = address, State = NeighborState.Incomplete, Deadline = now + RetransmitInterval, Probes = 1 };
            return NeighborLookup.RequestNeeded;
        }
        ref var e = ref _entries[i];
        Advance(ref e, now);
        switch (e.State)
        {
            case NeighborState.Incomplete:
                return NeighborLookup.Pending;
            case NeighborState.Stale:
                e.State = NeighborState.Delay;
                e.Deadline = now + DelayFirstProbe;
                break;
        }
        if (e.State == NeighborState.Empty)
        {
            // Gave up earlier: start a fresh resolution.
            e = new NeighborEntry { Address = address, State = NeighborState.Incomplete, Deadline = now + RetransmitInterval, Probes = 1 };
            return NeighborLookup.RequestNeeded;
        }
        linkAddress = e.LinkAddress;
        return NeighborLookup.Found;
    }

    /// <summary>
    /// Records a mapping learned from the wire. <paramref name="confirmed"/> is true for a solicited
    /// answer (ARP reply to our request, NA with S flag): the entry becomes reachable; otherwise a changed
    /// or new address makes it stale (RFC 4861 §7.2.5, §7.2.3). <paramref name="createIfMissing"/> is false
    /// where the RFC only updates existing entries (ARP, RFC 826 "merge flag").
    /// </summary>
    public void Update(IpAddress address, EthernetAddress linkAddress, Instant now, bool confirmed, bool createIfMissing)
    {
        int i = Find(address);
        if (i < 0)
        {
            if (!createIfMissing) return;
            i = Claim(address, now);
            _entries[i] = new NeighborEntry { Address = address, State = NeighborState.Empty };
        }
        ref var e = ref _entries[i];
        bool changed = e.State == NeighborState.Incomplete || e.State == NeighborState.Empty || e.LinkAddress != linkAddress;
        e.LinkAddress = linkAddress;
        e.Probes = 0;
        if (confirmed)
        {
            e.State = NeighborState.Reachable;
            e.Deadline = now + ReachableTime;
        }
        else if (changed)
        {
            e.State = NeighborState.Stale;
            e.Deadline = now + StaleLifetime;
        }
    }

    /// <summary>
    /// Looks at the entry for <paramref name="address"/> without touching its state or timers: its state
    /// (<see cref="NeighborState.Empty"/> when unknown or given up) and, when usable, its link address.
    /// </summary>
    public NeighborState Peek(IpAddress address, out EthernetAddress linkAddress)
    {
        int i = Find(address);
        if (i < 0) { linkAddress = default; return NeighborState.Empty; }
        linkAddress = _entries[i].LinkAddress;
        return _entries[i].State;
    }

    /// <summary>True for the states whose link address may be used to send (RFC 4861 §7.3.3: stale, delay and probe too).</summary>
    public static bool IsUsable(NeighborState state)
        => state is NeighborState.Reachable or NeighborState.Stale or NeighborState.Delay or NeighborState.Probe;

    /// <summary>Forward progress confirmed by an upper layer (RFC 4861 §7.3.1, e.g. a TCP ACK): the entry becomes reachable.</summary>
    public void Confirm(IpAddress address, Instant now)
    {
        int i = Find(address);
        if (i < 0 || _entries[i].State is NeighborState.Incomplete or NeighborState.Empty) return;
        _entries[i].State = NeighborState.Reachable;
        _entries[i].Deadline = now + ReachableTime;
        _entries[i].Probes = 0;
    }

    /// <summary>
    /// An upper layer sees no forward progress through <paramref name="address"/> (RFC 4861 §7.3.1): a usable
    /// entry not already being probed goes to PROBE at once, so unicast probes check it and a failure makes
    /// the next send resolve it again. True when probing started.
    /// </summary>
    public bool Suspect(IpAddress address, Instant now)
    {
        int i = Find(address);
        if (i < 0) return false;
        ref var e = ref _entries[i];
        if (e.State is not (NeighborState.Reachable or NeighborState.Stale or NeighborState.Delay)) return false;
        e.State = NeighborState.Probe;
        e.Deadline = now;
        e.Probes = 0;
        return true;
    }

    /// <summary>Removes an entry (e.g. on a NDISC redirect or an address change).</summary>
    public void Remove(IpAddress address)
    {
        int i = Find(address);
        if (i >= 0) Delete(i);
    }

    /// <summary>
    /// Runs the timers: returns in <paramref name="due"/> the next entry for which a request or probe must
    /// be sent now (and counts it sent), or false when there is none. Call until false; then
    /// <see cref="NextDeadline"/> says when to call again.
    /// </summary>
    public bool TryTakeDueRequest(Instant now, out NeighborEntry due)
    {
        for (int i = 0; i < _entries.Length; i++)
        {
            ref var e = ref _entries[i];
            if (e.State == NeighborState.Empty) continue;
            if (e.Deadline > now) continue;
            Advance(ref e, now);
            if (e.State is NeighborState.Incomplete or NeighborState.Probe && e.Deadline <= now)
            {
                e.Probes++;
                e.Deadline = now + RetransmitInterval;
                due = e;
                return true;
            }
        }
        due = default;
        return false;
    }

    /// <summary>The earliest instant at which some entry changes state.</summary>
    public Instant NextDeadline()
    {
        var next = Instant.Never;
        foreach (ref readonly var e in _entries.AsSpan())
            if (e.State != NeighborState.Empty && e.Deadline < next) next = e.Deadline;
        return next;
    }

    // Moves an entry along its timers (RFC 4861 §7.3.3 transitions driven by time).
    private void Advance(ref NeighborEntry e, Instant now)
    {
        if (e.Deadline > now) return;
        switch (e.State)
        {
            case NeighborState.Reachable:
                e.State = NeighborState.Stale;
                e.Deadline = now + StaleLifetime;
                break;
            case NeighborState.Stale:
                e.State = NeighborState.Empty; // unused for StaleLifetime: forget it
                break;
            case NeighborState.Delay:
                e.State = NeighborState.Probe;
                e.Probes = 0;
                break; // deadline stays due: the first probe goes out now
            case NeighborState.Incomplete:
            case NeighborState.Probe:
                if (e.Probes >= MaxRequests)
                {
                    e.State = NeighborState.Empty;
                    Failures++;
                }
                break;
        }
    }

    private int Find(IpAddress address)
    {
        // Compared before hashing: a stream of packets to one next hop skips the keyed hash. A changed or emptied
        // entry no longer matches, and an address is never in two entries (Claim runs only when Find failed).
        ref var last = ref _entries[_lastFound];
        if (last.State != NeighborState.Empty && last.Address == address) return _lastFound;
        int i = Slot(address);
        for (int n = 0; n < _entries.Length; n++, i = (i + 1) & _mask)
        {
            ref var e = ref _entries[i];
            if (e.State == NeighborState.Empty && e.Address.Version == IpVersion.Unspecified) return -1; // never used: end of chain
            if (e.State != NeighborState.Empty && e.Address == address) return _lastFound = i;
        }
        return -1;
    }

    // A slot for a new entry: the first free one on the probe chain, else the least useful one anywhere.
    private int Claim(IpAddress address, Instant now)
    {
        int i = Slot(address);
        for (int n = 0; n < _entries.Length; n++, i = (i + 1) & _mask)
            if (_entries[i].State == NeighborState.Empty) return i;
        int victim = 0;
        for (int k = 1; k < _entries.Length; k++)
            if (Usefulness(in _entries[k], now) < Usefulness(in _entries[victim], now)) victim = k;
        Evictions++;
        return victim;
    }

    private static long Usefulness(in NeighborEntry e, Instant now) => e.State switch
    {
        NeighborState.Incomplete => 0,
        NeighborState.Stale => 1 + Math.Max(0, (e.Deadline - now).Microseconds / 1000),
        _ => long.MaxValue / 2 + e.Deadline.Microseconds / 2,
    };

    private void Delete(int i) => _entries[i].State = NeighborState.Empty; // keeps Address as a tombstone so chains stay intact

    private int Slot(IpAddress address)
    {
        Span<byte> key = stackalloc byte[17];
        address.V6.WriteTo(key);
        key[16] = (byte)address.Version;
        return (int)_hash.Hash(key) & _mask;
    }
}
