using System;
using System.Runtime.CompilerServices;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>
/// The sender's SACK scoreboard for loss recovery (RFC 6675 §4): which bytes above SND.UNA the peer has
/// SACKed (RFC 2018), kept as up to <see cref="Capacity"/> disjoint ranges held inline (28 bytes: each range its left
/// edge and a 24-bit length, no allocation), with IsLost(), SetPipe() and NextSeg() over them. SND.UNA, SND.NXT and HighRxt are the
/// caller's and come with each call, so nothing here repeats the connection's state.
/// </summary>
/// <remarks>
/// <para>
/// Every range comes from a SACK block the peer sent, so the scoreboard never holds a byte the peer did
/// not SACK. Ranges that overlap or touch are merged (their union is exactly what was SACKed). When more
/// than <see cref="Capacity"/> disjoint ranges would be needed, the lowest is forgotten: its bytes count
/// as unSACKed again, which can only cost a needless retransmission, never skip a needed one, and keeps
/// the ranges nearest SND.NXT that IsLost() and the pipe depend on. Receivers repeat their latest blocks
/// (RFC 2018 §4), so a forgotten range that still matters tends to come back. A range is at most
/// <see cref="MaxRangeLength"/> bytes long (more than a send ring of <see cref="TcpBuffers.MaxRingBytes"/> can have in
/// flight); a longer one keeps its first <see cref="MaxRangeLength"/> bytes, which again can only cost a needless
/// retransmission.
/// </para>
/// <para>
/// SACK information is advisory (RFC 2018 §8): the caller keeps SACKed data until it is cumulatively
/// acknowledged, and calls <see cref="Reset"/> after a retransmission timeout (RFC 2018 §8, RFC 6675
/// §5.1), since the receiver may have reneged. Between timeouts a peer's renege is not detected here
/// (as in RFC 6675); the timeout is the remedy.
/// </para>
/// <para>
/// HighRxt is passed by the caller with SND.NXT's convention, one past the last byte retransmitted in this
/// recovery (pass SND.UNA before the first retransmission). RescueRxt (rule 4) is the caller's too: RFC 6675
/// sets it to RecoveryPoint, so a rescue is allowed once per recovery, and the caller, which knows where its
/// recoveries begin and end, says whether this one has had its rescue.
/// </para>
/// </remarks>
public struct SackScoreboard
{
    /// <summary>
    /// The most disjoint SACKed ranges held: four, as many as one SACK option carries (RFC 2018 §3; three beside
    /// timestamps), so one ACK can never report more ranges than there is room for. Four ranges track four holes,
    /// more than IsLost() needs (DupThresh ranges above a hole mark it lost).
    /// </summary>
    public const int Capacity = 4;

    /// <summary>DupThresh of RFC 6675 §2 (and RFC 5681's three duplicate ACKs).</summary>
    public const int DupThresh = 3;

    /// <summary>The longest range held, 2^24 − 1 bytes.</summary>
    public const int MaxRangeLength = UInt24.MaxValue;

    [InlineArray(Capacity)]
    private struct Ranges
    {
        private HeldRange _element;
    }

