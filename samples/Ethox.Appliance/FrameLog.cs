using System;
using System.IO;
using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Appliance;

/// <summary>
/// <c>--verbose</c>: one line per frame received and sent, formatted by <see cref="PacketPrinter"/> into a
/// reused character buffer and written as a span, so even this path allocates nothing per frame. A checksum left
/// partial for the offload is finished in a scratch copy before printing (so it is not shown as bad), and the line
/// ends with what the device was told or said (<c>{csum partial}</c>, <c>{csum verified}</c>, <c>{tso 1448}</c>).
/// </summary>
internal sealed class FrameLog(TextWriter output, PcapLinkType link, Instant epoch, int maxFrameLength)
{
    private readonly char[] _line = new char[2048];
    private readonly byte[] _scratch = new byte[maxFrameLength];

    /// <summary>The verdict the stack gives when it is lent a frame through <see cref="Traced{TStack}"/>.</summary>
    public PacketVerdict Verdict;

    public void Write(bool received, Span<byte> frame, in PacketOffload offload, Instant at)
    {
        var w = new SpanTextWriter(_line.AsSpan(0, _line.Length - 1));
        long us = (at - epoch).Microseconds;
        w.Append(us / 1_000_000);
        w.Append('.');
        w.Append(us % 1_000_000, "D6");
        w.Append(received ? " rx " : " tx ");
        var shown = frame;
        if (offload.Checksum == ChecksumStatus.Partial && frame.TryCopyTo(_scratch))
        {
            shown = _scratch.AsSpan(0, frame.Length);
            offload.TryFinishChecksum(shown);
        }
        PacketPrinter.Format(shown, link, ref w);
        if (offload.Checksum == ChecksumStatus.Partial) w.Append(" {csum partial}");
        else if (offload.Checksum == ChecksumStatus.Verified) w.Append(" {csum verified}");
        if (offload.Segmentation != SegmentationKind.None)
        {
            w.Append(received ? " {gso " : " {tso ");
            w.Append(offload.SegmentSize);
            w.Append('}');
        }
        int n = w.Length;
        _line[n] = '\n';
        output.Write(_line.AsSpan(0, n + 1));
    }
}

/// <summary>
/// The stack as the device sees it, with the optional <see cref="FrameLog"/> in front: without a log it
/// passes every call straight on; with one it prints each frame and lends the stack the same buffer
/// with a verdict of its own, so the length of an answer in place or of a new frame is known and printed.
/// </summary>
internal struct Traced<TStack>(TStack stack, FrameLog? log) : IRecv<RawPacket>, ISend<RawPacket>, ITimed
    where TStack : IRecv<RawPacket>, ISend<RawPacket>, ITimed
{
    public TStack Stack = stack;

    public Instant NextDeadline() => Stack.NextDeadline();

    public void Receive(RawPacket packet)
    {
        if (log is null)
        {
            Stack.Receive(packet);
            return;
        }
        log.Write(received: true, packet.Frame, packet.Offload, packet.Timestamp);
        log.Verdict = PacketVerdict.None;
        Stack.Receive(new RawPacket(packet.Capacity, packet.Frame.Length, packet.Timestamp, ref log.Verdict, packet.Offload, packet.TransmitOffloads));
        PassOn(packet, log);
    }

    public void Send(RawPacket packet)
    {
        if (log is null)
        {
            Stack.Send(packet);
            return;
        }
        log.Verdict = PacketVerdict.None;
        Stack.Send(new RawPacket(packet.Capacity, 0, packet.Timestamp, ref log.Verdict, default, packet.TransmitOffloads));
        PassOn(packet, log);
    }

    private static void PassOn(RawPacket packet, FrameLog log)
    {
        int length = log.Verdict.SendLength;
        if (length < 0) return;
        var offload = log.Verdict.Offload;
        log.Write(received: false, packet.Capacity[..length], offload, packet.Timestamp);
        packet.Send(length, offload);
    }
}
