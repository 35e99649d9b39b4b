using System;

namespace Ethox.Layer.Tcp;

// The timers of a connection, all on one wheel entry (its earliest deadline): retransmission (RFC 6298),
// SYN retransmission, persist for a zero window (RFC 9293 §3.8.6.1), delayed ACK (RFC 1122 §4.2.3.2),
// keep-alive (RFC 1122 §4.2.3.6), TIME-WAIT (RFC 9293 §3.6.1) and an orphan's FIN-WAIT-2 timeout (Orphans.cs).
public sealed partial class TcpEndpoint
{

    /// <summary>
    /// Puts the connection on the wheel at its earliest deadline (or takes it off). The connection keeps its deadlines
    /// in 32 bits; <paramref name="now"/> tells which full instant each stands for, and the wheel keeps that one.
    /// </summary>
    private void Rearm(int slot, ref TcpConnection c, Instant now)
    {
        var at = Instant.Min(c.RetransmitAt.Near(now), Instant.Min(c.DelayedAckAt.Near(now), c.IdleAt.Near(now)));
        if (at == Instant.Never) _timers.Cancel(slot);
        else if (!_timers.IsScheduled(slot) || _timers.DeadlineOf(slot) != at) _timers.Schedule(slot, at);
    }

    /// <summary>The next connection whose timer is due, if any.</summary>
    internal bool TryTakeExpired(Instant now, out int slot) => _timers.TryTakeExpired(now, out slot);

    /// <summary>
    /// Runs the due timers of <paramref name="slot"/>; <paramref name="events"/> gets what the user must hear.
    /// True when the connection is over and the slot must be freed after the user has been told.
    /// </summary>
    internal bool OnTimers(int slot, Instant now, ref TcpEvents events)
    {
        ref var c = ref _connections[slot];
        if (c.IdleAt.IsAtOrBefore(now))
        {
            if (c.State == TcpState.TimeWait)
            {
                Release(slot, ref c);
                return false;
            }
            if (OnIdleTimer(slot, ref c, now, ref events)) return true;
        }
        if (c.DelayedAckAt.IsAtOrBefore(now))
        {
            c.DelayedAckAt = WrappingMicroseconds.None;
            c.Set(ConnectionFlags.AckNow);
            MarkReady(slot);
        }
        if (c.RetransmitAt.IsAtOrBefore(now))
        {
            if (c.Has(ConnectionFlags.Persisting))
            {
                if (OnPersistTimer(slot, ref c, now, ref events)) return true;
            }
            else if (c.Has(ConnectionFlags.ProbeArmed)) OnProbeTimeout(slot, ref c, now);
            else if (OnRetransmitTimeout(slot, ref c, now, ref events)) return true;
        }
        Rearm(slot, ref c, now);
        return false;
    }

    /// <summary>
    /// RFC 6298 §5.4-§5.7: the oldest unacknowledged segment goes again, the timer backs off, the congestion
    /// window falls to the loss window (RFC 5681 §3.1); everything sent is resent from SND.UNA (go-back-N, with
    /// the SACK scoreboard cleared as RFC 6675 §5.1 allows). Gives up after the R2 time (RFC 1122 §4.2.3.5).
    /// </summary>
    private bool OnRetransmitTimeout(int slot, ref TcpConnection c, Instant now, ref TcpEvents events)
    {
        // R2 counts from the first retransmission of this data.
        var limit = c.IsHandshaking ? Settings.SynConnectionTimeout : Settings.ConnectionTimeout;
        if (!c.GiveUpAt.IsSet) c.GiveUpAt = WrappingMicroseconds.From(now + limit);
        if (c.GiveUpAt.IsAtOrBefore(now))
        {
            if (c.IsHandshaking) _counters.AttemptFails++;
            events |= TcpEvents.TimedOut | TcpEvents.Closed;
            return true;
        }
        c.Clear(ConnectionFlags.ProbeArmed | ConnectionFlags.TailProbeDue);
        _counters.Timeouts++;
        if (c.Retries < byte.MaxValue) c.Retries++;
        // R1 timeouts in a row: maybe it is not the path but the next hop's link address (RFC 1122 §4.2.3.5
        // asks TCP to pass such negative advice down to IP).
        if (c.Retries >= Settings.RetransmissionsBeforeNegativeAdvice) _ip.SuspectNeighbor(_table.TupleOf(slot).Remote.Address, now);
        c.Rtt.BackOff();
        if (c.IsHandshaking)
        {
            c.Set(ConnectionFlags.SynDue);
        }
        else
        {
            c.Congestion.OnRetransmitTimeout(c.FlightSize, c.SendMss, now);
            c.Recover = c.SndMax;
            c.Set(ConnectionFlags.AfterTimeout);
            c.Clear(ConnectionFlags.InRecovery | ConnectionFlags.RetransmitHead | ConnectionFlags.RepairAfterTimeout | ConnectionFlags.RescueSent);
            c.Scoreboard.Reset();
            c.SndNxt = c.SndUna;
            c.DuplicateAcks = 0;
        }
        c.Clear(ConnectionFlags.Timing);
        c.RetransmitAt = WrappingMicroseconds.From(now + c.Rtt.Rto(Settings));
        MarkReady(slot);
        return false;
    }

