using System;
using System.Runtime.CompilerServices;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

// What a connection sends next (RFC 9293 §3.8.6 windows, §3.7.4 Nagle, §3.8.6.2.1 sender SWS avoidance),
// how a segment is written straight into the transmit buffer (one copy out of the send ring, one checksum),
// and the segments that belong to no connection (RSTs, cookie SYN-ACKs).
public sealed partial class TcpEndpoint
{
    /// <summary>
    /// Decides the next segment of the connection in <paramref name="slot"/> that fits <paramref name="maxLength"/>
    /// bytes of TCP header and data: a SYN or SYN-ACK, a recovery retransmission, data (and FIN) as the send and
    /// congestion windows, Nagle and SWS avoidance allow, a window probe, a keep-alive, or a bare ACK when one is owed.
    /// With <paramref name="maxBurst"/> above <paramref name="maxLength"/> (the device cuts super-segments: TSO), new data
    /// may go out as whole segments of <see cref="SegmentData"/> bytes, up to <paramref name="maxBurst"/> bytes of header
    /// and data in one, within the windows. Without <paramref name="dataTurn"/> only a handshake segment or an owed ACK
    /// is planned (the connection's data waits for its turn in the ready queue). False when nothing is due.
    /// </summary>
    // A call of its own, as Write: inlined into its callers (which also inline the IP layer's send), it spent their
    // inlining budget, and the JIT then left the connection's field accessors in here as calls.
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool TryPlan(int slot, ref TcpConnection c, int maxLength, Instant now, out TcpRepr repr, int maxBurst = 0, bool dataTurn = true)
    {
        // The repr is filled in place (see TcpRepr's remarks on store forwarding): this runs for every segment sent.
        repr = default;
        switch (c.State)
        {
            case TcpState.Closed:
                return false;
            case TcpState.SynSent or TcpState.SynReceived:
                if (!c.Has(ConnectionFlags.SynDue) && !c.Has(ConnectionFlags.AckNow)) return false;
                FillSyn(slot, ref c, now, ref repr);
                return repr.HeaderLength <= maxLength;
            case TcpState.TimeWait:
                FillAck(slot, ref c, now, ref repr);
                return c.Has(ConnectionFlags.AckNow) && repr.HeaderLength <= maxLength;
        }
        FillAck(slot, ref c, now, ref repr);
        if (!dataTurn) return c.Has(ConnectionFlags.AckNow) && repr.HeaderLength <= maxLength;
        int maxData = SegmentData(ref c, maxLength, repr);
        if (maxData < 0) return false;
        int burst = maxBurst > maxLength && maxData > 0 ? (maxBurst - repr.HeaderLength) / maxData * maxData : maxData;
        if (TryPlanData(ref c, maxData, burst, out var seq, out int length))
        {
            repr.SequenceNumber = seq;
            repr.PayloadLength = length;
            if (c.FinOwed && seq + length == c.FinSequence) repr.Flags = TcpFlags.Ack | TcpFlags.Fin | TcpFlags.Psh;
            else if (length > 0 && seq + length == c.FinSequence) repr.Flags = TcpFlags.Ack | TcpFlags.Psh;
            return true;
        }
        if (c.Has(ConnectionFlags.KeepAliveDue))
        {
            // RFC 1122 §4.2.3.6: a segment with SEG.SEQ = SND.NXT − 1 makes the peer answer with an ACK.
            repr.SequenceNumber = c.SndUna - 1;
            return true;
        }
        StartPersistIfStalled(slot, ref c, now);
        return c.Has(ConnectionFlags.AckNow);
    }

    /// <summary>The data bytes of one segment of at most <paramref name="maxLength"/> bytes with <paramref name="repr"/>'s header: the MSS less the options.</summary>
    internal static int SegmentData(ref TcpConnection c, int maxLength, in TcpRepr repr)
        => Math.Min(c.SendMss + TcpSegment.MinHeaderLength, maxLength) - repr.HeaderLength;

