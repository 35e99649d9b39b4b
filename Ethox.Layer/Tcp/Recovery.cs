using System;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

// Loss recovery driven by ACKs: limited transmit (RFC 3042), fast retransmit on the third duplicate ACK
// (RFC 5681 §3.2), SACK-based recovery (RFC 6675) when both ends speak SACK, NewReno's partial ACKs
// (RFC 6582) when they do not. The retransmission timeout is in Timers.cs; what the congestion window does
// lives in NewReno.cs and Cubic.cs.
public sealed partial class TcpEndpoint
{
    /// <summary>RFC 5681 §3.2 / RFC 6675 §5: duplicate ACKs before a segment is declared lost.</summary>
    private const int DupThresh = 3;

    /// <summary>The probe timeout is at least this long (RFC 8985 §7.2 bounds the PTO from below too).</summary>
    private static readonly Duration MinProbeDelay = Duration.FromMilliseconds(10);

    /// <summary>RFC 3042 §2: each of the first two duplicate ACKs lets one new segment out beyond cwnd.</summary>
    private const int LimitedTransmitSegments = 2;

    /// <summary>
    /// Whether an ACK that does not advance SND.UNA counts as a duplicate: RFC 5681 §2 (no data, no SYN or
    /// FIN, the same window, data outstanding) or, with SACK, RFC 6675 §2 (it SACKs bytes not SACKed before,
    /// whatever else it carries, so ACKs riding on the peer's own data count too).
    /// </summary>
    private static bool IsDuplicateAck(in TcpConnection c, in Segment seg, uint window, bool newlySacked)
    {
        if (seg.Ack != c.SndUna || c.SndMax == c.SndUna) return false;
        // RFC 9293 §3.8.6.1: while the window is shut, the same ACK answers each of our probes; that is no sign of loss.
        if (c.Has(ConnectionFlags.Persisting)) return false;
        if (newlySacked) return true;
        return seg.Payload.Length == 0 && !seg.Has(TcpFlags.Syn | TcpFlags.Fin) && window == c.SndWnd;
    }

    private void OnDuplicateAck(int slot, ref TcpConnection c, Instant now)
    {
        _counters.DuplicateAcks++;
        if (c.DuplicateAcks < byte.MaxValue) c.DuplicateAcks++;
        if (c.Has(ConnectionFlags.InRecovery))
        {
            // Each further duplicate ACK means a segment left the network: NewReno inflates the window by one
            // segment (RFC 6582 §3.2 step 3), SACK recovery sees a smaller pipe (RFC 6675 §5 step (C)).
            MarkReady(slot);
            return;
        }
        bool lost = c.DuplicateAcks >= DupThresh
            || (c.Has(ConnectionFlags.Sack) && c.Scoreboard.IsLost(c.SndUna, c.SendMss));
        if (lost)
        {
            // RFC 6582 §3.2 step 1 and RFC 6675 §5.1: no new recovery phase, no second cut of the window, until the
            // cumulative ACK passes what was outstanding at a timeout. Without SACK the go-back-N resend covers it.
            // With SACK the scoreboard shows which resends were lost again (RFC 6675 §5.1 keeps using it after a
            // timeout): those are repaired at once, under the window the timeout already set, instead of waiting
            // for another timeout each.
            bool afterTimeout = c.Has(ConnectionFlags.AfterTimeout) && c.SndUna <= c.Recover;
            if (!afterTimeout || c.Has(ConnectionFlags.Sack))
            {
                EnterRecovery(slot, ref c, now, cutWindow: !afterTimeout);
                return;
            }
        }
        // RFC 3042: the first duplicate ACKs each let one new segment go (see CongestionRoom).
        if (c.UnsentBytes > 0) MarkReady(slot);
    }

    private void EnterRecovery(int slot, ref TcpConnection c, Instant now, bool cutWindow)
    {
        _counters.FastRetransmits++;
        c.Recover = c.SndMax;
        c.HighRxt = c.SndUna;
        if (cutWindow) c.Congestion.OnEnterRecovery(c.FlightSize, c.SendMss, now);
        else c.Set(ConnectionFlags.RepairAfterTimeout);
        c.Set(ConnectionFlags.InRecovery | ConnectionFlags.RetransmitHead);
        c.Clear(ConnectionFlags.Timing); // Karn: nothing retransmitted may be timed
        MarkReady(slot);
    }

