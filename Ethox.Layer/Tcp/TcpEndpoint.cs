using System;
using System.Runtime.CompilerServices;
using Ethox.Layer.Common;
using Ethox.Layer.Ip;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>
/// The TCP state of one stack: a fixed number of connection slots (given at construction, never grown),
/// found through a keyed <see cref="ConnectionTable"/>, with RFC 6528 initial sequence numbers, RFC 6056
/// ephemeral ports, listening ports with a bounded backlog and SYN cookies beyond it (RFC 4987), and the
/// timers of every connection on one <see cref="TimerWheel"/>. The protocol itself is split by concern:
/// Accept.cs (listening, SYN cookies), Connect.cs (active open, SYN-SENT), Receive.cs (segment
/// processing), Send.cs (what goes out next), Recovery.cs (duplicate ACKs, SACK and NewReno recovery),
/// Timestamps.cs (RFC 7323), Timers.cs (RTO, persist, delayed ACK, keep-alive, TIME-WAIT). The user
/// drives it through the methods below, with the <see cref="SlotKey"/> each connection is known by; the
/// layer (<see cref="TcpLayer{TUser}"/>) moves segments in and out.
/// </summary>
public sealed partial class TcpEndpoint
{
    private readonly IpEndpoint _ip;
    private readonly TcpConnection[] _connections;
    private readonly SlotMap _slots;
    private readonly ConnectionTable _table;
    private readonly IsnGenerator _isn;
    private readonly SynCookies _cookies;
    private readonly EphemeralPorts _ports;
    private readonly TimerWheel _timers;
    private readonly SlotQueue _ready;
    private readonly SlotQueue _timeWaits;
    private readonly Listener[] _listeners;
    private readonly ResetQueue _resets;
    private readonly BufferRegions _buffers;
    private readonly ulong[] _orphans; // one bit a slot: the user let go of it (Orphans.cs)
    private TokenBucket _challengeAcks;
    internal TcpCounters _counters;

    /// <summary>
    /// An endpoint for the interface <paramref name="ip"/> with room for <paramref name="capacity"/>
    /// connections (TIME-WAIT and half-open ones included) and <paramref name="listenerCapacity"/> listening
    /// ports. <paramref name="key"/> keys every hash the peer could aim at (tuple table, ISNs, cookies, ports):
    /// give a random one (<see cref="SipHash.WithRandomKey"/>) unless a test needs determinism. The connections' rings may
    /// come from up to <paramref name="bufferRegions"/> (1 to 255) groups at once: rings of one size pair carved from one
    /// array are one group (see <see cref="TcpBuffers"/>).
    /// </summary>
    public TcpEndpoint(IpEndpoint ip, int capacity, SipHash key, TcpTimerSettings? settings = null, int listenerCapacity = 16, Instant start = default,
        int bufferRegions = 64)
    {
        ArgumentNullException.ThrowIfNull(ip);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ip = ip;
        Settings = settings ?? new TcpTimerSettings();
        _connections = new TcpConnection[capacity];
        _slots = new SlotMap(capacity);
        _table = new ConnectionTable(capacity, Derive(key, 1));
        _isn = new IsnGenerator(Derive(key, 2));
        _cookies = new SynCookies(Derive(key, 3));
        _ports = new EphemeralPorts(Derive(key, 4));
        _timers = new TimerWheel(capacity, Duration.FromMilliseconds(1), TimerBuckets(capacity), start);
        _ready = new SlotQueue(_slots, 0);
        _timeWaits = new SlotQueue(_slots, 1);
        _listeners = new Listener[listenerCapacity];
        _resets = new ResetQueue(64);
        _buffers = new BufferRegions(bufferRegions);
        _orphans = OrphanBitsFor(capacity);
        _challengeAcks = new TokenBucket(10, Duration.FromMilliseconds(100)); // RFC 5961 §7: 100 per second, Linux's default
        Epoch = start;
    }

    // One independent key per use, so that learning one hash's outputs says nothing about another's.
    private static SipHash Derive(SipHash key, ulong use)
    {
        Span<byte> label = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(label, use);
        ulong k0 = key.Hash(label);
        label[7] = 0xA5;
        return new SipHash(k0, key.Hash(label));
    }

    /// <summary>Connection slots per timer-wheel bucket: a bucket is a list's sentinel (8 bytes), one byte a slot.</summary>
    internal const int SlotsPerTimerBucket = 8;

