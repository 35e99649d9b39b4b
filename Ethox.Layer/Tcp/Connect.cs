using System;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

// Active open (RFC 9293 §3.10.1 OPEN, active) and the arrival of segments in SYN-SENT (§3.10.7.3),
// simultaneous open included.
public sealed partial class TcpEndpoint
{
    /// <summary>
    /// Opens a connection to <paramref name="remote"/> (RFC 9293 §3.10.1): our source address is the one the
    /// interface picks for the destination (or <paramref name="localAddress"/>: one of ours, or in transparent mode any
    /// unicast address, <see cref="Ip.IpEndpoint.CanSendFrom"/>), the local port an RFC 6056
    /// ephemeral one (or <paramref name="localPort"/>); the SYN leaves with the next transmit call. The user
    /// hears <see cref="TcpOpen"/> when the handshake completes, or <see cref="TcpEvents.Reset"/> /
    /// <see cref="TcpEvents.TimedOut"/> with <see cref="TcpEvents.Closed"/> when it fails.
    /// </summary>
    public TcpStatus Connect(TransportAddress remote, TcpBuffers buffers, Instant now, out SlotKey key,
        TcpConnectionOptions options = default, ushort localPort = 0, IpAddress? localAddress = null)
    {
        key = default;
        if (options == default) options = new TcpConnectionOptions();
        if (!buffers.IsUsable || remote.Port == 0 || remote.Address.IsUnspecified || remote.Address.IsMulticast) return TcpStatus.InvalidArgument;
        IpAddress local;
        if (localAddress is { } chosen)
        {
            if (chosen.Version != remote.Address.Version || !_ip.CanSendFrom(chosen)) return TcpStatus.InvalidArgument;
            local = chosen;
        }
        else if (!_ip.TrySelectSource(remote.Address, out local)) return TcpStatus.NoRoute;
        if (localPort == 0 && !_ports.TrySelect(new TransportAddress(local, 0), remote, _table, out localPort)) return TcpStatus.InUse;
        var tuple = new FourTuple(new TransportAddress(local, localPort), remote);
        if (_table.Contains(tuple)) return TcpStatus.InUse;
        var status = TryAllocate(tuple, buffers, out int slot, out key);
        if (status != TcpStatus.Ok) return status;
        ref var c = ref _connections[slot];
        Initialize(ref c, tuple, options, DefaultMss(tuple), now);
        c.State = TcpState.SynSent;
        c.Set(ConnectionFlags.SynDue);
        c.SndUna = c.SndNxt = c.SndMax = _isn.Next(tuple, now, out c.TsOffset);
        c.ReceiveScale = ScaleFor(ReceiveCapacity(c));
        _counters.ActiveOpens++;
        MarkReady(slot);
        return TcpStatus.Ok;
    }

    /// <summary>
    /// RFC 9293 §3.10.7.3: in SYN-SENT an ACK must cover our SYN and nothing more; a RST counts only with such an
    /// ACK (RFC 5961 §3.2); a SYN-ACK completes the handshake, a bare SYN is a simultaneous open.
    /// </summary>
    private SegmentFate ProcessSynSent(int slot, ref TcpConnection c, in Segment seg, Instant now, ref TcpEvents events, out ReplyKind reply)
    {
        reply = ReplyKind.None;
        bool hasAck = seg.Has(TcpFlags.Ack);
        // Until our SYN is acknowledged SND.UNA is the ISS.
        if (hasAck && (seg.Ack <= c.SndUna || seg.Ack > c.SndMax))
        {
            if (!seg.Has(TcpFlags.Rst)) reply = ReplyKind.Reset;
            return SegmentFate.Kept;
        }
        if (seg.Has(TcpFlags.Rst))
        {
            if (!hasAck) return SegmentFate.Kept;
            _counters.AttemptFails++;
            _counters.Resets++;
            events |= TcpEvents.Reset | TcpEvents.Closed;
            return SegmentFate.Release;
        }
        if (!seg.Has(TcpFlags.Syn)) return SegmentFate.Kept;
        TakePeerSyn(ref c, seg);
        TakePeerMss(ref c, TupleOf(slot), seg, now);
        // RFC 7323 §2.2: scaling is on only when both SYNs carried the option.
        if (!c.Has(ConnectionFlags.WindowScale)) c.ReceiveScale = 0;
        c.RcvAdv = c.RcvNxt + Math.Min(ReceiveWindow(c), ushort.MaxValue << c.ReceiveScale);
        if (!hasAck)
        {
            // Simultaneous open (RFC 9293 §3.5, figure 8): our SYN-ACK carries the same ISN.
            c.State = TcpState.SynReceived;
            c.Set(ConnectionFlags.SynDue);
            reply = ReplyKind.Output;
            return SegmentFate.Kept;
        }
        if (c.Retries == 0 && TryTakeRttSample(ref c, seg, now, out var rtt)) c.Rtt.AddSample(rtt);
        c.SndUna = seg.Ack;
        c.Retries = 0;
        c.GiveUpAt = WrappingMicroseconds.None;
        c.Rtt.ResetBackoff();
        c.RetransmitAt = WrappingMicroseconds.None;
        c.Clear(ConnectionFlags.SynDue | ConnectionFlags.Timing);
        c.State = c.Has(ConnectionFlags.FinQueued) ? TcpState.FinWait1 : TcpState.Established;
        c.Set(ConnectionFlags.AckNow | ConnectionFlags.SynAcknowledged);
        events |= TcpEvents.Connected;
        ScheduleKeepAlive(slot, ref c, now, now);
        if (c.UnsentBytes > 0) MarkReady(slot);
        Rearm(slot, ref c, now);
        reply = ReplyKind.Output;
        return SegmentFate.Kept;
    }
}
