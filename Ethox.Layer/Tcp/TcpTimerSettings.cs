using System;

namespace Ethox.Layer.Tcp;

/// <summary>
/// The timers of TCP, shared by every connection of an endpoint (one instance, made at start-up).
/// The defaults follow the RFCs where they give a number and Linux where they leave a range; each
/// property says which and why. Values are taken as given except where an RFC sets a hard bound, or
/// where a connection's 32-bit timers set one (<see cref="LongestRetransmissionTimer"/>,
/// <see cref="LongestIdleTimer"/>), which the property enforces on <c>init</c> (and says so).
/// </summary>
public sealed record TcpTimerSettings
{
    private readonly Duration _delayedAck = Duration.FromMilliseconds(40);
    private readonly Duration _timeWait = Duration.FromSeconds(60);
    private readonly Duration _keepAliveIdle = Duration.FromSeconds(2 * 60 * 60);
    private readonly Duration _keepAliveInterval = Duration.FromSeconds(75);
    private readonly Duration _connectionTimeout = Duration.FromSeconds(100);
    private readonly Duration _synConnectionTimeout = Duration.FromSeconds(180);
    private readonly Duration _persistMin = Duration.FromMilliseconds(200);
    private readonly Duration _persistMax = Duration.FromSeconds(60);
    private readonly Duration _orphanFinWait2Timeout = Duration.FromSeconds(60);

    /// <summary>
    /// The longest retransmission-side time: 2^31 − 1 µs (35 min 47 s), which is also the RTO's cap. A connection
    /// keeps its retransmission, persist and R2 deadlines in 32 bits of microseconds, exact to the microsecond and
    /// compared within half their 71.6-minute wrap; <see cref="PersistMin"/>, <see cref="PersistMax"/>,
    /// <see cref="ConnectionTimeout"/> and <see cref="SynConnectionTimeout"/> are clamped to it on <c>init</c>.
    /// </summary>
    public static Duration LongestRetransmissionTimer => new(int.MaxValue);

    /// <summary>
    /// The longest idle-side time: 24 days. A connection keeps its keep-alive and TIME-WAIT deadline in 32 bits of
    /// milliseconds, compared within half their 49.7-day wrap; <see cref="OrphanFinWait2Timeout"/>, <see cref="KeepAliveIdle"/>,
    /// <see cref="KeepAliveInterval"/> and <see cref="TimeWait"/> are clamped to it on <c>init</c>.
    /// </summary>
    public static Duration LongestIdleTimer => Duration.FromSeconds(24 * 24 * 60 * 60);

    /// <summary>The defaults below.</summary>
    public static TcpTimerSettings Default { get; } = new();

    /// <summary>
    /// The RTO before any RTT sample: 1 s (RFC 6298 §2.1).
    /// </summary>
    public Duration InitialRto { get; init; } = Duration.FromSeconds(1);

    /// <summary>
    /// The lower bound of the RTO: 200 ms, as Linux (TCP_RTO_MIN) and Windows use. RFC 6298 §2.4 asks for
    /// 1 s, a guard against spurious timeouts with coarse clocks and slow delayed ACKs. Here the clock is
    /// in microseconds and the RTTVAR term keeps the RTO above the RTT's spread, while a 1 s floor on a
    /// LAN or in memory (RTTs of microseconds) would stall every tail loss for a second; 200 ms still
    /// covers the delayed-ACK timer of Linux and Windows peers (at most 200 ms). Set 1 s for the letter
    /// of the RFC.
    /// </summary>
    public Duration MinRto { get; init; } = Duration.FromMilliseconds(200);

    /// <summary>
    /// The upper bound of the RTO, backoff included: 60 s, the smallest RFC 6298 §2.5 allows. Linux uses
    /// 120 s; the lower cap re-probes a healed path twice as often, and with the default
    /// <see cref="ConnectionTimeout"/> (100 s) a connection gives up before either cap matters unless
    /// its RTT is long.
    /// </summary>
    public Duration MaxRto { get; init; } = Duration.FromSeconds(60);

    /// <summary>
    /// The clock granularity G of RFC 6298 §2.2/§2.3 (RTO = SRTT + max(G, 4·RTTVAR)): 1 ms, the tick of
    /// the timer wheel that fires the RTO, which is the real resolution of the timer even though
    /// <see cref="Instant"/> counts microseconds.
    /// </summary>
    public Duration Granularity { get; init; } = Duration.FromMilliseconds(1);

    /// <summary>
    /// The longest an ACK may be delayed: 40 ms, Linux's delayed-ACK minimum. RFC 1122 §4.2.3.2 requires
    /// less than 500 ms and the issue at most 200 ms; a short delay bounds the stall when Nagle on one
    /// side meets a delayed ACK on the other (a request/response exchange waits for this timer), while
    /// ACKing every second full-sized segment (RFC 1122 §4.2.3.2) keeps the ACK rate of bulk transfers
    /// halved. Values above 200 ms are clamped to 200 ms, negative values to zero.
    /// </summary>
    public Duration DelayedAck
    {
        get => _delayedAck;
        init => _delayedAck = new(Math.Clamp(value.Microseconds, 0, MaxDelayedAck.Microseconds));
    }

    /// <summary>The upper bound of <see cref="DelayedAck"/>: 200 ms.</summary>
    public static Duration MaxDelayedAck => Duration.FromMilliseconds(200);