    // A revolution of at least a second (1024 buckets of 1 ms) and at most 65.5 s; in between one bucket per 8 slots.
    private static int TimerBuckets(int capacity) => Math.Clamp(capacity / SlotsPerTimerBucket, 1024, 1 << 16);

    /// <summary>The timers and limits every connection uses.</summary>
    public TcpTimerSettings Settings { get; }
    /// <summary>The IP interface the connections run over.</summary>
    public IpEndpoint Ip => _ip;
    /// <summary>The counters.</summary>
    public ref readonly TcpCounters Counters => ref _counters;
    /// <summary>Slots in use (TIME-WAIT included).</summary>
    public int Count => _slots.Count;
    /// <summary>Slots in all.</summary>
    public int Capacity => _slots.Capacity;
    /// <summary>The time the endpoint was made at: the base of timestamp ages.</summary>
    internal Instant Epoch { get; }

    /// <summary>The RFC 5961 §7 limit on challenge ACKs: <paramref name="burst"/> per <paramref name="interval"/>.</summary>
    public void SetChallengeAckLimit(int burst, Duration interval) => _challengeAcks = new TokenBucket(burst, interval);

    /// <summary>When the endpoint next needs a transmit call: a timer, or now when a connection has something to send.</summary>
    public Instant NextDeadline() => _ready.Count > 0 || _resets.Count > 0 ? Instant.Zero : _timers.NextDeadline();

    // ---- the user's calls ------------------------------------------------------------------------

    /// <summary>The state of the connection <paramref name="key"/>; <see cref="TcpState.Closed"/> for a stale key.</summary>
    public TcpState StateOf(SlotKey key) => TryResolve(key, out int slot) ? _connections[slot].State : TcpState.Closed;

    /// <summary>What there is to know about the connection <paramref name="key"/>.</summary>
    public TcpStatus GetInfo(SlotKey key, out TcpConnectionInfo info)
    {
        info = default;
        if (!TryResolve(key, out int slot)) return TcpStatus.StaleKey;
        ref var c = ref _connections[slot];
        info = new TcpConnectionInfo(_table.TupleOf(slot), c.State, c.Receive.Readable, c.Send.Free(SendCapacity(c)), c.Send.Length,
            c.Congestion.Window, c.Congestion.SlowStartThreshold, c.Rtt.SmoothedRtt, c.Rtt.Rto(Settings), c.SendMss, c.SndWnd,
            c.Has(ConnectionFlags.Sack), c.Has(ConnectionFlags.Timestamps), c.Has(ConnectionFlags.WindowScale), c.Algorithm,
            c.Has(ConnectionFlags.FinReceived),
            new TcpConnectionOptions
            {
                Nagle = c.Has(ConnectionFlags.Nagle), KeepAlive = c.Has(ConnectionFlags.KeepAlive), Congestion = c.Algorithm,
                CoalesceAcks = c.Has(ConnectionFlags.CoalesceAcks),
            });
        return TcpStatus.Ok;
    }

    /// <summary>
    /// Copies as much of <paramref name="data"/> as fits into the send ring of <paramref name="key"/>;
    /// it leaves with the next segments the windows allow. <see cref="TcpStatus.InvalidState"/> after
    /// <see cref="Close"/> or before the connection is set up for data.
    /// </summary>
    // Write, Read, Peek and Consume are calls of their own: inlined into an application's callback (itself inlined into
    // the TCP layer's notification), their bodies used up that method's inlining budget, and the JIT then left the slot
    // lookup and the rings' accessors in them as calls.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public TcpStatus Write(SlotKey key, ReadOnlySpan<byte> data, out int written)
    {
        written = 0;
        if (!TryResolveUser(key, out int slot)) return TcpStatus.StaleKey;
        ref var c = ref _connections[slot];
        // RFC 9293 §3.10.2: data may be queued in SYN-SENT and SYN-RECEIVED; it goes once the handshake is done.
        if (!(c.CanSendData || (c.IsHandshaking && !c.Has(ConnectionFlags.FinQueued)))) return TcpStatus.InvalidState;
        written = c.Send.Write(SendBuffer(c), data);
        if (written > 0 && !c.IsHandshaking) MarkReady(slot);
        return TcpStatus.Ok;
    }