    /// <summary>
    /// An ACK of new data during recovery: a full ACK (past the recovery point) ends it (RFC 6582 §3.2 step 3,
    /// RFC 6675 §5 step (A)); a partial one retransmits the next hole at once (RFC 6582 §3.2 step 3 partial,
    /// RFC 6675 keeps sending by NextSeg).
    /// </summary>
    private void OnRecoveryAck(int slot, ref TcpConnection c, int acked, Instant now)
    {
        // A repair after a timeout keeps the slow start the timeout began (see RepairAfterTimeout).
        bool repair = c.Has(ConnectionFlags.RepairAfterTimeout);
        if (repair) c.Congestion.OnAck(acked, c.SendMss, now, c.Rtt.SmoothedRtt);
        if (c.SndUna >= c.Recover)
        {
            c.Clear(ConnectionFlags.InRecovery | ConnectionFlags.RetransmitHead | ConnectionFlags.RepairAfterTimeout | ConnectionFlags.RescueSent);
            if (!repair) c.Congestion.OnExitRecovery();
            c.Scoreboard.Reset();
            return;
        }
        if (!c.Has(ConnectionFlags.Sack)) c.Set(ConnectionFlags.RetransmitHead);
        if (c.HighRxt < c.SndUna) c.HighRxt = c.SndUna;
        MarkReady(slot);
    }

    /// <summary>
    /// How many more bytes the congestion state lets out: in SACK recovery the room under cwnd left by the
    /// pipe estimate (RFC 6675 §4 SetPipe); in NewReno recovery cwnd inflated by one segment per duplicate ACK
    /// (RFC 6582 §3.2); otherwise cwnd, plus up to two segments for the first duplicate ACKs (RFC 3042).
    /// </summary>
    private static long CongestionRoom(in TcpConnection c)
    {
        if (c.Has(ConnectionFlags.InRecovery))
        {
            if (c.Has(ConnectionFlags.Sack))
                return c.Congestion.Window - c.Scoreboard.Pipe(c.SndUna, c.SndMax, c.HighRxt, c.SendMss);
            return (long)c.Congestion.Window + c.DuplicateAcks * c.SendMss - c.FlightSize;
        }
        int limitedTransmit = Math.Min((int)c.DuplicateAcks, LimitedTransmitSegments) * c.SendMss;
        return (long)c.Congestion.Window + limitedTransmit - c.FlightSize;
    }

    /// <summary>
    /// The retransmission recovery sends next, if any: the head on entry and after a partial ACK; with SACK,
    /// RFC 6675 §4 NextSeg() while cwnd − pipe leaves a segment's room (§5 step (C)): a hole deemed lost
    /// (rule 1), else new data when <paramref name="newDataReady"/> (rule 2, left to the caller), else an
    /// unSACKed hole (rule 3), else the one rescue retransmission (rule 4).
    /// </summary>
    private static bool TryRecoveryRetransmit(ref TcpConnection c, int maxData, bool newDataReady, out TcpSeqNumber start, out int length)
    {
        start = c.SndUna;
        length = 0;
        if (c.Has(ConnectionFlags.RetransmitHead))
        {
            c.Clear(ConnectionFlags.RetransmitHead);
            length = Math.Min(maxData, c.SndMax - c.SndUna);
            return length > 0;
        }
        if (!c.Has(ConnectionFlags.Sack) || CongestionRoom(c) < c.SendMss) return false;
        var rule = c.Scoreboard.NextSegment(c.SndUna, c.SndMax, c.HighRxt, c.SendMss, newDataReady,
            rescueAllowed: !c.Has(ConnectionFlags.RescueSent), out start, out length);
        if (rule is NextSegmentRule.None or NextSegmentRule.NewData) return false;
        if (rule == NextSegmentRule.Rescue) c.Set(ConnectionFlags.RescueSent);
        length = Math.Min(length, maxData);
        return length > 0;
    }

