using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>Bits of a connection's state that are yes or no.</summary>
[System.Flags]
internal enum ConnectionFlags : uint
{
    None = 0,
    /// <summary>Both sides sent SACK-permitted (RFC 2018 §2).</summary>
    Sack = 1 << 0,
    /// <summary>Both sides sent timestamps (RFC 7323 §3.2).</summary>
    Timestamps = 1 << 1,
    /// <summary>Both sides sent window scale (RFC 7323 §2.2).</summary>
    WindowScale = 1 << 2,
    /// <summary>Opened by a listener (a RST in SYN-RECEIVED frees it instead of reporting a refusal).</summary>
    Passive = 1 << 3,
    /// <summary>The user closed its sending side: a FIN follows the data.</summary>
    FinQueued = 1 << 4,
    /// <summary>Our FIN has been sent (it sits at SND.MAX − 1).</summary>
    FinSent = 1 << 5,
    /// <summary>An ACK must go out at the next chance (out-of-order data, window update, challenge).</summary>
    AckNow = 1 << 6,
    /// <summary>In loss recovery (RFC 6675 / RFC 6582) until SND.UNA passes <see cref="TcpConnection.Recover"/>.</summary>
    InRecovery = 1 << 7,
    /// <summary>Nagle's algorithm is on.</summary>
    Nagle = 1 << 8,
    /// <summary>Keep-alive probes are on.</summary>
    KeepAlive = 1 << 9,
    /// <summary>The peer's FIN arrived beyond a hole; it counts once the hole fills.</summary>
    FinPending = 1 << 10,
    /// <summary>The peer's FIN has been taken in (RCV.NXT is past it).</summary>
    FinReceived = 1 << 11,
    /// <summary>The user has been told the connection is over; the slot only waits out TIME-WAIT or a last send.</summary>
    Detached = 1 << 12,
    /// <summary>An RTT measurement without timestamps is running on <see cref="TcpConnection.RttSeq"/> (Karn's rule).</summary>
    Timing = 1 << 13,
    /// <summary>The last receive carried a duplicate (RFC 2883): the next ACK reports it as a D-SACK block.</summary>
    DuplicateSack = 1 << 14,
    /// <summary>The retransmit timer is running as the persist timer (zero window, RFC 9293 §3.8.6.1).</summary>
    Persisting = 1 << 15,
    /// <summary>The SYN (or SYN-ACK) must be (re)sent.</summary>
    SynDue = 1 << 17,
    /// <summary>A keep-alive probe is due.</summary>
    KeepAliveDue = 1 << 18,
    /// <summary>A zero-window probe is due.</summary>
    ProbeDue = 1 << 19,
    /// <summary>Counts toward its listener's backlog while half-open.</summary>
    InBacklog = 1 << 20,
    /// <summary>Loss recovery just started or a partial ACK came: the segment at SND.UNA goes first (RFC 6582 §3.2, RFC 6675 §5 step 4).</summary>
    RetransmitHead = 1 << 21,
    /// <summary>
    /// The recovery under way repairs losses among the go-back-N resends after a timeout: the window was cut at the
    /// timeout, so this recovery neither cuts it again nor deflates it at its end, and slow start goes on.
    /// </summary>
    RepairAfterTimeout = 1 << 16,
    /// <summary>The retransmission timer runs early, as the probe timeout (see <c>Recovery.cs</c>).</summary>
    ProbeArmed = 1 << 23,
    /// <summary>A probe was sent and SND.UNA has not moved since: the next expiry is a real timeout.</summary>
    ProbeSpent = 1 << 24,
    /// <summary>A tail loss probe is due: one segment beyond cwnd, new data or the last segment again (RFC 8985 §7.3).</summary>
    TailProbeDue = 1 << 25,
    /// <summary>Something was retransmitted since the last RTT sample: echoes older than <see cref="TcpConnection.TsRetransmitted"/> give none.</summary>
    EchoFloor = 1 << 22,
    /// <summary>This recovery has sent its rescue retransmission (RFC 6675 §4 NextSeg() rule 4: once per recovery).</summary>
    RescueSent = 1 << 26,
    /// <summary>Our SYN is acknowledged: the send ring's data starts at SND.UNA (before, at SND.UNA + 1, past the SYN).</summary>
    SynAcknowledged = 1 << 27,
    /// <summary>
    /// A retransmission timeout set <see cref="TcpConnection.Recover"/> to SND.MAX, and the cumulative ACK has not passed it:
    /// duplicate ACKs below it come from the go-back-N resend, not a new loss (RFC 6582 §3.2 step 1).
    /// </summary>
    AfterTimeout = 1 << 28,
    /// <summary>The user asked for <see cref="TcpConnectionOptions.CoalesceAcks"/>.</summary>
    CoalesceAcks = 1 << 29,
    /// <summary>An ACK for in-order data is owed and goes out on the next transmit turn (see <see cref="CoalesceAcks"/>).</summary>
    AckOwed = 1 << 30,
    /// <summary>The connection runs over IPv6 (its receive MSS leaves room for the 40-byte header).</summary>
    Ipv6 = 1u << 31,
}

