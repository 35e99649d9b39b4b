using System;
using System.Runtime.CompilerServices;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>
/// A connection's send buffer over caller memory: the bytes from SND.UNA (the oldest unacknowledged byte) to
/// the end of what the user wrote. Bytes in flight and bytes not yet sent are both held here; the state machine
/// copies from any offset when it (re)transmits and <see cref="Release"/>s bytes when they are acknowledged.
/// Any capacity up to <see cref="TcpBuffers.MaxRingBytes"/> works (not only powers of two). The ring is only its two
/// positions (48 bits for both), stored by value in each
/// connection: its memory (<c>buffer</c>, whose length is the capacity) is lent to every call that touches bytes, and
/// its capacity to those that only count them, always the same. <c>default</c> is an empty ring. Nothing here
/// allocates, and no method throws: counts beyond what fits are clamped.
/// </summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Pack = 2)]
public struct SendRing
{
    // Both positions in 48 bits: the start (index of the oldest held byte, SND.UNA) in the low 24 bits of _low, the length
    // (bytes held) in its high 8 bits and the 16 bits of _high.
    private uint _low;
    private ushort _high;

    private readonly int Start
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (int)(_low & 0xFF_FFFF);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Set(int start, int length)
    {
        _low = (uint)start | (uint)length << 24;
        _high = (ushort)(length >> 8);
    }

    /// <summary>Bytes held: unacknowledged and not yet sent.</summary>
    public readonly int Length
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (int)(_low >> 24) | _high << 8;
    }

    /// <summary>Room for more bytes from the user in a ring of <paramref name="capacity"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int Free(int capacity) => capacity - Length;

    /// <summary>Appends as much of <paramref name="data"/> as fits; returns the number of bytes taken.</summary>
    public int Write(Span<byte> buffer, ReadOnlySpan<byte> data)
    {
        GetWritable(buffer, out Span<byte> first, out Span<byte> second);
        int taken = Math.Min(data.Length, first.Length + second.Length);
        int inFirst = Math.Min(taken, first.Length);
        PayloadCopy.TryCopy(data[..inFirst], first);
        PayloadCopy.TryCopy(data[inFirst..taken], second);
        Set(Start, Length + taken);
        return taken;
    }

    /// <summary>
    /// The free space after the held bytes, in order (<paramref name="second"/> is non-empty when it wraps round
    /// the end of the buffer): fill a prefix of it directly, then <see cref="CommitWrite"/> the count.
    /// </summary>
    public readonly void GetWritable(Span<byte> buffer, out Span<byte> first, out Span<byte> second)
    {
        int end = Wrap(Start + Length, buffer.Length);
        int free = buffer.Length - Length;
        int firstLength = Math.Min(free, buffer.Length - end);
        first = buffer.Slice(end, firstLength);
        second = buffer[..(free - firstLength)];
    }

    /// <summary>Makes the first <paramref name="count"/> bytes of the writable space part of the held data (clamped to <see cref="Free"/>).</summary>
    public void CommitWrite(int capacity, int count) => Set(Start, Length + Math.Clamp(count, 0, Free(capacity)));

    /// <summary>
    /// Copies <paramref name="destination"/>.Length held bytes starting <paramref name="offset"/> bytes after the oldest
    /// (e.g. offset SND.NXT − SND.UNA for new data). Copies nothing when that range is not all held.
    /// </summary>
    public readonly void CopyOut(ReadOnlySpan<byte> buffer, int offset, Span<byte> destination)
    {
        GetReadable(buffer, offset, destination.Length, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second);
        PayloadCopy.TryCopy(first, destination);
        PayloadCopy.TryCopy(second, destination[first.Length..]);
    }

    /// <summary>
    /// As <see cref="CopyOut"/>, and returns the copied bytes' one's complement sum (<see cref="Checksum.Sum"/>), taken in
    /// the same pass: the segment's checksum then reads only its header. Zero when nothing was copied.
    /// </summary>
    public readonly ushort CopyOutAndSum(ReadOnlySpan<byte> buffer, int offset, Span<byte> destination)
    {
        GetReadable(buffer, offset, destination.Length, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second);
        Checksum.TryCopyAndSum(first, destination, out ushort sum);
        if (second.IsEmpty) return sum;
        Checksum.TryCopyAndSum(second, destination[first.Length..], out ushort wrapped);
        return Checksum.Add(sum, Checksum.Shift(wrapped, first.Length));
    }

    /// <summary>
    /// The <paramref name="count"/> held bytes starting <paramref name="offset"/> bytes after the oldest, in order
    /// (<paramref name="second"/> is non-empty when they wrap round the end of the buffer). Both are empty when
    /// that range is not all held.
    /// </summary>
    public readonly void GetReadable(ReadOnlySpan<byte> buffer, int offset, int count, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second)
    {
        first = second = default;
        if (offset < 0 || count < 0 || count > Length - offset) return;
        int begin = Wrap(Start + offset, buffer.Length);
        int firstLength = Math.Min(count, buffer.Length - begin);
        first = buffer.Slice(begin, firstLength);
        second = buffer[..(count - firstLength)];
    }

    /// <summary>Drops the <paramref name="count"/> oldest bytes (clamped to <see cref="Length"/>): they were acknowledged.</summary>
    public void Release(int capacity, int count)
    {
        count = Math.Clamp(count, 0, Length);
        int length = Length - count;
        // An empty ring starts again at the beginning, so the next writes are one contiguous span.
        Set(length == 0 ? 0 : Wrap(Start + count, capacity), length);
    }

    // Both arguments are below 2 × capacity, so one subtraction is the modulo.
    private static int Wrap(int index, int capacity) => index >= capacity ? index - capacity : index;
}
