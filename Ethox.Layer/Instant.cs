using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Ethox.Layer;

/// <summary>
/// A point in time, in microseconds since an arbitrary epoch chosen by the caller. The stack never reads
/// a clock: every call that can fire a timer is given the current <see cref="Instant"/>.
/// </summary>
/// <remarks>
/// Arithmetic saturates instead of wrapping: <see cref="Never"/> plus or minus any duration stays
/// <see cref="Never"/>, and a sum that would pass it becomes it, so a timer armed with a huge duration
/// (a backed-off retransmission, <see cref="Duration.MaxValue"/>) means "never" rather than "long ago".
/// </remarks>
public readonly record struct Instant(long Microseconds) : IComparable<Instant>
{
    /// <summary>The epoch.</summary>
    public static Instant Zero => default;
    /// <summary>A time after every other: "no timer wanted".</summary>
    public static Instant Never => new(long.MaxValue);

    /// <summary>From milliseconds since the epoch.</summary>
    public static Instant FromMilliseconds(long ms) => new(ms * 1000);
    /// <summary>From a <see cref="Stopwatch.GetTimestamp"/> value (no allocation).</summary>
    public static Instant FromStopwatch(long timestamp) => new((long)(timestamp * (1_000_000.0 / Stopwatch.Frequency)));
    /// <summary>Now, by the monotonic <see cref="Stopwatch"/> clock: for programs, never called by the layers.</summary>
    public static Instant Now => FromStopwatch(Stopwatch.GetTimestamp());

    /// <summary>Milliseconds since the epoch.</summary>
    public long Milliseconds => Microseconds / 1000;

    /// <inheritdoc/>
    public int CompareTo(Instant other) => Microseconds.CompareTo(other.Microseconds);
    /// <summary>Later instant; <see cref="Never"/> stays <see cref="Never"/> and a sum past it becomes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Instant operator +(Instant a, Duration d) => a == Never ? Never : new(Duration.SaturatingAdd(a.Microseconds, d.Microseconds));
    /// <summary>Earlier instant; <see cref="Never"/> stays <see cref="Never"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Instant operator -(Instant a, Duration d) => a == Never ? Never : new(Duration.SaturatingSubtract(a.Microseconds, d.Microseconds));
    /// <summary>Time between two instants (saturating).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Duration operator -(Instant a, Instant b) => new(Duration.SaturatingSubtract(a.Microseconds, b.Microseconds));
    /// <summary>Ordering.</summary>
    public static bool operator <(Instant a, Instant b) => a.Microseconds < b.Microseconds;
    /// <summary>Ordering.</summary>
    public static bool operator >(Instant a, Instant b) => a.Microseconds > b.Microseconds;
    /// <summary>Ordering.</summary>
    public static bool operator <=(Instant a, Instant b) => a.Microseconds <= b.Microseconds;
    /// <summary>Ordering.</summary>
    public static bool operator >=(Instant a, Instant b) => a.Microseconds >= b.Microseconds;
    /// <summary>The earlier of two instants.</summary>
    public static Instant Min(Instant a, Instant b) => a < b ? a : b;
    /// <summary>The later of two instants.</summary>
    public static Instant Max(Instant a, Instant b) => a > b ? a : b;

    /// <inheritdoc/>
    public override string ToString() => $"{Microseconds / 1_000_000}.{Microseconds % 1_000_000:D6}s";
}

