using System;
using System.Numerics;
using Ethox.Layer.Common;
using System.Runtime.CompilerServices;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>
/// Finds a connection's slot from its <see cref="FourTuple"/>: a fixed-capacity open-addressing hash table
/// keyed with a secret SipHash, so a peer that chooses its ports and addresses cannot aim collisions and
/// make lookups degrade (DESIGN.md principle 9). The table keeps each slot's tuple itself, so the
/// connection state need not repeat it.
/// </summary>
/// <remarks>
/// <para>
/// The buckets are a power of two at least twice the slot capacity (load factor at most ½), probed
/// linearly; each 4-byte bucket holds a slot number and, in the bits the slot number leaves free, a tag of the
/// tuple's keyed hash (5 bits at 2^26 slots, 11 at a million, 25 at 64), so a probe compares whole tuples only
/// when the tag matches. Deletion shifts the following entries back (no tombstones), so a table that has seen
/// any number of inserts and removes probes as if it were freshly built; it rehashes each entry it looks at
/// there (there is no room for the whole hash), about one per removal at this load.
/// </para>
/// <para>
/// Each slot's tuple is packed into 24 bytes: an IPv4 tuple in full, an IPv6 tuple with its local address as an
/// index into a small table of the local IPv6 addresses in use (at most <see cref="LocalIpv6Capacity"/> distinct ones
/// at once; a host has few of its own, and in transparent mode each foreign destination in use counts). An IPv6
/// tuple whose remote address is IPv4-mapped (::ffff:a.b.c.d, which RFC 4291 §2.5.5.2 keeps off the wire) is refused.
/// Memory: 24 bytes per slot for the tuple plus 4 bytes per bucket (8 to 16 bytes per slot).
/// </para>
/// </remarks>
public sealed class ConnectionTable
{
    private readonly PackedTuple[] _tuples;  // default for a free slot
    private readonly uint[] _buckets;        // tag << _slotBits | slot + 1; 0: empty
    private readonly LocalAddressTable _locals;
    private readonly uint _mask, _slotMask;
    private readonly int _slotBits;
    private readonly SipHash _key;
    private int _lastFound;                  // the slot of the latest successful TryFind (or insert): where the next segment most likely goes
    // The keyed hash of the tuple in _lastFound, while it is there (one removal of it needs no hash of its own), and of
    // the tuple the latest lookup missed (a SYN's tuple: its insertion follows).
    private ulong _lastFoundHash, _missedHash;
    private bool _lastFoundHashed;
    private FourTuple _missed;

