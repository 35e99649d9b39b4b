using System;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

// Loss recovery driven by ACKs: fast retransmit on the third duplicate ACK (RFC 5681 §3.2), SACK-based
// recovery (RFC 6675) when both ends speak SACK, NewReno's partial ACKs (RFC 6582) when they do not.
// The retransmission timeout is in Timers.cs; what the congestion window does lives in NewReno.cs and Cubic.cs.
public sealed partial class TcpEndpoint
{
    /// <summary>RFC 5681 §3.2 / RFC 6675 §5: duplicate ACKs before a segment is declared lost.</summary>
    private const int DupThresh = 3;

    private void OnDuplicateAck(int slot, ref TcpConnection c, Instant now)
    {
        if (c.Has(ConnectionFlags.InRecovery))
        {
            // Each further duplicate ACK means a segment left the network: NewReno inflates the window by one
            // segment (RFC 6582 §3.2 step 3), SACK recovery sees a smaller pipe (RFC 6675 §5 step (C)).
            MarkReady(slot);
            return;
        }
        bool lost = c.DuplicateAcks >= DupThresh
            || (c.Has(ConnectionFlags.Sack) && c.Scoreboard.IsLost(c.SndUna, c.SendMss));
        // RFC 6582 §3.2 step 1: no new recovery for duplicate ACKs of data sent before the last one ended (after a timeout).
        if (!lost || (c.SndUna <= c.Recover && c.Recover != c.Iss)) return;
        EnterRecovery(slot, ref c, now);
    }

    private void EnterRecovery(int slot, ref TcpConnection c, Instant now)
    {
        _counters.FastRetransmits++;
        c.Recover = c.SndMax;
        c.HighRxt = c.SndUna;
        c.Congestion.OnEnterRecovery(c.FlightSize, now);
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
        if (c.SndUna >= c.Recover)
        {
            c.Clear(ConnectionFlags.InRecovery | ConnectionFlags.RetransmitHead);
            c.Congestion.OnExitRecovery();
            c.Scoreboard.Reset();
            return;
        }
        if (!c.Has(ConnectionFlags.Sack)) c.Set(ConnectionFlags.RetransmitHead);
        if (c.HighRxt < c.SndUna) c.HighRxt = c.SndUna;
        MarkReady(slot);
    }

    /// <summary>
    /// How many bytes recovery lets us have outstanding beyond SND.UNA: with SACK, the room under cwnd left by
    /// the pipe estimate (RFC 6675 §4 SetPipe); without, cwnd inflated by one segment per duplicate ACK (RFC 6582 §3.2).
    /// </summary>
    private static int RecoveryRoom(in TcpConnection c)
    {
        if (c.Has(ConnectionFlags.Sack))
            return c.Congestion.Window - c.Scoreboard.Pipe(c.SndUna, c.SndMax, c.HighRxt, c.SendMss);
        return c.Congestion.Window + c.DuplicateAcks * c.SendMss - c.FlightSize;
    }

    /// <summary>
    /// The segment recovery sends next, when it is a retransmission: the head on entry and after a partial ACK,
    /// then with SACK the holes NextSeg finds (RFC 6675 §4 rules 1 and 3). False when the next thing to send is
    /// new data, or the window has no room.
    /// </summary>
    private static bool TryRecoveryRetransmit(ref TcpConnection c, int maxData, out TcpSeqNumber start, out int length)
    {
        start = c.SndUna;
        length = 0;
        if (c.Has(ConnectionFlags.RetransmitHead))
        {
            c.Clear(ConnectionFlags.RetransmitHead);
            length = Math.Min(maxData, c.SndMax - c.SndUna);
            return length > 0;
        }
        if (!c.Has(ConnectionFlags.Sack) || RecoveryRoom(c) < c.SendMss) return false;
        if (!c.Scoreboard.TryNextSegment(c.SndUna, c.SndMax, c.HighRxt, c.SendMss, out start, out length, out bool retransmission) || !retransmission)
            return false;
        length = Math.Min(length, maxData);
        return length > 0;
    }
}
