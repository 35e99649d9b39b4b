using System;
using Ethox.Wire;

namespace Ethox.Layer.Ip;

/// <summary>
/// Packets parked while the link address of their next hop is resolved (RFC 1122 §2.3.2.2 asks for at
/// least one per destination; RFC 4861 §7.2.2 for a small queue). The caller gives the memory: slots of a
/// fixed size carved out of one buffer. A full queue refuses the packet, which the IP layer counts.
/// </summary>
public sealed class HoldQueue
{
    private readonly Memory<byte> _storage;
    private readonly int _slotSize;
    private readonly Slot[] _slots;

    private struct Slot
    {
        public IpAddress NextHop;
        public int Length;
        public Instant Deadline;
    }

    /// <summary>A queue of <c>storage.Length / slotSize</c> packets of up to <paramref name="slotSize"/> bytes each.</summary>
    public HoldQueue(Memory<byte> storage, int slotSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slotSize);
        if (storage.Length < slotSize) throw new ArgumentException("The storage must hold at least one slot.", nameof(storage));
        _storage = storage;
        _slotSize = slotSize;
        _slots = new Slot[storage.Length / slotSize];
    }

    /// <summary>Number of slots.</summary>
    public int Capacity => _slots.Length;
    /// <summary>Packets waiting.</summary>
    public int Count { get; private set; }

    /// <summary>Parks a copy of <paramref name="packet"/> for <paramref name="nextHop"/> until <paramref name="deadline"/>; false when full or too long.</summary>
    public bool TryHold(in IpAddress nextHop, ReadOnlySpan<byte> packet, Instant deadline)
    {
        if (packet.Length > _slotSize) return false;
        for (int i = 0; i < _slots.Length; i++)
        {
            if (_slots[i].Length != 0) continue;
            packet.CopyTo(_storage.Span.Slice(i * _slotSize, _slotSize));
            _slots[i] = new Slot { NextHop = nextHop, Length = packet.Length, Deadline = deadline };
            Count++;
            return true;
        }
        return false;
    }

    /// <summary>The next hop of slot <paramref name="index"/> and whether it holds a packet.</summary>
    internal bool IsUsed(int index, out IpAddress nextHop, out Instant deadline)
    {
        ref readonly var slot = ref _slots[index];
        nextHop = slot.NextHop;
        deadline = slot.Deadline;
        return slot.Length != 0;
    }

    /// <summary>The packet in slot <paramref name="index"/>.</summary>
    internal ReadOnlySpan<byte> Packet(int index) => _storage.Span.Slice(index * _slotSize, _slots[index].Length);

    /// <summary>Frees slot <paramref name="index"/>.</summary>
    internal void Release(int index)
    {
        if (_slots[index].Length == 0) return;
        _slots[index].Length = 0;
        Count--;
    }

    /// <summary>The earliest deadline among parked packets.</summary>
    public Instant NextDeadline()
    {
        var next = Instant.Never;
        foreach (ref readonly var slot in _slots.AsSpan())
            if (slot.Length != 0 && slot.Deadline < next) next = slot.Deadline;
        return next;
    }
}
