using System;
using System.Runtime.CompilerServices;

namespace Ethox.Layer.Tcp;

/// <summary>
/// The bookkeeping of out-of-order data: up to <see cref="Capacity"/> disjoint, non-adjacent ranges of
/// received bytes, held inline (no heap). Ranges that overlap or touch are merged. They are kept in the order
/// they last changed, most recent first, which is the order SACK blocks must be sent in (RFC 2018 §4: the
/// first block holds the segment that triggered the ACK, the others the most recently reported ones). Offsets are
/// from RCV.NXT, below 2^24 (a receive ring holds at most <see cref="TcpBuffers.MaxRingBytes"/>), so a range takes six
/// bytes and the table 18.
/// </summary>
public struct OutOfOrderRanges
{
    /// <summary>
    /// The most ranges held: three, what a SACK option carries beside the timestamps option (RFC 2018 §3,
    /// RFC 7323), so every range held can be reported. A fourth island is dropped and comes again with the
    /// sender's retransmission.
    /// </summary>
    public const int Capacity = 3;

    /// <summary>The largest offset a range may end at: 2^24 − 1. A range beyond it is refused (<see cref="Add"/>).</summary>
    public const int MaxOffset = UInt24.MaxValue;

    [InlineArray(Capacity)]
    private struct RangeArray
    {
        private Range _element;
    }

    // A ReceivedRange in six bytes.
    private readonly struct Range(int start, int end)
    {
        private readonly UInt24 _start = new(start), _end = new(end);
        public int Start { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => _start; }
        public int End { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => _end; }
        // A held range ends above its start, so above 0: an empty slot is the one that ends at 0.
        public bool IsEmpty { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => _end.IsZero; }
        public static implicit operator ReceivedRange(Range r) => new(r.Start, r.End);
    }

    // Most recently changed first, the held ranges before the empty slots. A held range is never empty, so the
    // first empty slot ends the list: no count is stored.
    private RangeArray _ranges;

    /// <summary>The number of ranges held.</summary>
    public readonly int Count
    {
        get
        {
            int n = 0;
            while (n < Capacity && _ranges[n].End > _ranges[n].Start) n++;
            return n;
        }
    }

    /// <summary>True when no range is held.</summary>
    public readonly bool IsEmpty
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _ranges[0].IsEmpty;
    }

    /// <summary>The range at <paramref name="index"/> in recency order (0 is the most recently changed); empty when out of range.</summary>
    public readonly ReceivedRange this[int index] => (uint)index < Capacity ? _ranges[index] : default;

    /// <summary>
    /// Records the bytes [<paramref name="start"/>, <paramref name="end"/>), merging them with every range they
    /// overlap or touch; the result becomes the most recent range. Returns how many of the bytes were not held
    /// before. When they touch no range and the table is full, or <paramref name="end"/> is beyond <see cref="MaxOffset"/>,
    /// nothing changes and <paramref name="dropped"/> is true.
    /// </summary>
    public int Add(int start, int end, out bool dropped)
    {
        dropped = false;
        if (start >= end || start < 0) return 0;
        if (end > MaxOffset)
        {
            dropped = true;
            return 0;
        }
        Span<Range> ranges = _ranges;
        int count = Count, mergedStart = start, mergedEnd = end, alreadyHeld = 0, touched = 0, kept = 0;
        for (int i = 0; i < count; i++)
        {
            Range range = ranges[i];
            if (range.Start <= end && range.End >= start)
            {
                alreadyHeld += Math.Max(0, Math.Min(end, range.End) - Math.Max(start, range.Start));
                mergedStart = Math.Min(mergedStart, range.Start);
                mergedEnd = Math.Max(mergedEnd, range.End);
                touched++;
            }
            else ranges[kept++] = range;
        }
        if (touched == 0 && count == Capacity)
        {
            dropped = true;
            return 0;
        }
        ranges[..kept].CopyTo(ranges[1..]);
        ranges[0] = new Range(mergedStart, mergedEnd);
        if (kept + 1 < count) ranges[(kept + 1)..count].Clear();
        return end - start - alreadyHeld;
    }

    /// <summary>
    /// When a range starts at 0 (it now joins the in-order data), removes it, shifts the others down by its end
    /// and returns that end: how far RCV.NXT moves. Otherwise returns 0.
    /// </summary>
    public int TakeFront()
    {
        int count = Count;
        for (int i = 0; i < count; i++)
        {
            int end = _ranges[i].End;
            if (_ranges[i].Start > 0) continue;
            RemoveAt(i);
            Shift(end);
            return end;
        }
        return 0;
    }

    /// <summary>Moves every range down by <paramref name="count"/> bytes (RCV.NXT advanced); the parts that fall below 0 are dropped.</summary>
    public void Shift(int count)
    {
        for (int i = Count - 1; i >= 0; i--)
        {
            ref Range range = ref _ranges[i];
            if (range.End <= count) RemoveAt(i);
            else range = new Range(Math.Max(range.Start - count, 0), range.End - count);
        }
    }

    /// <summary>Copies the ranges, most recently changed first, into <paramref name="destination"/>; returns how many were copied.</summary>
    public readonly int CopyTo(Span<ReceivedRange> destination)
    {
        int n = Math.Min(Count, destination.Length);
        for (int i = 0; i < n; i++) destination[i] = _ranges[i];
        return n;
    }

    /// <summary>Forgets every range.</summary>
    public void Clear() => _ranges = default;

    private void RemoveAt(int index)
    {
        Span<Range> ranges = _ranges;
        int count = Count;
        ranges[(index + 1)..count].CopyTo(ranges[index..]);
        ranges[count - 1] = default;
    }
}
