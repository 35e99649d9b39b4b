using System;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

// Passive open: listening ports, the backlog of half-open connections, SYN cookies beyond it (RFC 4987),
// and the set-up of a connection from a SYN (RFC 9293 §3.10.7.2) or from a cookie's ACK.
public sealed partial class TcpEndpoint
{
    /// <summary>The window scale we offer in a cookie's SYN-ACK, before any buffer is known: 2^7 steps cover 8 MiB rings.</summary>
    private const byte CookieWindowScale = 7;

    /// <summary>
    /// Listens on <paramref name="port"/> (every local address): SYNs to it reach the user as <see cref="TcpOpen"/>
    /// while fewer than <paramref name="backlog"/> connections are half-open there; beyond that each SYN is
    /// answered with a SYN cookie and no state (RFC 4987 §3.6), and the user sees the connection once the
    /// client's ACK proves the cookie.
    /// </summary>
    public TcpStatus Listen(ushort port, int backlog = 128, bool alwaysCookies = false)
    {
        if (port == 0 || backlog < 0) return TcpStatus.InvalidArgument;
        if (FindListener(port) >= 0) return TcpStatus.InUse;
        for (int i = 0; i < _listeners.Length; i++)
        {
            if (_listeners[i].Port != 0) continue;
            _listeners[i] = new Listener { Port = port, Backlog = backlog, AlwaysCookies = alwaysCookies };
            return TcpStatus.Ok;
        }
        return TcpStatus.InUse;
    }

    /// <summary>Stops listening on <paramref name="port"/>; connections already made stay.</summary>
    public bool StopListening(ushort port)
    {
        int i = FindListener(port);
        if (i < 0) return false;
        _listeners[i].Port = 0;
        return true;
    }

    /// <summary>True when <paramref name="port"/> is listening.</summary>
    public bool IsListening(ushort port) => FindListener(port) >= 0;

    internal int FindListener(ushort port)
    {
        if (port == 0) return -1;
        for (int i = 0; i < _listeners.Length; i++)
            if (_listeners[i].Port == port) return i;
        return -1;
    }

    /// <summary>True when a SYN to the listener may take a slot; false when it must be answered with a cookie.</summary>
    internal bool BacklogHasRoom(int listener)
    {
        ref var l = ref _listeners[listener];
        return !l.AlwaysCookies && l.HalfOpen < l.Backlog && _slots.Count < _slots.Capacity;
    }

    /// <summary>A half-open connection stops counting against its listener: the one on its local port (where its SYN went).</summary>
    private void LeaveBacklog(int slot, ref TcpConnection c)
    {
        c.Clear(ConnectionFlags.InBacklog);
        int listener = FindListener(_table.TupleOf(slot).LocalPort);
        if (listener >= 0 && _listeners[listener].HalfOpen > 0) _listeners[listener].HalfOpen--;
    }

    /// <summary>
    /// A connection in SYN-RECEIVED from the SYN <paramref name="syn"/> (RFC 9293 §3.10.7.2): options
    /// negotiated, our ISN chosen, the SYN-ACK due. <paramref name="listener"/> is −1 for a connection the
    /// user accepted from a stray SYN (transparent mode).
    /// </summary>
    internal TcpStatus AcceptSyn(in FourTuple tuple, in Segment syn, TcpBuffers buffers, TcpConnectionOptions options, int listener, Instant now, out SlotKey key)
    {
        key = default;
        if (!buffers.IsUsable) return TcpStatus.InvalidArgument;
        var status = TryAllocate(tuple, buffers, out int slot, out key);
        if (status != TcpStatus.Ok) return status;
        ref var c = ref _connections[slot];
        Initialize(ref c, tuple, options, syn.MaxSegmentSize ?? DefaultMss(tuple), now);
        c.State = TcpState.SynReceived;
        c.Set(ConnectionFlags.Passive | ConnectionFlags.SynDue);
        c.SndUna = c.SndNxt = c.SndMax = _isn.Next(tuple, now, out c.TsOffset);
        TakePeerSyn(ref c, syn);
        if (syn.WindowScale is not null) c.ReceiveScale = ScaleFor(ReceiveCapacity(c));
        c.RcvAdv = c.RcvNxt + Math.Min(ReceiveWindow(c), ushort.MaxValue << c.ReceiveScale);
        if (listener >= 0)
        {
            c.Set(ConnectionFlags.InBacklog);
            _listeners[listener].HalfOpen++;
        }
        _counters.PassiveOpens++;
        MarkReady(slot);
        return TcpStatus.Ok;
    }

