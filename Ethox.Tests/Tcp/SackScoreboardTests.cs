using System;
using System.Runtime.CompilerServices;
using Ethox.Layer.Tcp;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

public class SackScoreboardTests
{
    private const int Mss = 1000;
    private const uint Low = 1000, NearWrap = 0xFFFF_F000; // the second makes every scenario cross 2^32

    private static TcpSackBlocks Blocks(uint origin, params (uint Left, uint Right)[] blocks)
    {
        var list = new TcpSackBlock[blocks.Length];
        for (int i = 0; i < blocks.Length; i++)
            list[i] = new TcpSackBlock(new TcpSeqNumber(origin + blocks[i].Left), new TcpSeqNumber(origin + blocks[i].Right));
        return new TcpSackBlocks(list);
    }

    private static TcpSeqNumber S(uint origin, uint offset) => new(origin + offset);

    /// <summary>una = 1000, nxt = 11000 (ten segments), SACKed 3000–4000, 5000–6000, 7000–8000 (offsets from origin).</summary>
    private static SackScoreboard ThreeHoles(uint origin)
    {
        var board = new SackScoreboard();
        board.Update(S(origin, 1000), Blocks(origin, (7000, 8000), (5000, 6000), (3000, 4000)), S(origin, 11000));
        return board;
    }

    [TestCase(Low)]
    [TestCase(NearWrap)]
    public void Update_takes_blocks_in_any_order_and_merges_overlapping_or_touching_ranges_rfc2018(uint o)
    {
        var board = new SackScoreboard();
        board.Update(S(o, 0), Blocks(o, (5000, 6000), (2000, 3000)), S(o, 10000));
        Assert.That(board.RangeCount, Is.EqualTo(2));
        board.Update(S(o, 0), Blocks(o, (2500, 5500)), S(o, 10000));
        Assert.That(board.RangeCount, Is.EqualTo(1));
        board.Update(S(o, 0), Blocks(o, (6000, 7000)), S(o, 10000));
        Assert.That(board.RangeCount, Is.EqualTo(1), "touching ranges are one");
        Assert.That(board.Range(0), Is.EqualTo(new TcpSackBlock(S(o, 2000), S(o, 7000))));
        Assert.That(board.SackedBytes, Is.EqualTo(5000));
        Assert.That(board.IsSacked(S(o, 1999)), Is.False);
        Assert.That(board.IsSacked(S(o, 2000)), Is.True);
        Assert.That(board.IsSacked(S(o, 6999)), Is.True);
        Assert.That(board.IsSacked(S(o, 7000)), Is.False);
    }

    [TestCase(Low)]
    [TestCase(NearWrap)]
    public void Blocks_outside_snd_una_to_snd_nxt_are_ignored(uint o)
    {
        var board = new SackScoreboard();
        board.Update(S(o, 1000), Blocks(o, (2000, 3000), (4000, 6000), (3500, 3400), (1000, 1500)), S(o, 5000));
        Assert.That(board.RangeCount, Is.EqualTo(1), "beyond SND.NXT, reversed, and starting at SND.UNA are all refused");
        Assert.That(board.Range(0), Is.EqualTo(new TcpSackBlock(S(o, 2000), S(o, 3000))));

        board.Update(S(o, 1000), Blocks(o, (2000, 3000), (0x8000_0000, 0x8000_1000), (3000, 3000)), S(o, 5000));
        Assert.That(board.SackedBytes, Is.EqualTo(1000), "a block half the sequence space away, or empty, marks nothing");
        Assert.That(board.Range(board.RangeCount - 1).Right, Is.EqualTo(S(o, 3000)));
    }

