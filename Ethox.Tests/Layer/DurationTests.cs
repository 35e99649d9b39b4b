using System;
using Ethox.Layer;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

/// <summary>Duration and Instant arithmetic: what timers (RFC 6298 RTO, delayed ACK, TIME-WAIT) are computed with.</summary>
public class DurationTests
{
    private static readonly Duration Second = Duration.FromSeconds(1);

    [Test]
    public void Sums_and_differences_in_64_bits_saturate_exactly_as_the_128_bit_definition()
    {
        long[] edges = [long.MinValue, -long.MaxValue, long.MinValue / 2, -1_000_000, -1, 0, 1, 1_000_000, long.MaxValue / 2, long.MaxValue - 1, long.MaxValue];
        var random = new Random(6298);
        var values = new System.Collections.Generic.List<long>(edges);
        for (int i = 0; i < 200; i++) values.Add(random.NextInt64(long.MinValue, long.MaxValue));
        foreach (long a in values)
            foreach (long b in values)
            {
                Assert.That(Duration.SaturatingAdd(a, b), Is.EqualTo(Duration.Saturate((Int128)a + b)), $"{a} + {b}");
                Assert.That(Duration.SaturatingSubtract(a, b), Is.EqualTo(Duration.Saturate((Int128)a - b)), $"{a} - {b}");
            }
    }

    [Test]
    public void Difference_negation_and_division_are_exact_on_microseconds()
    {
        Assert.That(Duration.FromMilliseconds(1500) - Second, Is.EqualTo(Duration.FromMilliseconds(500)));
        Assert.That(Second - Duration.FromMilliseconds(1500), Is.EqualTo(Duration.FromMilliseconds(-500)));
        Assert.That(-Second, Is.EqualTo(Duration.FromMicroseconds(-1_000_000)));
        Assert.That(-(-Second), Is.EqualTo(Second));
        Assert.That(Second / 3, Is.EqualTo(Duration.FromMicroseconds(333_333)), "rounded toward zero");
        Assert.That(-Second / 3, Is.EqualTo(Duration.FromMicroseconds(-333_333)));
        Assert.That(Duration.FromMicroseconds(7).Microseconds, Is.EqualTo(7));
    }

    [Test]
    public void Min_max_and_clamp_bound_an_rto_rfc6298_2_4()
    {
        var lower = Second;                     // RFC 6298 §2.4: RTO at least 1 s
        var upper = Duration.FromSeconds(60);   // §2.5: a maximum of at least 60 s
        Assert.That(Duration.Min(lower, upper), Is.EqualTo(lower));
        Assert.That(Duration.Max(lower, upper), Is.EqualTo(upper));
        Assert.That(Duration.Clamp(Duration.FromMilliseconds(200), lower, upper), Is.EqualTo(lower));
        Assert.That(Duration.Clamp(Duration.FromSeconds(90), lower, upper), Is.EqualTo(upper));
        Assert.That(Duration.Clamp(Duration.FromSeconds(3), lower, upper), Is.EqualTo(Duration.FromSeconds(3)));
        Assert.That(Duration.Clamp(Duration.FromSeconds(3), upper, lower), Is.EqualTo(upper), "crossed bounds: the minimum wins");
    }

    [Test]
    public void Scale_multiplies_before_dividing_without_overflow()
    {
        // RFC 6298 §2.3: RTTVAR <- 3/4 RTTVAR + ..., SRTT <- 7/8 SRTT + ...
        Assert.That(Duration.FromMilliseconds(400).Scale(3, 4), Is.EqualTo(Duration.FromMilliseconds(300)));
        Assert.That(Duration.FromMicroseconds(10).Scale(7, 8), Is.EqualTo(Duration.FromMicroseconds(8)), "rounded toward zero");
        // The product is far beyond 64 bits; the quotient is not.
        var big = Duration.FromMicroseconds(long.MaxValue / 2);
        Assert.That(big.Scale(1_000_000, 2_000_000), Is.EqualTo(Duration.FromMicroseconds(long.MaxValue / 4)));
        Assert.That(big.Scale(3, 1), Is.EqualTo(Duration.MaxValue), "saturates");
        Assert.That((-big).Scale(3, 1), Is.EqualTo(-Duration.MaxValue));
        Assert.That(Second.Scale(1, 0), Is.EqualTo(Duration.MaxValue), "zero denominator: the limit, no exception");
        Assert.That(Duration.Zero.Scale(1, 0), Is.EqualTo(Duration.Zero));
    }

    [Test]
    public void Arithmetic_saturates_instead_of_wrapping_so_a_backed_off_timer_never_turns_negative()
    {
        var rto = Duration.FromSeconds(60);
        for (int i = 0; i < 80; i++) rto *= 2; // RFC 6298 §5.5 backoff, far past any bound
        Assert.That(rto, Is.EqualTo(Duration.MaxValue));
        Assert.That(Duration.MaxValue + Second, Is.EqualTo(Duration.MaxValue));
        Assert.That(-Duration.MaxValue - Second, Is.EqualTo(-Duration.MaxValue));
        Assert.That(-new Duration(long.MinValue), Is.EqualTo(Duration.MaxValue));
        Assert.That(Second / 0, Is.EqualTo(Duration.MaxValue));
        Assert.That(-Second / 0, Is.EqualTo(-Duration.MaxValue));
        Assert.That(Duration.FromSeconds(long.MaxValue), Is.EqualTo(Duration.MaxValue));
        Assert.That(Duration.FromMilliseconds(long.MinValue), Is.EqualTo(-Duration.MaxValue));
    }

    [Test]
    public void Instant_plus_a_huge_duration_is_never_and_never_stays_never()
    {
        var now = Instant.FromMilliseconds(5000);
        Assert.That(now + Duration.MaxValue, Is.EqualTo(Instant.Never));
        Assert.That(Instant.Never + Second, Is.EqualTo(Instant.Never));
        Assert.That(Instant.Never - Second, Is.EqualTo(Instant.Never));
        Assert.That(now - Second, Is.EqualTo(Instant.FromMilliseconds(4000)));
        Assert.That(Instant.Never - now, Is.GreaterThan(Duration.FromSeconds(1_000_000_000)));
        Assert.That(now - Instant.Never, Is.LessThan(Duration.Zero));
        Assert.That(Instant.Max(now, Instant.Zero), Is.EqualTo(now));
        Assert.That(Instant.Max(now, Instant.Never), Is.EqualTo(Instant.Never));
        Assert.That(Instant.Min(now, Instant.Never), Is.EqualTo(now));
    }

    [Test]
    public void Duration_arithmetic_allocates_nothing()
    {
        var d = Duration.FromMilliseconds(3);
        var t = Instant.Zero;
        void Run(int count)
        {
            for (int i = 0; i < count; i++)
            {
                d = Duration.Clamp(d.Scale(7, 8) + d / 8 - Duration.FromMicroseconds(1) + Duration.FromMilliseconds(1), Duration.Zero, Second);
                t = Instant.Max(t + d, t);
            }
        }
        Run(1000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(d, Is.GreaterThan(Duration.Zero));
        Assert.That(t, Is.GreaterThan(Instant.Zero));
    }
}