    /// <summary>
    /// RFC 9293 §3.8.6.1: probe a zero window, backing off like the retransmission timer, for as long as the peer
    /// answers (RFC 1122 §4.2.2.17). When nothing has come back for the R2 time (as for retransmissions, RFC 1122
    /// §4.2.3.5) the connection times out. True when it is over.
    /// </summary>
    private bool OnPersistTimer(int slot, ref TcpConnection c, Instant now, ref TcpEvents events)
    {
        if (!c.GiveUpAt.IsSet) c.GiveUpAt = WrappingMicroseconds.From(now + Settings.ConnectionTimeout);
        else if (c.GiveUpAt.IsAtOrBefore(now))
        {
            events |= TcpEvents.TimedOut | TcpEvents.Closed;
            return true;
        }
        c.Set(ConnectionFlags.ProbeDue);
        // The probe byte goes again: Karn's rule (RFC 6298 §3) takes it out of RTT timing, which also keeps a window
        // shut for longer than RttStart reaches (35.8 minutes) from giving a sample.
        c.Clear(ConnectionFlags.Timing);
        c.Rtt.BackOff();
        c.RetransmitAt = WrappingMicroseconds.From(now + Duration.Clamp(c.Rtt.Rto(Settings), Settings.PersistMin, Settings.PersistMax));
        MarkReady(slot);
        return false;
    }

    /// <summary>Starts the persist timer when data waits behind a zero window and nothing is in flight to bring a window update.</summary>
    private void StartPersistIfStalled(int slot, ref TcpConnection c, Instant now)
    {
        // Also a window too small for SWS avoidance to use counts: the timer is RFC 9293 §3.8.6.2.1's override then.
        if (c.UnsentBytes == 0 || c.SndNxt != c.SndMax || c.SndUna != c.SndMax || c.Has(ConnectionFlags.Persisting)) return;
        c.Set(ConnectionFlags.Persisting);
        c.RetransmitAt = WrappingMicroseconds.From(now + Duration.Clamp(c.Rtt.Rto(Settings), Settings.PersistMin, Settings.PersistMax));
        Rearm(slot, ref c, now);
    }

    /// <summary>
    /// Keep-alive (RFC 1122 §4.2.3.6): after the idle time, probes at the interval; no answer to the last one ends the
    /// connection. For an orphan in FIN-WAIT-2 the idle timer is its time there, and its end drops it (Orphans.cs).
    /// </summary>
    private bool OnIdleTimer(int slot, ref TcpConnection c, Instant now, ref TcpEvents events)
    {
        c.IdleAt = WrappingMilliseconds.None;
        if (IsOrphanInFinWait2(slot, c))
        {
            _counters.OrphansTimedOut++;
            events |= TcpEvents.TimedOut | TcpEvents.Closed;
            return true;
        }
        if (!c.Has(ConnectionFlags.KeepAlive) || c.State is not (TcpState.Established or TcpState.CloseWait or TcpState.FinWait2)) return false;
        if (c.Retries >= Settings.KeepAliveProbes)
        {
            events |= TcpEvents.TimedOut | TcpEvents.Closed;
            return true;
        }
        c.Retries++;
        c.Set(ConnectionFlags.KeepAliveDue);
        c.IdleAt = WrappingMilliseconds.From(now + Settings.KeepAliveInterval);
        MarkReady(slot);
        return false;
    }

    /// <summary>(Re)starts the keep-alive idle time from <paramref name="lastHeard"/>, when the last segment was received.</summary>
    private void ScheduleKeepAlive(int slot, ref TcpConnection c, Instant lastHeard, Instant now)
    {
        if (c.State == TcpState.TimeWait || IsOrphanInFinWait2(slot, c)) return;
        c.IdleAt = c.Has(ConnectionFlags.KeepAlive) ? WrappingMilliseconds.From(lastHeard + Settings.KeepAliveIdle) : WrappingMilliseconds.None;
        Rearm(slot, ref c, now);
    }
}