    [TestCase(Low)]
    [TestCase(NearWrap)]
    public void Cumulative_ack_drops_covered_ranges_and_trims_the_one_it_cuts(uint o)
    {
        var board = new SackScoreboard();
        board.Update(S(o, 1000), Blocks(o, (2000, 3000), (4000, 6000)), S(o, 10000));
        board.Update(S(o, 5000), default, S(o, 10000));
        Assert.That(board.RangeCount, Is.EqualTo(1));
        Assert.That(board.Range(0), Is.EqualTo(new TcpSackBlock(S(o, 5000), S(o, 6000))));
        Assert.That(board.SackedBytes, Is.EqualTo(1000));
        board.Update(S(o, 6000), default, S(o, 10000));
        Assert.That(board.RangeCount, Is.Zero);
        Assert.That(board.Range(0), Is.EqualTo(default(TcpSackBlock)), "an empty block where no range is held");
    }

    [TestCase(Low)]
    [TestCase(NearWrap)]
    public void First_block_below_snd_una_is_a_dsack_and_marks_nothing_rfc2883_section_4(uint o)
    {
        var board = new SackScoreboard();
        Assert.That(board.Update(S(o, 3000), Blocks(o, (1000, 2000), (4000, 5000)), S(o, 10000)), Is.True);
        Assert.That(board.RangeCount, Is.EqualTo(1));
        Assert.That(board.Range(0), Is.EqualTo(new TcpSackBlock(S(o, 4000), S(o, 5000))));

        Assert.That(board.Update(S(o, 3000), Blocks(o, (6000, 7000)), S(o, 10000)), Is.False, "each update says only for itself");

        Assert.That(board.Update(S(o, 3000), Blocks(o, (4000, 5000), (1000, 2000)), S(o, 10000)), Is.False, "only the first block can be a D-SACK");
    }

    [TestCase(Low)]
    [TestCase(NearWrap)]
    public void First_block_inside_a_later_block_is_a_dsack_rfc2883_section_4(uint o)
    {
        var board = new SackScoreboard();
        Assert.That(board.Update(S(o, 1000), Blocks(o, (3000, 3500), (2000, 4000)), S(o, 10000)), Is.True);
        Assert.That(board.RangeCount, Is.EqualTo(1));
        Assert.That(board.Range(0), Is.EqualTo(new TcpSackBlock(S(o, 2000), S(o, 4000))), "the containing block still counts");
    }

    [TestCase(Low)]
    [TestCase(NearWrap)]
    public void IsLost_needs_three_sacked_ranges_or_more_than_two_segments_sacked_above_rfc6675_section_4(uint o)
    {
        var board = new SackScoreboard();
        board.Update(S(o, 1000), Blocks(o, (2000, 3000), (4000, 5000)), S(o, 20000));
        Assert.That(board.IsLost(S(o, 1000), Mss), Is.False, "two ranges, exactly 2·SMSS above: not lost");
        board.Update(S(o, 1000), Blocks(o, (6000, 6001)), S(o, 20000));
        Assert.That(board.IsLost(S(o, 1000), Mss), Is.True, "three discontiguous ranges above");
        Assert.That(board.IsLost(S(o, 3000), Mss), Is.False, "above 3000 only two ranges and 1001 bytes");

        var bytes = new SackScoreboard();
        bytes.Update(S(o, 1000), Blocks(o, (2000, 4001)), S(o, 20000));
        Assert.That(bytes.IsLost(S(o, 1000), Mss), Is.True, "one range, 2001 bytes > 2·SMSS");
        Assert.That(bytes.IsLost(S(o, 2000), Mss), Is.False, "bytes above 2000 exclude 2000 itself: exactly 2000");
    }

    [TestCase(Low)]
    [TestCase(NearWrap)]
    public void Pipe_counts_unsacked_bytes_not_lost_plus_bytes_retransmitted_rfc6675_section_4_setpipe(uint o)
    {
        var board = ThreeHoles(o);
        // 1000–3000 lost (three ranges above), 4000–5000 and 6000–7000 in flight, 8000–11000 in flight.
        Assert.That(board.Pipe(S(o, 1000), S(o, 11000), S(o, 1000), Mss), Is.EqualTo(5000));
        Assert.That(board.Pipe(S(o, 1000), S(o, 11000), S(o, 2000), Mss), Is.EqualTo(6000), "the retransmission of 1000–2000 is in flight");
        Assert.That(board.Pipe(S(o, 1000), S(o, 11000), S(o, 5000), Mss), Is.EqualTo(8000), "retransmitted bytes not lost count twice");
    }

