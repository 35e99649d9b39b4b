using System;

namespace Ethox.Layer.Tcp;

/// <summary>
/// A connection's congestion window and slow-start threshold, in bytes, with the algorithm chosen per
/// connection (<see cref="CongestionAlgorithm"/>) and dispatched by a switch: no virtual call, no
/// allocation, 36 bytes stored by value in the connection. The rules live in <see cref="NewReno"/> and
/// <see cref="Cubic"/>; this type holds what they share (slow start, the loss window after a timeout,
/// the restart window) and says when each applies. SMSS is the connection's and comes with each call
/// that needs it, so the two cannot disagree.
/// </summary>
/// <remarks>
/// The connection tells it what happened: new data acknowledged (<see cref="OnAck"/>), entering and
/// leaving fast recovery, a retransmission timeout, a restart after idle. Fast recovery's window
/// inflation (RFC 6582 §3.2 steps 2, 4, 5; RFC 5681 §3.2 steps 3–5) stays with the connection, as an
/// amount it adds to <see cref="Window"/> while it recovers; with SACK (RFC 6675) there is none, the
/// pipe being counted instead.
/// </remarks>
public struct CongestionControl
{
    /// <summary>The largest window: RFC 7323 §2.3 limits a scaled window to 2^30 bytes, so more is never usable.</summary>
    public const int MaxWindow = 1 << 30;

    /// <summary>The byte-count cap of RFC 6928's initial window per segment: 14,600 bytes for 10 segments.</summary>
    private const int InitialWindowBytesPerSegment = 1460;

    private Cubic _cubic;
    private int _cwnd, _ssthresh;
    private int _ackedBytes;            // RFC 3465 bytes_acked, also CUBIC's carry toward the next segment of growth
    private CongestionAlgorithm _algorithm;
    private byte _initialSegments;
    private Phase _phase;

    [Flags]
    private enum Phase : byte
    {
        None = 0,
        // Slow start after an RTO: L = 1·SMSS (RFC 3465 §2.3), until cwnd reaches ssthresh.
        SlowStartAfterTimeout = 1,
        // No new data acknowledged since the last RTO: a further RTO keeps ssthresh (RFC 5681 §3.1).
        TimeoutUnacknowledged = 2,
    }

    /// <summary>
    /// A connection's initial state: cwnd = IW = min(n·MSS, max(2·MSS, n·1460 bytes)) with
    /// n = <paramref name="initialWindowSegments"/> (RFC 6928 §2, whose default n = 10 gives its
    /// 14,600-byte rule), ssthresh as high as possible (RFC 5681 §3.1). An MSS outside [1, 65535] and a
    /// segment count outside [1, 255] are brought into range.
    /// </summary>
    public static CongestionControl Create(CongestionAlgorithm algorithm, int mss, int initialWindowSegments = 10)
    {
        var cc = new CongestionControl
        {
            _cubic = Cubic.Create(),
            _algorithm = algorithm,
            _initialSegments = (byte)Math.Clamp(initialWindowSegments, 1, byte.MaxValue),
            _ssthresh = int.MaxValue,
        };
        cc._cwnd = cc.InitialWindow(mss);
        return cc;
    }

    /// <summary>The algorithm this connection uses.</summary>
    public readonly CongestionAlgorithm Algorithm => _algorithm;

    /// <summary>cwnd, in bytes.</summary>
    public readonly int Window => _cwnd;

    /// <summary>ssthresh, in bytes (<see cref="int.MaxValue"/> until the first loss).</summary>
    public readonly int SlowStartThreshold => _ssthresh;

    /// <summary>True while cwnd &lt; ssthresh (RFC 5681 §3.1).</summary>
    public readonly bool InSlowStart => _cwnd < _ssthresh;

    /// <summary>IW of RFC 6928 §2 for an SMSS of <paramref name="mss"/>; also the restart window's bound (RFC 5681 §4.1).</summary>
    public readonly int InitialWindow(int mss)
    {
        mss = ClampMss(mss);
        return Math.Min(_initialSegments * mss, Math.Max(2 * mss, _initialSegments * InitialWindowBytesPerSegment));
    }

    /// <summary>CUBIC's state, for tests.</summary>
    internal readonly Cubic CubicState => _cubic;

    /// <summary>
    /// <paramref name="bytesAcked"/> new bytes were cumulatively acknowledged outside recovery: slow start
    /// (RFC 5681 §3.1 with RFC 3465 §2.2) while cwnd &lt; ssthresh, else the algorithm's congestion
    /// avoidance, with segments of <paramref name="mss"/> bytes. <paramref name="now"/> and
    /// <paramref name="smoothedRtt"/> are CUBIC's t and RTT (RFC 9438 §4.2); NewReno ignores them. An
    /// application-limited connection should not call this for ACKs of a window it did not fill (RFC 9438
    /// §5.8, RFC 7661). Zero or negative counts are ignored; an MSS outside [1, 65535] is brought into range.
    /// </summary>
    public void OnAck(int bytesAcked, int mss, Instant now, Duration smoothedRtt)
    {
        if (bytesAcked <= 0) return;
        mss = ClampMss(mss);
        _phase &= ~Phase.TimeoutUnacknowledged;
        if (_cwnd < _ssthresh)
        {
            int limit = (_phase & Phase.SlowStartAfterTimeout) != 0 ? mss : NewReno.SlowStartLimitSegments * mss;
            _cwnd = Math.Min(NewReno.SlowStart(_cwnd, _ssthresh, bytesAcked, limit), MaxWindow);
            if (_cwnd >= _ssthresh) _phase &= ~Phase.SlowStartAfterTimeout;
            return;
        }
        switch (_algorithm)
        {
            case CongestionAlgorithm.Cubic:
                _cubic.OnAck(ref _cwnd, ref _ackedBytes, bytesAcked, mss, now, smoothedRtt);
                break;
            default:
                NewReno.CongestionAvoidance(ref _cwnd, ref _ackedBytes, bytesAcked, mss);
                _cwnd = Math.Min(_cwnd, MaxWindow);
                break;
        }
    }

