using System;

namespace Ethox.Layer.Tcp;

/// <summary>
/// The retransmission timer's value (RFC 6298): smoothed RTT and RTT variance from samples, and exponential
/// backoff, in integer microseconds, stored by value in each connection (8 bytes: SRTT and RTTVAR in 27 bits each, up to
/// 134 seconds, a sample beyond that counting as 134 s). The bounds of the RTO and
/// the clock granularity are the endpoint's <see cref="TcpTimerSettings"/>, given to <see cref="Rto"/> when the
/// RTO is read rather than copied into every connection; the RTO before backoff is recomputed from SRTT and
/// RTTVAR each time, which gives what storing it would. It reads no clock and allocates nothing.
/// </summary>
/// <remarks>
/// Karn's rule (RFC 6298 §3) is the caller's: give <see cref="AddSample"/> only RTTs measured on segments
/// that were not retransmitted, or RTTs from the timestamps option (RFC 7323 §4), which are unambiguous
/// even for retransmissions. The caller also owns the timer itself (start, stop and restart per
/// RFC 6298 §5.1–5.3); this type only says how long it runs.
/// </remarks>
public struct RttEstimator
{
    /// <summary>The RTO after a SYN timeout when data transmission begins without an RTT sample (RFC 6298 §5.7).</summary>
    public static Duration SynTimeoutRto => Duration.FromSeconds(3);

    /// <summary>
    /// After this many consecutive backoffs SRTT and RTTVAR are taken as bogus and the next sample starts
    /// them afresh (RFC 6298 §5, note after rule 5.7: "MAY clear SRTT and RTTVAR after backing off the
    /// timer multiple times"), so a path whose RTT grew is learnt in one sample instead of converging at
    /// 1/8 per sample through more spurious timeouts. 3 as in FreeBSD (TCP_MAXRXTSHIFT / 4).
    /// </summary>
    public const int BackoffsBeforeForgettingRtt = 3;

    // RFC 6298 §2.3 gains as shifts: alpha = 1/8, beta = 1/4; K = 4.
    private const int AlphaShift = 3, BetaShift = 2, K = 4;

    /// <summary>The longest SRTT and RTTVAR held, in µs (2^27 − 1, 134 s); longer samples count as this.</summary>
    public const int MaxMicroseconds = (1 << ValueBits) - 1;

    private const int ValueBits = 27;
    private const uint ValueMask = MaxMicroseconds;
    private const int MaxBackoffs = 31; // 31 doublings already pass any RTO bound

    // µs in the low 27 bits, kept when repeated backoffs make them bogus, as the RTO still comes from them; the high five
    // bits hold the backoffs (saturating) beside SRTT and the basis beside RTTVAR.
    private uint _srttAndBackoffs, _rttvarAndBasis;

    private readonly int Srtt => (int)(_srttAndBackoffs & ValueMask);
    private readonly int RttVar => (int)(_rttvarAndBasis & ValueMask);
    private readonly int BackoffCount => (int)(_srttAndBackoffs >> ValueBits);
    private readonly Basis Source => (Basis)(_rttvarAndBasis >> ValueBits);

    private void Set(int srtt, int rttvar, int backoffs, Basis basis)
    {
        _srttAndBackoffs = (uint)srtt | (uint)backoffs << ValueBits;
        _rttvarAndBasis = (uint)rttvar | (uint)basis << ValueBits;
    }

    /// <summary>Where the RTO before backoff comes from.</summary>
    private enum Basis : byte
    {
        /// <summary>No sample yet: the initial RTO (RFC 6298 §2.1).</summary>
        Initial,
        /// <summary>No sample, and data began after a SYN timeout: 3 s (RFC 6298 §5.7).</summary>
        AfterSynTimeout,
        /// <summary>SRTT + max(G, K·RTTVAR) from samples (RFC 6298 §2.2, §2.3).</summary>
        Measured,
        /// <summary>Still from SRTT and RTTVAR, but repeated backoffs made them bogus: the next sample starts afresh.</summary>
        Forgotten,
    }