    [TestCase(Low)]
    [TestCase(NearWrap)]
    public void NextSegment_follows_the_rules_of_rfc6675_section_4_nextseg(uint o)
    {
        var board = ThreeHoles(o);
        var una = S(o, 1000);
        var nxt = S(o, 11000);

        Assert.That(board.NextSegment(una, nxt, S(o, 1000), Mss, true, rescueAllowed: true, out var start, out int length), Is.EqualTo(NextSegmentRule.Lost));
        Assert.That((start, length), Is.EqualTo((S(o, 1000), 1000)), "rule 1: the first lost byte above HighRxt");
        Assert.That(board.NextSegment(una, nxt, S(o, 2000), Mss, true, rescueAllowed: true, out start, out length), Is.EqualTo(NextSegmentRule.Lost));
        Assert.That((start, length), Is.EqualTo((S(o, 2000), 1000)));

        Assert.That(board.NextSegment(una, nxt, S(o, 3000), Mss, true, rescueAllowed: true, out start, out length), Is.EqualTo(NextSegmentRule.NewData));
        Assert.That((start, length), Is.EqualTo((nxt, Mss)), "rule 2: 4000–5000 is not lost yet, new data goes first");
        Assert.That(board.NextSegment(una, nxt, S(o, 3000), Mss, false, rescueAllowed: true, out start, out length), Is.EqualTo(NextSegmentRule.Unsacked));
        Assert.That((start, length), Is.EqualTo((S(o, 4000), 1000)), "rule 3: no new data, the first unSACKed hole");

        Assert.That(board.TryNextSegment(una, nxt, S(o, 1000), Mss, out start, out length, out bool retransmission), Is.True);
        Assert.That((start, length, retransmission), Is.EqualTo((S(o, 1000), 1000, true)));
        Assert.That(board.TryNextSegment(una, nxt, S(o, 3000), Mss, out start, out length, out retransmission), Is.True);
        Assert.That((start, length, retransmission), Is.EqualTo((nxt, Mss, false)));
    }

    [TestCase(Low)]
    [TestCase(NearWrap)]
    public void Rescue_retransmits_the_highest_unsacked_segment_when_the_recovery_has_not_had_one_rfc6675_section_4_rule_4(uint o)
    {
        var board = ThreeHoles(o);
        var una = S(o, 1000);
        var nxt = S(o, 11000);
        Assert.That(board.NextSegment(una, nxt, S(o, 8000), Mss, false, rescueAllowed: true, out var start, out int length), Is.EqualTo(NextSegmentRule.Rescue));
        Assert.That((start, length), Is.EqualTo((S(o, 10000), 1000)), "it ends at the highest unSACKed byte");
        Assert.That(board.NextSegment(una, nxt, S(o, 8000), Mss, false, rescueAllowed: false, out _, out _), Is.EqualTo(NextSegmentRule.None),
            "RescueRxt = RecoveryPoint: once the recovery had its rescue, nothing more");
        Assert.That(board.NextSegment(una, nxt, S(o, 8000), Mss, false, rescueAllowed: true, out start, out _), Is.EqualTo(NextSegmentRule.Rescue),
            "asking marks nothing: the scoreboard holds no rescue state");
        Assert.That(start, Is.EqualTo(S(o, 10000)));
    }

