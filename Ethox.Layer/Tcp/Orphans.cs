namespace Ethox.Layer.Tcp;

// Orphans: connections the user closed and let go of (RFC 9293 §3.6 leaves the rest of the close to TCP). One that
// reaches FIN-WAIT-2 waits for the peer's FIN there, and a peer that never sends it would hold the slot (and the
// user's rings) for ever: like Linux's tcp_fin_timeout, an orphan gets TcpTimerSettings.OrphanFinWait2Timeout in
// FIN-WAIT-2 and is then dropped. RFC 9293 sets no limit (FIN-WAIT-2 may last as long as the peer keeps sending), so
// only orphans get one: a user who half-closed and still reads keeps the connection. The mark is one bit a slot, kept
// beside the control blocks (their every flag bit is taken), and the deadline is the idle timer, which keep-alive
// would otherwise use: probing a peer nobody listens to is pointless.
public sealed partial class TcpEndpoint
{
    private static ulong[] OrphanBitsFor(int capacity) => new ulong[(capacity + 63) / 64];

    private bool IsOrphan(int slot) => (_orphans[slot >> 6] & (1UL << slot)) != 0;

    private void ClearOrphan(int slot) => _orphans[slot >> 6] &= ~(1UL << slot);

    /// <summary>
    /// Closes our sending side as <see cref="Close"/> does (a FIN after the data written) and lets the connection go: the
    /// user will neither read nor write it again, and TCP finishes the close on its own (RFC 9293 §3.6). Its events still
    /// come, <see cref="TcpEvents.Closed"/> last (the rings are the user's until then). In FIN-WAIT-2, where only the peer's
    /// FIN can end it, it waits at most <see cref="TcpTimerSettings.OrphanFinWait2Timeout"/> (from when it got there, or
    /// from now if it is there already), then is dropped with <see cref="TcpEvents.TimedOut"/> and
    /// <see cref="TcpEvents.Closed"/>, without a RST (as Linux drops an orphan after <c>tcp_fin_timeout</c>; a late segment
    /// of the peer's is answered as one of no connection), and counted in <see cref="TcpCounters.OrphansTimedOut"/>.
    /// </summary>
    public TcpStatus Orphan(SlotKey key, Instant now)
    {
        if (!TryResolveUser(key, out int slot)) return TcpStatus.StaleKey;
        ref var c = ref _connections[slot];
        if (!c.Has(ConnectionFlags.FinQueued))
        {
            var status = Close(key);
            if (status != TcpStatus.Ok || !TryResolveUser(key, out _)) return status; // a SYN-SENT attempt just ended
        }
        _orphans[slot >> 6] |= 1UL << slot;
        if (c.State == TcpState.FinWait2) StartOrphanTimer(slot, ref c, now);
        return TcpStatus.Ok;
    }

    /// <summary>Our FIN was acknowledged: an orphan's time in FIN-WAIT-2 starts.</summary>
    private void OnFinWait2(int slot, ref TcpConnection c, Instant now)
    {
        if (IsOrphan(slot)) StartOrphanTimer(slot, ref c, now);
    }

    private void StartOrphanTimer(int slot, ref TcpConnection c, Instant now)
    {
        c.IdleAt = WrappingMilliseconds.From(now + Settings.OrphanFinWait2Timeout);
        Rearm(slot, ref c, now);
    }

    /// <summary>True for an orphan in FIN-WAIT-2: its idle timer is the orphan timeout, not keep-alive.</summary>
    private bool IsOrphanInFinWait2(int slot, in TcpConnection c) => c.State == TcpState.FinWait2 && IsOrphan(slot);
}