/// <summary>A span of time in microseconds, positive or negative.</summary>
/// <remarks>
/// Arithmetic saturates at ±<see cref="MaxValue"/> instead of wrapping or throwing (a retransmission timer
/// doubled once too often stays huge, never turns negative), and nothing throws: dividing by zero gives
/// ±<see cref="MaxValue"/> (or zero for zero), as a limit would.
/// </remarks>
public readonly record struct Duration(long Microseconds) : IComparable<Duration>
{
    /// <summary>No time.</summary>
    public static Duration Zero => default;
    /// <summary>The longest duration (about 292,000 years): "never" as a duration. Its negation is the shortest.</summary>
    public static Duration MaxValue => new(long.MaxValue);
    /// <summary>From microseconds.</summary>
    public static Duration FromMicroseconds(long us) => new(us);
    /// <summary>From milliseconds.</summary>
    public static Duration FromMilliseconds(long ms) => new(Saturate((Int128)ms * 1000));
    /// <summary>From seconds.</summary>
    public static Duration FromSeconds(long s) => new(Saturate((Int128)s * 1_000_000));
    /// <summary>From a <see cref="TimeSpan"/>, to the whole microsecond (toward zero).</summary>
    public static Duration FromTimeSpan(TimeSpan span) => new(span.Ticks / TimeSpan.TicksPerMicrosecond);
    /// <summary>Whole milliseconds.</summary>
    public long Milliseconds => Microseconds / 1000;
    /// <summary>As a <see cref="TimeSpan"/>.</summary>
    public TimeSpan ToTimeSpan() => TimeSpan.FromMicroseconds(Microseconds);
    /// <inheritdoc/>
    public int CompareTo(Duration other) => Microseconds.CompareTo(other.Microseconds);

    /// <summary>Sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Duration operator +(Duration a, Duration b) => new(SaturatingAdd(a.Microseconds, b.Microseconds));
    /// <summary>Difference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Duration operator -(Duration a, Duration b) => new(SaturatingSubtract(a.Microseconds, b.Microseconds));
    /// <summary>Negation.</summary>
    public static Duration operator -(Duration a) => new(Saturate(-(Int128)a.Microseconds));
    /// <summary>Multiplied by <paramref name="k"/>.</summary>
    public static Duration operator *(Duration a, long k) => new(Saturate((Int128)a.Microseconds * k));
    /// <summary>Divided by <paramref name="k"/>, rounded toward zero; by zero gives ±<see cref="MaxValue"/> (zero for zero).</summary>
    public static Duration operator /(Duration a, long k) => k == 0 ? new(Math.Sign(a.Microseconds) * long.MaxValue) : new(Saturate((Int128)a.Microseconds / k));
    /// <summary>Ordering.</summary>
    public static bool operator <(Duration a, Duration b) => a.Microseconds < b.Microseconds;
    /// <summary>Ordering.</summary>
    public static bool operator >(Duration a, Duration b) => a.Microseconds > b.Microseconds;
    /// <summary>Ordering.</summary>
    public static bool operator <=(Duration a, Duration b) => a.Microseconds <= b.Microseconds;
    /// <summary>Ordering.</summary>
    public static bool operator >=(Duration a, Duration b) => a.Microseconds >= b.Microseconds;

    /// <summary>The shorter of two durations.</summary>
    public static Duration Min(Duration a, Duration b) => a < b ? a : b;
    /// <summary>The longer of two durations.</summary>
    public static Duration Max(Duration a, Duration b) => a > b ? a : b;
    /// <summary><paramref name="value"/> kept within [<paramref name="min"/>, <paramref name="max"/>]; <paramref name="min"/> wins when the bounds cross.</summary>
    public static Duration Clamp(Duration value, Duration min, Duration max) => Max(Min(value, max), min);

    /// <summary>
    /// This duration times <paramref name="numerator"/> / <paramref name="denominator"/>, rounded toward zero,
    /// computed in 128 bits so the product never overflows (e.g. an RTT variance scaled by 3/4, RFC 6298 §2.3);
    /// saturates like the operators. A zero denominator gives ±<see cref="MaxValue"/> (zero for a zero product).
    /// </summary>
    public Duration Scale(long numerator, long denominator)
    {
        Int128 product = (Int128)Microseconds * numerator;
        if (denominator == 0) return new((long)Int128.Sign(product) * long.MaxValue);
        return new(Saturate(product / denominator));
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Microseconds}us";

    /// <summary>Clamps a wide result to ±<see cref="long.MaxValue"/> (symmetric, so negation never overflows).</summary>
    internal static long Saturate(Int128 value) => value > long.MaxValue ? long.MaxValue : value < -long.MaxValue ? -long.MaxValue : (long)value;

    // The sums and differences of timers run for every segment: in 64 bits with an overflow test rather than through
    // Int128, whose operations are calls when the JIT has no profile to guide its inlining (and NativeAOT has none).
    // Same results as Saturate over the exact value: ±long.MaxValue on overflow, and long.MinValue, which only an exact
    // sum can reach, is brought to -long.MaxValue.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long SaturatingAdd(long a, long b)
    {
        long sum = unchecked(a + b);
        // Two's complement: an overflow gives a sum whose sign differs from both operands' (which then share one).
        if (((a ^ sum) & (b ^ sum)) < 0) return a < 0 ? -long.MaxValue : long.MaxValue;
        return sum == long.MinValue ? -long.MaxValue : sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long SaturatingSubtract(long a, long b)
    {
        long difference = unchecked(a - b);
        // An overflow needs operands of different signs and gives a result whose sign differs from a's.
        if (((a ^ b) & (a ^ difference)) < 0) return a < 0 ? -long.MaxValue : long.MaxValue;
        return difference == long.MinValue ? -long.MaxValue : difference;
    }
}
