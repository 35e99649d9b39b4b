using System;
using Ethox.Layer;

namespace Ethox.Nic;

/// <summary>
/// The receive and transmit logic shared by the in-memory devices: frames are read from one
/// <see cref="FrameRing"/> and written to another (the same one for <see cref="Loopback"/>).
/// A full transmit ring drops the frame and counts it, as a link's drop-tail queue would. With offloads, a frame's
/// metadata travels with it: a checksum the sender left partial arrives partial (and trusted, as between two stacks on
/// one host), a super-segment arrives whole.
/// </summary>
/// <remarks>
/// The verdict of a lent packet lives in a field of this object rather than in a local: a
/// <see cref="RawPacket"/> referring to a local could not be passed to a receiver, whose parameter may
/// escape to the caller's scope.
/// </remarks>
internal sealed class RingPort
{
    private readonly FrameRing _rx, _tx;
    private readonly byte[] _scratch; // lent when the transmit ring is full: what is written there is dropped
    private readonly DeviceOffloads _transmitOffloads;
    private PacketVerdict _verdict;
    public DeviceCounters Counters;

    public RingPort(FrameRing rx, FrameRing tx, int maxFrameLength, DeviceOffloads offloads = DeviceOffloads.None)
    {
        _rx = rx;
        _tx = tx;
        _scratch = new byte[maxFrameLength];
        _transmitOffloads = offloads & DeviceOffloads.Transmit;
    }

    public int Receive<TRecv>(int max, ref TRecv receiver, Instant now) where TRecv : IRecv<RawPacket>, allows ref struct
    {
        // Only the frames present at the start: on a loopback an answer re-enters the same ring and must
        // not be handed over again in this call (a receiver answering everything would never stop).
        int n = Math.Min(max, _rx.Count);
        for (int i = 0; i < n; i++)
        {
            int length = _rx.HeadLength;
            Counters.Received(length, _rx.HeadOffload);
            _verdict = PacketVerdict.None;
            receiver.Receive(new RawPacket(_rx.HeadBuffer, length, now, ref _verdict, _rx.HeadOffload, _transmitOffloads));
            int answer = _verdict.SendLength;
            if (answer < 0) _rx.Pop();
            else if (_rx.PopInto(_tx, answer, now, _verdict.Offload)) Counters.Sent(answer, _verdict.Offload);
            else Counters.txQueueFull++;
        }
        return n;
    }

    public int Transmit<TSend>(int max, ref TSend sender, Instant now) where TSend : ISend<RawPacket>, allows ref struct
    {
        int sent = 0;
        while (sent < max)
        {
            bool room = !_tx.IsFull;
            _verdict = PacketVerdict.None;
            sender.Send(new RawPacket(room ? _tx.TailBuffer : _scratch, 0, now, ref _verdict, default, _transmitOffloads));
            int length = _verdict.SendLength;
            if (length < 0) break;
            if (room)
            {
                _tx.Push(length, now, _verdict.Offload);
                Counters.Sent(length, _verdict.Offload);
            }
            else Counters.txQueueFull++;
            sent++;
        }
        return sent;
    }
}