    /// <summary>
    /// TIME-WAIT, 2·MSL: 60 s (MSL = 30 s as Linux). RFC 9293 §3.4.2 takes MSL = 2 min (4 min of TIME-WAIT);
    /// no IP datagram lives that long on today's networks, timestamps (RFC 7323 PAWS, RFC 6191 reuse)
    /// protect against old duplicates, and every minute of TIME-WAIT holds a slot of the fixed table.
    /// Clamped to [0, <see cref="LongestIdleTimer"/>].
    /// </summary>
    public Duration TimeWait { get => _timeWait; init => _timeWait = Limit(value, LongestIdleTimer); }

    /// <summary>
    /// Idle time before the first keep-alive probe: 2 hours, the least RFC 1122 §4.2.3.6 allows as a default.
    /// Clamped to [0, <see cref="LongestIdleTimer"/>].
    /// </summary>
    public Duration KeepAliveIdle { get => _keepAliveIdle; init => _keepAliveIdle = Limit(value, LongestIdleTimer); }

    /// <summary>Time between unanswered keep-alive probes: 75 s (the BSD and Linux value). Clamped to [0, <see cref="LongestIdleTimer"/>].</summary>
    public Duration KeepAliveInterval { get => _keepAliveInterval; init => _keepAliveInterval = Limit(value, LongestIdleTimer); }

    /// <summary>
    /// How long an orphan (<see cref="TcpEndpoint.Orphan"/>: closed and let go of by its user) waits in FIN-WAIT-2 for the
    /// peer's FIN before it is dropped: 60 s, Linux's <c>tcp_fin_timeout</c>. RFC 9293 sets no limit; without one a peer
    /// that never closes holds the slot and the rings for ever. Clamped to [0, <see cref="LongestIdleTimer"/>].
    /// </summary>
    public Duration OrphanFinWait2Timeout { get => _orphanFinWait2Timeout; init => _orphanFinWait2Timeout = Limit(value, LongestIdleTimer); }

    /// <summary>Unanswered keep-alive probes before the connection is dropped: 9 (BSD and Linux).</summary>
    public int KeepAliveProbes { get; init; } = 9;

    /// <summary>
    /// R1 of RFC 1122 §4.2.3.5: after this many retransmissions of one segment, TCP tells IP that the path
    /// may be broken (negative advice, e.g. to re-confirm the neighbour): 3, the least it allows.
    /// </summary>
    public int RetransmissionsBeforeNegativeAdvice { get; init; } = 3;

    /// <summary>
    /// R2 of RFC 1122 §4.2.3.5 for a synchronized connection: the time retransmissions of one segment go
    /// on before the connection is closed as timed out: 100 s, the least it allows. Linux's 15
    /// retransmissions last about 15 minutes; a dead peer here holds one slot of a fixed table, so it is
    /// freed at the earliest moment the RFC permits. Clamped to [0, <see cref="LongestRetransmissionTimer"/>].
    /// </summary>
    public Duration ConnectionTimeout { get => _connectionTimeout; init => _connectionTimeout = Limit(value, LongestRetransmissionTimer); }

    /// <summary>
    /// R2 for a SYN (RFC 1122 §4.2.3.5: "at least 3 minutes"): 180 s. Linux's 6 SYN retries give up after
    /// about 127 s, below the RFC's floor; an application that wants to give up sooner aborts the attempt
    /// itself, as the RFC allows. Clamped to [0, <see cref="LongestRetransmissionTimer"/>].
    /// </summary>
    public Duration SynConnectionTimeout { get => _synConnectionTimeout; init => _synConnectionTimeout = Limit(value, LongestRetransmissionTimer); }

    /// <summary>
    /// The shortest interval between zero-window probes: 200 ms (the same floor as <see cref="MinRto"/>).
    /// RFC 1122 §4.2.2.17 starts probing after one RTO and backs off exponentially; BSD's 5 s floor would
    /// leave a reopened window unused for seconds if the window update was lost.
    /// Clamped to [0, <see cref="LongestRetransmissionTimer"/>].
    /// </summary>
    public Duration PersistMin { get => _persistMin; init => _persistMin = Limit(value, LongestRetransmissionTimer); }

    /// <summary>
    /// The longest interval between zero-window probes: 60 s (BSD's value, equal to <see cref="MaxRto"/>).
    /// Clamped to [0, <see cref="LongestRetransmissionTimer"/>].
    /// </summary>
    public Duration PersistMax { get => _persistMax; init => _persistMax = Limit(value, LongestRetransmissionTimer); }

    /// <summary>
    /// The interval before zero-window probe number <paramref name="probesSent"/> + 1: the RTO doubled for
    /// each probe already sent (RFC 1122 §4.2.2.17: "exponentially"), within
    /// [<see cref="PersistMin"/>, <see cref="PersistMax"/>]. A negative count counts as zero.
    /// </summary>
    public Duration PersistInterval(Duration rto, int probesSent)
    {
        long max = Math.Max(PersistMax.Microseconds, PersistMin.Microseconds);
        long interval = Math.Max(rto.Microseconds, 1);
        // Doubling stops as soon as the cap is reached, so the shift can never overflow.
        for (int i = 0; i < probesSent && interval < max; i++)
            interval <<= 1;
        return new(Math.Clamp(interval, PersistMin.Microseconds, max));
    }

    // A negative time counts as zero (it meant "at once" before too); beyond what the connection's timers hold, the longest they do.
    private static Duration Limit(Duration value, Duration longest) => Duration.Clamp(value, Duration.Zero, longest);
}
