using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ethox.Layer.Tcp;

/// <summary>
/// A hashed timing wheel (Varghese and Lauck's scheme 6) holding one deadline per slot index, for up to
/// millions of connections: O(1) schedule and cancel, expiry in time proportional to the ticks passed
/// and the timers found. Intrusive: the lists are two int arrays (next, prev) allocated at construction,
/// so nothing allocates afterwards.
/// </summary>
/// <remarks>
/// <para>
/// A deadline lives in the bucket of its tick (floor((deadline − start)/tick) mod buckets) until the
/// wheel's cursor reaches that tick; a deadline more than one revolution ahead simply stays in its
/// bucket while the cursor passes it, and is compared exactly each time. Deadlines are kept exact
/// (<see cref="DeadlineOf"/>); the tick only decides the bucket, never when a timer fires: a slot is
/// returned by the first <see cref="TryTakeExpired"/> whose now is at or past its deadline.
/// </para>
/// <para>
/// Expired slots move to a due list when a call with a later now sweeps the buckets between the last
/// now and this one (all buckets once when a whole revolution or more has passed). Time is taken as
/// monotonic: a now earlier than one already seen counts as the latest seen.
/// </para>
/// <para>
/// Each slot keeps its deadline in 32 bits, as microseconds since the wheel's start modulo 2^32, read against the
/// latest now seen: exact while it lies within 35 minutes of that now. A deadline further ahead than
/// <see cref="LongestDeadline"/> is kept as that far ahead: the slot is then taken early, and its owner, finding
/// nothing due, schedules it again (so a 2-hour keep-alive timer hops in steps of 35 minutes).
/// </para>
/// <para>
/// <see cref="NextDeadline"/> is exact. It is kept as a cached minimum; only when the earliest timer is
/// cancelled, rescheduled or taken does the next call scan forward from the cursor to the first bucket
/// that holds a deadline of the current revolution (or, with none, through the whole wheel once).
/// </para>
/// </remarks>
public sealed class TimerWheel
{
    private const int Unlinked = -1;

    private readonly int[] _next, _prev; // slots 0..capacity-1, then one sentinel per bucket, then the due list's sentinel
    private readonly uint[] _deadline;   // µs since _start modulo 2^32, per slot (see Deadline)
    private readonly int _capacity, _mask, _dueList;
    private readonly long _start, _tick; // µs

    private long _cursor;      // tick: every deadline left in a bucket is later than _lastNow, in tick _cursor or after
    private long _lastNow;     // µs: the latest now seen; every deadline at or before it is in the due list
    private long _earliest;    // µs: at most the earliest deadline (exactly it when _earliestExact)
    private bool _earliestExact;

    /// <summary>
    /// A wheel for slots 0..<paramref name="slotCapacity"/>−1 with <paramref name="buckets"/> buckets of
    /// <paramref name="tick"/> each, whose time starts at <paramref name="start"/>. The bucket count is
    /// rounded up to a power of two (at most 2^24) and the tick to at least 1 µs; a negative capacity
    /// counts as zero. One revolution lasts buckets·tick (4.096 s for 4096 buckets of 1 ms).
    /// </summary>
    public TimerWheel(int slotCapacity, Duration tick, int buckets, Instant start)
    {
        int bucketCount = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(buckets, 1, 1 << 24));
        _capacity = Math.Clamp(slotCapacity, 0, Array.MaxLength - bucketCount - 1);
        _mask = bucketCount - 1;
        _dueList = _capacity + bucketCount;
        _tick = Math.Max(tick.Microseconds, 1);
        _start = start.Microseconds;
        _lastNow = _start;
        _earliest = Instant.Never.Microseconds;
        _earliestExact = true;

