using System;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>The outcome of a segment for the layer: what to send back, and whether the slot ends after the user has been told.</summary>
internal enum SegmentFate : byte
{
    /// <summary>The connection goes on.</summary>
    Kept,
    /// <summary>The connection is over (reset, LAST-ACK done): free the slot after telling the user.</summary>
    Release,
    /// <summary>A new SYN for a TIME-WAIT tuple that may be reused (RFC 6191): the slot is freed, treat the SYN as new.</summary>
    Reopen,
}

// Segment arrival in the synchronized states and SYN-RECEIVED: RFC 9293 §3.10.7.4, with RFC 5961's stricter
// RST, SYN and ACK checks, RFC 7323 PAWS, and delayed ACKs (RFC 1122 §4.2.3.2, RFC 5681 §4.2).
public sealed partial class TcpEndpoint
{
    /// <summary>
    /// Applies <paramref name="seg"/> to the connection in <paramref name="slot"/>; <paramref name="events"/>
    /// collects what the user must hear and <paramref name="reply"/> what goes back in the packet.
    /// </summary>
    internal SegmentFate Process(int slot, ref TcpConnection c, in Segment seg, Instant now, ref TcpEvents events, out ReplyKind reply)
    {
        reply = ReplyKind.None;
        if (c.State == TcpState.SynSent) return ProcessSynSent(slot, ref c, seg, now, ref events, out reply);
        if (c.State == TcpState.TimeWait)
        {
            if (IsReusableTimeWait(c, seg))
            {
                Release(slot, ref c);
                return SegmentFate.Reopen;
            }
            if (seg.Has(TcpFlags.Fin) && !seg.Has(TcpFlags.Rst) && seg.Seq + seg.Length == c.RcvNxt)
            {
                // RFC 9293 §3.10.7.4 eighth, TIME-WAIT: the peer's FIN again (our ACK was lost). It lies below RCV.NXT,
                // so the window check would only ACK it: acknowledge it and restart 2·MSL here.
                c.IdleAt = WrappingMilliseconds.From(now + Settings.TimeWait);
                Rearm(slot, ref c, now);
                return AckAndDrop(slot, ref c, out reply);
            }
        }
        if (c.State == TcpState.SynReceived && IsCrossingSynAck(c, seg))
        {
            // RFC 9293 §3.5 Figure 7, line 6: in a simultaneous open the peer's SYN-ACK repeats its SYN (below
            // RCV.NXT, so the window check would drop it) and acknowledges ours: it completes the handshake.
            UpdateTsRecent(ref c, seg, now);
            Establish(slot, ref c, seg, now, ref events);
            if (ProcessAck(slot, ref c, seg, now, ref events)) return SegmentFate.Release;
            Rearm(slot, ref c, now);
            return SegmentFate.Kept;
        }
        if (PawsRejects(ref c, seg, now))
        {
            _counters.PawsDrops++;
            return AckAndDrop(slot, ref c, out reply);
        }

        // First: is the segment in the window (RFC 9293 §3.10.7.4 table)?
        if (!IsAcceptable(c, seg))
        {
            if (seg.Has(TcpFlags.Rst)) return SegmentFate.Kept;
            _counters.OutOfWindow++;
            if (seg.Payload.Length > 0 && seg.Seq + seg.Payload.Length <= c.RcvNxt) NoteDuplicate(ref c, seg.Seq, seg.Seq + seg.Payload.Length);
            return AckAndDrop(slot, ref c, out reply);
        }

        // Second: RST. Only the exact next sequence number resets (RFC 5961 §3.2); anywhere else in the window it earns a challenge ACK.
        if (seg.Has(TcpFlags.Rst))
        {
            if (seg.Seq != c.RcvNxt) return ChallengeAck(slot, ref c, now, out reply);
            _counters.Resets++;
            if (c.IsHandshaking) _counters.AttemptFails++;
            events |= TcpEvents.Reset | TcpEvents.Closed;
            return SegmentFate.Release;
        }

        // Fourth: a SYN in a synchronized state gets a challenge ACK whatever its number (RFC 5961 §4.2).
        if (seg.Has(TcpFlags.Syn)) return ChallengeAck(slot, ref c, now, out reply);

        // Fifth: the ACK field.
        if (!seg.Has(TcpFlags.Ack)) return SegmentFate.Kept;
        if (c.State == TcpState.SynReceived)
        {
            if (!(seg.Ack > c.SndUna && seg.Ack <= c.SndMax))
            {
                reply = ReplyKind.Reset;
                return SegmentFate.Kept;
            }
            Establish(slot, ref c, seg, now, ref events);
        }
        // RFC 5961 §5.2: acceptable if SND.UNA − MAX.SND.WND ≤ SEG.ACK ≤ SND.NXT (SND.MAX here, as after a timeout SND.NXT went back).
        if (seg.Ack > c.SndMax || seg.Ack < c.SndUna - (int)Math.Max(c.MaxSndWnd, 1u))
            return AckAndDrop(slot, ref c, out reply);
        UpdateTsRecent(ref c, seg, now);
        // An answer to our zero-window probes: the peer is alive, R2 starts over (RFC 1122 §4.2.2.17).
        if (c.Has(ConnectionFlags.Persisting)) c.GiveUpAt = WrappingMicroseconds.None;
        if (c.Has(ConnectionFlags.KeepAlive))
        {
            // Anything from the peer shows it alive (RFC 1122 §4.2.3.6): probes start over after a full idle time.
            if (c.Has(ConnectionFlags.KeepAliveDue) || !c.RetransmitAt.IsSet) c.Retries = 0;
            ScheduleKeepAlive(slot, ref c, now, now);
        }
        if (ProcessAck(slot, ref c, seg, now, ref events)) return SegmentFate.Release;

        // Seventh: the data, then eighth: the FIN.
        if (seg.Payload.Length > 0 && c.CanReceiveData) ReceiveData(slot, ref c, seg, now, ref events);
        if (seg.Has(TcpFlags.Fin)) ReceiveFin(slot, ref c, seg.Seq + seg.Payload.Length, now, ref events);
        else if (c.Has(ConnectionFlags.FinPending) && c.RcvNxt == c.FinSeq) TakeFin(slot, ref c, now, ref events);

        Rearm(slot, ref c, now);
        if (c.Has(ConnectionFlags.AckNow)) reply = ReplyKind.Output;
        return SegmentFate.Kept;
    }

