using System;
using System.Runtime.CompilerServices;
using Ethox.Layer.Tcp;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

public class OutOfOrderRangesTests
{
    private static ReceivedRange[] All(in OutOfOrderRanges ranges)
    {
        var all = new ReceivedRange[ranges.Count];
        Assert.That(ranges.CopyTo(all), Is.EqualTo(ranges.Count));
        return all;
    }

    [Test]
    public void Three_ranges_are_held_inline_in_18_bytes_without_a_count()
    {
        Assert.That(OutOfOrderRanges.Capacity, Is.EqualTo(3), "what a SACK option carries beside timestamps (RFC 2018 §3)");
        Assert.That(Unsafe.SizeOf<OutOfOrderRanges>(), Is.EqualTo(18), "two 24-bit offsets a range");
        Assert.That(RuntimeHelpers.IsReferenceOrContainsReferences<OutOfOrderRanges>(), Is.False, "no heap");
    }

    [Test]
    public void Overlapping_and_adjacent_ranges_merge()
    {
        var ranges = new OutOfOrderRanges();
        Assert.That(ranges.Add(10, 20, out bool dropped), Is.EqualTo(10));
        Assert.That(dropped, Is.False);
        Assert.That(ranges.Add(20, 25, out _), Is.EqualTo(5), "adjacent");
        Assert.That(ranges.Add(5, 12, out _), Is.EqualTo(5), "overlapping: 5 new bytes");
        Assert.That(All(ranges), Is.EqualTo(new[] { new ReceivedRange(5, 25) }));
        Assert.That(ranges.Add(30, 40, out _), Is.EqualTo(10));
        Assert.That(ranges.Add(24, 31, out _), Is.EqualTo(5), "bridges two ranges");
        Assert.That(All(ranges), Is.EqualTo(new[] { new ReceivedRange(5, 40) }));
        Assert.That(ranges.Add(7, 9, out dropped), Is.Zero, "all duplicate");
        Assert.That(dropped, Is.False);
        Assert.That(ranges.Add(3, 3, out _), Is.Zero, "empty");
        Assert.That(ranges.Count, Is.EqualTo(1));
    }

    [Test]
    public void The_most_recently_changed_range_comes_first()
    {
        // RFC 2018 §4: the first SACK block holds the segment that triggered the ACK.
        var ranges = new OutOfOrderRanges();
        ranges.Add(10, 20, out _);
        ranges.Add(30, 40, out _);
        ranges.Add(50, 60, out _);
        Assert.That(All(ranges), Is.EqualTo(new[] { new ReceivedRange(50, 60), new ReceivedRange(30, 40), new ReceivedRange(10, 20) }));
        ranges.Add(20, 22, out _);
        Assert.That(All(ranges), Is.EqualTo(new[] { new ReceivedRange(10, 22), new ReceivedRange(50, 60), new ReceivedRange(30, 40) }));
        ranges.Add(35, 36, out _);
        Assert.That(ranges[0], Is.EqualTo(new ReceivedRange(30, 40)), "a duplicate also names its block first");
        Assert.That(ranges[3], Is.EqualTo(default(ReceivedRange)));
        ranges.Shift(25);
        Assert.That(All(ranges), Is.EqualTo(new[] { new ReceivedRange(5, 15), new ReceivedRange(25, 35) }), "a range shifted out frees its place");
        Assert.That(ranges[2], Is.EqualTo(default(ReceivedRange)));
        Assert.That(ranges[-1], Is.EqualTo(default(ReceivedRange)));
    }

    [Test]
    public void A_full_table_drops_new_islands_but_still_extends_ranges()
    {
        var ranges = new OutOfOrderRanges();
        for (int i = 0; i < 3; i++) Assert.That(ranges.Add(10 * i + 10, 10 * i + 15, out _), Is.EqualTo(5));
        Assert.That(ranges.Add(100, 110, out bool dropped), Is.Zero);
        Assert.That(dropped, Is.True);
        Assert.That(ranges.Count, Is.EqualTo(3));
        Assert.That(ranges.Add(15, 17, out dropped), Is.EqualTo(2));
        Assert.That(dropped, Is.False);
        Assert.That(ranges[0], Is.EqualTo(new ReceivedRange(10, 17)));
        Assert.That(ranges.Add(17, 30, out dropped), Is.EqualTo(8), "fills the gaps, touching all three ranges");
        Assert.That(All(ranges), Is.EqualTo(new[] { new ReceivedRange(10, 35) }));
        Assert.That(ranges.Add(100, 110, out dropped), Is.EqualTo(10));
        Assert.That(dropped, Is.False, "room again");
    }

    [Test]
    public void Shifting_moves_ranges_down_and_drops_what_falls_below_zero()
    {
        var ranges = new OutOfOrderRanges();
        ranges.Add(10, 20, out _);
        ranges.Add(30, 40, out _);
        ranges.Add(5, 8, out _);
        ranges.Shift(12);
        Assert.That(All(ranges), Is.EqualTo(new[] { new ReceivedRange(18, 28), new ReceivedRange(0, 8) }), "order kept; [5,8) dropped; [10,20) clipped");
        ranges.Shift(100);
        Assert.That(ranges.Count, Is.Zero);
    }

    [Test]
    public void Taking_the_front_removes_the_range_at_zero_and_shifts_the_rest()
    {
        var ranges = new OutOfOrderRanges();
        ranges.Add(10, 20, out _);
        Assert.That(ranges.TakeFront(), Is.Zero);
        ranges.Add(0, 4, out _);
        ranges.Add(30, 40, out _);
        Assert.That(ranges.TakeFront(), Is.EqualTo(4));
        Assert.That(All(ranges), Is.EqualTo(new[] { new ReceivedRange(26, 36), new ReceivedRange(6, 16) }));
        ranges.Clear();
        Assert.That(ranges.Count, Is.Zero);
    }

    [Test]
    public void Copying_into_a_short_span_gives_the_most_recent_ranges()
    {
        var ranges = new OutOfOrderRanges();
        for (int i = 0; i < 3; i++) ranges.Add(10 * i + 10, 10 * i + 15, out _);
        var two = new ReceivedRange[2];
        Assert.That(ranges.CopyTo(two), Is.EqualTo(2));
        Assert.That(two, Is.EqualTo(new[] { new ReceivedRange(30, 35), new ReceivedRange(20, 25) }));
        Assert.That(ranges.CopyTo(Span<ReceivedRange>.Empty), Is.Zero);
    }

    [Test]
    public void A_range_ending_beyond_2_to_the_24_is_dropped_offsets_are_kept_in_24_bits()
    {
        var ranges = new OutOfOrderRanges();
        Assert.That(ranges.Add(OutOfOrderRanges.MaxOffset - 10, OutOfOrderRanges.MaxOffset, out bool dropped), Is.EqualTo(10));
        Assert.That(dropped, Is.False);
        Assert.That(ranges[0], Is.EqualTo(new ReceivedRange(OutOfOrderRanges.MaxOffset - 10, OutOfOrderRanges.MaxOffset)));
        Assert.That(ranges.Add(100, OutOfOrderRanges.MaxOffset + 1, out dropped), Is.Zero);
        Assert.That(dropped, Is.True);
        Assert.That(ranges.Count, Is.EqualTo(1));
        ranges.Shift(OutOfOrderRanges.MaxOffset - 5);
        Assert.That(ranges[0], Is.EqualTo(new ReceivedRange(0, 5)));
    }
}