    /// <summary>
    /// The data (and FIN) part of <see cref="TryPlan"/>: where the segment starts and how many bytes it carries. New data
    /// may fill <paramref name="burst"/> bytes (whole segments of <paramref name="maxData"/>); everything else, one segment.
    /// </summary>
    private static bool TryPlanData(ref TcpConnection c, int maxData, int burst, out TcpSeqNumber seq, out int length)
    {
        if (c.Has(ConnectionFlags.TailProbeDue) && TryTailLossProbe(ref c, maxData, out seq, out length)) return true;
        long sendRoom = (long)c.SndWnd - c.FlightSize;
        if (c.Has(ConnectionFlags.InRecovery) && TryRecoveryRetransmit(ref c, maxData, c.UnsentBytes > 0 && sendRoom > 0, out seq, out length))
        {
            length = Math.Min(length, Math.Max(0, c.Send.Length - c.DataOffset(seq)));
            return length > 0 || (c.FinOwed && seq == c.FinSequence);
        }
        maxData = SkipSackedOnResend(ref c, maxData);
        seq = c.SndNxt;
        length = 0;
        sendRoom = (long)c.SndWnd - c.FlightSize;
        int unsent = c.UnsentBytes;
        bool finDue = c.FinOwed && c.State != TcpState.SynReceived && c.SndNxt <= c.FinSequence;
        if (c.Has(ConnectionFlags.ProbeDue))
        {
            // RFC 9293 §3.8.6.1: a probe of one byte beyond the zero window; the byte at SND.UNA again once one is out.
            c.Clear(ConnectionFlags.ProbeDue);
            if (unsent == 0 && c.SndNxt == c.SndUna) return false;
            seq = c.SndNxt == c.SndUna ? c.SndNxt : c.SndUna;
            length = Math.Min(Math.Max(1, Math.Min((int)Math.Min(c.SndWnd, int.MaxValue), maxData)), c.Send.Length - c.DataOffset(seq));
            return length > 0;
        }
        if (unsent == 0) return finDue && c.SndNxt == c.FinSequence;
        length = (int)Math.Max(0, Math.Min(Math.Min(sendRoom, CongestionRoom(c)), Math.Min(unsent, burst)));
        if (length == 0) return false;
        // A super-segment carries whole segments, and a short tail waits for the rules below as a lone segment would;
        // unless the tail is the end of the data and those rules would send it at once anyway (Nagle off, or the FIN
        // follows): then it rides along as the device's last, shorter segment, one frame instead of two (an HTTP
        // response of 16 520 bytes is one super-segment, as Linux sends it, not 11 whole MSS and a 592-byte frame).
        if (length > maxData && length % maxData != 0 && !(length == unsent && (!c.Has(ConnectionFlags.Nagle) || finDue)))
            length -= length % maxData;
        if (length < maxData)
        {
            if (length < unsent)
            {
                // Window-limited: RFC 9293 §3.8.6.2.1, send less than a full segment only when it is at least half
                // the largest window the peer has offered (the persist timer covers the rest).
                if (length < c.MaxSndWnd / 2 && c.SndWnd > 0) return false;
            }
            else if (c.Has(ConnectionFlags.Nagle) && c.FlightSize > 0 && !finDue)
            {
                // RFC 896 / RFC 9293 §3.7.4: a small segment waits while data is unacknowledged.
                return false;
            }
        }
        return true;
    }

    /// <summary>Our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), with the options RFC 9293 §3.7.1, RFC 7323 and RFC 2018 let us offer.</summary>
    private void FillSyn(int slot, ref TcpConnection c, Instant now, ref TcpRepr repr)
    {
        bool active = c.State == TcpState.SynSent;
        repr.SourcePort = _table.LocalPortOf(slot);
        repr.DestinationPort = _table.RemotePortOf(slot);
        repr.Flags = active ? TcpFlags.Syn : TcpFlags.Syn | TcpFlags.Ack;
        repr.SequenceNumber = c.SndUna; // the ISS: our SYN is not acknowledged yet
        repr.AcknowledgmentNumber = active ? default : c.RcvNxt;
        repr.WindowSize = (ushort)Math.Min(ReceiveWindow(c), ushort.MaxValue); // never scaled in a SYN (RFC 7323 §2.2)
        repr.MaxSegmentSize = (ushort)ReceiveMss(c);
        // An active open offers everything; a passive one answers only what the peer offered.
        if (active || c.Has(ConnectionFlags.WindowScale)) repr.WindowScale = c.ReceiveScale;
        repr.SackPermitted = active || c.Has(ConnectionFlags.Sack);
        if (active || c.Has(ConnectionFlags.Timestamps)) repr.Timestamps = new TcpTimestamps(TsValue(c, now), active ? 0 : c.TsRecent);
    }

    /// <summary>
    /// An ACK numbered <see cref="TcpConnection.AckSequence"/> with the window field and the options of a segment
    /// after the handshake: timestamps, SACK blocks (a D-SACK block first, RFC 2883 §4). Data segments renumber it.
    /// </summary>
    private void FillAck(int slot, ref TcpConnection c, Instant now, ref TcpRepr repr)
    {
        repr.SourcePort = _table.LocalPortOf(slot);
        repr.DestinationPort = _table.RemotePortOf(slot);
        repr.Flags = TcpFlags.Ack;
        repr.SequenceNumber = c.AckSequence;
        repr.AcknowledgmentNumber = c.RcvNxt;
        repr.WindowSize = WindowField(ref c);
        if (c.Has(ConnectionFlags.Timestamps)) repr.Timestamps = new TcpTimestamps(TsValue(c, now), c.TsRecent);
        if (c.Has(ConnectionFlags.Sack) && (c.Has(ConnectionFlags.DuplicateSack) || c.Receive.HasOutOfOrder)) repr.SackBlocks = SackBlocksFor(ref c);
    }

