using System;

namespace Ethox.Layer.Tcp;

/// <summary>
/// Reno's window rules, in bytes: slow start and congestion avoidance of RFC 5681 §3.1 with appropriate
/// byte counting (RFC 3465), and the halving on loss (RFC 5681 §3.1 equation 4). NewReno uses all of
/// them; CUBIC uses the slow start (RFC 9438 §4.10). The recovery itself (fast retransmit, window
/// inflation and partial ACKs of RFC 6582) is the connection's; <see cref="CongestionControl"/> applies
/// these rules.
/// </summary>
internal static class NewReno
{
    /// <summary>
    /// L of RFC 3465 §2.2: an ACK in slow start grows cwnd by at most 2·SMSS, so ACKs covering two
    /// segments (delayed ACKs) still double cwnd per RTT, but a stretch ACK cannot burst.
    /// </summary>
    public const int SlowStartLimitSegments = 2;

    /// <summary>
    /// ssthresh after a loss: max(FlightSize / 2, 2·SMSS) (RFC 5681 §3.1 equation 4, also §3.2 step 2).
    /// </summary>
    public static int SlowStartThresholdAfterLoss(int flightSize, int mss) => Math.Max(flightSize / 2, 2 * mss);

    /// <summary>
    /// Slow start (RFC 5681 §3.1 equation 2 with RFC 3465 §2.2): cwnd += min(N, L), where L is
    /// <paramref name="limit"/> bytes; cwnd stops at ssthresh, where congestion avoidance takes over.
    /// </summary>
    public static int SlowStart(int cwnd, int ssthresh, int bytesAcked, int limit)
    {
        long grown = (long)cwnd + Math.Min(bytesAcked, limit);
        return (int)Math.Min(grown, Math.Max(ssthresh, cwnd));
    }

    /// <summary>
    /// Congestion avoidance by byte counting (RFC 5681 §3.1, RFC 3465 §2.1): acknowledged bytes add up in
    /// <paramref name="ackedBytes"/>; each time they reach cwnd, cwnd grows by one SMSS. That is one SMSS
    /// per RTT whatever the ACK pattern (delayed, stretch or divided ACKs).
    /// </summary>
    public static void CongestionAvoidance(ref int cwnd, ref int ackedBytes, int bytesAcked, int mss)
    {
        ackedBytes = (int)Math.Min((long)ackedBytes + bytesAcked, int.MaxValue);
        if (ackedBytes >= cwnd)
        {
            ackedBytes -= cwnd;
            cwnd += mss;
        }
    }
}