    /// <summary>The cookie our SYN-ACK carries as its sequence number, and the SYN-ACK's options, for a SYN met with a full backlog.</summary>
    internal TcpRepr CookieSynAck(in FourTuple tuple, in Segment syn, Instant now)
    {
        int peerMss = syn.MaxSegmentSize ?? DefaultMss(tuple);
        var cookie = _cookies.Encode(tuple, syn.Seq, (ushort)Math.Min(peerMss, OurMss(tuple)), now);
        _counters.SynCookiesSent++;
        var repr = new TcpRepr
        {
            SourcePort = tuple.LocalPort,
            DestinationPort = tuple.RemotePort,
            Flags = TcpFlags.Syn | TcpFlags.Ack,
            SequenceNumber = cookie,
            AcknowledgmentNumber = syn.Seq + 1,
            WindowSize = ushort.MaxValue,
            MaxSegmentSize = (ushort)OurMss(tuple),
        };
        // Without timestamps the cookie has no room for window scale and SACK: offer neither (as Linux does),
        // so both ends agree to go without them (RFC 7323 §2.2, RFC 2018 §2).
        if (syn.Timestamps is not { } ts) return repr;
        byte peerScale = syn.WindowScale is { } s ? Math.Min(s, TcpRepr.MaxWindowScale) : SynCookies.NoWindowScale;
        uint tsval = _cookies.EncodeTimestamp(TsClock(tuple, now), peerScale, syn.SackPermitted);
        return repr with
        {
            Timestamps = new TcpTimestamps(tsval, ts.Value),
            WindowScale = syn.WindowScale is null ? null : CookieWindowScale,
            SackPermitted = syn.SackPermitted,
        };
    }

    /// <summary>True when the ACK <paramref name="ack"/> returns a cookie we made for <paramref name="tuple"/> within its lifetime.</summary>
    internal bool IsValidCookie(in FourTuple tuple, in Segment ack, Instant now, out ushort mss)
    {
        bool valid = _cookies.TryDecode(tuple, ack.Seq - 1, ack.Ack - 1, now, out mss);
        if (!valid) _counters.SynCookiesFailed++;
        return valid;
    }

    /// <summary>An ESTABLISHED connection from a valid cookie's ACK: the options come back from the cookie and our echoed timestamp.</summary>
    internal TcpStatus AcceptCookie(in FourTuple tuple, in Segment ack, ushort mss, TcpBuffers buffers, TcpConnectionOptions options, Instant now, out SlotKey key)
    {
        key = default;
        if (!buffers.IsUsable) return TcpStatus.InvalidArgument;
        var status = TryAllocate(tuple, buffers, out int slot, out key);
        if (status != TcpStatus.Ok) return status;
        ref var c = ref _connections[slot];
        Initialize(ref c, tuple, options, mss, now);
        c.State = TcpState.Established;
        c.TsOffset = TsOffsetFor(tuple);
        // This ACK acknowledges the cookie SYN-ACK, whose sequence number was our ISS.
        c.Set(ConnectionFlags.Passive | ConnectionFlags.SynAcknowledged);
        c.SndUna = c.SndNxt = c.SndMax = ack.Ack;
        c.RcvNxt = c.LastAckSent = ack.Seq;
        if (ack.Timestamps is { } ts && SynCookies.TryDecodeTimestamp(ts.EchoReply, out byte peerScale, out bool sack))
        {
            c.Set(ConnectionFlags.Timestamps);
            c.TsRecent = ts.Value;
            c.TsRecentAge = AgeHours(now);
            if (sack) c.Set(ConnectionFlags.Sack);
            if (peerScale != SynCookies.NoWindowScale)
            {
                c.Set(ConnectionFlags.WindowScale);
                c.SendScale = peerScale;
                c.ReceiveScale = CookieWindowScale;
            }
        }
        c.TakeWindow(ack.WindowSize);
        c.SndWl1 = ack.Seq;
        c.RcvAdv = c.RcvNxt + Math.Min(ReceiveWindow(c), ushort.MaxValue << c.ReceiveScale);
        _counters.SynCookiesAccepted++;
        _counters.PassiveOpens++;
        ScheduleKeepAlive(slot, ref c, now, now);
        return TcpStatus.Ok;
    }