    // A SACKed range in seven bytes: its left edge and its length.
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Pack = 1)]
    private readonly struct HeldRange(TcpSeqNumber left, TcpSeqNumber right)
    {
        private readonly uint _left = left.Value;
        private readonly UInt24 _length = new(Math.Clamp(right - left, 0, MaxRangeLength));
        public TcpSeqNumber Left => new(_left);
        public TcpSeqNumber Right => new TcpSeqNumber(_left) + _length;
        public TcpSackBlock Block => new(Left, Right);
    }

    // Ascending, disjoint, not touching, all within (SND.UNA, SND.NXT], the held ranges first. A held range is
    // never empty, so the first empty slot ends the list: no count is stored.
    private Ranges _ranges;

    /// <summary>How many disjoint ranges are held (0..<see cref="Capacity"/>).</summary>
    public readonly int RangeCount
    {
        get
        {
            int n = 0;
            while (n < Capacity && !IsEmpty(_ranges[n])) n++;
            return n;
        }
    }

    /// <summary>Range <paramref name="index"/> in ascending order; an empty block when out of range.</summary>
    public readonly TcpSackBlock Range(int index) => (uint)index < Capacity ? _ranges[index].Block : default;

    /// <summary>The SACKed bytes above SND.UNA.</summary>
    public readonly int SackedBytes
    {
        get
        {
            int sum = 0;
            for (int i = 0; i < Capacity; i++) sum += _ranges[i].Right - _ranges[i].Left;
            return sum;
        }
    }

    /// <summary>Forgets every SACKed range (after an RTO, RFC 2018 §8; at the end of a recovery; or at connection start).</summary>
    public void Reset() => _ranges = default;

    /// <summary>True when <paramref name="seq"/> lies in a SACKed range.</summary>
    public readonly bool IsSacked(TcpSeqNumber seq)
    {
        for (int i = 0; i < Capacity; i++)
            if (seq >= _ranges[i].Left && seq < _ranges[i].Right) return true;
        return false;
    }

    /// <summary>
    /// The first unSACKed byte at or above <paramref name="from"/> and how many unSACKed bytes follow it
    /// before the next SACKed range or <paramref name="limit"/>: where a go-back-N resend after a timeout
    /// goes next without repeating what the receiver already holds (RFC 6675 §5.1 keeps using SACK then).
    /// </summary>
    public readonly TcpSeqNumber SkipSacked(TcpSeqNumber from, TcpSeqNumber limit, out int length)
    {
        var start = from;
        var end = limit;
        int count = RangeCount;
        for (int i = 0; i < count; i++)
        {
            var r = _ranges[i];
            if (r.Right <= start) continue;
            if (r.Left <= start) { start = r.Right; continue; }
            end = TcpSeqNumber.Min(end, r.Left);
            break;
        }
        if (start > limit) start = limit;
        length = Math.Max(0, end - start);
        return start;
    }

    /// <summary>
    /// Applies an ACK (RFC 6675 §4 Update()): drops what <paramref name="sndUna"/> (SND.UNA after this ACK's
    /// cumulative acknowledgment) now covers and adds the SACK <paramref name="blocks"/>, in any order,
    /// overlapping or not. Blocks that are empty, reversed, or not within (SND.UNA, SND.NXT] are ignored
    /// (RFC 2018 §4 gives them no meaning; a hostile peer must not mark unsent data). A first block below
    /// SND.UNA or inside a later block is a D-SACK (RFC 2883 §4): it reports a duplicate, not new data, so
    /// it is skipped. Returns true when the first block was such a D-SACK.
    /// </summary>
    public bool Update(TcpSeqNumber sndUna, TcpSackBlocks blocks, TcpSeqNumber sndNxt)
    {
        ClipTo(sndUna, sndNxt);
        bool duplicateSack = false;
        for (int i = 0; i < blocks.Count; i++)
        {
            var block = blocks[i];
            if (i == 0 && IsDuplicateSack(block, blocks, sndUna, sndNxt))
            {
                duplicateSack = true;
                continue;
            }
            if (sndUna < block.Left && block.Left < block.Right && block.Right <= sndNxt)
                Insert(block);
        }
        return duplicateSack;
    }

    /// <summary>
    /// RFC 6675 §4 IsLost(SeqNum): true when at least DupThresh discontiguous SACKed ranges lie above
    /// <paramref name="seq"/>, or more than (DupThresh − 1)·SMSS bytes above it are SACKed.
    /// </summary>
    public readonly bool IsLost(TcpSeqNumber seq, int mss)
    {
        int rangesAbove = 0;
        long bytesAbove = 0;
        var next = seq + 1;
        for (int i = 0; i < Capacity; i++)
        {
            var r = _ranges[i];
            if (IsEmpty(r)) break;
            if (r.Left > seq) rangesAbove++;
            if (r.Right > next) bytesAbove += r.Right - TcpSeqNumber.Max(r.Left, next);
        }
        return IsLostAbove(rangesAbove, bytesAbove, mss);
    }

    /// <summary>
    /// RFC 6675 §4 SetPipe(): the bytes in flight, counting each unSACKed byte of [SND.UNA, SND.NXT) once
    /// if it is not deemed lost (its original may still arrive) and once more if it was retransmitted in
    /// this recovery (below <paramref name="highRxt"/>, see the remarks for its convention).
    /// </summary>
    public readonly int Pipe(TcpSeqNumber sndUna, TcpSeqNumber sndNxt, TcpSeqNumber highRxt, int mss)
    {
        var view = new Window(this, sndUna, sndNxt, highRxt);
        long pipe = 0;
        for (int hole = 0; hole <= view.RangeCount; hole++)
        {
            var (start, end) = view.Hole(hole);
            if (end <= start) continue;
            // Within one hole every byte has the same SACKed data above it, so IsLost() answers once for the hole.
            if (!view.IsHoleLost(hole, mss)) pipe += end - start;
            pipe += Math.Max(0, Math.Min(end, view.Retransmitted) - start);
        }
        return (int)Math.Min(pipe, int.MaxValue);
    }

    /// <summary>
    /// RFC 6675 §4 NextSeg() with rule 2 always allowed: see <see cref="NextSegment"/>. New data is reported
    /// as <paramref name="start"/> = SND.NXT, <paramref name="length"/> = SMSS, not a retransmission; a
    /// caller with no new data to send (or no window for it) uses <see cref="NextSegment"/> with
    /// <c>newDataAllowed: false</c> to reach rules 3 and 4.
    /// </summary>
    public readonly bool TryNextSegment(TcpSeqNumber sndUna, TcpSeqNumber sndNxt, TcpSeqNumber highRxt, int mss,
        out TcpSeqNumber start, out int length, out bool isRetransmission)
    {
        var rule = NextSegment(sndUna, sndNxt, highRxt, mss, newDataAllowed: true, rescueAllowed: false, out start, out length);
        isRetransmission = rule is NextSegmentRule.Lost or NextSegmentRule.Unsacked or NextSegmentRule.Rescue;
        return rule != NextSegmentRule.None;
    }

    /// <summary>
    /// RFC 6675 §4 NextSeg(): what to send next during SACK recovery, at most <paramref name="mss"/> bytes.
    /// (1) the first unSACKed bytes at or above HighRxt and below the highest SACKed byte that IsLost()
    /// says are lost; else (2) new data at SND.NXT, when <paramref name="newDataAllowed"/>; else (3) the
    /// first such unSACKed bytes even if not deemed lost; else (4) once per recovery, a rescue
    /// retransmission ending at the highest unSACKed byte (retransmitted already or not: a second copy is
    /// what saves a lost retransmission of the last hole from a timeout), when <paramref name="rescueAllowed"/>:
    /// the caller allows it once per recovery (RFC 6675 sets RescueRxt to RecoveryPoint, so a rescue waits
    /// for the next recovery). A retransmission stops at the next SACKed range.
    /// </summary>
    public readonly NextSegmentRule NextSegment(TcpSeqNumber sndUna, TcpSeqNumber sndNxt, TcpSeqNumber highRxt, int mss,
        bool newDataAllowed, bool rescueAllowed, out TcpSeqNumber start, out int length)
    {
        start = sndNxt;
        length = 0;
        if (mss <= 0) return NextSegmentRule.None;
        var view = new Window(this, sndUna, sndNxt, highRxt);

        // Rules 1 and 3 look at the holes below the highest SACKed range, from HighRxt up. IsLost() can only
        // weaken going up (less is SACKed above), so if the first candidate is not lost none above it is.
        for (int hole = 0; hole < view.RangeCount; hole++)
        {
            var (holeStart, end) = view.Hole(hole);
            int from = Math.Max(holeStart, view.Retransmitted);
            if (from >= end) continue;
            start = sndUna + from;
            length = Math.Min(end - from, mss);
            if (view.IsHoleLost(hole, mss)) return NextSegmentRule.Lost;
            if (newDataAllowed) break;
            return NextSegmentRule.Unsacked;
        }

        if (newDataAllowed)
        {
            start = sndNxt;
            length = mss;
            return NextSegmentRule.NewData;
        }

        // Rule 4: one rescue per recovery, of the highest unSACKed bytes (whose loss no SACK can reveal).
        if (rescueAllowed)
        {
            for (int hole = view.RangeCount; hole >= 0; hole--)
            {
                var (holeStart, end) = view.Hole(hole);
                if (end <= holeStart) continue;
                int from = Math.Max(holeStart, end - mss);
                start = sndUna + from;
                length = end - from;
                return NextSegmentRule.Rescue;
            }
        }
        start = sndNxt;
        length = 0;
        return NextSegmentRule.None;
    }

    private static bool IsEmpty(HeldRange range) => range.Left == range.Right;

    private static bool IsLostAbove(int rangesAbove, long bytesAbove, int mss)
        => rangesAbove >= DupThresh || bytesAbove > (long)(DupThresh - 1) * mss;

    /// <summary>
    /// RFC 2883 §4: the first block is a D-SACK when it lies below the cumulative ACK, or inside another
    /// block of the same option (a duplicate of data SACKed as part of a larger range).
    /// </summary>
    private static bool IsDuplicateSack(TcpSackBlock first, TcpSackBlocks blocks, TcpSeqNumber sndUna, TcpSeqNumber sndNxt)
    {
        if (!(first.Left < first.Right) || first.Right > sndNxt) return false;
        if (first.Left < sndUna) return true;
        for (int j = 1; j < blocks.Count; j++)
        {
            var other = blocks[j];
            if (other.Left < other.Right && other.Left <= first.Left && first.Right <= other.Right) return true;
        }
        return false;
    }

    /// <summary>Keeps only what lies in [SND.UNA, SND.NXT): ranges the cumulative ACK passed are dropped or cut.</summary>
    private void ClipTo(TcpSeqNumber sndUna, TcpSeqNumber sndNxt)
    {
        int window = Math.Max(sndNxt - sndUna, 0);
        int count = RangeCount, kept = 0;
        for (int i = 0; i < count; i++)
        {
            // In offsets from SND.UNA, so a range left from a far older window (any distance) cannot compare wrongly.
            long left = Math.Max((long)(_ranges[i].Left - sndUna), 0);
            long right = Math.Min((long)(_ranges[i].Right - sndUna), window);
            if (right <= left) continue;
            _ranges[kept++] = new HeldRange(sndUna + (int)left, sndUna + (int)right);
        }
        for (int i = kept; i < count; i++) _ranges[i] = default;
    }

    /// <summary>Adds a SACKed range, merging with every range it overlaps or touches; when full, the lowest range goes.</summary>
    private void Insert(TcpSackBlock block)
    {
        var left = block.Left;
        var right = block.Right;
        int n = RangeCount;
        int first = 0;
        while (first < n && _ranges[first].Right < left) first++;
        int last = first;
        while (last < n && _ranges[last].Left <= right)
        {
            left = TcpSeqNumber.Min(left, _ranges[last].Left);
            right = TcpSeqNumber.Max(right, _ranges[last].Right);
            last++;
        }
        int merged = last - first;
        if (merged > 0)
        {
            // Ranges first..last-1 become one: close the gap they leave.
            _ranges[first] = new HeldRange(left, right);
            for (int i = last; i < n; i++) _ranges[i - merged + 1] = _ranges[i];
            for (int i = n - merged + 1; i < n; i++) _ranges[i] = default;
            return;
        }
        if (n == Capacity)
        {
            // Full: keep the highest ranges. A new range below all of them is the one to forget.
            if (first == 0) return;
            for (int i = 1; i < first; i++) _ranges[i - 1] = _ranges[i];
            _ranges[first - 1] = new HeldRange(left, right);
            return;
        }
        for (int i = n; i > first; i--) _ranges[i] = _ranges[i - 1];
        _ranges[first] = new HeldRange(left, right);
    }

    /// <summary>
    /// The scoreboard seen from one call's SND.UNA, SND.NXT and HighRxt, in byte offsets from SND.UNA:
    /// ranges clipped to the window, the holes between them (hole i lies just below range i; hole
    /// <see cref="RangeCount"/> runs from the highest range to SND.NXT), and the SACKed data above each hole.
    /// </summary>
    private readonly ref struct Window
    {
        private readonly ref readonly SackScoreboard _board;
        private readonly TcpSeqNumber _sndUna;
        private readonly int _size;

        public Window(in SackScoreboard board, TcpSeqNumber sndUna, TcpSeqNumber sndNxt, TcpSeqNumber highRxt)
        {
            _board = ref board;
            _sndUna = sndUna;
            _size = Math.Max(sndNxt - sndUna, 0);
            Retransmitted = Math.Clamp(highRxt - sndUna, 0, _size);
            RangeCount = board.RangeCount;
        }

        /// <summary>HighRxt as an offset: bytes below it were retransmitted in this recovery.</summary>
        public int Retransmitted { get; }

        /// <summary>How many ranges the scoreboard holds (some may clip to nothing in this window).</summary>
        public int RangeCount { get; }

        /// <summary>Range <paramref name="i"/> clipped to [0, size) as offsets; empty when outside.</summary>
        public (int Start, int End) Clipped(int i)
        {
            var r = _board._ranges[i];
            int start = (int)Math.Clamp((long)(r.Left - _sndUna), 0, _size);
            int end = (int)Math.Clamp((long)(r.Right - _sndUna), start, _size);
            return (start, end);
        }

        /// <summary>The unSACKed bytes just below range <paramref name="i"/> (or above the last range when i = RangeCount).</summary>
        public (int Start, int End) Hole(int i)
        {
            int start = i == 0 ? 0 : Clipped(i - 1).End;
            int end = i == RangeCount ? _size : Clipped(i).Start;
            return (start, Math.Max(end, start));
        }

        /// <summary>IsLost() for every byte of hole <paramref name="i"/>: the ranges above it are ranges i and up.</summary>
        public bool IsHoleLost(int i, int mss)
        {
            int ranges = 0;
            long bytes = 0;
            for (int j = i; j < RangeCount; j++)
            {
                var (start, end) = Clipped(j);
                if (end <= start) continue;
                ranges++;
                bytes += end - start;
            }
            return IsLostAbove(ranges, bytes, mss);
        }
    }
}
