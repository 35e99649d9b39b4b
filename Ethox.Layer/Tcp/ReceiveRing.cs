using System;
using System.Runtime.CompilerServices;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>
/// A connection's receive buffer over caller memory: the readable bytes [read position, RCV.NXT), then room
/// for the window, where out-of-order bytes are stored at their place beyond RCV.NXT (tracked by
/// <see cref="OutOfOrderRanges"/>) until the gap before them fills. Any capacity up to <see cref="TcpBuffers.MaxRingBytes"/>
/// works. The ring is only its positions (48 bits for both)
/// and ranges, stored by value in each connection: its memory (<c>buffer</c>, whose length is the capacity) is lent to
/// every call that touches bytes, and its capacity to those that only count them, always the same. <c>default</c> is
/// an empty ring. Nothing here allocates, and no method throws: counts beyond what is held are clamped.
/// </summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Pack = 2)]
public struct ReceiveRing
{
    // Both positions in 48 bits: the start (index of the next byte the user reads) in the low 24 bits of _low, the bytes
    // readable (from the start up to RCV.NXT) in its high 8 bits and the 16 bits of _high.
    private uint _low;
    private ushort _high;
    private OutOfOrderRanges _outOfOrder;

    private readonly int Start
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (int)(_low & 0xFF_FFFF);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Set(int start, int readable)
    {
        _low = (uint)start | (uint)readable << 24;
        _high = (ushort)(readable >> 8);
    }

