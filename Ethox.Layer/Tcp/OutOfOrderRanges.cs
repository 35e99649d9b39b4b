using System;
using System.Runtime.CompilerServices;

namespace Ethox.Layer.Tcp;

/// <summary>
/// The bookkeeping of out-of-order data: up to <see cref="Capacity"/> disjoint, non-adjacent ranges of
/// received bytes, held inline (no heap). Ranges that overlap or touch are merged. They are kept in the order
/// they last changed, most recent first, which is the order SACK blocks must be sent in (RFC 2018 §4: the
/// first block holds the segment that triggered the ACK, the others the most recently reported ones).
/// </summary>
public struct OutOfOrderRanges
{
    /// <summary>
    /// The most ranges held: three, what a SACK option carries beside the timestamps option (RFC 2018 §3,
    /// RFC 7323), so every range held can be reported. A fourth island is dropped and comes again with the
    /// sender's retransmission.
    /// </summary>
    public const int Capacity = 3;

    [InlineArray(Capacity)]
    private struct RangeArray
    {
        private ReceivedRange _element;
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
    public readonly bool IsEmpty => _ranges[0].End <= _ranges[0].Start;

    /// <summary>The range at <paramref name="index"/> in recency order (0 is the most recently changed); empty when out of range.</summary>
    public readonly ReceivedRange this[int index] => (uint)index < Capacity ? _ranges[index] : default;

    /// <summary>
    /// Records the bytes [<paramref name="start"/>, <paramref name="end"/>), merging them with every range they
    /// overlap or touch; the result becomes the most recent range. Returns how many of the bytes were not held
    /// before. When they touch no range and the table is full, nothing changes and <paramref name="dropped"/> is true.
    /// </summary>
    public int Add(int start, int end, out bool dropped)
    {
        dropped = false;
        if (start >= end) return 0;
        Span<ReceivedRange> ranges = _ranges;
        int count = Count, mergedStart = start, mergedEnd = end, alreadyHeld = 0, touched = 0, kept = 0;
        for (int i = 0; i < count; i++)
        {
            ReceivedRange range = ranges[i];
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
        ranges[0] = new ReceivedRange(mergedStart, mergedEnd);
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
            ref ReceivedRange range = ref _ranges[i];
            if (range.End <= count) RemoveAt(i);
            else range = new ReceivedRange(Math.Max(range.Start - count, 0), range.End - count);
        }
    }

    /// <summary>Copies the ranges, most recently changed first, into <paramref name="destination"/>; returns how many were copied.</summary>
    public readonly int CopyTo(Span<ReceivedRange> destination)
    {
        int n = Math.Min(Count, destination.Length);
        ReadOnlySpan<ReceivedRange> ranges = _ranges;
        ranges[..n].CopyTo(destination);
        return n;
    }

    /// <summary>Forgets every range.</summary>
    public void Clear() => _ranges = default;

    private void RemoveAt(int index)
    {
        Span<ReceivedRange> ranges = _ranges;
        int count = Count;
        ranges[(index + 1)..count].CopyTo(ranges[index..]);
        ranges[count - 1] = default;
    }
}
