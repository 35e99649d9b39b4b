using Ethox.Wire;

namespace Ethox.Layer.Tcp;

// RFC 7323 timestamps: our clock, PAWS (§5), TS.Recent (§4.3) and RTT measurement (§4.2).
public sealed partial class TcpEndpoint
{
    /// <summary>
    /// RFC 7323 §5.5: a TS.Recent idle this long (24 days, less than half the 1 ms clock's wrap) is no longer trusted.
    /// Ages are whole hours, so it is dropped between 24 days and 24 days and two hours, still short of the 24.8 days
    /// after which a 1 ms clock could have wrapped.
    /// </summary>
    private const ushort TsRecentLifetimeHours = 24 * 24;

    /// <summary>Our timestamp clock for <paramref name="tuple"/>: milliseconds since the epoch plus a per-connection offset (RFC 7323 §5.4), so the value reveals no uptime and differs per four-tuple.</summary>
    internal uint TsClock(in FourTuple tuple, Instant now) => Milliseconds(now) + TsOffsetFor(tuple);

    private uint TsOffsetFor(in FourTuple tuple) => _isn.TimestampOffset(tuple);

    private uint TsValue(in TcpConnection c, Instant now) => Milliseconds(now) + c.TsOffset;

    private uint Milliseconds(Instant now) => unchecked((uint)((now - Epoch).Microseconds / 1000));

    private ushort AgeHours(Instant now) => unchecked((ushort)((now - Epoch).Microseconds / 3_600_000_000));

    /// <summary>
    /// RFC 7323 §5.3 R1: a segment whose TSval is older than TS.Recent is an old duplicate (a wrapped sequence
    /// number could make it look acceptable) and is dropped. A RST is not checked (§5.3 note, RFC 7323 Appendix),
    /// and a TS.Recent idle for 24 days is refreshed instead (§5.5).
    /// </summary>
    private bool PawsRejects(ref TcpConnection c, in Segment seg, Instant now)
    {
        if (!c.Has(ConnectionFlags.Timestamps) || seg.Has(TcpFlags.Rst) || seg.Timestamps is not { } ts) return false;
        if (unchecked((int)(ts.Value - c.TsRecent)) >= 0) return false;
        if ((ushort)(AgeHours(now) - c.TsRecentAge) > TsRecentLifetimeHours)
        {
            c.TsRecent = ts.Value;
            c.TsRecentAge = AgeHours(now);
            return false;
        }
        return true;
    }

    /// <summary>RFC 7323 §4.3: TS.Recent follows SEG.TSval when the segment covers Last.ACK.sent, so the timestamp echoed is that of the oldest segment not yet acknowledged.</summary>
    private void UpdateTsRecent(ref TcpConnection c, in Segment seg, Instant now)
    {
        if (!c.Has(ConnectionFlags.Timestamps) || seg.Timestamps is not { } ts) return;
        if (unchecked((int)(ts.Value - c.TsRecent)) >= 0 && seg.Seq <= c.LastAckSent)
        {
            c.TsRecent = ts.Value;
            c.TsRecentAge = AgeHours(now);
        }
    }

    /// <summary>
    /// An RTT sample from an ACK of new data (RFC 7323 §4.2, RFC 6298 §3): from the echoed timestamp when there
    /// is one, else from the one timed segment when Karn's rule allows. An echo older than our last
    /// retransmission gives no sample: the receiver echoes TS.Recent, which a duplicate or a hole-filling
    /// retransmission does not update (RFC 7323 §4.3), so the ACK of a spurious retransmission would measure
    /// the whole timeout (RFC 7323 §4.2's conservative estimate) and every such sample would stretch the RTO.
    /// </summary>
    private bool TryTakeRttSample(ref TcpConnection c, in Segment seg, Instant now, out Duration rtt)
    {
        rtt = default;
        if (c.Has(ConnectionFlags.Timestamps) && seg.Timestamps is { EchoReply: not 0 } ts)
        {
            if (c.Has(ConnectionFlags.EchoFloor))
            {
                if (unchecked((int)(ts.EchoReply - c.TsRetransmitted)) < 0) return false;
                c.Clear(ConnectionFlags.EchoFloor);
            }
            int ms = unchecked((int)(TsValue(c, now) - ts.EchoReply));
            if (ms < 0) return false;
            rtt = Duration.FromMilliseconds(ms);
            return true;
        }
        if (!c.Has(ConnectionFlags.Timing) || seg.Ack <= c.RttSeq) return false;
        c.Clear(ConnectionFlags.Timing);
        rtt = c.RttStart.ElapsedAt(now);
        return true;
    }
}