/// <summary>
/// The transmission control block of one connection (RFC 9293 §3.3.1), stored by value in the endpoint's
/// slot array. The four-tuple lives in the <see cref="ConnectionTable"/>, the data in the caller's rings (found through
/// <see cref="Buffers"/>).
/// Sequence variables follow the RFC's names. What can be derived is not stored (ISS is SND.UNA until the SYN
/// is acknowledged; IRS is needed by nothing after the handshake; the listener of a half-open connection is the
/// one on its local port; SND.WL2; the receive MSS), and what is never live at once shares its bits (see
/// <see cref="RttSeq"/>, <see cref="TsRecent"/>); the size is <see cref="TcpEndpoint.ControlBlockBytes"/>, checked by a
/// test. The fields are declared widest first (4-byte, then 2-byte, then 1-byte aligned), so that no padding falls
/// between them.
/// </summary>
internal struct TcpConnection
{
    // ---- 4-byte fields --------------------------------------------------------------------------

    public ConnectionFlags Flags;

    public TcpSeqNumber SndUna, SndNxt, SndMax;
    /// <summary>
    /// SEG.SEQ of the segment that last set the send window (RFC 9293 SND.WL1). SND.WL2 is not kept: the window is only
    /// taken from an ACK at or above SND.UNA (§3.10.7.4), and every earlier window update's ACK is at or below SND.UNA
    /// (SND.UNA moves to it and never back), so "SND.WL2 &lt;= SEG.ACK" always holds there.
    /// </summary>
    public TcpSeqNumber SndWl1;
    public TcpSeqNumber RcvNxt;
    /// <summary>The right edge of the window we last advertised (RCV.NXT + RCV.WND then): never moved left.</summary>
    public TcpSeqNumber RcvAdv;
    /// <summary>RCV.NXT when we last sent an ACK (RFC 7323 §4.3 Last.ACK.sent).</summary>
    public TcpSeqNumber LastAckSent;
    /// <summary>SND.MAX when recovery started (RFC 6582 "recover", RFC 6675 RecoveryPoint).</summary>
    public TcpSeqNumber Recover;
    /// <summary>The highest sequence retransmitted in this recovery (RFC 6675 HighRxt).</summary>
    public TcpSeqNumber HighRxt;
    /// <summary>Where the peer's FIN sits when it arrived beyond a hole.</summary>
    public TcpSeqNumber FinSeq;
    /// <summary>The duplicate range the next ACK reports first as a D-SACK block (RFC 2883 §4): its left edge and length.</summary>
    public TcpSeqNumber DsackLeft;

    // The two ways of measuring the RTT are never live at once: with timestamps the echo of our TSval (RFC 7323 §4.2),
    // and an echo older than the last retransmission's TSval gives no sample; without them one segment timed at a
    // time (RFC 6298 §3, Karn's rule). The choice is made at the handshake, and recording a retransmission's TSval
    // ends any timing that started before it, so the two share these 32 bits.
    private uint _rttMark;

    // With timestamps the peer's latest TSval to echo; without them, when the segment timed for an RTT sample left. The
    // choice is made at the handshake and a connection uses only one (see TsRecent and RttStart).
    private uint _tsRecentOrRttStart;
    /// <summary>Our random timestamp offset (RFC 7323 §5.4).</summary>
    public uint TsOffset;