    /// <summary>
    /// A table for slots 0 .. <paramref name="slotCapacity"/> − 1 (1 to 2^26), hashing with <paramref name="key"/> (use a
    /// secret random key), with room for <paramref name="localIpv6Capacity"/> distinct local IPv6 addresses (by default
    /// as many as slots, at most 256).
    /// </summary>
    public ConnectionTable(int slotCapacity, SipHash key, int localIpv6Capacity = -1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slotCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slotCapacity, 1 << 26);
        _tuples = new PackedTuple[slotCapacity];
        int buckets = (int)BitOperations.RoundUpToPowerOf2((uint)slotCapacity * 2);
        _buckets = new uint[buckets];
        _mask = (uint)buckets - 1;
        _slotBits = 32 - BitOperations.LeadingZeroCount((uint)slotCapacity); // holds slot + 1 ≤ capacity
        _slotMask = (1u << _slotBits) - 1;
        _locals = new LocalAddressTable(localIpv6Capacity >= 0 ? localIpv6Capacity : Math.Min(slotCapacity, 256));
        _key = key;
    }

    /// <summary>The number of slots (valid slot numbers are 0 .. SlotCapacity − 1).</summary>
    public int SlotCapacity => _tuples.Length;
    /// <summary>The number of hash buckets (a power of two, at least 2 × <see cref="SlotCapacity"/>).</summary>
    public int BucketCount => _buckets.Length;
    /// <summary>The most distinct local IPv6 addresses the tuples held at once may have.</summary>
    public int LocalIpv6Capacity => _locals.Capacity;
    /// <summary>The number of tuples held.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes per slot when the slot capacity is a power of two: its packed tuple and two buckets (more capacities round the buckets up to 4 a slot).</summary>
    internal static int BytesPerSlot => Unsafe.SizeOf<PackedTuple>() + 2 * sizeof(uint);

    /// <summary>The slot of <paramref name="tuple"/>; false when it is not in the table.</summary>
    /// <remarks>
    /// Segments come in runs of one connection (a burst of data, its ACKs), so the slot found last is compared first:
    /// a whole-tuple match there skips the keyed hash. A peer gains nothing from it: a miss costs one comparison, and
    /// a slot whose tuple was removed or replaced no longer matches.
    /// </remarks>
    public bool TryFind(in FourTuple tuple, out int slot)
    {
        if (tuple.IsValid && _tuples[_lastFound].Matches(tuple, _locals))
        {
            slot = _lastFound;
            return true;
        }
        ulong hash = HashOf(tuple);
        int bucket = FindBucket(tuple, hash);
        if (bucket < 0)
        {
            slot = -1;
            _missed = tuple;
            _missedHash = hash;
            return false;
        }
        slot = SlotIn(_buckets[bucket]);
        Remember(slot, hash);
        return true;
    }

    /// <summary>True when <paramref name="tuple"/> is in the table.</summary>
    public bool Contains(in FourTuple tuple)
    {
        ulong hash = HashOf(tuple);
        if (FindBucket(tuple, hash) >= 0) return true;
        _missed = tuple;
        _missedHash = hash;
        return false;
    }

    /// <summary>
    /// Records that <paramref name="tuple"/> lives in <paramref name="slot"/>. False (and nothing changes) when
    /// the tuple is already present, is not valid (an IPv6 one with an IPv4-mapped remote address included), the
    /// slot is out of range or already holds a tuple, or the tuple's local IPv6 address would be one too many.
    /// </summary>
    public bool TryInsert(in FourTuple tuple, int slot)
    {
        if ((uint)slot >= (uint)_tuples.Length || _tuples[slot].IsSome || !tuple.IsValid || PackedTuple.IsAmbiguous(tuple)) return false;
        ulong hash = tuple.Equals(_missed) ? _missedHash : HashOf(tuple);
        uint tagged = TaggedSlot(hash, slot);
        // The load factor is at most ½, so the probe meets an empty bucket; walking to it also proves absence.
        uint i = (uint)hash & _mask;
        for (; _buckets[i] != 0; i = (i + 1) & _mask)
            if (IsCandidate(_buckets[i], tagged) && _tuples[SlotIn(_buckets[i])].Matches(tuple, _locals)) return false;
        PackedTuple packed;
        if (tuple.Version == IpVersion.V4) packed = PackedTuple.V4(tuple);
        else if (_locals.TryAdd(tuple.LocalAddress.V6, out int local)) packed = PackedTuple.V6(tuple, local);
        else return false;
        _buckets[i] = tagged;
        _tuples[slot] = packed;
        Remember(slot, hash);
        Count++;
        return true;
    }

    /// <summary>Forgets the tuple of <paramref name="slot"/>; false when the slot holds none.</summary>
    public bool Remove(int slot)
    {
        if ((uint)slot >= (uint)_tuples.Length || !_tuples[slot].IsSome) return false;
        uint i = (uint)(slot == _lastFound && _lastFoundHashed ? _lastFoundHash : HashOf(TupleOf(slot))) & _mask;
        if (slot == _lastFound) _lastFoundHashed = false;
        while (SlotIn(_buckets[i]) != slot) i = (i + 1) & _mask;
        ShiftBack(i);
        int local = _tuples[slot].LocalIndex;
        if (local >= 0) _locals.Release(local);
        _tuples[slot] = default;
        Count--;
        return true;
    }

    /// <summary>The tuple held for <paramref name="slot"/>; an invalid (<c>default</c>) tuple when the slot holds none or is out of range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FourTuple TupleOf(int slot) => (uint)slot < (uint)_tuples.Length ? _tuples[slot].Unpack(_locals) : default;

    // The parts of an occupied slot's tuple that a segment needs, without building the whole tuple.
    internal ushort LocalPortOf(int slot) => _tuples[slot].LocalPort;
    internal ushort RemotePortOf(int slot) => _tuples[slot].RemotePort;
    internal IpAddress LocalAddressOf(int slot) => _tuples[slot].LocalAddress(_locals);
    internal IpAddress RemoteAddressOf(int slot) => _tuples[slot].RemoteAddress;

    /// <summary>
    /// The longest distance, in buckets, between an entry and its home bucket (0 when every entry sits at
    /// home): a diagnostic of how well the keyed hash spreads the current tuples. O(buckets), one hash each.
    /// </summary>
    public int MeasureLongestProbe()
    {
        int longest = 0;
        for (uint i = 0; i < _buckets.Length; i++)
            if (_buckets[i] != 0)
                longest = Math.Max(longest, (int)((i - HomeOf(_buckets[i])) & _mask));
        return longest;
    }

    private ulong HashOf(in FourTuple tuple) => tuple.Hash(_key);

    private void Remember(int slot, ulong hash)
    {
        _lastFound = slot;
        _lastFoundHash = hash;
        _lastFoundHashed = true;
    }

    // The low bits of the hash choose the home bucket, the high bits make the tag: the two are independent.
    private uint TaggedSlot(ulong hash, int slot) => (uint)(hash >> 32) << _slotBits | (uint)(slot + 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsCandidate(uint bucket, uint tagged) => ((bucket ^ tagged) & ~_slotMask) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SlotIn(uint bucket) => (int)(bucket & _slotMask) - 1;

    private uint HomeOf(uint bucket) => (uint)HashOf(TupleOf(SlotIn(bucket))) & _mask;

    private int FindBucket(in FourTuple tuple, ulong hash)
    {
        if (!tuple.IsValid) return -1;
        uint tagged = TaggedSlot(hash, 0);
        for (uint i = (uint)hash & _mask; _buckets[i] != 0; i = (i + 1) & _mask)
            if (IsCandidate(_buckets[i], tagged) && _tuples[SlotIn(_buckets[i])].Matches(tuple, _locals)) return (int)i;
        return -1;
    }

    // Backward-shift deletion: empties bucket `hole` and moves back each following entry of the run whose home
    // does not lie between the hole and its position, so every entry stays reachable from its home.
    private void ShiftBack(uint hole)
    {
        for (uint j = (hole + 1) & _mask; _buckets[j] != 0; j = (j + 1) & _mask)
        {
            uint home = HomeOf(_buckets[j]);
            if (((j - home) & _mask) >= ((j - hole) & _mask))
            {
                _buckets[hole] = _buckets[j];
                hole = j;
            }
        }
        _buckets[hole] = 0;
    }
}
