using System;
using Ethox.Layer;

namespace Ethox.Nic;

/// <summary>
/// A bounded FIFO of frames in fixed buffers allocated once. Each slot carries a length, a time tag
/// (when it was queued, or when it is due) and the frame's offload metadata (a partial checksum, a super-segment). Frames move between rings by exchanging buffers, not by
/// copying: a frame answered in place goes from a receive ring to a transmit ring for free.
/// </summary>
/// <remarks>
/// The one ring behind <see cref="Loopback"/>, <see cref="PipeEnd"/> and the queues of <see cref="FaultInjector{TDevice}"/>.
/// Free buffers wait on a stack, so the next frame is written into the buffer freed last, still warm in the cache from
/// the frame just read out of it (a driver's page pool recycles pages the same way). Handed out in ring order instead,
/// 256 buffers of 64 KiB cycle through 16 MiB that no cache holds, however few frames are in flight: two stacks over a
/// pipe at MTU 65535 ran at two thirds of the speed.
/// </remarks>
internal sealed class FrameRing
{
    // byte[] held in a struct: storing into a byte[][] goes through the covariance check of a reference-array store
    // (the runtime's StelemRef helper) on every exchange of buffers; an array of structs is stored into directly.
    private readonly Buffer[] _slots; // the queued frames' buffers, in ring order from _head
    private readonly Buffer[] _free;  // the other buffers, a stack: _free[_freeCount - 1] is written next
    private readonly int[] _lengths;
    private readonly Instant[] _times;
    private readonly PacketOffload[] _offloads;
    private int _head, _count, _freeCount;

    /// <summary>Allocates <paramref name="capacity"/> buffers of <paramref name="bufferLength"/> bytes.</summary>
    public FrameRing(int capacity, int bufferLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bufferLength);
        _slots = new Buffer[capacity];
        _free = new Buffer[capacity];
        for (int i = 0; i < capacity; i++) _free[i].Bytes = new byte[bufferLength];
        _freeCount = capacity;
        _lengths = new int[capacity];
        _times = new Instant[capacity];
        _offloads = new PacketOffload[capacity];
    }

    public int Count => _count;
    public int Free => _slots.Length - _count;
    public bool IsEmpty => _count == 0;
    public bool IsFull => _count == _slots.Length;

    private int TailIndex => Wrap(_head + _count);
    private int Wrap(int i) => i >= _slots.Length ? i - _slots.Length : i;

    /// <summary>The free buffer the next frame is written into (only when not <see cref="IsFull"/>).</summary>
    public Span<byte> TailBuffer => _free[_freeCount - 1].Bytes;

    /// <summary>Queues the frame written into <see cref="TailBuffer"/>, with its offload metadata.</summary>
    public void Push(int length, Instant time, in PacketOffload offload = default)
    {
        int t = TailIndex;
        _slots[t] = _free[--_freeCount];
        _lengths[t] = length;
        _times[t] = time;
        _offloads[t] = offload;
        _count++;
    }

    /// <summary>The offload metadata of the frame queued last (only when not <see cref="IsEmpty"/>).</summary>
    public PacketOffload LastOffload => _offloads[Wrap(_head + _count - 1)];

    /// <summary>The frame queued last (only when not <see cref="IsEmpty"/>).</summary>
    public Span<byte> LastFrame
    {
        get
        {
            int last = Wrap(_head + _count - 1);
            return _slots[last].Bytes.AsSpan(0, _lengths[last]);
        }
    }

    /// <summary>The whole buffer of the oldest frame (only when not <see cref="IsEmpty"/>).</summary>
    public Span<byte> HeadBuffer => _slots[_head].Bytes;
    /// <summary>The length of the oldest frame.</summary>
    public int HeadLength => _lengths[_head];
    /// <summary>The time tag of the oldest frame.</summary>
    public Instant HeadTime => _times[_head];
    /// <summary>The offload metadata of the oldest frame.</summary>
    public PacketOffload HeadOffload => _offloads[_head];

    /// <summary>Forgets the oldest frame; its buffer is the next one written.</summary>
    public void Pop()
    {
        _free[_freeCount++] = _slots[_head];
        _slots[_head] = default;
        _head = Wrap(_head + 1);
        _count--;
    }

    /// <summary>
    /// Forgets the oldest frame and queues its buffer, holding <paramref name="length"/> bytes, on
    /// <paramref name="target"/> (which may be this ring) with <paramref name="offload"/>. False when the target had no
    /// room: the frame is gone.
    /// </summary>
    public bool PopInto(FrameRing target, int length, Instant time, in PacketOffload offload)
    {
        Pop();
        if (target.IsFull) return false;
        // The frame's buffer is now this ring's next free one: it changes places with the target's next free one
        // (warm too: the one the target freed last), and the target queues it.
        ExchangeNextFree(target);
        target.Push(length, time, offload);
        return true;
    }

    /// <summary>Queues the frame written into <see cref="TailBuffer"/> on <paramref name="target"/> instead, without copying (both need room).</summary>
    public void PushTailInto(FrameRing target, int length, Instant time, in PacketOffload offload)
    {
        ExchangeNextFree(target);
        target.Push(length, time, offload);
    }

    private void ExchangeNextFree(FrameRing target)
    {
        ref var mine = ref _free[_freeCount - 1];
        ref var theirs = ref target._free[target._freeCount - 1];
        (mine, theirs) = (theirs, mine);
    }

    private struct Buffer
    {
        public byte[] Bytes;
    }
}
