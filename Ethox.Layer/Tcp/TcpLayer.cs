using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Ethox.Layer.Ip;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>
/// The TCP layer over <see cref="IpPacket"/>: parses and checks each segment, finds its connection, applies it
/// (<see cref="TcpEndpoint"/>), tells <typeparamref name="TUser"/> what happened as one of three variants
/// (<see cref="TcpOpen"/>, <see cref="TcpStray"/>, <see cref="TcpInPacket"/>), and answers in the same buffer
/// (ACK with data, SYN-ACK, RST). On transmit it sends owed resets, runs due timers, then gives each connection
/// with something to send its turn, and offers the buffer to the user when none had anything.
/// </summary>
public struct TcpLayer<TUser> : IRecv<IpPacket>, ISend<IpPacket>, ITimed, ITransportErrors
    where TUser : IRecv<TcpOpen>, IRecv<TcpStray>, IRecv<TcpInPacket>, ISend<TcpSender>
{
    private readonly TcpEndpoint _endpoint;
    private TUser _user;

    /// <summary>The layer for <paramref name="endpoint"/> with the application <paramref name="user"/> above it.</summary>
    public TcpLayer(TcpEndpoint endpoint, TUser user)
    {
        _endpoint = endpoint;
        _user = user;
    }

    /// <summary>The TCP state.</summary>
    public readonly TcpEndpoint Endpoint => _endpoint;

    /// <summary>The application, by reference.</summary>
    [UnscopedRef]
    public ref TUser User => ref _user;

    /// <summary>When the layer next needs a transmit call: the earliest connection timer, or now when one has something to send.</summary>
    public readonly Instant NextDeadline() => _endpoint.NextDeadline();

    /// <summary>One datagram from the IP layer.</summary>
    public void Receive(IpPacket packet)
    {
        if (packet.Protocol != IpProtocol.Tcp)
        {
            packet.RejectProtocol();
            return;
        }
        ReceiveSegment(packet);
    }

    // A call of its own, so that the IP layer's inlining budget does not run out before the TCP parse and the state
    // machine are inlined here (the JIT then left even span and field accessors as calls); the packet goes by reference.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReceiveSegment(in IpPacket packet)
    {
        ref var counters = ref _endpoint._counters;
        counters.SegmentsIn++;
        if (!TcpSegment.TryParse(packet.Payload, out var view, out var error))
        {
            counters.Errors.Count(error);
            return;
        }
        // The connection is looked up before the checksum is checked (its ports may yet prove corrupt: a lookup is all
        // they are used for until then), so that in-order data can be left in the frame for the user to read, or be
        // verified while it is copied into its ring.
        var tuple = new FourTuple(new TransportAddress(packet.Destination, view.DestinationPort), new TransportAddress(packet.Source, view.SourcePort));
        bool known = _endpoint.TryFind(tuple, out int slot);
        bool verify = _endpoint.VerifyChecksums && !packet.ChecksumVouched;
        Span<byte> room = default;
        var placement = known ? _endpoint.PlacementFor(slot, view, out room) : PayloadPlacement.None;
        if (placement == PayloadPlacement.Placed)
        {
            // Without a checksum to verify there is no pass to share: the ring's own copy serves.
            if (!verify) placement = PayloadPlacement.None;
            else if (!view.TryVerifyChecksumCopyingPayload(packet.Source, packet.Destination, room))
            {
                counters.Errors.Count(WireError.BadChecksum);
                return;
            }
            else verify = false;
        }
        var seg = new Segment(view, packet.Source, packet.Destination, verify, placement, out bool parsed, out error);
        if (!parsed)
        {
            counters.Errors.Count(error);
            return;
        }
        // RFC 1122 §4.2.3.10 / RFC 9293 §3.9.1: TCP is unicast; a segment to a broadcast or multicast address is dropped.
        if (packet.IsMulticast || seg.SourcePort == 0 || seg.DestinationPort == 0)
        {
            counters.Errors.Count(WireError.Malformed);
            return;
        }
        if (known && ReceiveKnown(packet, slot, seg)) return;
        ReceiveUnknown(packet, tuple, seg);
    }

    // False when the segment reopened a TIME-WAIT tuple and must be handled as new.
    private bool ReceiveKnown(in IpPacket packet, int slot, in Segment seg)
    {
        var now = packet.Timestamp;
        ref var c = ref _endpoint.ConnectionAt(slot);
        var key = _endpoint.KeyOf(slot);
        bool opening = c.State == TcpState.SynSent;
        var events = TcpEvents.None;
        var fate = _endpoint.Process(slot, ref c, seg, now, ref events, out var reply);
        if (fate == SegmentFate.Reopen) return false;
        if (_endpoint.HasLentPayload) NotifyLending(key, events, now, opening, seg.Payload);
        else Notify(key, events, now, opening);
        if ((events & TcpEvents.Closed) != 0 && fate == SegmentFate.Kept && _endpoint.TryResolve(key, out _)) _endpoint.Detach(slot);
        if (fate == SegmentFate.Release && _endpoint.TryResolve(key, out _)) _endpoint.Release(slot, ref c);
        if (reply == ReplyKind.Reset) ReplyReset(packet, seg);
        else if (_endpoint.TryResolve(key, out _)) ReplyOutput(packet, slot);
        return true;
    }

    private void ReceiveUnknown(in IpPacket packet, in FourTuple tuple, in Segment seg)
    {
        var now = packet.Timestamp;
        var decision = new AcceptDecision();
        int listener = _endpoint.FindListener(tuple.LocalPort);
        // A listener listens on our addresses; a segment to a foreign one (transparent mode) is always a stray.
        bool listened = listener >= 0 && _endpoint.Ip.IsOurAddress(tuple.Local.Address);
        if (listened)
        {
            // RFC 9293 §3.10.7.2, LISTEN: a RST is ignored, a SYN may open, anything else with ACK is reset.
            if (seg.Has(TcpFlags.Rst)) return;
            var kind = seg.Flags & (TcpFlags.Syn | TcpFlags.Ack);
            if (kind == TcpFlags.Syn)
            {
                if (!_endpoint.BacklogHasRoom(listener))
                {
                    var synAck = _endpoint.CookieSynAck(tuple, seg, now);
                    ReplyStateless(packet, synAck);
                    return;
                }
                _user.Receive(new TcpOpen(_endpoint, TcpOpenKind.Incoming, tuple, seg, ref decision, now));
                Decided(packet, seg, decision, listened);
                return;
            }
            if (kind == TcpFlags.Ack && _endpoint.IsValidCookie(tuple, seg, now, out ushort mss))
            {
                _user.Receive(new TcpOpen(_endpoint, TcpOpenKind.Cookie, tuple, seg, ref decision, now, cookieMss: mss));
                if (decision.Verdict == AcceptVerdict.Accepted && _endpoint.TryResolve(decision.Key, out int slot))
                {
                    // The cookie's ACK may already carry data or a FIN: it is the connection's first segment.
                    ReceiveKnown(packet, slot, seg);
                    return;
                }
                Decided(packet, seg, decision, listened);
                return;
            }
        }
        _endpoint._counters.Strays++;
        _user.Receive(new TcpStray(_endpoint, tuple, seg, ref decision, now, packet.IsForeign));
        Decided(packet, seg, decision, listened);
    }

    // Answers a SYN or stray the user decided on: SYN-ACK for an accepted one, RST for a refused or undecided stray.
    private void Decided(in IpPacket packet, in Segment seg, AcceptDecision decision, bool listened)
    {
        switch (decision.Verdict)
        {
            case AcceptVerdict.Accepted when _endpoint.TryResolve(decision.Key, out int slot):
                ReplyOutput(packet, slot);
                return;
            case AcceptVerdict.Ignored:
                return;
            case AcceptVerdict.None when listened && seg.Has(TcpFlags.Syn) && !seg.Has(TcpFlags.Ack):
                // Nobody took a SYN on a listening port: drop it; the client tries again.
                _endpoint._counters.ListenDrops++;
                return;
        }
        if (!seg.Has(TcpFlags.Rst)) ReplyReset(packet, seg);
    }

    private void Notify(SlotKey key, TcpEvents events, Instant now, bool opening)
    {
        // Once told Closed the user is done with the key; TIME-WAIT's ACKs and retransmitted FINs are the endpoint's business.
        if (events == TcpEvents.None || !_endpoint.TryResolveUser(key, out _)) return;
        if (opening && (events & TcpEvents.Connected) != 0)
        {
            var decision = new AcceptDecision();
            var none = default(Segment);
            var tuple = _endpoint.TupleOf(key);
            _user.Receive(new TcpOpen(_endpoint, TcpOpenKind.Connected, tuple, none, ref decision, now, key));
            events &= ~TcpEvents.Connected;
            if (events == TcpEvents.None) return;
        }
        _user.Receive(new TcpInPacket(_endpoint, key, events, now));
    }

    // The state machine took the in-order payload in place (PayloadPlacement.InFrame): the frame is pinned while the user
    // hears of it and may read the bytes there; what it leaves goes into the ring after, even if the callback throws.
    // Told Closed, the user keeps the rings and what is unread in them (the host and the C ABI save it there), so data
    // that ends the connection goes into the ring before the callback instead.
    private unsafe void NotifyLending(SlotKey key, TcpEvents events, Instant now, bool opening, ReadOnlySpan<byte> payload)
    {
        fixed (byte* bytes = payload)
        {
            _endpoint.PinLent(bytes);
            if ((events & TcpEvents.Closed) != 0) _endpoint.TakeBackLent();
            try
            {
                Notify(key, events, now, opening);
            }
            finally
            {
                _endpoint.TakeBackLent();
            }
        }
    }

    private readonly void ReplyOutput(in IpPacket packet, int slot)
    {
        ref var c = ref _endpoint.ConnectionAt(slot);
        var room = packet.ReplyPayload;
        var now = packet.Timestamp;
        bool turn = _endpoint.IsTurnOf(slot);
        if (!_endpoint.TryPlan(slot, ref c, room.Length, now, out var repr, dataTurn: turn)) return;
        int length = _endpoint.Write(slot, ref c, repr, room, packet.TryOffloadChecksum());
        if (!packet.Reply(length, IpSendOptions.DontFragment))
        {
            _endpoint._counters.SendFailures++;
            return;
        }
        if (turn) _endpoint.EndTurn(slot);
        _endpoint.Commit(slot, ref c, repr, now);
    }

    private readonly void ReplyReset(in IpPacket packet, in Segment seg)
    {
        if (ReplyStateless(packet, TcpEndpoint.ResetFor(seg))) _endpoint.CountReset();
    }

    private readonly bool ReplyStateless(in IpPacket packet, in TcpRepr repr)
    {
        var room = packet.ReplyPayload;
        if (room.Length < repr.EmittedLength || !repr.TryEmit(room, packet.ReplySource, packet.Source)) return false;
        if (packet.Reply(repr.EmittedLength, IpSendOptions.DontFragment)) return true;
        _endpoint._counters.SendFailures++;
        return false;
    }

    /// <summary>One transmit buffer: owed resets, due timers, then the connections in turn, then the user.</summary>
    public void Send(IpPacket packet)
    {
        var now = packet.Timestamp;
        if (SendQueuedReset(packet)) return;
        while (_endpoint.TryTakeExpired(now, out int slot))
        {
            var key = _endpoint.KeyOf(slot);
            var events = TcpEvents.None;
            bool over = _endpoint.OnTimers(slot, now, ref events);
            Notify(key, events, now, opening: false);
            if (over && _endpoint.TryResolve(key, out _)) _endpoint.Release(slot, ref _endpoint.ConnectionAt(slot));
        }
        if (SendReady(packet)) return;
        _user.Send(new TcpSender(_endpoint, now));
        if (!packet.IsUsed && !SendQueuedReset(packet)) SendReady(packet);
    }

    private readonly bool SendQueuedReset(in IpPacket packet)
    {
        if (!_endpoint.TryPeekQueuedReset(out var tuple, out var reset)) return false;
        bool sent = packet.TryPrepare(tuple.Local.Address, tuple.Remote.Address, IpProtocol.Tcp, reset.EmittedLength, IpSendOptions.DontFragment, out var buffer)
            && reset.TryEmit(buffer, tuple.Local.Address, tuple.Remote.Address) && packet.Send();
        _endpoint.DropQueuedReset(sent);
        return sent;
    }

    // Each connection with work sends one segment per buffer and goes to the back of the queue: round robin.
    private readonly bool SendReady(in IpPacket packet)
    {
        var now = packet.Timestamp;
        while (_endpoint.TryTakeReady(out int slot))
        {
            ref var c = ref _endpoint.ConnectionAt(slot);
            var remote = _endpoint.RemoteAddressOf(slot);
            int max = packet.MaxPayload(remote);
            if (!_endpoint.TryPlan(slot, ref c, max, now, out var repr, packet.MaxSegmentedPayload(remote))) continue;
            // Larger than the path MTU: a super-segment the device cuts into segments of the planned size (TSO).
            bool segmented = repr.EmittedLength > max;
            var options = segmented ? IpSendOptions.DontFragment | IpSendOptions.Segmented : IpSendOptions.DontFragment;
            if (!packet.TryPrepare(_endpoint.LocalAddressOf(slot), remote, IpProtocol.Tcp, repr.EmittedLength, options, out var buffer)
                || (segmented && !packet.TryOffloadSegmentation(TcpEndpoint.SegmentData(ref c, max, repr))))
            {
                _endpoint._counters.SendFailures++;
                if (packet.IsUsed) return true;
                continue;
            }
            _endpoint.Write(slot, ref c, repr, buffer, packet.TryOffloadChecksum());
            if (packet.Send()) _endpoint.Commit(slot, ref c, repr, now);
            else _endpoint._counters.SendFailures++;
            return true;
        }
        return false;
    }

    /// <summary>An ICMP error quoting one of our segments (RFC 5927).</summary>
    public void ReceiveError(in IcmpTransportError error)
    {
        var events = TcpEvents.None;
        bool over = _endpoint.OnIcmpError(error, out int slot, ref events);
        if (events == TcpEvents.None) return;
        var key = _endpoint.KeyOf(slot);
        // The user hears which error it was: its type and code say why (RFC 1122 §4.2.3.9 asks TCP to pass them on).
        if (_endpoint.TryResolveUser(key, out _)) _user.Receive(new TcpInPacket(_endpoint, key, events, error.Timestamp, error));
        if (over && _endpoint.TryResolve(key, out _)) _endpoint.Release(slot, ref _endpoint.ConnectionAt(slot));
    }
}