    // The timers, in 32 bits each (see WrappingMicroseconds, WrappingMilliseconds); not set when not running. The timer
    // wheel keeps the earliest in full.
    /// <summary>The retransmission, SYN or persist timer.</summary>
    public WrappingMicroseconds RetransmitAt;
    /// <summary>The delayed-ACK timer.</summary>
    public WrappingMicroseconds DelayedAckAt;
    /// <summary>R2 (RFC 1122 §4.2.3.5): when retransmitting this data, or probing this zero window, gives up; set at the first retransmission.</summary>
    public WrappingMicroseconds GiveUpAt;
    /// <summary>The keep-alive or TIME-WAIT timer.</summary>
    public WrappingMilliseconds IdleAt;

    public RttEstimator Rtt;
    public CongestionControl Congestion;
    /// <summary>Where the rings are (<see cref="BufferRegions"/>); their positions follow.</summary>
    public BufferHandle Buffers;

    // ---- 2-byte fields --------------------------------------------------------------------------

    // The peer's windows as its 16-bit window field says them, before its scale (RFC 7323 §2.3): every window after the
    // SYN is such a field, so they are exact; the SYN's own, which is never scaled (§2.2), is kept rounded down to one.
    private ushort _sndWnd, _maxSndWnd;
    /// <summary>The D-SACK block's length: at most one segment's payload, so 16 bits.</summary>
    public ushort DsackLength;
    /// <summary>The largest payload we send before options (peer's MSS and the path MTU; a packet-too-big only lowers it).</summary>
    public ushort SendMss;
    /// <summary>
    /// When TS.Recent was taken, in hours since the endpoint's epoch modulo 2^16 (7.5 years): RFC 7323 §5.5 asks only
    /// whether it is older than 24 days.
    /// </summary>
    public ushort TsRecentAge;

    // ---- 1-byte fields and byte-aligned structs -------------------------------------------------

    public TcpState State;
    // RFC 7323 §2.3: a shift is at most 14, so both fit in one byte: the peer's in the low four bits, ours in the high four.
    private byte _scales;
    /// <summary>Consecutive duplicate ACKs (RFC 5681 §2).</summary>
    public byte DuplicateAcks;
    /// <summary>Retransmissions of the same data, or unanswered keep-alive probes.</summary>
    public byte Retries;

    public SackScoreboard Scoreboard;
    public SendRing Send;
    public ReceiveRing Receive;

    /// <summary>Shift applied to the windows the peer sends us (its window scale).</summary>
    public byte SendScale
    {
        readonly get => (byte)(_scales & 0x0F);
        set => _scales = (byte)((_scales & 0xF0) | (value & 0x0F));
    }

    /// <summary>Shift we apply to the windows we send.</summary>
    public byte ReceiveScale
    {
        readonly get => (byte)(_scales >> 4);
        set => _scales = (byte)((_scales & 0x0F) | (value << 4));
    }

    /// <summary>The segment timed for an RTT sample (while <see cref="ConnectionFlags.Timing"/> is set; only without timestamps).</summary>
    public TcpSeqNumber RttSeq
    {
        readonly get => new(_rttMark);
        set => _rttMark = value.Value;
    }

    /// <summary>Our TSval on the last retransmission (while <see cref="ConnectionFlags.EchoFloor"/> is set).</summary>
    public uint TsRetransmitted
    {
        readonly get => _rttMark;
        set => _rttMark = value;
    }

    /// <summary>The send window the peer offers, scaled (bytes from SND.UNA).</summary>
    public readonly uint SndWnd => (uint)_sndWnd << SendScale;
    /// <summary>The largest window the peer ever offered (RFC 5961 §5 MAX.SND.WND; sender SWS avoidance).</summary>
    public readonly uint MaxSndWnd => (uint)_maxSndWnd << SendScale;

    /// <summary>Takes the window field <paramref name="field"/> of a segment after the SYN as the send window (SND.WND).</summary>
    public void TakeWindow(ushort field)
    {
        _sndWnd = field;
        if (field > _maxSndWnd) _maxSndWnd = field;
    }

    /// <summary>Takes the (unscaled) window of the peer's SYN as the send window; <see cref="SendScale"/> is set already.</summary>
    public void TakeSynWindow(ushort window) => _sndWnd = _maxSndWnd = (ushort)(window >> SendScale);