    /// <summary>
    /// After a timeout SND.NXT went back to SND.UNA (go-back-N); with SACK the resend steps over what the
    /// receiver reported holding (RFC 6675 §5.1) and stops short of the next SACKed range.
    /// </summary>
    private static int SkipSackedOnResend(ref TcpConnection c, int maxData)
    {
        if (!c.Has(ConnectionFlags.Sack) || c.SndNxt >= c.SndMax || c.Scoreboard.RangeCount == 0) return maxData;
        c.SndNxt = c.Scoreboard.SkipSacked(c.SndNxt, c.SndMax, out int run);
        return c.SndNxt + run < c.SndMax ? Math.Min(maxData, run) : maxData;
    }

    /// <summary>
    /// The retransmission timer runs early, at the probe timeout max(2·SRTT, 10 ms) (RFC 8985 §7.2), for two
    /// losses SACK alone cannot see: outside recovery after new data or an ACK, a tail loss (the last segments of
    /// a flight lost, too few behind them for duplicate ACKs); in SACK recovery after a retransmission, a lost
    /// retransmission (when the send ring is all in flight nothing new is sent behind it). Either way only the
    /// RTO would repair them otherwise: at least 200 ms, then slow start from one segment.
    /// </summary>
    private static void ArmProbe(ref TcpConnection c, Instant now)
    {
        if (!c.Has(ConnectionFlags.Sack) || c.Has(ConnectionFlags.ProbeSpent) || !c.Rtt.HasSample || c.SndUna == c.SndMax) return;
        // A FIN in flight, a zero window being probed, or the go-back-N after a timeout: the RTO's business.
        if (c.Has(ConnectionFlags.FinSent) || c.Has(ConnectionFlags.Persisting) || (!c.Has(ConnectionFlags.InRecovery) && c.SndNxt != c.SndMax)) return;
        var at = now + Duration.Max(Duration.FromMicroseconds(2 * c.Rtt.SmoothedRtt.Microseconds), MinProbeDelay);
        if (c.RetransmitAt.IsSet && at >= c.RetransmitAt.Near(now)) return;
        c.RetransmitAt = WrappingMicroseconds.From(at);
        c.Set(ConnectionFlags.ProbeArmed);
    }

    /// <summary>
    /// The probe timeout ran out with SND.UNA where it was. In recovery the retransmissions in flight are taken as
    /// lost and every hole is eligible again (HighRxt back to SND.UNA), within the window recovery set; outside,
    /// one tail loss probe goes (<see cref="TryTailLossProbe"/>), whose SACK starts recovery if data was lost.
    /// The RTO runs on from now; once per advance of SND.UNA, so a dead peer still meets the RTO, its backoff and R2.
    /// </summary>
    private void OnProbeTimeout(int slot, ref TcpConnection c, Instant now)
    {
        c.Clear(ConnectionFlags.ProbeArmed);
        c.Set(ConnectionFlags.ProbeSpent);
        if (c.Has(ConnectionFlags.InRecovery))
        {
            _counters.RecoveryProbes++;
            c.HighRxt = c.SndUna;
        }
        else
        {
            _counters.TailLossProbes++;
            c.Set(ConnectionFlags.TailProbeDue);
        }
        c.RetransmitAt = WrappingMicroseconds.From(now + c.Rtt.Rto(Settings));
        MarkReady(slot);
    }

    /// <summary>
    /// RFC 8985 §7.3: the tail loss probe is new data if there is some and the peer's window takes it (beyond cwnd:
    /// it replaces a segment presumed lost), else the last segment sent, again. When that ended with our FIN, the
    /// probe is the last data and the FIN: the FIN's sequence number is never sent as a byte of data.
    /// </summary>
    private static bool TryTailLossProbe(ref TcpConnection c, int maxData, out TcpSeqNumber seq, out int length)
    {
        c.Clear(ConnectionFlags.TailProbeDue);
        long sendRoom = (long)c.SndWnd - c.FlightSize;
        if (c.UnsentBytes > 0 && sendRoom > 0)
        {
            seq = c.SndNxt;
            length = (int)Math.Min(Math.Min(c.UnsentBytes, maxData), sendRoom);
            return true;
        }
        length = Math.Min(maxData, c.SndMax - c.SndUna);
        seq = c.SndMax - length;
        length = Math.Min(length, Math.Max(0, c.Send.Length - c.DataOffset(seq)));
        return length > 0 || (c.FinOwed && seq == c.FinSequence);
    }
}
