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
/// <para>
/// Freed indices are reused oldest-first (a FIFO free list), so each index's 30-bit generation advances
/// only once every <see cref="Capacity"/> allocations when the map is busy: a stale key can only alias
/// after 2^30 − 1 reuses of its own index, i.e. after about (2^30 − 1) × capacity allocations.
/// Generation 0 is skipped on wrap, so <c>default</c> stays invalid forever.
/// </para>
/// <para>
/// The free list is one of several intrusive lists over the same two link arrays: an occupied slot may instead sit
/// in one of <see cref="QueueCount"/> first-in first-out queues of its owner's (<see cref="SlotQueue"/>), and a slot
/// is in at most one list at a time. So a slot costs its generation and two links, whatever lists it passes through;
/// which list holds it is kept in the two low bits of the generation's word.
/// </para>
/// </remarks>
public sealed class SlotMap
{
    /// <summary>The queues an owner may keep besides the free list.</summary>
    internal const int QueueCount = 2;
    /// <summary>The largest generation (30 bits); the next one is 1.</summary>
    internal const uint MaxGeneration = (1u << 30) - 1;

    // The list a slot is in: the free list, none (occupied, in no queue), or queue q at Queued + q.
    private const uint FreeList = 0, Occupied = 1, Queued = 2, ListMask = 3;
    private const int ListShift = 2;

    private readonly uint[] _state;   // generation << 2 | list
    private readonly int[] _next, _prev; // slots, then one sentinel per list (the free list's, then each queue's)
    private readonly int[] _queueCounts = new int[QueueCount];
    private readonly int _capacity;

    /// <summary>A map of <paramref name="capacity"/> slots (1 to 2^30), all free.</summary>
    public SlotMap(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 30);
        _capacity = capacity;
        _state = new uint[capacity];
        _next = new int[capacity + 1 + QueueCount];
        _prev = new int[capacity + 1 + QueueCount];
        for (int sentinel = capacity; sentinel < _next.Length; sentinel++) _next[sentinel] = _prev[sentinel] = sentinel;
        for (int i = 0; i < capacity; i++) LinkAtTail(Sentinel(FreeList), i);
    }

    /// <summary>How many slots the map holds.</summary>
    public int Capacity => _capacity;

    /// <summary>How many slots are occupied.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes per slot: its generation and its two list links.</summary>
    internal const int BytesPerSlot = sizeof(uint) + 2 * sizeof(int);

    /// <summary>Takes the free slot that has been free longest; false (and <see cref="SlotKey.None"/>) when all are occupied.</summary>
    public bool TryAllocate(out SlotKey key)
    {
        int index = _next[Sentinel(FreeList)];
        if (index == Sentinel(FreeList)) { key = default; return false; }
        Unlink(index);
        uint generation = (_state[index] >> ListShift) + 1;
        if (generation > MaxGeneration) generation = 1;
        _state[index] = generation << ListShift | Occupied;
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

    /// <summary>Frees <paramref name="key"/>'s slot (taking it out of any queue); false (and nothing changes) when the key is not current.</summary>
    public bool Free(SlotKey key)
    {
        if (!IsCurrent(key)) return false;
        int index = key.Index;
        Dequeue(index);
        _state[index] = (_state[index] & ~ListMask) | FreeList;
        LinkAtTail(Sentinel(FreeList), index);
        Count--;
        return true;
    }

    /// <summary>True when <paramref name="index"/> is in range and occupied.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsOccupied(int index) => (uint)index < (uint)_capacity && (_state[index] & ListMask) != FreeList;

    /// <summary>The current key of the occupied slot <paramref name="index"/>; <see cref="SlotKey.None"/> when it is free or out of range.</summary>
    public SlotKey KeyOf(int index) => IsOccupied(index) ? new SlotKey(index, _state[index] >> ListShift) : default;

    // Lets the tests reach the wrap without 2^30 allocations.
    internal void SetGeneration(int index, uint generation) => _state[index] = generation << ListShift | (_state[index] & ListMask);

    // ---- the owner's queues (SlotQueue) ------------------------------------------------------------

    /// <summary>True when the occupied slot <paramref name="index"/> is in queue <paramref name="queue"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool IsQueued(int index, int queue) => (_state[index] & ListMask) == Queued + (uint)queue;

    /// <summary>The number of slots in queue <paramref name="queue"/>.</summary>
    internal int QueuedCount(int queue) => _queueCounts[queue];

    /// <summary>Appends the occupied slot <paramref name="index"/> to queue <paramref name="queue"/>; false when it is free or already in a queue (this one or another).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Enqueue(int index, int queue)
    {
        if ((uint)index >= (uint)_capacity || (_state[index] & ListMask) != Occupied) return false;
        _state[index] = (_state[index] & ~ListMask) | (Queued + (uint)queue);
        LinkAtTail(Sentinel(Queued + (uint)queue), index);
        _queueCounts[queue]++;
        return true;
    }

    /// <summary>Takes <paramref name="index"/> out of queue <paramref name="queue"/>; false when it is not in that queue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Remove(int index, int queue)
    {
        if ((uint)index >= (uint)_capacity || !IsQueued(index, queue)) return false;
        Dequeue(index);
        return true;
    }

    /// <summary>The slot at the head of queue <paramref name="queue"/> (without taking it), or −1 when the queue is empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int First(int queue)
    {
        int sentinel = Sentinel(Queued + (uint)queue);
        int head = _next[sentinel];
        return head == sentinel ? -1 : head;
    }

    // Out of whichever queue holds the occupied slot, if any.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Dequeue(int index)
    {
        uint list = _state[index] & ListMask;
        if (list < Queued) return;
        Unlink(index);
        _queueCounts[list - Queued]--;
        _state[index] = (_state[index] & ~ListMask) | Occupied;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Sentinel(uint list) => _capacity + (int)(list == FreeList ? 0 : list - Queued + 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void LinkAtTail(int sentinel, int node)
    {
        int tail = _prev[sentinel];
        _next[tail] = node;
        _prev[node] = tail;
        _next[node] = sentinel;
        _prev[sentinel] = node;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Unlink(int node)
    {
        _next[_prev[node]] = _next[node];
        _prev[_next[node]] = _prev[node];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsCurrent(SlotKey key)
        => key.Generation != 0 && IsOccupied(key.Index) && _state[key.Index] >> ListShift == key.Generation;
}