    // A call of its own, reached only when there is something to report: its stackalloc would cost every segment a stack cookie.
    private static TcpSackBlocks SackBlocksFor(ref TcpConnection c)
    {
        var blocks = new TcpSackBlocks();
        if (c.Has(ConnectionFlags.DuplicateSack)) blocks.TryAdd(new TcpSackBlock(c.DsackLeft, c.DsackRight), out blocks);
        Span<ReceivedRange> ranges = stackalloc ReceivedRange[TcpSackBlocks.Capacity];
        int n = c.Receive.GetSackRanges(ranges);
        for (int i = 0; i < n; i++)
            if (!blocks.TryAdd(new TcpSackBlock(c.RcvNxt + ranges[i].Start, c.RcvNxt + ranges[i].End), out blocks)) break;
        return blocks;
    }

    /// <summary>
    /// The window we advertise: the room in the receive ring, but its right edge moves only by at least
    /// min(half the ring, one MSS) at a time (receiver SWS avoidance, RFC 9293 §3.8.6.2.2) and never moves left.
    /// </summary>
    private ushort WindowField(ref TcpConnection c)
    {
        int capacity = ReceiveCapacity(c);
        var right = c.RcvNxt + c.Receive.Window(capacity);
        if (right - c.RcvAdv >= Math.Min(capacity / 2, ReceiveMss(c)) || c.RcvAdv < c.RcvNxt) c.RcvAdv = right;
        int window = Math.Max(0, c.RcvAdv - c.RcvNxt);
        return (ushort)Math.Min(window >> c.ReceiveScale, ushort.MaxValue);
    }

    /// <summary>
    /// Writes the planned segment into <paramref name="buffer"/>: the data copied once out of the send ring, then header,
    /// options and checksum. The checksum reads only the header: the data's share was summed as it was copied, or, with
    /// <paramref name="partialChecksum"/>, the field gets only the pseudo-header sum and the device finishes it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal int Write(int slot, ref TcpConnection c, in TcpRepr repr, Span<byte> buffer, bool partialChecksum = false)
    {
        var local = _table.LocalAddressOf(slot);
        var remote = _table.RemoteAddressOf(slot);
        var payload = buffer.Slice(repr.HeaderLength, repr.PayloadLength);
        if (partialChecksum)
        {
            if (repr.PayloadLength > 0) c.Send.CopyOut(SendBuffer(c), c.DataOffset(repr.SequenceNumber), payload);
            repr.TryEmit(buffer, local, remote, partialChecksum: true);
        }
        else
        {
            ushort payloadSum = repr.PayloadLength > 0 ? c.Send.CopyOutAndSum(SendBuffer(c), c.DataOffset(repr.SequenceNumber), payload) : (ushort)0;
            repr.TryEmit(buffer, local, remote, payloadSum);
        }
        return repr.EmittedLength;
    }

    /// <summary>The segment is on its way: sequence variables, RTT timing (Karn's rule), the retransmission timer, and the ACK owed is paid.</summary>
    internal void Commit(int slot, ref TcpConnection c, in TcpRepr repr, Instant now)
    {
        _counters.SegmentsOut++;
        var end = repr.SequenceNumber + repr.SequenceLength;
        bool resent = repr.SequenceLength > 0 && repr.SequenceNumber < c.SndMax;
        // RFC 9293 §3.8.6.1: one byte into a shut window; every probe after the first sends the byte at SND.UNA again.
        bool probe = c.Has(ConnectionFlags.Persisting) && c.SndWnd == 0 && repr.PayloadLength == 1;
        if (probe) _counters.WindowProbes++;
        if (resent)
        {
            if (!probe) _counters.Retransmits++;
            if (repr.Timestamps is { } ts)
            {
                // Karn: whatever was being timed may be what went again; and RttSeq shares TsRetransmitted's bits.
                c.TsRetransmitted = ts.Value;
                c.Set(ConnectionFlags.EchoFloor);
                c.Clear(ConnectionFlags.Timing);
            }
        }
        if (c.Has(ConnectionFlags.KeepAliveDue) && repr.SequenceLength == 0 && repr.SequenceNumber == c.SndUna - 1) _counters.KeepAliveProbes++;
        if (repr.SequenceNumber == c.SndNxt && end > c.SndNxt) c.SndNxt = end;
        else if (resent && end > c.HighRxt) c.HighRxt = end;
        if (end > c.SndMax) c.SndMax = end;
        if (repr.SequenceLength > 0)
        {
            if (!resent && !c.Has(ConnectionFlags.Timing) && !c.Has(ConnectionFlags.Timestamps))
            {
                c.Set(ConnectionFlags.Timing);
                c.Clear(ConnectionFlags.EchoFloor); // the bits now hold RttSeq
                c.RttSeq = repr.SequenceNumber;
                c.RttStart = WrappingMicroseconds.From(now);
            }
            if (!c.RetransmitAt.IsSet) c.RetransmitAt = WrappingMicroseconds.From(now + c.Rtt.Rto(Settings));
            // RFC 8985 §7.2: the probe timeout restarts after new data (outside recovery), or after a retransmission in recovery.
            if (resent == c.Has(ConnectionFlags.InRecovery)) ArmProbe(ref c, now);
        }
        if ((repr.Flags & TcpFlags.Ack) != 0)
        {
            c.Clear(ConnectionFlags.AckNow | ConnectionFlags.AckOwed | ConnectionFlags.DuplicateSack);
            c.DelayedAckAt = WrappingMicroseconds.None;
            c.LastAckSent = c.RcvNxt;
        }
        c.Clear(ConnectionFlags.SynDue | ConnectionFlags.KeepAliveDue);
        Rearm(slot, ref c, now);
        if ((repr.Flags & TcpFlags.Fin) != 0) c.Set(ConnectionFlags.FinSent);
        if (c.UnsentBytes > 0 || c.Has(ConnectionFlags.InRecovery) || (c.FinOwed && c.SndNxt == c.FinSequence)) MarkReady(slot);
    }