    /// <summary>Copies up to <paramref name="destination"/>'s length of received bytes out of the ring of <paramref name="key"/> and opens the window by as much.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public TcpStatus Read(SlotKey key, Span<byte> destination, out int read)
    {
        read = 0;
        if (!TryResolveUser(key, out int slot)) return TcpStatus.StaleKey;
        ref var c = ref _connections[slot];
        GetReadable(slot, c, out var first, out var second);
        read = ReceiveRing.CopyOut(first, second, destination);
        c.Receive.Consume(ReceiveCapacity(c), read);
        if (read > 0) OnReceiveWindowOpened(slot, ref c);
        return TcpStatus.Ok;
    }

    /// <summary>
    /// The received bytes of <paramref name="key"/> in place (two pieces when they wrap the ring); release them with
    /// <see cref="Consume"/>. During the callback that tells of them, in-order bytes that reached an empty ring are shown
    /// where they arrived, in the received frame, and are valid until the callback returns (what is not consumed by then
    /// moves into the ring); outside callbacks, and in the one that tells of <see cref="TcpEvents.Closed"/>, the spans lie in
    /// the receive ring.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public TcpStatus Peek(SlotKey key, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second)
    {
        first = second = default;
        if (!TryResolveUser(key, out int slot)) return TcpStatus.StaleKey;
        ref var c = ref _connections[slot];
        GetReadable(slot, c, out first, out second);
        return TcpStatus.Ok;
    }

    /// <summary>Releases the first <paramref name="count"/> bytes shown by <see cref="Peek"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public TcpStatus Consume(SlotKey key, int count)
    {
        if (!TryResolveUser(key, out int slot)) return TcpStatus.StaleKey;
        ref var c = ref _connections[slot];
        if ((uint)count > (uint)c.Receive.Readable) return TcpStatus.InvalidArgument;
        c.Receive.Consume(ReceiveCapacity(c), count);
        if (count > 0) OnReceiveWindowOpened(slot, ref c);
        return TcpStatus.Ok;
    }

    /// <summary>
    /// Closes our sending side (RFC 9293 §3.10.4): a FIN follows the data already written. Reading goes on
    /// until the peer closes too (half-close). Closing twice is fine.
    /// </summary>
    public TcpStatus Close(SlotKey key)
    {
        if (!TryResolveUser(key, out int slot)) return TcpStatus.StaleKey;
        ref var c = ref _connections[slot];
        if (c.Has(ConnectionFlags.FinQueued)) return TcpStatus.Ok;
        switch (c.State)
        {
            case TcpState.SynSent:
                // Nothing was agreed yet: the attempt just ends.
                Release(slot, ref c);
                return TcpStatus.Ok;
            case TcpState.SynReceived or TcpState.Established:
                c.Set(ConnectionFlags.FinQueued);
                if (c.State == TcpState.Established) c.State = TcpState.FinWait1;
                break;
            case TcpState.CloseWait:
                c.Set(ConnectionFlags.FinQueued);
                c.State = TcpState.LastAck;
                break;
            default:
                return TcpStatus.InvalidState;
        }
        MarkReady(slot);
        return TcpStatus.Ok;
    }

    /// <summary>Aborts the connection (RFC 9293 §3.10.5): a RST goes to the peer, the slot is freed at once and the key goes stale.</summary>
    public TcpStatus Abort(SlotKey key)
    {
        if (!TryResolveUser(key, out int slot)) return TcpStatus.StaleKey;
        ref var c = ref _connections[slot];
        if (c.State is not TcpState.SynSent) _resets.TryAdd(_table.TupleOf(slot), c.AckSequence, c.RcvNxt);
        _counters.Resets++;
        Release(slot, ref c);
        return TcpStatus.Ok;
    }

    /// <summary>
    /// Changes the per-connection options of <paramref name="key"/> (Nagle, keep-alive, congestion control before data
    /// flows); <paramref name="now"/> is the time, as for every call that can set a timer.
    /// </summary>
    public TcpStatus Configure(SlotKey key, TcpConnectionOptions options, Instant now)
    {
        if (!TryResolveUser(key, out int slot)) return TcpStatus.StaleKey;
        ref var c = ref _connections[slot];
        ApplyOptions(ref c, options);
        if (c.State == TcpState.Established)
        {
            // Keep-alive counts from the last segment heard, which a running idle timer remembers; without one, from the
            // endpoint's start, so at once on an endpoint older than the idle time.
            var lastHeard = c.IdleAt.IsSet ? c.IdleAt.Near(now) - Settings.KeepAliveIdle : Instant.Max(Epoch, now - Settings.KeepAliveIdle);
            ScheduleKeepAlive(slot, ref c, lastHeard, now);
        }
        MarkReady(slot);
        return TcpStatus.Ok;
    }