    [TestCase(Low)]
    [TestCase(NearWrap)]
    public void A_retransmission_stops_at_the_next_sacked_range(uint o)
    {
        var board = ThreeHoles(o);
        var una = S(o, 1000);
        var nxt = S(o, 11000);
        Assert.That(board.NextSegment(una, nxt, una, 1500, true, rescueAllowed: true, out var start, out int length), Is.EqualTo(NextSegmentRule.Lost));
        Assert.That((start, length), Is.EqualTo((una, 1500)));
        Assert.That(board.NextSegment(una, nxt, S(o, 2500), 1500, true, rescueAllowed: true, out start, out length), Is.EqualTo(NextSegmentRule.Lost));
        Assert.That((start, length), Is.EqualTo((S(o, 2500), 500)), "never into the SACKed 3000–4000");
    }

    [Test]
    public void A_full_scoreboard_of_four_ranges_drops_the_lowest_and_never_invents_sacked_bytes()
    {
        const uint o = NearWrap;
        var board = new SackScoreboard();
        for (uint k = 1; k <= 6; k++)
            board.Update(S(o, 0), Blocks(o, (k * 1000 + 100, k * 1000 + 600)), S(o, 20000));
        Assert.That(board.RangeCount, Is.EqualTo(SackScoreboard.Capacity));
        Assert.That(SackScoreboard.Capacity, Is.EqualTo(4), "as many as one SACK option carries (RFC 2018 §3)");
        for (uint k = 1; k <= 6; k++)
        {
            Assert.That(board.IsSacked(S(o, k * 1000 + 100)), Is.EqualTo(k >= 3), $"range {k}: the two lowest are forgotten");
            Assert.That(board.IsSacked(S(o, k * 1000 + 700)), Is.False, "a gap is never SACKed");
        }
        board.Update(S(o, 0), Blocks(o, (50, 60)), S(o, 20000));
        Assert.That(board.IsSacked(S(o, 50)), Is.False, "a new lowest range is the one not kept");
        Assert.That(board.Range(0), Is.EqualTo(new TcpSackBlock(S(o, 3100), S(o, 3600))));
        board.Update(S(o, 0), Blocks(o, (3600, 4100)), S(o, 20000));
        Assert.That(board.RangeCount, Is.EqualTo(3), "a block joining two ranges frees a place");
        board.Update(S(o, 0), Blocks(o, (15000, 16000)), S(o, 20000));
        Assert.That(board.RangeCount, Is.EqualTo(4));
        Assert.That(board.IsSacked(S(o, 3100)), Is.True, "no range had to go");
        Assert.That(board.SackedBytes, Is.EqualTo(2 * 500 + 1500 + 1000), "ranges 5–6, 3100–4600, 15000–16000");
        board.Update(S(o, 0), Blocks(o, (17000, 18000)), S(o, 20000));
        Assert.That(board.IsSacked(S(o, 3100)), Is.False, "a new highest range pushes out the lowest");
        Assert.That(board.IsSacked(S(o, 17000)), Is.True);
        Assert.That(board.Range(3), Is.EqualTo(new TcpSackBlock(S(o, 17000), S(o, 18000))));
    }

    [Test]
    public void Reset_forgets_every_range()
    {
        var board = ThreeHoles(Low);
        board.Reset();
        Assert.That(board.RangeCount, Is.Zero);
        Assert.That(board.SackedBytes, Is.Zero);
        Assert.That(board.IsSacked(S(Low, 3000)), Is.False);
        Assert.That(board.Pipe(S(Low, 1000), S(Low, 11000), S(Low, 1000), Mss), Is.EqualTo(10_000), "everything is in flight again");
    }

