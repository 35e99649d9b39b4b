using System;
using System.Runtime.CompilerServices;

namespace Ethox.Layer.Tcp;

/// <summary>
/// A fixed-capacity allocator of slot indices with generations. The occupants themselves (connection
/// states) live in the caller's arrays, indexed by slot; this type only says which indices are in use and
/// hands out <see cref="SlotKey"/>s that detect staleness: a key of a freed occupant never resolves to a
/// later occupant of the same index. Every operation is O(1) and allocates nothing.
/// </summary>
/// <remarks>
/// Freed indices are reused oldest-first (a FIFO free list), so each index's 32-bit generation advances
/// only once every <see cref="Capacity"/> allocations when the map is busy: a stale key can only alias
/// after 2^32 − 1 reuses of its own index, i.e. after about (2^32 − 1) × capacity allocations.
/// Generation 0 is skipped on wrap, so <c>default</c> stays invalid forever.
/// </remarks>
public sealed class SlotMap
{
    private const int End = -1;      // end of the free list
    private const int InUse = -2;    // marks an occupied index in _next

    private readonly uint[] _generation;
    private readonly int[] _next;    // free list links, or InUse
    private int _freeHead, _freeTail;

    /// <summary>A map of <paramref name="capacity"/> slots (at least 1), all free.</summary>
    public SlotMap(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _generation = new uint[capacity];
        _next = new int[capacity];
        for (int i = 0; i < capacity; i++) _next[i] = i + 1 < capacity ? i + 1 : End;
        _freeHead = 0;
        _freeTail = capacity - 1;
    }

    /// <summary>How many slots the map holds.</summary>
    public int Capacity => _next.Length;

    /// <summary>How many slots are occupied.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes per slot: its generation and its free-list link.</summary>
    internal const int BytesPerSlot = sizeof(uint) + sizeof(int);

    /// <summary>Takes the free slot that has been free longest; false (and <see cref="SlotKey.None"/>) when all are occupied.</summary>
    public bool TryAllocate(out SlotKey key)
    {
        int index = _freeHead;
        if (index == End) { key = default; return false; }
        _freeHead = _next[index];
        if (_freeHead == End) _freeTail = End;
        _next[index] = InUse;
        uint generation = _generation[index] + 1;
        if (generation == 0) generation = 1;
        _generation[index] = generation;
        Count++;
        key = new SlotKey(index, generation);
        return true;
    }

    /// <summary>The index of <paramref name="key"/>'s occupant; false for a stale, freed, default or out-of-range key.</summary>
    public bool TryResolve(SlotKey key, out int index)
    {
        index = key.Index;
        if (IsCurrent(key)) return true;
        index = -1;
        return false;
    }

    /// <summary>Frees <paramref name="key"/>'s slot; false (and nothing changes) when the key is not current.</summary>
    public bool Free(SlotKey key)
    {
        if (!IsCurrent(key)) return false;
        int index = key.Index;
        _next[index] = End;
        if (_freeTail == End) _freeHead = index;
        else _next[_freeTail] = index;
        _freeTail = index;
        Count--;
        return true;
    }

    /// <summary>True when <paramref name="index"/> is in range and occupied.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsOccupied(int index) => (uint)index < (uint)_next.Length && _next[index] == InUse;

    /// <summary>The current key of the occupied slot <paramref name="index"/>; <see cref="SlotKey.None"/> when it is free or out of range.</summary>
    public SlotKey KeyOf(int index) => IsOccupied(index) ? new SlotKey(index, _generation[index]) : default;

    // Lets the tests reach the 32-bit wrap without 2^32 allocations.
    internal void SetGeneration(int index, uint generation) => _generation[index] = generation;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsCurrent(SlotKey key)
        => key.Generation != 0 && IsOccupied(key.Index) && _generation[key.Index] == key.Generation;
}
