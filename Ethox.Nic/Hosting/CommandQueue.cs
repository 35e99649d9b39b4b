using System;
using System.Numerics;
using System.Threading;

namespace Ethox.Nic.Hosting;

/// <summary>
/// A bounded queue of requests from any thread to the host's thread: many producers, one consumer, no lock. Each
/// cell carries a sequence number that says whether it is free for the producer of a position or filled for the
/// consumer (the bounded queue of D. Vyukov), so producers only contend on the tail and the consumer touches no
/// shared counter. Capacity is a power of two fixed at construction; a full queue is a false return.
/// </summary>
internal sealed class CommandQueue
{
    private struct Cell
    {
        public int Sequence;
        public HostOperation? Item;
    }

    private readonly Cell[] _cells;
    private readonly int _mask;
    private int _tail;   // next position to fill (producers)
    private int _head;   // next position to take (the host's thread only)

    /// <summary>A queue of at least <paramref name="capacity"/> cells (rounded up to a power of two).</summary>
    public CommandQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)capacity);
        _cells = new Cell[size];
        for (int i = 0; i < size; i++) _cells[i].Sequence = i;
        _mask = size - 1;
    }

    /// <summary>Cells in all.</summary>
    public int Capacity => _cells.Length;

    /// <summary>Queues <paramref name="item"/>; false when the queue is full. Any thread.</summary>
    public bool TryEnqueue(HostOperation item)
    {
        int position = Volatile.Read(ref _tail);
        while (true)
        {
            ref var cell = ref _cells[position & _mask];
            int difference = Volatile.Read(ref cell.Sequence) - position;
            if (difference == 0)
            {
                int seen = Interlocked.CompareExchange(ref _tail, position + 1, position);
                if (seen == position)
                {
                    cell.Item = item;
                    // Publishes the item: the consumer reads Sequence before Item.
                    Volatile.Write(ref cell.Sequence, position + 1);
                    return true;
                }
                position = seen;
            }
            else if (difference < 0) return false; // the consumer has not freed this cell yet: full
            else position = Volatile.Read(ref _tail);
        }
    }

    /// <summary>Takes the oldest request; false when there is none (or its producer is still writing it). The host's thread only.</summary>
    public bool TryDequeue(out HostOperation item)
    {
        ref var cell = ref _cells[_head & _mask];
        if (Volatile.Read(ref cell.Sequence) != _head + 1)
        {
            item = null!;
            return false;
        }
        item = cell.Item!;
        cell.Item = null;
        Volatile.Write(ref cell.Sequence, _head + _cells.Length);
        _head++;
        return true;
    }

    /// <summary>True when a request is waiting, or being written. The host's thread only.</summary>
    public bool HasWork => Volatile.Read(ref _tail) != _head;
}
