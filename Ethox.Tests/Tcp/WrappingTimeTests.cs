using Ethox.Layer;
using Ethox.Layer.Tcp;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>The 32-bit times a connection keeps (<see cref="WrappingMicroseconds"/>, <see cref="WrappingMilliseconds"/>), near their wraps.</summary>
public class WrappingTimeTests
{
    private const long Wrap = 1L << 32; // µs for the first, ms for the second
    private static Instant Us(long us) => new(us);
    private static Instant Ms(long ms) => new(ms * 1000);

    [TestCase(0L)]
    [TestCase(Wrap)]
    [TestCase(5 * Wrap)]
    public void A_microsecond_deadline_compares_by_signed_distance_across_the_wrap(long turn)
    {
        var deadline = WrappingMicroseconds.From(Us(turn + 5));
        Assert.That(deadline.IsAtOrBefore(Us(turn - 10)), Is.False, "15 µs before, on the other side of the wrap");
        Assert.That(deadline.IsAtOrBefore(Us(turn + 4)), Is.False);
        Assert.That(deadline.IsAtOrBefore(Us(turn + 5)), Is.True, "due at its instant");
        Assert.That(deadline.IsAtOrBefore(Us(turn + 5 + int.MaxValue)), Is.True, "still due 35.8 minutes later");

        var beforeWrap = WrappingMicroseconds.From(Us(turn - 7));
        Assert.That(beforeWrap.IsAtOrBefore(Us(turn + 3)), Is.True, "due after the wrap");
        Assert.That(beforeWrap.IsAtOrBefore(Us(turn - 8)), Is.False);
    }

    [Test]
    public void Elapsed_microseconds_across_the_wrap_are_exact_and_negative_when_time_went_back()
    {
        var start = WrappingMicroseconds.From(Us(Wrap - 100));
        Assert.That(start.ElapsedAt(Us(Wrap + 150)), Is.EqualTo(new Duration(250)));
        Assert.That(start.ElapsedAt(Us(Wrap - 130)), Is.EqualTo(new Duration(-30)));
        Assert.That(start.ElapsedAt(Us(Wrap - 100 + int.MaxValue)), Is.EqualTo(new Duration(int.MaxValue)), "up to 35.8 minutes");
    }

    [TestCase(Wrap - 1)]
    [TestCase(Wrap + 1)]
    [TestCase(3 * Wrap + 12_345)]
    public void A_microsecond_instant_comes_back_in_full_from_any_reference_within_35_minutes(long at)
    {
        var kept = WrappingMicroseconds.From(Us(at));
        foreach (long offset in new long[] { -int.MaxValue, -1, 0, 1, int.MaxValue })
            Assert.That(kept.Near(Us(at + offset)), Is.EqualTo(Us(at)), $"reference {offset} µs away");
    }

    [Test]
    public void Not_set_stands_for_never_and_is_never_due()
    {
        Assert.That(WrappingMicroseconds.From(Instant.Never).IsSet, Is.False);
        Assert.That(WrappingMicroseconds.None.IsAtOrBefore(Us(Wrap)), Is.False);
        Assert.That(WrappingMicroseconds.None.Near(Us(123)), Is.EqualTo(Instant.Never));
        Assert.That(WrappingMilliseconds.From(Instant.Never).IsSet, Is.False);
        Assert.That(WrappingMilliseconds.None.IsAtOrBefore(Ms(Wrap)), Is.False);
        Assert.That(WrappingMilliseconds.None.Near(Ms(123)), Is.EqualTo(Instant.Never));
    }

    [Test]
    public void An_instant_on_the_not_set_value_is_kept_one_unit_later()
    {
        var us = WrappingMicroseconds.From(Us(2 * Wrap));
        Assert.That(us.IsSet, Is.True);
        Assert.That(us.Near(Us(2 * Wrap)), Is.EqualTo(Us(2 * Wrap + 1)));
        var ms = WrappingMilliseconds.From(Ms(Wrap));
        Assert.That(ms.IsSet, Is.True);
        Assert.That(ms.Near(Ms(Wrap)), Is.EqualTo(Ms(Wrap + 1)));
    }

    [Test]
    public void A_millisecond_deadline_is_rounded_up_so_it_never_fires_early()
    {
        var deadline = WrappingMilliseconds.From(Us(7_000_001));
        Assert.That(deadline.Near(Us(7_000_001)), Is.EqualTo(Ms(7001)));
        Assert.That(deadline.IsAtOrBefore(Us(7_000_999)), Is.False);
        Assert.That(deadline.IsAtOrBefore(Ms(7001)), Is.True);
        Assert.That(WrappingMilliseconds.From(Ms(7000)).Near(Ms(7000)), Is.EqualTo(Ms(7000)), "a whole millisecond stays");
        Assert.That(WrappingMilliseconds.From(Us(-1500)).Near(Us(-1500)), Is.EqualTo(Ms(-1)), "before the epoch too");
    }

    [TestCase(0L)]
    [TestCase(Wrap)]
    public void A_millisecond_deadline_reaches_24_days_across_its_wrap(long turn)
    {
        var now = Ms(turn - 3_600_000); // an hour before the wrap of the millisecond clock (49.7 days)
        var deadline = WrappingMilliseconds.From(now + TcpTimerSettings.LongestIdleTimer);
        Assert.That(deadline.IsAtOrBefore(now), Is.False);
        Assert.That(deadline.IsAtOrBefore(now + TcpTimerSettings.LongestIdleTimer - Duration.FromMilliseconds(1)), Is.False);
        Assert.That(deadline.IsAtOrBefore(now + TcpTimerSettings.LongestIdleTimer), Is.True);
        Assert.That(deadline.Near(now), Is.EqualTo(now + TcpTimerSettings.LongestIdleTimer));
        Assert.That(deadline.Near(now + TcpTimerSettings.LongestIdleTimer * 2), Is.EqualTo(now + TcpTimerSettings.LongestIdleTimer), "and back from 24 days after");
    }
}
