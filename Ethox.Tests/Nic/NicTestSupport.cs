using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Ethox.Layer;
using NUnit.Framework;

namespace Ethox.Tests.Nic;

/// <summary>Sends <see cref="Remaining"/> frames of <see cref="Length"/> bytes numbered from <see cref="Next"/>; content follows from the number.</summary>
internal struct NumberedSender : ISend<RawPacket>
{
    public int Next, Remaining, Length;

    public NumberedSender(int count, int length, int first = 0) { Next = first; Remaining = count; Length = length; }

    public void Send(RawPacket packet)
    {
        if (Remaining == 0) return;
        Fill(packet.Capacity[..Length], Next++);
        packet.Send(Length);
        Remaining--;
    }

    /// <summary>Frame <paramref name="number"/>: the number big-endian, then bytes derived from it.</summary>
    public static void Fill(Span<byte> frame, int number)
    {
        for (int i = 4; i < frame.Length; i++) frame[i] = (byte)(number * 31 + i * 7);
        BinaryPrimitives.WriteInt32BigEndian(frame, number);
    }

    public static int NumberOf(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadInt32BigEndian(frame);
}

/// <summary>Writes down the number and length of every frame received (allocates: not for allocation tests).</summary>
internal struct Collector : IRecv<RawPacket>
{
    public List<int> Numbers;
    public List<int> Lengths;
    public List<byte[]> Frames;

    public static Collector Create() => new() { Numbers = new(), Lengths = new(), Frames = new() };

    public void Receive(RawPacket packet)
    {
        Numbers.Add(NumberedSender.NumberOf(packet.Frame));
        Lengths.Add(packet.Frame.Length);
        Frames.Add(packet.Frame.ToArray());
    }
}

/// <summary>Counts frames and bytes; no allocation.</summary>
internal struct Counter : IRecv<RawPacket>
{
    public int Frames;
    public long Bytes;

    public void Receive(RawPacket packet) { Frames++; Bytes += packet.Frame.Length; }
}

/// <summary>Answers every frame in place: flips the first byte's low bit and sends back <see cref="AnswerLength"/> bytes (or the same length).</summary>
internal struct Answerer : IRecv<RawPacket>
{
    public int AnswerLength; // 0: same length
    public int Answered;

    public void Receive(RawPacket packet)
    {
        packet.Capacity[0] ^= 1;
        if (packet.Send(AnswerLength > 0 ? AnswerLength : packet.Frame.Length)) Answered++;
    }
}

internal static class Allocation
{
    /// <summary>Bytes this thread allocated while running <paramref name="action"/> (after running it once to warm up).</summary>
    public static long Measure(Action action)
    {
        action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