    /// <summary>The peer's latest timestamp to echo (RFC 7323 §4.3 TS.Recent; with <see cref="ConnectionFlags.Timestamps"/> only).</summary>
    public uint TsRecent
    {
        readonly get => _tsRecentOrRttStart;
        set => _tsRecentOrRttStart = value;
    }

    /// <summary>When the segment timed for an RTT sample left (while <see cref="ConnectionFlags.Timing"/> is set; without timestamps only).</summary>
    public WrappingMicroseconds RttStart
    {
        readonly get => WrappingMicroseconds.FromBits(_tsRecentOrRttStart);
        set => _tsRecentOrRttStart = value.Bits;
    }

    /// <summary>The end of the D-SACK block.</summary>
    public readonly TcpSeqNumber DsackRight => DsackLeft + DsackLength;

    /// <summary>The congestion control this connection uses (held by <see cref="Congestion"/>).</summary>
    public readonly CongestionAlgorithm Algorithm => Congestion.Algorithm;

    /// <summary>In-order bytes received since our last ACK (delayed ACK: every second full segment, RFC 1122 §4.2.3.2).</summary>
    /// <remarks>
    /// RCV.NXT − Last.ACK.sent: it also counts bytes that joined up out-of-order data, and a FIN, which ask for an
    /// immediate ACK anyway, so the delayed-ACK decision is the same.
    /// </remarks>
    public readonly int UnackedBytes => RcvNxt - LastAckSent;

    public readonly bool Has(ConnectionFlags flag) => (Flags & flag) != 0;
    public void Set(ConnectionFlags flag) => Flags |= flag;
    public void Clear(ConnectionFlags flag) => Flags &= ~flag;

    /// <summary>SYN-SENT and SYN-RECEIVED: the handshake is not complete.</summary>
    public readonly bool IsHandshaking => State is TcpState.SynSent or TcpState.SynReceived;
    /// <summary>States in which we may still send data (RFC 9293 §3.10.2 SEND).</summary>
    public readonly bool CanSendData => State is TcpState.Established or TcpState.CloseWait && !Has(ConnectionFlags.FinQueued);
    /// <summary>States in which data from the peer is taken in (RFC 9293 §3.10.7.4 seventh step).</summary>
    public readonly bool CanReceiveData => State is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2;
    /// <summary>Sequence space sent and not acknowledged (RFC 5681 FlightSize; after a timeout, only what was resent).</summary>
    public readonly int FlightSize => SndNxt - SndUna;
    /// <summary>The sequence number of the first byte in the send ring: past our SYN until that is acknowledged.</summary>
    public readonly TcpSeqNumber DataStart => Has(ConnectionFlags.SynAcknowledged) ? SndUna : SndUna + 1;
    /// <summary>Offset in the send ring of the byte at <paramref name="seq"/>.</summary>
    public readonly int DataOffset(TcpSeqNumber seq) => seq - DataStart;
    /// <summary>Bytes in the send ring not sent yet (from SND.NXT on).</summary>
    public readonly int UnsentBytes => System.Math.Max(0, Send.Length - DataOffset(SndNxt));
    /// <summary>
    /// The sequence number of a segment without data: SND.MAX (not SND.NXT, which a timeout rewinds below what
    /// the peer may already hold), but no further than the right edge of the peer's window, so that the peer
    /// finds it acceptable even when its window is closed (RFC 9293 §3.10.7.4 first check; Linux's
    /// tcp_acceptable_seq does the same).
    /// </summary>
    public readonly TcpSeqNumber AckSequence => TcpSeqNumber.Min(SndMax, SndUna + (int)System.Math.Min(SndWnd, int.MaxValue));
    /// <summary>Our FIN is sent and acknowledged (it is always the last thing sent).</summary>
    public readonly bool FinAcknowledged => Has(ConnectionFlags.FinSent) && SndUna == SndMax;
    /// <summary>Our FIN is queued and not yet acknowledged.</summary>
    public readonly bool FinOwed => Has(ConnectionFlags.FinQueued) && !FinAcknowledged;
    /// <summary>The sequence number our FIN takes: right after the last byte written.</summary>
    public readonly TcpSeqNumber FinSequence => DataStart + Send.Length;
}
