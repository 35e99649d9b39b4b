using System;
using System.Numerics;
using Ethox.Layer.Common;
using System.Runtime.CompilerServices;

namespace Ethox.Layer.Tcp;

/// <summary>
/// Finds a connection's slot from its <see cref="FourTuple"/>: a fixed-capacity open-addressing hash table
/// keyed with a secret SipHash, so a peer that chooses its ports and addresses cannot aim collisions and
/// make lookups degrade (DESIGN.md principle 9). The table keeps each slot's tuple itself, so the
/// connection state need not repeat it.
/// </summary>
/// <remarks>
/// The buckets are a power of two at least twice the slot capacity (load factor at most ½), probed
/// linearly; each bucket holds a slot number and 32 bits of the tuple's hash, so a probe compares whole
/// tuples only on a 32-bit match. Deletion shifts the following entries back (no tombstones), so a
/// table that has seen any number of inserts and removes probes as if it were freshly built.
/// Memory: 40 bytes per slot for the tuple plus 8 bytes per bucket (16 to 32 bytes per slot).
/// </remarks>
public sealed class ConnectionTable
{
    private struct Bucket
    {
        public int SlotPlusOne;  // 0: empty
        public uint Hash;        // low bits give the home bucket
    }

    private readonly FourTuple[] _tuples;  // default (invalid) for a free slot
    private readonly Bucket[] _buckets;
    private readonly uint _mask;
    private readonly SipHash _key;
    private int _lastFound;                // the slot of the latest successful TryFind: where the next segment most likely goes
    private static readonly FourTuple s_none;

    /// <summary>A table for slots 0 .. <paramref name="slotCapacity"/> − 1 (1 to 2^26), hashing with <paramref name="key"/> (use a secret random key).</summary>
    public ConnectionTable(int slotCapacity, SipHash key)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slotCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slotCapacity, 1 << 26);
        _tuples = new FourTuple[slotCapacity];
        int buckets = (int)BitOperations.RoundUpToPowerOf2((uint)slotCapacity * 2);
        _buckets = new Bucket[buckets];
        _mask = (uint)buckets - 1;
        _key = key;
    }

    /// <summary>The number of slots (valid slot numbers are 0 .. SlotCapacity − 1).</summary>
    public int SlotCapacity => _tuples.Length;
    /// <summary>The number of hash buckets (a power of two, at least 2 × <see cref="SlotCapacity"/>).</summary>
    public int BucketCount => _buckets.Length;
    /// <summary>The number of tuples held.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes per slot when the slot capacity is a power of two: its tuple and two buckets (more capacities round the buckets up to 4 a slot).</summary>
    internal static int BytesPerSlot => System.Runtime.CompilerServices.Unsafe.SizeOf<FourTuple>() + 2 * System.Runtime.CompilerServices.Unsafe.SizeOf<Bucket>();

    /// <summary>The slot of <paramref name="tuple"/>; false when it is not in the table.</summary>
    /// <remarks>
    /// Segments come in runs of one connection (a burst of data, its ACKs), so the slot found last is compared first:
    /// a whole-tuple match there skips the keyed hash. A peer gains nothing from it: a miss costs one comparison, and
    /// a slot whose tuple was removed or replaced no longer matches.
    /// </remarks>
    public bool TryFind(in FourTuple tuple, out int slot)
    {
        if (tuple.IsValid && _tuples[_lastFound].Equals(tuple))
        {
            slot = _lastFound;
            return true;
        }
        int bucket = FindBucket(tuple, HashOf(tuple));
        slot = bucket < 0 ? -1 : _buckets[bucket].SlotPlusOne - 1;
        if (bucket >= 0) _lastFound = slot;
        return bucket >= 0;
    }

    /// <summary>True when <paramref name="tuple"/> is in the table.</summary>
    public bool Contains(in FourTuple tuple) => FindBucket(tuple, HashOf(tuple)) >= 0;

    /// <summary>
    /// Records that <paramref name="tuple"/> lives in <paramref name="slot"/>. False (and nothing changes) when
    /// the tuple is already present, is not valid, or the slot is out of range or already holds a tuple.
    /// </summary>
    public bool TryInsert(in FourTuple tuple, int slot)
    {
        if ((uint)slot >= (uint)_tuples.Length || _tuples[slot].IsValid || !tuple.IsValid) return false;
        uint hash = HashOf(tuple);
        // The load factor is at most ½, so the probe meets an empty bucket; walking to it also proves absence.
        uint i = hash & _mask;
        for (; _buckets[i].SlotPlusOne != 0; i = (i + 1) & _mask)
            if (_buckets[i].Hash == hash && _tuples[_buckets[i].SlotPlusOne - 1].Equals(tuple)) return false;
        _buckets[i] = new Bucket { SlotPlusOne = slot + 1, Hash = hash };
        _tuples[slot] = tuple;
        Count++;
        return true;
    }

    /// <summary>Forgets the tuple of <paramref name="slot"/>; false when the slot holds none.</summary>
    public bool Remove(int slot)
    {
        if ((uint)slot >= (uint)_tuples.Length || !_tuples[slot].IsValid) return false;
        ref readonly FourTuple tuple = ref _tuples[slot];
        uint i = HashOf(tuple) & _mask;
        while (_buckets[i].SlotPlusOne != slot + 1) i = (i + 1) & _mask;
        ShiftBack(i);
        _tuples[slot] = default;
        Count--;
        return true;
    }

    /// <summary>The tuple held for <paramref name="slot"/>; an invalid (<c>default</c>) tuple when the slot holds none or is out of range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly FourTuple TupleOf(int slot)
    {
        if ((uint)slot >= (uint)_tuples.Length) return ref s_none;
        return ref _tuples[slot];
    }

    /// <summary>
    /// The longest distance, in buckets, between an entry and its home bucket (0 when every entry sits at
    /// home): a diagnostic of how well the keyed hash spreads the current tuples. O(buckets).
    /// </summary>
    public int MeasureLongestProbe()
    {
        int longest = 0;
        for (uint i = 0; i < _buckets.Length; i++)
            if (_buckets[i].SlotPlusOne != 0)
                longest = Math.Max(longest, (int)((i - _buckets[i].Hash) & _mask));
        return longest;
    }

    private uint HashOf(in FourTuple tuple) => (uint)tuple.Hash(_key);

    private int FindBucket(in FourTuple tuple, uint hash)
    {
        if (!tuple.IsValid) return -1;
        for (uint i = hash & _mask; _buckets[i].SlotPlusOne != 0; i = (i + 1) & _mask)
            if (_buckets[i].Hash == hash && _tuples[_buckets[i].SlotPlusOne - 1].Equals(tuple)) return (int)i;
        return -1;
    }

    // Backward-shift deletion: empties bucket `hole` and moves back each following entry of the run whose home
    // does not lie between the hole and its position, so every entry stays reachable from its home.
    private void ShiftBack(uint hole)
    {
        for (uint j = (hole + 1) & _mask; _buckets[j].SlotPlusOne != 0; j = (j + 1) & _mask)
        {
            uint home = _buckets[j].Hash & _mask;
            if (((j - home) & _mask) >= ((j - hole) & _mask))
            {
                _buckets[hole] = _buckets[j];
                hole = j;
            }
        }
        _buckets[hole] = default;
    }
}
