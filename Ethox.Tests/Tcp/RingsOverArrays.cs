using System;
using Ethox.Layer.Tcp;

namespace Ethox.Tests.Tcp;

/// <summary>A <see cref="SendRing"/> with its memory, for the ring's own tests: every call lends the same array.</summary>
internal sealed class SendRingOver(int capacity)
{
    private readonly byte[] _buffer = new byte[capacity];
    public SendRing Ring;

    public int Capacity => _buffer.Length;
    public int Length => Ring.Length;
    public int Free => Ring.Free(_buffer.Length);
    public int Write(ReadOnlySpan<byte> data) => Ring.Write(_buffer, data);
    public void GetWritable(out Span<byte> first, out Span<byte> second) => Ring.GetWritable(_buffer, out first, out second);
    public void CommitWrite(int count) => Ring.CommitWrite(_buffer.Length, count);
    public void CopyOut(int offset, Span<byte> destination) => Ring.CopyOut(_buffer, offset, destination);
    public ushort CopyOutAndSum(int offset, Span<byte> destination) => Ring.CopyOutAndSum(_buffer, offset, destination);
    public void GetReadable(int offset, int count, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second)
        => Ring.GetReadable(_buffer, offset, count, out first, out second);
    public void Release(int count) => Ring.Release(_buffer.Length, count);
}

/// <summary>A <see cref="ReceiveRing"/> with its memory, for the ring's own tests: every call lends the same array.</summary>
internal sealed class ReceiveRingOver(int capacity)
{
    private readonly byte[] _buffer = new byte[capacity];
    public ReceiveRing Ring;

    public int Capacity => _buffer.Length;
    public int Readable => Ring.Readable;
    public int Window => Ring.Window(_buffer.Length);
    public bool HasOutOfOrder => Ring.HasOutOfOrder;
    public OutOfOrderRanges OutOfOrder => Ring.OutOfOrder;
    public int Read(Span<byte> destination) => Ring.Read(_buffer, destination);
    public void GetReadable(out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second) => Ring.GetReadable(_buffer, out first, out second);
    public void Consume(int count) => Ring.Consume(_buffer.Length, count);
    public ReceiveWrite Write(int offset, ReadOnlySpan<byte> data) => Ring.Write(_buffer, offset, data);
    public int GetSackRanges(Span<ReceivedRange> ranges) => Ring.GetSackRanges(ranges);
    public bool TryGetInOrderRoom(int length, out Span<byte> room) => Ring.TryGetInOrderRoom(_buffer, length, out room);
    public bool TakePlaced(int length) => Ring.TakePlaced(_buffer.Length, length);
}