    /// <summary>The RST that answers <paramref name="seg"/> (RFC 9293 §3.10.7.1): at its ACK number, or ACKing it when it had no ACK.</summary>
    internal static TcpRepr ResetFor(in Segment seg)
    {
        var reset = new TcpRepr { SourcePort = seg.DestinationPort, DestinationPort = seg.SourcePort };
        return seg.Has(TcpFlags.Ack)
            ? reset with { Flags = TcpFlags.Rst, SequenceNumber = seg.Ack }
            : reset with { Flags = TcpFlags.Rst | TcpFlags.Ack, AcknowledgmentNumber = seg.Seq + seg.Length };
    }

    /// <summary>The next RST owed for an aborted connection, if any (sent before other traffic).</summary>
    internal bool TryPeekQueuedReset(out FourTuple tuple, out TcpRepr reset)
    {
        reset = default;
        if (!_resets.TryPeek(out tuple, out var seq, out var ack)) return false;
        reset = new TcpRepr
        {
            SourcePort = tuple.LocalPort,
            DestinationPort = tuple.RemotePort,
            Flags = TcpFlags.Rst | TcpFlags.Ack,
            SequenceNumber = seq,
            AcknowledgmentNumber = ack,
        };
        return true;
    }

    internal void DropQueuedReset(bool sent)
    {
        _resets.Drop();
        if (sent) CountReset();
    }

    internal void CountReset() { _counters.ResetsOut++; _counters.SegmentsOut++; }

    // ---- segment sizes --------------------------------------------------------------------------

    private static int IpHeaderLength(in FourTuple tuple) => tuple.Version == IpVersion.V4 ? 20 : 40;

    /// <summary>RFC 9293 §3.7.1: without an MSS option the peer takes 536 (IPv4) or 1220 (IPv6, RFC 8200 §5) bytes.</summary>
    private static int DefaultMss(in FourTuple tuple) => tuple.Version == IpVersion.V4 ? 536 : 1220;

    /// <summary>The MSS we announce: what our interface's MTU carries after the IP and TCP headers (RFC 9293 §3.7.1, RFC 6691).</summary>
    private int OurMss(in FourTuple tuple) => OurMss(tuple.Version == IpVersion.V6);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private int OurMss(bool ipv6) => Math.Clamp(_ip.Mtu - (ipv6 ? 40 : 20) - TcpSegment.MinHeaderLength, 64, ushort.MaxValue);

    /// <summary>
    /// The connection's receive MSS: the MSS we announced in our SYN, derived again from the interface's MTU rather than
    /// kept (should the MTU change, the delayed-ACK and window-update thresholds follow the new one).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal int ReceiveMss(in TcpConnection c) => OurMss(c.Has(ConnectionFlags.Ipv6));

    /// <summary>
    /// The most data a segment carries before options: at most <paramref name="limit"/> (the peer's MSS, or the current
    /// send MSS when the path MTU fell), and the path MTU (RFC 1191, RFC 8201) below it.
    /// </summary>
    private void SetSendMss(ref TcpConnection c, in FourTuple tuple, int limit, Instant now)
    {
        int path = _ip.PathMtuFor(tuple.Remote.Address, now) - IpHeaderLength(tuple) - TcpSegment.MinHeaderLength;
        c.SendMss = (ushort)Math.Clamp(Math.Min(limit, path), 64, ushort.MaxValue);
    }
}