    private void ApplyOptions(ref TcpConnection c, TcpConnectionOptions options)
    {
        if (options.Nagle) c.Set(ConnectionFlags.Nagle); else c.Clear(ConnectionFlags.Nagle);
        if (options.KeepAlive) c.Set(ConnectionFlags.KeepAlive); else c.Clear(ConnectionFlags.KeepAlive);
        if (options.CoalesceAcks) c.Set(ConnectionFlags.CoalesceAcks); else c.Clear(ConnectionFlags.CoalesceAcks);
        if (options.Congestion != c.Algorithm && c.FlightSize <= 1)
            c.Congestion = CongestionControl.Create(options.Congestion, c.SendMss);
    }

    /// <summary>One line per live connection with its sequence variables, windows and timers (for test diagnostics; allocates).</summary>
    internal string DescribeConnections()
    {
        var text = new System.Text.StringBuilder();
        for (int slot = 0; slot < _connections.Length; slot++)
        {
            if (!_slots.IsOccupied(slot)) continue;
            ref readonly var c = ref _connections[slot];
            text.Append($"{_table.TupleOf(slot)} {c.State} [{c.Flags}] una={c.SndUna} nxt={c.SndNxt} max={c.SndMax} wnd={c.SndWnd} cwnd={c.Congestion.Window} ")
                .Append($"rcv.nxt={c.RcvNxt} rcv.adv={c.RcvAdv} readable={c.Receive.Readable} queued={c.Send.Length} rto={c.Rtt.Rto(Settings)} retries={c.Retries} ")
                .AppendLine($"rtx@{c.RetransmitAt} idle@{c.IdleAt} dack@{c.DelayedAckAt}");
        }
        return text.ToString();
    }

    // ---- slots ----------------------------------------------------------------------------------

    internal bool TryResolve(SlotKey key, out int slot) => _slots.TryResolve(key, out slot);

    // A key the user may still use: TIME-WAIT and detached slots belong to the endpoint alone.
    internal bool TryResolveUser(SlotKey key, out int slot)
        => _slots.TryResolve(key, out slot) && !_connections[slot].Has(ConnectionFlags.Detached);

    internal ref TcpConnection ConnectionAt(int slot) => ref _connections[slot];
    internal FourTuple TupleOf(int slot) => _table.TupleOf(slot);
    internal IpAddress LocalAddressOf(int slot) => _table.LocalAddressOf(slot);
    internal IpAddress RemoteAddressOf(int slot) => _table.RemoteAddressOf(slot);
    internal SlotKey KeyOf(int slot) => _slots.KeyOf(slot);
    internal FourTuple TupleOf(SlotKey key) => _slots.TryResolve(key, out int slot) ? _table.TupleOf(slot) : default;
    internal bool TryFind(in FourTuple tuple, out int slot) => _table.TryFind(tuple, out slot);
    internal bool TryTakeReady(out int slot)
    {
        if (!_ready.TryTake(out slot)) return false;
        // A coalesced ACK is owed since the receive batch before this transmit turn: it goes now.
        ref var c = ref _connections[slot];
        if (c.Has(ConnectionFlags.AckOwed))
        {
            c.Clear(ConnectionFlags.AckOwed);
            c.Set(ConnectionFlags.AckNow);
        }
        return true;
    }

    /// <summary>
    /// Whether the connection in <paramref name="slot"/> may send data in place of a reply now: when no other connection
    /// waits ahead of it in the ready queue. Otherwise its reply carries only what is owed at once (an ACK), so an ACK
    /// clock cannot keep the link for the connections that hold it while the others wait for a transmit buffer.
    /// </summary>
    internal bool IsTurnOf(int slot) => _ready.IsFirstOrEmpty(slot);

    /// <summary>The connection took its turn in place: it leaves the head of the ready queue (<see cref="Commit"/> puts it at the back when it has more).</summary>
    internal void EndTurn(int slot) => _ready.Remove(slot);