    [Test]
    public void Random_updates_match_rfc6675_read_octet_by_octet()
    {
        var rng = new Random(6675);
        int comparisons = 0, duplicateSacks = 0, overflowedTrials = 0;
        var rules = new int[5];
        for (int trial = 0; trial < 300; trial++)
        {
            uint origin = rng.Next(3) == 0 ? 0xFFFF_F800u : (uint)rng.NextInt64(0, 1L << 32);
            int mss = rng.Next(1, 4) * 100;
            var model = new OctetModel();
            var held = new OctetModel();
            var board = new SackScoreboard();
            int una = 0, nxt = rng.Next(500, 3000);
            bool overflowed = false;
            for (int step = 0; step < 40; step++)
            {
                if (rng.Next(3) == 0) una = Math.Min(nxt, una + rng.Next(0, 600));
                if (rng.Next(3) == 0) nxt += rng.Next(0, 800);
                var blocks = new TcpSackBlock[rng.Next(0, 5)];
                var offsets = new (int Left, int Right)[blocks.Length];
                for (int i = 0; i < blocks.Length; i++)
                {
                    int left = una + rng.Next(-300, nxt - una + 300);
                    int right = left + rng.Next(-50, trial % 2 == 0 ? 700 : 120); // odd trials: small blocks, many ranges
                    if (i == 0 && rng.Next(4) == 0) { left = una - rng.Next(1, 500); right = left + rng.Next(1, 400); }
                    offsets[i] = (left, right);
                    blocks[i] = new TcpSackBlock(new TcpSeqNumber(origin + (uint)left), new TcpSeqNumber(origin + (uint)right));
                }
                bool boardDsack = board.Update(new TcpSeqNumber(origin + (uint)una), new TcpSackBlocks(blocks), new TcpSeqNumber(origin + (uint)nxt));
                bool dsack = model.Update(una, offsets, nxt);
                overflowed |= model.MaxRuns > SackScoreboard.Capacity;
                Assert.That(boardDsack, Is.EqualTo(dsack), $"trial {trial} step {step}: D-SACK");
                if (dsack) duplicateSacks++;

                // Safety always; completeness as long as the scoreboard never had to forget.
                held.Clear();
                for (int x = una; x < nxt; x++)
                {
                    bool sacked = board.IsSacked(new TcpSeqNumber(origin + (uint)x));
                    if (sacked) Assert.That(model.IsSacked(x), Is.True, $"trial {trial} step {step}: byte {x} was never SACKed");
                    else if (!overflowed) Assert.That(model.IsSacked(x), Is.False, $"trial {trial} step {step}: byte {x} was SACKed");
                    held.Mark(x, sacked);
                }

                // The algorithms over what the scoreboard holds, against RFC 6675 read literally.
                int rxt = una + rng.Next(0, nxt - una + 1);
                var seqUna = new TcpSeqNumber(origin + (uint)una);
                var seqNxt = new TcpSeqNumber(origin + (uint)nxt);
                var seqRxt = new TcpSeqNumber(origin + (uint)rxt);
                Assert.That(board.Pipe(seqUna, seqNxt, seqRxt, mss), Is.EqualTo(held.Pipe(una, nxt, rxt, mss)), $"trial {trial} step {step}: pipe");
                int probe = una + rng.Next(0, Math.Max(1, nxt - una));
                Assert.That(board.IsLost(new TcpSeqNumber(origin + (uint)probe), mss), Is.EqualTo(held.IsLost(probe, nxt, mss)), $"trial {trial} step {step}: IsLost");
                foreach (bool newData in new[] { true, false })
                {
                    var rule = board.NextSegment(seqUna, seqNxt, seqRxt, mss, newData, rescueAllowed: true, out var start, out int length);
                    var (expectedRule, expectedStart, expectedLength) = held.NextSegment(una, nxt, rxt, mss, newData);
                    Assert.That(rule, Is.EqualTo(expectedRule), $"trial {trial} step {step}: rule (new data {newData})");
                    if (rule != NextSegmentRule.None)
                        Assert.That((start, length), Is.EqualTo((new TcpSeqNumber(origin + (uint)expectedStart), expectedLength)), $"trial {trial} step {step}: segment");
                    comparisons++;
                    rules[(int)rule]++;
                }
            }
            if (overflowed) overflowedTrials++;
        }
        Assert.That(comparisons, Is.EqualTo(300 * 40 * 2));
        Assert.That(rules, Has.All.GreaterThan(100), "every rule of NextSeg was exercised (None, 1, 2, 3, 4)");
        Assert.That(duplicateSacks, Is.GreaterThan(100));
        Assert.That(overflowedTrials, Is.InRange(10, 290), "trials with and without a full scoreboard");
    }

