using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Ethox.Layer;

namespace Ethox.Nic;

/// <summary>
/// Hands a received UDP super-datagram to the stack as its datagrams (<see cref="UdpSuperDatagram"/>): each is cut in place,
/// handed over, and the answer the stack writes in place over it sent, before the next is made over its tail. Shared by
/// the ports that receive into their own buffers (<see cref="FdPort"/>, <see cref="PacketRings"/>); what differs, how an
/// answer in place is sent, is the port's <see cref="IAnswers"/>.
/// </summary>
internal static class SuperDatagramDelivery
{
    /// <summary>How a port sends an answer written in place into its receive buffer.</summary>
    internal interface IAnswers
    {
        /// <summary>
        /// Sends the answer of <paramref name="length"/> bytes at <paramref name="start"/> of <paramref name="buffer"/> (the
        /// buffer <see cref="Deliver"/> was given), with <paramref name="offload"/> asked of the device.
        /// </summary>
        void Send(Span<byte> buffer, int start, int length, in PacketOffload offload, ref DeviceCounters counters);
    }

    /// <summary>
    /// Splits the super-datagram of <paramref name="length"/> bytes at the start of <paramref name="buffer"/> and hands its
    /// datagrams to <paramref name="receiver"/>; returns how many (0 when it does not split: counted as an unsupported
    /// offload). <paramref name="verdict"/> is the port's own field, where each datagram's packet
    /// takes the stack's answer.
    /// </summary>
    // Out of line: the stack copy of the headers stays off the ports' common path.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Deliver<TRecv, TAnswers>(Span<byte> buffer, int length, in PacketOffload offload, Medium medium, DeviceOffloads transmitOffloads,
        [UnscopedRef] ref PacketVerdict verdict, ref TRecv receiver, ref TAnswers answers, Instant now, ref DeviceCounters counters)
        where TRecv : IRecv<RawPacket>, allows ref struct
        where TAnswers : struct, IAnswers
    {
        Span<byte> headers = stackalloc byte[UdpSuperDatagram.MaxHeaderLength];
        if (!UdpSuperDatagram.TryStart(buffer, length, offload, medium, headers, out var split))
        {
            counters.rxUnsupportedOffload++;
            return 0;
        }
        counters.rxSegmented++;
        int n = 0;
        while (split.TryNext(out int start, out int datagramLength, out int capacity, out var datagramOffload))
        {
            counters.Received(datagramLength, datagramOffload);
            counters.rxSplitDatagrams++;
            verdict = PacketVerdict.None;
            receiver.Receive(new RawPacket(buffer.Slice(start, capacity), datagramLength, now, ref verdict, datagramOffload, transmitOffloads));
            n++;
            if (verdict.SendLength >= 0) answers.Send(buffer, start, verdict.SendLength, verdict.Offload, ref counters);
        }
        return n;
    }
}