    /// <summary>
    /// RFC 9293 §3.10.7.4: the four cases of segment length and receive window. A segment without data is
    /// also taken at the right edge itself (RCV.NXT + RCV.WND), as BSD and Linux take it: the RFC asks for
    /// "special allowance" for ACKs, and a sender whose data filled our window numbers its ACKs there.
    /// </summary>
    private static bool IsAcceptable(in TcpConnection c, in Segment seg)
    {
        uint window = (uint)Math.Max(0, c.RcvAdv - c.RcvNxt);
        int length = seg.Length;
        if (length == 0)
        {
            if (seg.Has(TcpFlags.Rst)) return window == 0 ? seg.Seq == c.RcvNxt : seg.Seq.IsInWindow(c.RcvNxt, window);
            return seg.Seq >= c.RcvNxt && (uint)(seg.Seq - c.RcvNxt) <= window;
        }
        // A zero window still takes ACKs and RSTs: a segment at RCV.NXT is processed for its control bits and its data dropped.
        if (window == 0) return seg.Seq == c.RcvNxt;
        return seg.Seq.IsInWindow(c.RcvNxt, window) || (seg.Seq + (length - 1)).IsInWindow(c.RcvNxt, window);
    }

    /// <summary>A SYN-ACK at the peer's ISS that acknowledges exactly our SYN (what Linux also accepts in SYN-RECEIVED).</summary>
    private static bool IsCrossingSynAck(in TcpConnection c, in Segment seg)
        => (seg.Flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst)) == (TcpFlags.Syn | TcpFlags.Ack)
           && !c.Has(ConnectionFlags.Passive) && seg.Seq + 1 == c.RcvNxt && seg.Ack == c.SndUna + 1 && seg.Payload.Length == 0;

    /// <summary>RFC 6191 §2 / RFC 9293 §3.6.1: a SYN may reopen a TIME-WAIT tuple when its timestamp (or, without timestamps, its sequence number) is newer than anything of the old incarnation.</summary>
    private static bool IsReusableTimeWait(in TcpConnection c, in Segment seg)
    {
        if (!seg.Has(TcpFlags.Syn) || seg.Has(TcpFlags.Ack) || seg.Has(TcpFlags.Rst)) return false;
        if (c.Has(ConnectionFlags.Timestamps) && seg.Timestamps is { } ts) return unchecked((int)(ts.Value - c.TsRecent)) > 0;
        return seg.Seq > c.RcvNxt;
    }

    private SegmentFate AckAndDrop(int slot, ref TcpConnection c, out ReplyKind reply)
    {
        // In SYN-RECEIVED the answer to a stray or repeated segment is our SYN-ACK again.
        if (c.State == TcpState.SynReceived) c.Set(ConnectionFlags.SynDue);
        else c.Set(ConnectionFlags.AckNow);
        reply = ReplyKind.Output;
        return SegmentFate.Kept;
    }

    /// <summary>RFC 5961 §3.2, §4.2, §5.2: an ACK that tells a genuine peer where we are, at most as often as §7's limit allows.</summary>
    private SegmentFate ChallengeAck(int slot, ref TcpConnection c, Instant now, out ReplyKind reply)
    {
        reply = ReplyKind.None;
        if (!_challengeAcks.TryTake(now))
        {
            _counters.ChallengeAcksLimited++;
            return SegmentFate.Kept;
        }
        _counters.ChallengeAcks++;
        return AckAndDrop(slot, ref c, out reply);
    }

    /// <summary>SYN-RECEIVED → ESTABLISHED on an acceptable ACK (RFC 9293 §3.10.7.4 fifth, SYN-RECEIVED).</summary>
    private void Establish(int slot, ref TcpConnection c, in Segment seg, Instant now, ref TcpEvents events)
    {
        c.State = c.Has(ConnectionFlags.FinQueued) ? TcpState.FinWait1 : TcpState.Established;
        if (c.Has(ConnectionFlags.InBacklog)) LeaveBacklog(slot, ref c);
        c.Clear(ConnectionFlags.SynDue);
        c.TakeWindow(seg.WindowSize);
        c.SndWl1 = seg.Seq;
        events |= TcpEvents.Connected;
        ScheduleKeepAlive(slot, ref c, now, now);
    }

    /// <summary>
    /// The ACK field of an acceptable segment (RFC 9293 §3.10.7.4 fifth): new data acknowledged (RTT, congestion
    /// window, send ring), duplicate ACKs (RFC 5681 §2), the send window (SND.WL1/WL2 rule), and the state
    /// changes our FIN's acknowledgment brings. True when the connection is over (LAST-ACK done).
    /// </summary>
    private bool ProcessAck(int slot, ref TcpConnection c, in Segment seg, Instant now, ref TcpEvents events)
    {
        var ack = seg.Ack;
        uint window = (uint)seg.WindowSize << c.SendScale;
        bool newlySacked = false;
        if (c.Has(ConnectionFlags.Sack) && seg.HasSackBlocks)
        {
            int sackedBefore = c.Scoreboard.SackedBytes;
            c.Scoreboard.Update(TcpSeqNumber.Max(ack, c.SndUna), seg.SackBlocks, c.SndMax);
            newlySacked = c.Scoreboard.SackedBytes > sackedBefore;
        }
        if (ack > c.SndUna) AcknowledgeData(slot, ref c, seg, now, ref events);
        else if (IsDuplicateAck(c, seg, window, newlySacked)) OnDuplicateAck(slot, ref c, now);
        // RFC 9293 §3.10.7.4: the window comes from an ACK with SND.UNA =< SEG.ACK (SND.UNA has moved to it already when it
        // acknowledged new data) of a segment not older than the last update: SND.WL1 < SEG.SEQ, or SND.WL1 = SEG.SEQ and
        // SND.WL2 =< SEG.ACK, which holds whenever SND.UNA =< SEG.ACK (see TcpConnection.SndWl1).
        if (ack >= c.SndUna && c.SndWl1 <= seg.Seq)
        {
            bool opened = window > c.SndWnd;
            c.TakeWindow(seg.WindowSize);
            c.SndWl1 = seg.Seq;
            if (window > 0 && c.Has(ConnectionFlags.Persisting))
            {
                c.Clear(ConnectionFlags.Persisting | ConnectionFlags.ProbeDue);
                // The probe byte went beyond a closed window and was most likely dropped: it leaves again at the head
                // of a full segment, instead of being waited for (Nagle would hold the rest behind it until a timeout).
                c.SndNxt = c.SndUna;
                c.RetransmitAt = c.SndMax != c.SndUna ? WrappingMicroseconds.From(now + c.Rtt.Rto(Settings)) : WrappingMicroseconds.None;
            }
            if (opened && c.UnsentBytes > 0) MarkReady(slot);
        }
        if (!c.FinAcknowledged) return false;
        // Our FIN is acknowledged.
        switch (c.State)
        {
            case TcpState.FinWait1:
                c.State = TcpState.FinWait2;
                OnFinWait2(slot, ref c, now);
                break;
            case TcpState.Closing:
                EnterTimeWait(slot, ref c, now, ref events);
                break;
            case TcpState.LastAck:
                events |= TcpEvents.Closed;
                return true;
        }
        return false;
    }

    /// <summary>SND.UNA advances: release acknowledged bytes, sample the RTT, grow the window or leave recovery, restart the timer (RFC 6298 §5.2, §5.3).</summary>
    private void AcknowledgeData(int slot, ref TcpConnection c, in Segment seg, Instant now, ref TcpEvents events)
    {
        var ack = seg.Ack;
        int released = Math.Clamp(c.DataOffset(ack), 0, c.Send.Length);
        if (TryTakeRttSample(ref c, seg, now, out var rtt)) c.Rtt.AddSample(rtt);
        c.Send.Release(SendCapacity(c), released);
        c.SndUna = ack;
        c.Set(ConnectionFlags.SynAcknowledged);
        // Past the timeout's recovery point a stale Recover must not hold back a later recovery (sequence numbers wrap).
        if (ack > c.Recover) c.Clear(ConnectionFlags.AfterTimeout);
        if (c.SndNxt < ack) c.SndNxt = ack;
        c.Retries = 0;
        c.GiveUpAt = WrappingMicroseconds.None;
        c.Rtt.ResetBackoff();
        if (c.Has(ConnectionFlags.InRecovery)) OnRecoveryAck(slot, ref c, released, now);
        else c.Congestion.OnAck(released, c.SendMss, now, c.Rtt.SmoothedRtt);
        c.DuplicateAcks = 0;
        if (released > 0) events |= TcpEvents.Writable;
        // RFC 6298 §5.2/§5.3: all acknowledged stops the timer, otherwise it restarts for what is left.
        c.Clear(ConnectionFlags.ProbeArmed | ConnectionFlags.ProbeSpent | ConnectionFlags.TailProbeDue);
        if (!c.Has(ConnectionFlags.Persisting)) c.RetransmitAt = c.SndUna == c.SndMax ? WrappingMicroseconds.None : WrappingMicroseconds.From(now + c.Rtt.Rto(Settings));
        if (!c.Has(ConnectionFlags.InRecovery)) ArmProbe(ref c, now); // RFC 8985 §7.2: also restarted by an ACK of new data
        if (c.UnsentBytes > 0 || (c.FinOwed && c.SndNxt == c.FinSequence)) MarkReady(slot);
    }

    /// <summary>
    /// Where the payload of a segment of connection <paramref name="slot"/> is to go before the state machine takes it: when
    /// it is data at RCV.NXT that the receive ring will keep whole and in one piece (<paramref name="room"/>), it stays in
    /// the frame if the ring is empty (<see cref="PayloadPlacement.InFrame"/>: the user reads it there), else it may be
    /// copied into the room while its checksum is verified (<see cref="PayloadPlacement.Placed"/>). The room is beyond
    /// RCV.NXT, so a segment that fails the checksum, or is refused later (an old timestamp, a RST), leaves nothing behind.
    /// <see cref="PayloadPlacement.None"/> for any other segment.
    /// </summary>
    internal PayloadPlacement PlacementFor(int slot, TcpSegment view, out Span<byte> room)
    {
        room = default;
        ref var c = ref ConnectionAt(slot);
        if (!c.CanReceiveData || view.SequenceNumber != c.RcvNxt || (view.Flags & (TcpFlags.Syn | TcpFlags.Rst)) != 0) return PayloadPlacement.None;
        if (!c.Receive.TryGetInOrderRoom(ReceiveBuffer(c), view.Payload.Length, out room)) return PayloadPlacement.None;
        return c.Receive.Readable == 0 ? PayloadPlacement.InFrame : PayloadPlacement.Placed;
    }

    /// <summary>
    /// In-window data (RFC 9293 §3.10.7.4 seventh): into the receive ring at its place, RCV.NXT over what is now
    /// contiguous; duplicates noted for D-SACK. ACK at once for out-of-order or hole-filling data (RFC 5681 §4.2)
    /// and for every second full-sized segment (with <see cref="TcpConnectionOptions.CoalesceAcks"/>, on the next transmit
    /// turn, once for the whole receive batch); otherwise within the delayed-ACK time (RFC 1122 §4.2.3.2).
    /// </summary>
    private void ReceiveData(int slot, ref TcpConnection c, in Segment seg, Instant now, ref TcpEvents events)
    {
        var payload = seg.Payload;
        int offset = seg.Seq - c.RcvNxt;
        if (offset < 0)
        {
            int old = Math.Min(-offset, payload.Length);
            NoteDuplicate(ref c, seg.Seq, seg.Seq + old);
            payload = payload[old..];
            offset = 0;
        }
        bool holeBefore = c.Receive.HasOutOfOrder;
        var buffer = ReceiveBuffer(c);
        // Data copied in while its checksum was verified, or left in the frame for the user, only needs counting; the ring
        // says whether it still fits as it did (else it is copied from the frame as any other).
        bool inFrame = seg.Placement == PayloadPlacement.InFrame && c.Receive.Readable == 0;
        bool placed = (inFrame || seg.Placement == PayloadPlacement.Placed) && offset == 0 && c.Receive.TakePlaced(buffer.Length, payload.Length);
        if (placed && inFrame) _lent = LentPayload.Taken(slot, payload.Length);
        var write = placed ? new ReceiveWrite(payload.Length, payload.Length, 0, false) : c.Receive.Write(buffer, offset, payload);
        if (write.Duplicate > 0 && offset > 0) NoteDuplicate(ref c, seg.Seq, seg.Seq + payload.Length);
        if (write.Dropped) _counters.OutOfOrderDrops++;
        if (write.Advanced > 0)
        {
            c.RcvNxt += write.Advanced;
            events |= TcpEvents.Readable;
        }
        if (offset > 0 || holeBefore || write.Stored < payload.Length)
        {
            c.Set(ConnectionFlags.AckNow);
            return;
        }
        if (c.UnackedBytes >= 2 * ReceiveMss(c))
        {
            if (!c.Has(ConnectionFlags.CoalesceAcks)) c.Set(ConnectionFlags.AckNow);
            else if (!c.Has(ConnectionFlags.AckOwed))
            {
                c.Set(ConnectionFlags.AckOwed);
                MarkReady(slot);
            }
        }
        else if (!c.DelayedAckAt.IsSet) c.DelayedAckAt = WrappingMicroseconds.From(now + Settings.DelayedAck);
    }

    /// <summary>Remembers a duplicate range to report first in the next ACK's SACK option (RFC 2883 §4).</summary>
    private static void NoteDuplicate(ref TcpConnection c, TcpSeqNumber left, TcpSeqNumber right)
    {
        if (!c.Has(ConnectionFlags.Sack) || left == right) return;
        c.DsackLeft = left;
        // Never more than one segment's payload; a longer one (a coalesced super-segment) is reported in part.
        c.DsackLength = (ushort)Math.Min(right - left, ushort.MaxValue);
        c.Set(ConnectionFlags.DuplicateSack);
    }

    /// <summary>RFC 9293 §3.10.7.4 eighth: a FIN counts once everything before it has arrived; one beyond a hole waits for it.</summary>
    private void ReceiveFin(int slot, ref TcpConnection c, TcpSeqNumber finSeq, Instant now, ref TcpEvents events)
    {
        c.Set(ConnectionFlags.AckNow);
        if (c.Has(ConnectionFlags.FinReceived)) return; // a repeat (TIME-WAIT restarts in Process)
        if (finSeq == c.RcvNxt) TakeFin(slot, ref c, now, ref events);
        else if (finSeq > c.RcvNxt)
        {
            c.FinSeq = finSeq;
            c.Set(ConnectionFlags.FinPending);
        }
    }

    private void TakeFin(int slot, ref TcpConnection c, Instant now, ref TcpEvents events)
    {
        c.Clear(ConnectionFlags.FinPending);
        c.Set(ConnectionFlags.FinReceived | ConnectionFlags.AckNow);
        c.RcvNxt += 1;
        events |= TcpEvents.PeerClosed;
        switch (c.State)
        {
            case TcpState.Established:
                c.State = TcpState.CloseWait;
                break;
            case TcpState.FinWait1:
                // Our FIN not yet acknowledged: simultaneous close.
                c.State = TcpState.Closing;
                break;
            case TcpState.FinWait2:
                EnterTimeWait(slot, ref c, now, ref events);
                break;
        }
    }

    /// <summary>TIME-WAIT (RFC 9293 §3.6.1): the tuple is held for 2·MSL; the user is done with the connection.</summary>
    private void EnterTimeWait(int slot, ref TcpConnection c, Instant now, ref TcpEvents events)
    {
        c.State = TcpState.TimeWait;
        c.RetransmitAt = c.DelayedAckAt = WrappingMicroseconds.None;
        c.IdleAt = WrappingMilliseconds.From(now + Settings.TimeWait);
        events |= TcpEvents.Closed;
        // Its ACKs answer in place from now on: a slot waits in one queue at a time, and this one is TIME-WAIT's.
        _ready.Remove(slot);
        _timeWaits.Add(slot);
        Rearm(slot, ref c, now);
    }

    /// <summary>The user read data: advertise the larger window when it grew enough to matter (receiver SWS avoidance, RFC 9293 §3.8.6.2.2).</summary>
    private void OnReceiveWindowOpened(int slot, ref TcpConnection c)
    {
        if (c.IsHandshaking || c.Has(ConnectionFlags.FinReceived)) return;
        int capacity = ReceiveCapacity(c);
        var right = c.RcvNxt + c.Receive.Window(capacity);
        if (right - c.RcvAdv < Math.Min(capacity / 2, ReceiveMss(c))) return;
        // Coalescing ACKs, an update goes with the batch's ACK on the next transmit turn while the peer still has half the
        // ring to fill; when it has less, it may be waiting for the update, which goes at once.
        if (c.Has(ConnectionFlags.CoalesceAcks) && c.RcvAdv - c.RcvNxt >= capacity / 2) c.Set(ConnectionFlags.AckOwed);
        else c.Set(ConnectionFlags.AckNow);
        MarkReady(slot);
    }
}