    [Test]
    public void Scoreboard_allocates_nothing()
    {
        const uint o = NearWrap;
        var board = new SackScoreboard();
        var blocks = Blocks(o, (7000, 8000), (5000, 6000), (3000, 4000));
        long before = GC.GetAllocatedBytesForCurrentThread();
        long total = 0;
        for (int i = 0; i < 100_000; i++)
        {
            board.Update(S(o, 1000), blocks, S(o, 11000));
            total += board.Pipe(S(o, 1000), S(o, 11000), S(o, 2000), Mss);
            if (board.TryNextSegment(S(o, 1000), S(o, 11000), S(o, 1000), Mss, out _, out int length, out _)) total += length;
            if (board.IsLost(S(o, 1000), Mss)) total++;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(total, Is.EqualTo(100_000L * (6000 + 1000 + 1)));
    }

    [Test]
    public void Scoreboard_is_its_four_ranges_alone_28_bytes()
    {
        Assert.That(Unsafe.SizeOf<SackScoreboard>(), Is.EqualTo(28), "a left edge and a 24-bit length a range");
    }

    /// <summary>
    /// RFC 6675 §4 read literally over a set of SACKed byte offsets, one byte at a time: the reference the
    /// scoreboard is checked against. Offsets are from an arbitrary origin (from −Shift on); a trial never
    /// spans 2^31.
    /// </summary>
    private sealed class OctetModel
    {
        private const int Shift = 1000;
        private readonly bool[] _sacked = new bool[64 * 1024];

        public int MaxRuns { get; private set; }

        public bool IsSacked(int x) => _sacked[x + Shift];

        public void Mark(int x, bool sacked) => _sacked[x + Shift] = sacked;

        public void Clear() => Array.Clear(_sacked);

        /// <summary>RFC 2018/2883 as the scoreboard documents them; returns whether the first block was a D-SACK.</summary>
        public bool Update(int una, (int Left, int Right)[] blocks, int nxt)
        {
            Array.Clear(_sacked, 0, una + Shift);
            Array.Clear(_sacked, nxt + Shift, _sacked.Length - nxt - Shift);
            bool dsack = false;
            for (int i = 0; i < blocks.Length; i++)
            {
                var (left, right) = blocks[i];
                if (i == 0 && left < right && right <= nxt
                    && (left < una || Array.Exists(blocks[1..], b => b.Left < b.Right && b.Left <= left && right <= b.Right)))
                {
                    dsack = true;
                    continue;
                }
                if (una < left && left < right && right <= nxt)
                {
                    for (int x = left; x < right; x++) Mark(x, true);
                    MaxRuns = Math.Max(MaxRuns, RunsAbove(una - 1, nxt));
                }
            }
            return dsack;
        }

        /// <summary>The discontiguous SACKed sequences above <paramref name="seq"/>: runs whose first byte is after it.</summary>
        private int RunsAbove(int seq, int nxt)
        {
            int runs = 0;
            for (int x = seq + 1; x < nxt; x++)
                if (IsSacked(x) && !IsSacked(x - 1)) runs++;
            return runs;
        }

        private int BytesAbove(int seq, int nxt)
        {
            int bytes = 0;
            for (int x = seq + 1; x < nxt; x++)
                if (IsSacked(x)) bytes++;
            return bytes;
        }

        /// <summary>IsLost(SeqNum): DupThresh discontiguous SACKed sequences above it, or more than (DupThresh − 1)·SMSS SACKed bytes above it.</summary>
        public bool IsLost(int seq, int nxt, int mss) => IsLostAbove(RunsAbove(seq, nxt), BytesAbove(seq, nxt), mss);

        private static bool IsLostAbove(int runsAbove, int bytesAbove, int mss)
            => runsAbove >= SackScoreboard.DupThresh || bytesAbove > (SackScoreboard.DupThresh - 1) * mss;

        /// <summary>IsLost() of every byte of [una, nxt), from sums taken from the top down.</summary>
        private bool[] LostBytes(int una, int nxt, int mss)
        {
            var lost = new bool[nxt - una];
            int runs = 0, bytes = 0; // above the byte being looked at
            for (int x = nxt - 1; x >= una; x--)
            {
                lost[x - una] = IsLostAbove(runs, bytes, mss);
                if (IsSacked(x))
                {
                    bytes++;
                    if (!IsSacked(x - 1)) runs++;
                }
            }
            return lost;
        }

        /// <summary>SetPipe(): for each unSACKed octet, one if not lost, one more if retransmitted (below the exclusive HighRxt).</summary>
        public int Pipe(int una, int nxt, int rxt, int mss)
        {
            var lost = LostBytes(una, nxt, mss);
            int pipe = 0;
            for (int x = una; x < nxt; x++)
            {
                if (IsSacked(x)) continue;
                if (!lost[x - una]) pipe++;
                if (x < rxt) pipe++;
            }
            return pipe;
        }

        /// <summary>NextSeg() rules 1–4, a retransmission stopping at the next SACKed byte, the rescue available.</summary>
        public (NextSegmentRule, int Start, int Length) NextSegment(int una, int nxt, int rxt, int mss, bool newData)
        {
            var lost = LostBytes(una, nxt, mss);
            int highestSacked = -Shift;
            for (int x = una; x < nxt; x++) if (IsSacked(x)) highestSacked = x;
            int candidate = -Shift;
            for (int x = Math.Max(una, rxt); x < highestSacked; x++)
            {
                if (IsSacked(x)) continue;
                if (lost[x - una]) return (NextSegmentRule.Lost, x, Segment(x, nxt, mss));
                if (candidate == -Shift) candidate = x;
            }
            if (newData) return (NextSegmentRule.NewData, nxt, mss);
            if (candidate != -Shift) return (NextSegmentRule.Unsacked, candidate, Segment(candidate, nxt, mss));
            for (int x = nxt - 1; x >= una; x--)
            {
                if (IsSacked(x)) continue;
                int start = x;
                while (start > una && x - start + 1 < mss && !IsSacked(start - 1)) start--;
                return (NextSegmentRule.Rescue, start, x - start + 1);
            }
            return (NextSegmentRule.None, 0, 0);
        }

        private int Segment(int start, int nxt, int mss)
        {
            int end = start;
            while (end < nxt && end - start < mss && !IsSacked(end)) end++;
            return end - start;
        }
    }

    [Test]
    public void A_range_longer_than_2_to_the_24_keeps_its_first_bytes_which_only_costs_a_needless_retransmission()
    {
        var una = new TcpSeqNumber(4_000_000_000);
        var nxt = una + (1 << 25);
        var board = new SackScoreboard();
        var blocks = new TcpSackBlocks();
        blocks.TryAdd(new TcpSackBlock(una + 100, una + 100 + (1 << 24) + 500), out blocks);
        board.Update(una, blocks, nxt);
        Assert.That(board.Range(0), Is.EqualTo(new TcpSackBlock(una + 100, una + 100 + SackScoreboard.MaxRangeLength)));
        Assert.That(board.IsSacked(una + 100 + SackScoreboard.MaxRangeLength - 1), Is.True);
        Assert.That(board.IsSacked(una + 100 + SackScoreboard.MaxRangeLength), Is.False, "beyond the kept part: unSACKed");
    }
}