    /// <summary>Bytes the user can read (up to RCV.NXT).</summary>
    public readonly int Readable
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (int)(_low >> 24) | _high << 8;
    }

    /// <summary>Room from RCV.NXT on in a ring of <paramref name="capacity"/> bytes: the receive window to offer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int Window(int capacity) => capacity - Readable;
    /// <summary>True when bytes beyond RCV.NXT are held, waiting for the gap before them.</summary>
    public readonly bool HasOutOfOrder
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => !_outOfOrder.IsEmpty;
    }
    /// <summary>The out-of-order ranges, most recently changed first.</summary>
    public readonly OutOfOrderRanges OutOfOrder => _outOfOrder;

    /// <summary>Copies up to <paramref name="destination"/>.Length readable bytes out and consumes them; returns the count.</summary>
    public int Read(ReadOnlySpan<byte> buffer, Span<byte> destination)
    {
        GetReadable(buffer, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second);
        int count = CopyOut(first, second, destination);
        Consume(buffer.Length, count);
        return count;
    }

    /// <summary>Copies as much of <paramref name="first"/> then <paramref name="second"/> as fits into <paramref name="destination"/>; returns the count.</summary>
    internal static int CopyOut(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        int count = Math.Min(destination.Length, first.Length + second.Length);
        int inFirst = Math.Min(count, first.Length);
        PayloadCopy.TryCopy(first[..inFirst], destination);
        PayloadCopy.TryCopy(second[..(count - inFirst)], destination[inFirst..]);
        return count;
    }

    /// <summary>The readable bytes in order (<paramref name="second"/> is non-empty when they wrap round the end of the buffer); <see cref="Consume"/> what was used.</summary>
    public readonly void GetReadable(ReadOnlySpan<byte> buffer, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second)
    {
        int firstLength = Math.Min(Readable, buffer.Length - Start);
        first = buffer.Slice(Start, firstLength);
        second = buffer[..(Readable - firstLength)];
    }

    /// <summary>Drops the <paramref name="count"/> oldest readable bytes (clamped to <see cref="Readable"/>): the window grows by as much.</summary>
    public void Consume(int capacity, int count)
    {
        count = Math.Clamp(count, 0, Readable);
        int readable = Readable - count;
        // An empty ring starts again at the beginning, so the next data is one contiguous span.
        Set(readable == 0 && !HasOutOfOrder ? 0 : Wrap(Start + count, capacity), readable);
    }

    /// <summary>
    /// Takes a segment's <paramref name="data"/>, whose first byte is <paramref name="offset"/> bytes after RCV.NXT
    /// (negative for data that starts before it). Only the part inside [0, <see cref="Window"/>) of <paramref name="buffer"/> is kept: in-order
    /// bytes become readable at once, together with the out-of-order bytes they join up with; bytes beyond a gap
    /// are stored at their place and recorded as an out-of-order range, unless they form a new island and the
    /// range table is full (<see cref="ReceiveWrite.Dropped"/>); bytes that extend an existing range are always kept.
    /// </summary>
    public ReceiveWrite Write(Span<byte> buffer, int offset, ReadOnlySpan<byte> data)
    {
        long begin = offset, end = begin + data.Length;
        int belowNext = (int)Math.Clamp(-begin, 0, data.Length);
        int start = (int)Math.Max(begin, 0), stop = (int)Math.Min(end, Window(buffer.Length));
        if (start >= stop) return new ReceiveWrite(0, 0, belowNext, false);

        int stored, advanced;
        if (start == 0 && _outOfOrder.IsEmpty)
        {
            // The common case, in-order data with nothing held beyond it: no range to record or take back.
            stored = advanced = stop;
        }
        else if (!AddOutOfOrder(start, stop, out stored, out advanced)) return new ReceiveWrite(0, 0, belowNext, true);

        CopyIn(buffer, Readable + start, data[(int)(start - begin)..(int)(stop - begin)]);
        Set(Start, Readable + advanced);
        return new ReceiveWrite(advanced, stored, belowNext + (stop - start - stored), false);
    }

    /// <summary>
    /// Where in-order data of <paramref name="length"/> bytes, arriving at RCV.NXT, will be kept, as one contiguous span of
    /// <paramref name="buffer"/>: for a receiver that copies it there itself (verifying its checksum on the way) and then
    /// calls <see cref="TakePlaced"/>. False when it would not be kept whole in one piece: out-of-order data is held (the
    /// span may hold some), the window is smaller, or the span would wrap round the end of the buffer. Until
    /// <see cref="TakePlaced"/>, the span is room beyond RCV.NXT, so what is written there is not data yet.
    /// </summary>
    public readonly bool TryGetInOrderRoom(Span<byte> buffer, int length, out Span<byte> room)
    {
        room = default;
        if (!_outOfOrder.IsEmpty || length <= 0 || length > Window(buffer.Length)) return false;
        int at = Wrap(Start + Readable, buffer.Length);
        if (length > buffer.Length - at) return false;
        room = buffer.Slice(at, length);
        return true;
    }

    /// <summary>
    /// Makes <paramref name="length"/> bytes that the caller wrote into <see cref="TryGetInOrderRoom"/>'s room readable, as
    /// <see cref="Write"/> would have for in-order data; false, with nothing changed, when the ring could not have given that
    /// room (the caller then writes the data with <see cref="Write"/>).
    /// </summary>
    public bool TakePlaced(int capacity, int length)
    {
        if (!_outOfOrder.IsEmpty || length <= 0 || length > Window(capacity) || length > capacity - Wrap(Start + Readable, capacity)) return false;
        Set(Start, Readable + length);
        return true;
    }

    /// <summary>
    /// Writes the first readable bytes: for data counted as readable (<see cref="TakePlaced"/>) while it was still held
    /// elsewhere, the received frame it was read from in place.
    /// </summary>
    public readonly void Fill(Span<byte> buffer, ReadOnlySpan<byte> bytes) => CopyIn(buffer, 0, bytes[..Math.Min(bytes.Length, Readable)]);

    /// <summary>
    /// Records [<paramref name="start"/>, <paramref name="stop"/>) in the range table and takes what now joins RCV.NXT;
    /// false when it is a new island and the table is full (nothing kept).
    /// </summary>
    private bool AddOutOfOrder(int start, int stop, out int stored, out int advanced)
    {
        stored = _outOfOrder.Add(start, stop, out bool dropped);
        if (!dropped) advanced = _outOfOrder.TakeFront();
        else if (start > 0)
        {
            advanced = 0;
            return false;
        }
        else
        {
            // In-order data needs no range: it touches none of the held ones (or it would have merged), so it
            // becomes readable and the ranges move down past it.
            stored = stop;
            advanced = stop;
            _outOfOrder.Shift(stop);
        }
        return true;
    }

    /// <summary>
    /// Copies the out-of-order ranges, most recently changed first (the order RFC 2018 §4 asks SACK blocks in),
    /// into <paramref name="ranges"/>; returns how many were copied.
    /// </summary>
    public readonly int GetSackRanges(Span<ReceivedRange> ranges) => _outOfOrder.CopyTo(ranges);

    // Copies bytes to `distance` bytes after the read position, wrapping round the end of the buffer.
    private readonly void CopyIn(Span<byte> buffer, int distance, ReadOnlySpan<byte> bytes)
    {
        int at = Wrap(Start + distance, buffer.Length);
        int inFirst = Math.Min(bytes.Length, buffer.Length - at);
        PayloadCopy.TryCopy(bytes[..inFirst], buffer[at..]);
        PayloadCopy.TryCopy(bytes[inFirst..], buffer);
    }

    // Both arguments are below 2 × capacity, so one subtraction is the modulo.
    private static int Wrap(int index, int capacity) => index >= capacity ? index - capacity : index;
}