    /// <summary>Checks received checksums (turn off only when the device verified them already).</summary>
    public bool VerifyChecksums { get; set; } = true;

    /// <summary>
    /// Takes a slot for <paramref name="tuple"/> with the rings of <paramref name="buffers"/> (a TIME-WAIT slot is
    /// reclaimed when none is free): <see cref="TcpStatus.NoSlot"/> without one, <see cref="TcpStatus.NoBufferRegion"/>
    /// when the rings would need one buffer region too many. The block is fresh but for its rings.
    /// </summary>
    private TcpStatus TryAllocate(in FourTuple tuple, in TcpBuffers buffers, out int slot, out SlotKey key)
    {
        slot = -1;
        key = default;
        if (!_buffers.TryTake(buffers, out var handle)) return TcpStatus.NoBufferRegion;
        if (!_slots.TryAllocate(out key) && !(ReclaimTimeWait() && _slots.TryAllocate(out key)))
        {
            _buffers.Release(handle);
            return TcpStatus.NoSlot;
        }
        _slots.TryResolve(key, out slot);
        if (!_table.TryInsert(tuple, slot))
        {
            _slots.Free(key);
            _buffers.Release(handle);
            key = default;
            return TcpStatus.NoSlot;
        }
        _connections[slot] = new TcpConnection { Buffers = handle };
        return TcpStatus.Ok;
    }

    /// <summary>The buffer regions in use (see <see cref="TcpBuffers"/>): for tests and diagnostics.</summary>
    internal int BufferRegionsInUse => _buffers.InUse;

    // The connection's rings: their memory, lent to the ring's calls, and their sizes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<byte> SendBuffer(in TcpConnection c) => _buffers.Send(c.Buffers);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<byte> ReceiveBuffer(in TcpConnection c) => _buffers.Receive(c.Buffers);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int SendCapacity(in TcpConnection c) => _buffers.SendCapacity(c.Buffers);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int ReceiveCapacity(in TcpConnection c) => _buffers.ReceiveCapacity(c.Buffers);
    /// <summary>The room in the receive ring from RCV.NXT on: the window to offer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int ReceiveWindow(in TcpConnection c) => c.Receive.Window(ReceiveCapacity(c));

    /// <summary>Frees the slot: out of the table, the timers and the ready queue; the key goes stale.</summary>
    internal void Release(int slot, ref TcpConnection c)
    {
        if (c.Has(ConnectionFlags.InBacklog)) LeaveBacklog(slot, ref c);
        ClearOrphan(slot);
        ForgetLent(slot);
        _timers.Cancel(slot);
        _table.Remove(slot);
        _slots.Free(_slots.KeyOf(slot)); // out of the ready or TIME-WAIT queue too
        _buffers.Release(c.Buffers);
        c = default;
    }

    /// <summary>Queues the connection for a transmit turn (a TIME-WAIT slot is not: it only answers in place).</summary>
    internal void MarkReady(int slot) => _ready.Add(slot);

    /// <summary>After the user heard <see cref="TcpEvents.Closed"/> (and read what was left): the key is no longer theirs, nor the rings.</summary>
    internal void Detach(int slot)
    {
        ref var c = ref _connections[slot];
        c.Set(ConnectionFlags.Detached);
        _buffers.Release(c.Buffers);
        c.Buffers = default;
        c.Send = default;
        c.Receive = default;
    }

    /// <summary>Frees the oldest TIME-WAIT slot for a new connection (as Linux does when its TIME-WAIT buckets run out): a late segment of the old one then meets a RST at worst.</summary>
    private bool ReclaimTimeWait()
    {
        if (!_timeWaits.TryTake(out int slot)) return false;
        Release(slot, ref _connections[slot]);
        return true;
    }
}

/// <summary>A snapshot of one connection, from <see cref="TcpEndpoint.GetInfo"/>; <c>Options</c> are the per-connection options in force (<see cref="TcpEndpoint.Configure"/>).</summary>
public readonly record struct TcpConnectionInfo(
    FourTuple Tuple, TcpState State, int Readable, int Writable, int Queued,
    int CongestionWindow, int SlowStartThreshold, Duration SmoothedRtt, Duration Rto, int SendMss, uint SendWindow,
    bool Sack, bool Timestamps, bool WindowScale, CongestionAlgorithm Congestion, bool PeerClosed, TcpConnectionOptions Options);