    /// <summary>
    /// The parts every new connection starts with (its rings are in place already): options, timers off, estimator fresh,
    /// the send MSS from <paramref name="peerMss"/> (the peer's MSS option as far as it is known) and the congestion state
    /// for it.
    /// </summary>
    private void Initialize(ref TcpConnection c, in FourTuple tuple, TcpConnectionOptions options, int peerMss, Instant now)
    {
        if (options.Nagle) c.Set(ConnectionFlags.Nagle);
        if (options.KeepAlive) c.Set(ConnectionFlags.KeepAlive);
        if (options.CoalesceAcks) c.Set(ConnectionFlags.CoalesceAcks);
        if (tuple.Version == IpVersion.V6) c.Set(ConnectionFlags.Ipv6);
        SetSendMss(ref c, tuple, peerMss, now);
        c.Congestion = CongestionControl.Create(options.Congestion, c.SendMss);
    }

    /// <summary>
    /// Takes the peer's SYN: its ISN (RCV.NXT = SEG.SEQ + 1) and options (RFC 7323 §2.2 window scale and §3.2 timestamps,
    /// RFC 2018 §2 SACK-permitted); its window is never scaled (RFC 7323 §2.2). Its MSS option (RFC 9293 §3.7.1) is the
    /// caller's: a passive open gives it to <see cref="Initialize"/>, an active one to <see cref="TakePeerMss"/>.
    /// </summary>
    private static void TakePeerSyn(ref TcpConnection c, in Segment syn)
    {
        c.RcvNxt = c.LastAckSent = syn.Seq + 1;
        if (syn.WindowScale is { } scale)
        {
            c.Set(ConnectionFlags.WindowScale);
            c.SendScale = Math.Min(scale, TcpRepr.MaxWindowScale);
        }
        if (syn.SackPermitted) c.Set(ConnectionFlags.Sack);
        if (syn.Timestamps is { } ts)
        {
            // TS.Recent takes the place of the RTT timing of our SYN, if any: with timestamps the echo times it.
            c.Set(ConnectionFlags.Timestamps);
            c.Clear(ConnectionFlags.Timing);
            c.TsRecent = ts.Value;
        }
        c.TakeSynWindow(syn.WindowSize);
        c.SndWl1 = syn.Seq;
    }

    /// <summary>The send MSS from the peer's SYN-ACK (RFC 9293 §3.7.1), and the congestion state started again for it.</summary>
    private void TakePeerMss(ref TcpConnection c, in FourTuple tuple, in Segment synAck, Instant now)
    {
        SetSendMss(ref c, tuple, synAck.MaxSegmentSize ?? DefaultMss(tuple), now);
        c.Congestion = CongestionControl.Create(c.Algorithm, c.SendMss);
    }

    /// <summary>The smallest shift that lets a 16-bit window field cover the whole receive ring (RFC 7323 §2.3), at most 14.</summary>
    private static byte ScaleFor(int capacity)
    {
        byte shift = 0;
        while (shift < TcpRepr.MaxWindowScale && (capacity >> shift) > ushort.MaxValue) shift++;
        return shift;
    }
}