    /// <summary>
    /// Fast retransmit starts recovery (RFC 5681 §3.2 step 2 for NewReno, RFC 9438 §4.6–4.7 for CUBIC):
    /// ssthresh = max(FlightSize/2, 2·SMSS), or FlightSize·0.7 with CUBIC, and cwnd = ssthresh. NewReno's
    /// inflation by 3·SMSS (RFC 6582 §3.2 step 2) is the caller's. <paramref name="now"/> is unused: CUBIC's
    /// next epoch starts at the first ACK after recovery (RFC 9438 §4.2).
    /// </summary>
    public void OnEnterRecovery(int flightSize, int mss, Instant now)
    {
        flightSize = Math.Max(flightSize, 0);
        mss = ClampMss(mss);
        switch (_algorithm)
        {
            case CongestionAlgorithm.Cubic:
                _cubic.OnCongestionEvent(_cwnd);
                _ssthresh = Cubic.SlowStartThresholdAfterLoss(flightSize, mss);
                break;
            default:
                _ssthresh = NewReno.SlowStartThresholdAfterLoss(flightSize, mss);
                break;
        }
        _cwnd = Math.Min(_ssthresh, MaxWindow);
        _ackedBytes = 0;
        _phase = Phase.None;
    }

    /// <summary>A full ACK ends recovery: cwnd = ssthresh (RFC 6582 §3.2 step 3, first option; RFC 5681 §3.2 step 6).</summary>
    public void OnExitRecovery()
    {
        _cwnd = Math.Min(_ssthresh, MaxWindow);
        _ackedBytes = 0;
        _phase = Phase.None;
    }

    /// <summary>
    /// The retransmission timer expired: ssthresh = max(FlightSize/2, 2·SMSS) (RFC 5681 §3.1 equation 4;
    /// FlightSize·0.7 with CUBIC, RFC 9438 §4.8), held instead when no new data was acknowledged since the
    /// previous timeout (the same segment timed out again, RFC 5681 §3.1); cwnd = LW = 1·SMSS; the slow
    /// start that follows grows by at most 1·SMSS per ACK (RFC 3465 §2.3). <paramref name="now"/> is unused.
    /// </summary>
    public void OnRetransmitTimeout(int flightSize, int mss, Instant now)
    {
        flightSize = Math.Max(flightSize, 0);
        mss = ClampMss(mss);
        if ((_phase & Phase.TimeoutUnacknowledged) == 0)
        {
            _ssthresh = _algorithm == CongestionAlgorithm.Cubic
                ? Cubic.SlowStartThresholdAfterLoss(flightSize, mss)
                : NewReno.SlowStartThresholdAfterLoss(flightSize, mss);
        }
        _cubic.OnTimeout();
        _cwnd = mss;
        _ackedBytes = 0;
        _phase = Phase.SlowStartAfterTimeout | Phase.TimeoutUnacknowledged;
    }

    /// <summary>
    /// The connection is about to send after sending nothing for longer than <paramref name="rto"/>; the
    /// caller, which knows when it last sent, makes that test. RFC 5681 §4.1: cwnd = min(cwnd, RW) with
    /// RW = min(IW, cwnd). ssthresh first rises to at least ¾ of the old cwnd, as Linux does after RFC 2861
    /// §3, so slow start brings back most of the window the path had carried. CUBIC's epoch ends: idle
    /// time is not part of t (RFC 9438 §5.8). <paramref name="now"/> and <paramref name="rto"/> are the
    /// caller's evidence and not needed here.
    /// </summary>
    public void OnIdleRestart(int mss, Instant now, Duration rto)
    {
        _cubic.EndEpoch();
        int restart = Math.Min(InitialWindow(mss), _cwnd);
        if (_cwnd <= restart) return;
        _ssthresh = Math.Max(_ssthresh, _cwnd - (_cwnd >> 2));
        _cwnd = restart;
        _ackedBytes = 0;
    }

    /// <summary>
    /// The path MTU (and so SMSS) changed to <paramref name="mss"/>. cwnd and ssthresh stay in bytes, but never
    /// below one and two new segments; CUBIC's epoch restarts because its curve is scaled by SMSS. An MSS
    /// outside [1, 65535] is brought into range.
    /// </summary>
    public void OnMssChanged(int mss)
    {
        mss = ClampMss(mss);
        _cwnd = Math.Max(_cwnd, mss);
        _ssthresh = Math.Max(_ssthresh, 2 * mss);
        _cubic.EndEpoch();
    }

    private static int ClampMss(int mss) => Math.Clamp(mss, 1, ushort.MaxValue);
}
