using System;
using System.Runtime.InteropServices;

namespace Ethox.Layer.Tcp;

/// <summary>
/// CUBIC's state and rules (RFC 9438), in bytes: the window follows W_cubic(t) = C·(t − K)³ + W_max from
/// the start of each congestion-avoidance epoch, never below the Reno-friendly estimate W_est, and drops
/// by β_cubic = 0.7 on loss with fast convergence. Held inside <see cref="CongestionControl"/>, which
/// calls it only in congestion avoidance (slow start is RFC 5681's, §4.10). 20 bytes, packed to 4 so that
/// the double does not align the whole congestion state to 8.
/// </summary>
/// <remarks>
/// The curve needs only t − K, so the epoch keeps one instant, the curve's origin (epoch start + K, when
/// W_cubic reaches W_max), in 32 bits: microseconds modulo 2^32, compared by their signed difference, exact
/// while the origin lies less than 2^31 µs (35.8 minutes) away. An epoch runs from the first ACK of a
/// congestion-avoidance stage to the next loss, timeout, idle restart or MSS change. One that outruns the
/// 32-bit clock reads as younger than it is: from 35.8 to 48 minutes further back than any K can be, which
/// <see cref="OnAck"/> takes as the sign to start a new epoch at the cwnd of that moment; past 48 minutes as a
/// t − K before the origin, where the curve adds nothing and W_est alone grows cwnd until the reading comes
/// right again. By then the curve has long taken cwnd to what the path or the application allows.
/// </remarks>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct Cubic
{
    /// <summary>C of RFC 9438 §4.1/§5.1, in segments per second³.</summary>
    public const double C = 0.4;

    /// <summary>β_cubic of RFC 9438 §4.6: the window after a loss is 0.7 of the flight.</summary>
    public const double Beta = 0.7;

    /// <summary>α_cubic of RFC 9438 §4.3 until W_est reaches cwnd_prior: 3(1 − β)/(1 + β), Reno's average rate with β = 0.7.</summary>
    public const double RenoFriendlyAlpha = 3 * (1 - Beta) / (1 + Beta);

    /// <summary>The fast-convergence factor of RFC 9438 §4.7: (1 + β)/2.</summary>
    public const double FastConvergenceFactor = (1 + Beta) / 2;

    /// <summary>
    /// The largest K any epoch can have, in µs: ∛((W_max − cwnd_epoch)/(C·SMSS)) with W_max at most the largest
    /// window and SMSS at least one byte, about 23 minutes. An origin further back than that can only be a
    /// wrapped one.
    /// </summary>
    private static readonly long LongestK = (long)Math.Ceiling(Math.Cbrt(CongestionControl.MaxWindow / C) * 1e6);

    // W_est is defined only within an epoch (it starts at cwnd_epoch, §4.3): a negative one marks "no epoch".
    private const double NoEpoch = -1;

    private double _wEst;      // bytes: the Reno-friendly estimate (§4.3), or NoEpoch
    private uint _origin;      // µs modulo 2^32: when the curve reaches W_max, the epoch's start + K (§4.2 figure 2)
    private int _wMax;         // bytes: 0 while undefined (before the first loss, after an RTO)
    private int _cwndPrior;    // bytes: cwnd before the last reduction (§4.6)

    /// <summary>A state with no W_max and no epoch.</summary>
    public static Cubic Create() => new() { _wEst = NoEpoch };

    /// <summary>W_max in bytes; 0 while undefined.</summary>
    public readonly int MaxWindowBeforeReduction => _wMax;

    /// <summary>cwnd_prior in bytes.</summary>
    public readonly int WindowBeforeReduction => _cwndPrior;

    /// <summary>The time from <paramref name="instant"/> to the curve's origin; from the epoch's start, that is K.</summary>
    public readonly Duration OriginAfter(Instant instant) => new(unchecked((int)(_origin - (uint)instant.Microseconds)));

    /// <summary>W_est in bytes.</summary>
    public readonly double RenoEstimate => _wEst;

    /// <summary>True between the first ACK of a congestion-avoidance stage and the next event that ends it.</summary>
    public readonly bool HasEpoch => _wEst >= 0;

    /// <summary>ssthresh after a loss: max(FlightSize·β_cubic, 2·SMSS) (RFC 9438 §4.6).</summary>
    public static int SlowStartThresholdAfterLoss(int flightSize, int mss) => Math.Max((int)(flightSize * Beta), 2 * mss);

    /// <summary>
    /// A congestion event from duplicate ACKs or SACK (RFC 9438 §4.6) with <paramref name="cwnd"/> the window
    /// before its reduction: W_max remembers it, reduced further when it is below the previous W_max
    /// (fast convergence, §4.7: another flow is taking bandwidth), and the epoch ends.
    /// </summary>
    public void OnCongestionEvent(int cwnd)
    {
        _wMax = cwnd < _wMax ? (int)(cwnd * FastConvergenceFactor) : cwnd;
        _cwndPrior = cwnd;
        EndEpoch();
    }

    /// <summary>
    /// A retransmission timeout (RFC 9438 §4.8): W_max becomes undefined, so the first congestion-avoidance
    /// stage after it starts its curve at its own cwnd with K = 0.
    /// </summary>
    public void OnTimeout()
    {
        _wMax = 0;
        EndEpoch();
    }

    /// <summary>
    /// Ends the epoch: the next ACK in congestion avoidance starts one from the cwnd of that moment. Used
    /// on every cwnd change not made by the curve itself (loss, restart after idle, MSS change), and so
    /// that time spent application-limited or idle is not counted in t (RFC 9438 §5.8).
    /// </summary>
    public void EndEpoch() => _wEst = NoEpoch;

    /// <summary>
    /// An ACK of <paramref name="bytesAcked"/> new bytes in congestion avoidance (RFC 9438 §4.2–§4.5):
    /// cwnd moves to W_est in the Reno-friendly region, else towards target = W_cubic(t + RTT) bounded to
    /// [cwnd, 1.5·cwnd], by (target − cwnd)/cwnd SMSS per SMSS acknowledged. Growth toward the curve comes
    /// in whole segments: <paramref name="ackedBytes"/> carries the acknowledged bytes between ACKs.
    /// </summary>
    public void OnAck(ref int cwnd, ref int ackedBytes, int bytesAcked, int mss, Instant now, Duration smoothedRtt)
    {
        if (!HasEpoch || SinceOrigin(now) < -LongestK) StartEpoch(cwnd, mss, now);

        double segment = mss;
        double sinceOrigin = SinceOrigin(now) / 1e6; // t − K
        double rtt = Math.Max(smoothedRtt.Microseconds, 0) / 1e6;

        // §4.3: W_est grows by α_cubic segments per window acknowledged; α_cubic becomes 1 once W_est has
        // reached the window held before the last reduction.
        double alpha = _wEst >= _cwndPrior ? 1 : RenoFriendlyAlpha;
        _wEst += alpha * segment * bytesAcked / cwnd;
        if (WindowAt(sinceOrigin, segment) < _wEst)
        {
            // Reno-friendly region: cwnd = W_est. The curve may already have taken cwnd past W_est (it
            // aims one RTT ahead); an ACK never shrinks the window.
            cwnd = (int)Math.Min(Math.Max(_wEst, cwnd), CongestionControl.MaxWindow);
            return;
        }

        // §4.2: target = W_cubic(t + RTT), at least cwnd and at most 1.5·cwnd (§4.4/§4.5 growth bound).
        double target = Math.Clamp(WindowAt(sinceOrigin + rtt, segment), cwnd, 1.5 * cwnd);
        if (target <= cwnd) return;
        // cwnd += (target − cwnd)/cwnd per SMSS acknowledged, i.e. one SMSS per cwnd·SMSS/(target − cwnd)
        // bytes acknowledged (at least 2·SMSS since target ≤ 1.5·cwnd).
        long bytesPerSegment = (long)Math.Ceiling(cwnd * segment / (target - cwnd));
        long acked = (long)ackedBytes + bytesAcked;
        long segments = acked / bytesPerSegment;
        ackedBytes = (int)Math.Min(acked - segments * bytesPerSegment, int.MaxValue);
        cwnd = (int)Math.Min(cwnd + segments * mss, CongestionControl.MaxWindow);
    }

    /// <summary>W_cubic(t) in bytes (RFC 9438 §4.2 figure 1), from <paramref name="sinceOrigin"/> = t − K in seconds.</summary>
    private readonly double WindowAt(double sinceOrigin, double segment)
        => C * segment * sinceOrigin * sinceOrigin * sinceOrigin + _wMax;

    /// <summary>
    /// t − K in µs: the signed 32-bit distance from the origin, never below −K while the epoch is younger than
    /// 35.8 minutes (see the remarks for an older one).
    /// </summary>
    private readonly long SinceOrigin(Instant now) => unchecked((int)((uint)now.Microseconds - _origin));

    /// <summary>
    /// The first ACK of a congestion-avoidance stage (RFC 9438 §4.2): t counts from now, and
    /// K = ∛((W_max − cwnd_epoch)/C). Without a W_max above cwnd_epoch (no loss yet, after an RTO, or cwnd
    /// already past it after slow start) the curve starts at cwnd_epoch with K = 0 and W_max = cwnd_prior =
    /// cwnd_epoch (§4.8, §4.10). W_est starts at cwnd_epoch (§4.3).
    /// </summary>
    private void StartEpoch(int cwnd, int mss, Instant now)
    {
        _wEst = cwnd;
        int k = 0;
        if (_wMax <= cwnd)
        {
            _wMax = cwnd;
            _cwndPrior = cwnd;
        }
        else
        {
            k = (int)Math.Min(Math.Cbrt((_wMax - cwnd) / (C * mss)) * 1e6, int.MaxValue);
        }
        _origin = unchecked((uint)now.Microseconds + (uint)k);
    }
}