        _next = new int[_dueList + 1];
        _prev = new int[_dueList + 1];
        _deadline = new uint[_capacity];
        Array.Fill(_prev, Unlinked, 0, _capacity);
        for (int sentinel = _capacity; sentinel <= _dueList; sentinel++)
            _next[sentinel] = _prev[sentinel] = sentinel;
    }

    /// <summary>The number of slots (valid slot indices are 0..SlotCapacity−1).</summary>
    public int SlotCapacity => _capacity;

    /// <summary>How far ahead of the latest now seen a deadline is kept exactly: 2^31 − 1 µs (35 min 47 s).</summary>
    public static Duration LongestDeadline => new(int.MaxValue);

    /// <summary>Bytes per slot: its two list links and its deadline (each bucket's sentinel adds two links more).</summary>
    internal const int BytesPerSlot = 2 * sizeof(int) + sizeof(uint);
    /// <summary>Bytes per bucket: the two links of its sentinel.</summary>
    internal const int BytesPerBucket = 2 * sizeof(int);

    /// <summary>The number of buckets (a power of two).</summary>
    public int Buckets => _mask + 1;

    /// <summary>The tick: the width of one bucket.</summary>
    public Duration Tick => new(_tick);

    /// <summary>How many slots are scheduled.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Schedules <paramref name="slot"/> at <paramref name="at"/>, replacing any earlier schedule of it; at most
    /// <see cref="LongestDeadline"/> after the latest now seen (see the remarks). <see cref="Instant.Never"/> cancels it
    /// instead. False (and nothing done) for a slot out of range.
    /// </summary>
    public bool Schedule(int slot, Instant at)
    {
        if ((uint)slot >= (uint)_capacity) return false;
        if (at == Instant.Never)
        {
            Cancel(slot);
            return true;
        }
        if (_prev[slot] != Unlinked) Unlink(slot);
        else Count++;
        long deadline = Math.Clamp(at.Microseconds, _lastNow - int.MaxValue, _lastNow + int.MaxValue);
        _deadline[slot] = unchecked((uint)(deadline - _start));
        LinkAtTail(slot, deadline <= _lastNow ? _dueList : BucketSentinel(TickOf(deadline)));
        if (deadline <= _earliest)
        {
            _earliest = deadline;
            _earliestExact = true;
        }
        return true;
    }

    /// <summary>Unschedules <paramref name="slot"/>; false when it was not scheduled (or is out of range).</summary>
    public bool Cancel(int slot)
    {
        if (!IsScheduled(slot)) return false;
        Unlink(slot);
        Count--;
        return true;
    }

    /// <summary>True when <paramref name="slot"/> has a deadline that has not been taken yet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsScheduled(int slot) => (uint)slot < (uint)_capacity && _prev[slot] != Unlinked;

    /// <summary>The deadline of <paramref name="slot"/>, or <see cref="Instant.Never"/> when it is not scheduled.</summary>
    public Instant DeadlineOf(int slot) => IsScheduled(slot) ? new Instant(Deadline(slot)) : Instant.Never;

    /// <summary>
    /// Takes one slot whose deadline is at or before <paramref name="now"/> and unschedules it: call until
    /// false to take them all, in no particular order. Each is returned once.
    /// </summary>
    public bool TryTakeExpired(Instant now, out int slot)
    {
        if (now.Microseconds > _lastNow) Advance(now.Microseconds);
        int head = _next[_dueList];
        if (head == _dueList)
        {
            slot = -1;
            return false;
        }
        Unlink(head);
        Count--;
        slot = head;
        return true;
    }

    /// <summary>
    /// The earliest scheduled deadline (<see cref="Instant.Never"/> when none). While expired slots wait to
    /// be taken it may answer earlier than they are due (a time already past: poll now); it is never
    /// later than the earliest deadline.
    /// </summary>
    public Instant NextDeadline()
    {
        if (!_earliestExact && _next[_dueList] == _dueList) FindEarliest();
        return new Instant(_earliest);
    }

    private long TickOf(long microseconds) => (microseconds - _start) / _tick;

    // The full deadline of a slot: the one within 2^31 µs of the latest now whose low 32 bits (since the start) are stored.
    private long Deadline(int slot) => _lastNow + unchecked((int)(_deadline[slot] - (uint)(_lastNow - _start)));

    private int BucketSentinel(long tick) => _capacity + (int)(tick & _mask);

    /// <summary>
    /// Moves every deadline at or before <paramref name="now"/> to the due list: the buckets of the ticks
    /// from the cursor to now's tick hold all of them (all buckets once if that spans a revolution).
    /// </summary>
    private void Advance(long now)
    {
        long nowTick = TickOf(now);
        long ticks = nowTick - _cursor + 1;
        int visits = ticks > _mask ? _mask + 1 : (int)ticks;
        for (int i = 0; i < visits; i++)
        {
            int sentinel = BucketSentinel(_cursor + i);
            for (int node = _next[sentinel]; node != sentinel;)
            {
                int following = _next[node];
                if (Deadline(node) <= now)
                {
                    Detach(node);
                    LinkAtTail(node, _dueList);
                }
                node = following;
            }
        }
        _cursor = nowTick;
        _lastNow = now;
    }

    /// <summary>
    /// Recomputes the earliest deadline when nothing is due. Bucket b holds ticks b, b + buckets, …, all at
    /// or after the cursor; the first bucket from the cursor with a deadline in its own tick holds the
    /// earliest. With none in a whole revolution every timer has been seen, so the least seen is exact.
    /// </summary>
    private void FindEarliest()
    {
        long never = Instant.Never.Microseconds, earliestSeen = never;
        for (int i = 0; i <= _mask && Count > 0; i++)
        {
            long tick = _cursor + i;
            int sentinel = BucketSentinel(tick);
            long earliestInTick = never;
            for (int node = _next[sentinel]; node != sentinel; node = _next[node])
            {
                long deadline = Deadline(node);
                if (TickOf(deadline) == tick) earliestInTick = Math.Min(earliestInTick, deadline);
                else earliestSeen = Math.Min(earliestSeen, deadline);
            }
            if (earliestInTick != never)
            {
                earliestSeen = earliestInTick;
                break;
            }
        }
        _earliest = earliestSeen;
        _earliestExact = true;
    }

    private void LinkAtTail(int node, int sentinel)
    {
        int tail = _prev[sentinel];
        _next[tail] = node;
        _prev[node] = tail;
        _next[node] = sentinel;
        _prev[sentinel] = node;
    }

    private void Detach(int node)
    {
        _next[_prev[node]] = _next[node];
        _prev[_next[node]] = _prev[node];
    }

    /// <summary>Removes a slot from its list and marks it unscheduled; the cached earliest deadline becomes a bound if it was this slot's.</summary>
    private void Unlink(int slot)
    {
        Detach(slot);
        _prev[slot] = Unlinked;
        if (Deadline(slot) == _earliest) _earliestExact = false;
    }
}