    /// <summary>
    /// The current RTO, backoff included, within [MinRto, MaxRto] of <paramref name="settings"/> (RFC 6298 §2.1,
    /// §2.4, §2.5, §5.5). Settings out of range are brought into it rather than refused: MinRto at least 1 µs,
    /// MaxRto at least MinRto, the initial RTO within both, everything at most <see cref="int.MaxValue"/> µs
    /// (about 35 minutes).
    /// </summary>
    public readonly Duration Rto(TcpTimerSettings settings)
    {
        int min = ClampToMicroseconds(settings.MinRto, 1, int.MaxValue);
        int max = ClampToMicroseconds(settings.MaxRto, min, int.MaxValue);
        int rto = Source switch
        {
            Basis.Initial => ClampToMicroseconds(settings.InitialRto, min, max),
            Basis.AfterSynTimeout => ClampToMicroseconds(SynTimeoutRto, min, max),
            // RFC 6298 §2.2/§2.3: RTO = SRTT + max(G, K·RTTVAR), then §2.4/§2.5 bounds.
            _ => (int)Math.Clamp(Srtt + Math.Max(settings.Granularity.Microseconds, (long)K * RttVar), min, max),
        };
        // rto >= 1 µs, so 31 doublings already pass any MaxRto an int can hold: the shift cannot overflow.
        long backedOff = (long)rto << BackoffCount;
        return new(Math.Min(backedOff, max));
    }

    /// <summary>SRTT (RFC 6298 §2); zero before the first sample.</summary>
    public readonly Duration SmoothedRtt => new(Srtt);

    /// <summary>RTTVAR (RFC 6298 §2); zero before the first sample.</summary>
    public readonly Duration RttVariance => new(RttVar);

    /// <summary>True once a sample has set SRTT and RTTVAR (and until repeated backoffs make them bogus).</summary>
    public readonly bool HasSample => Source == Basis.Measured;

    /// <summary>How many times the timer has been backed off since the RTO was last computed or reset (at most 31).</summary>
    public readonly int Backoffs => BackoffCount;

    /// <summary>
    /// Takes an RTT measurement R (RFC 6298 §2.2 for the first, §2.3 after) and so recomputes the RTO, which
    /// also ends any backoff: the new RTO comes from SRTT (the note after RFC 6298 §5.7, "collapsing" RTO).
    /// A negative sample is ignored; one beyond <see cref="int.MaxValue"/> µs counts as that.
    /// </summary>
    public void AddSample(Duration rtt)
    {
        if (rtt.Microseconds < 0) return;
        int r = (int)Math.Min(rtt.Microseconds, MaxMicroseconds);
        // RFC 6298 §2.2: SRTT = R, RTTVAR = R/2.
        if (Source != Basis.Measured)
        {
            Set(r, r / 2, 0, Basis.Measured);
            return;
        }
        // RFC 6298 §2.3: RTTVAR first, from the old SRTT; then SRTT. Both stay within 27 bits: each is a weighted mean of
        // values that are.
        int srtt = Srtt, rttvar = RttVar;
        int error = Math.Abs(srtt - r);
        Set(((srtt << AlphaShift) - srtt + r) >> AlphaShift, ((rttvar << BetaShift) - rttvar + error) >> BetaShift, 0, Basis.Measured);
    }

    /// <summary>
    /// The retransmission timer expired: RTO doubles, up to MaxRto (RFC 6298 §5.5). After
    /// <see cref="BackoffsBeforeForgettingRtt"/> backoffs the next sample re-initialises SRTT and RTTVAR.
    /// </summary>
    public void BackOff()
    {
        int backoffs = Math.Min(BackoffCount + 1, MaxBackoffs);
        var basis = backoffs >= BackoffsBeforeForgettingRtt && Source == Basis.Measured ? Basis.Forgotten : Source;
        Set(Srtt, RttVar, backoffs, basis);
    }

    /// <summary>
    /// Ends the backoff: the RTO is again the one computed from SRTT. RFC 6298 (note after §5.7) lets the
    /// next RTT sample collapse a backed-off RTO, which <see cref="AddSample"/> does; without timestamps,
    /// Karn's rule may withhold that sample for a while after a retransmission, so the caller calls this
    /// when an ACK for new data arrives after the backoff: the path works again and the doubled RTO
    /// belonged to the lost segment.
    /// </summary>
    public void ResetBackoff() => _srttAndBackoffs &= ValueMask;

    /// <summary>
    /// Data transmission begins after the SYN (or our SYN-ACK) timed out at least once: with no RTT sample
    /// yet, the RTO becomes 3 s (RFC 6298 §5.7; within MinRto and MaxRto) and the backoff is cleared. With a
    /// sample (possible with timestamps, RFC 7323 §4) the measured RTO stands, as in Linux.
    /// </summary>
    public void BeginDataAfterSynTimeout()
    {
        Set(Srtt, RttVar, 0, Source != Basis.Measured ? Basis.AfterSynTimeout : Source);
    }

    private static int ClampToMicroseconds(Duration d, int min, int max) => (int)Math.Clamp(d.Microseconds, min, max);
}
