using System;
using System.Diagnostics;

namespace Ethox.Layer;

/// <summary>
/// A point in time, in microseconds since an arbitrary epoch chosen by the caller. The stack never reads
/// a clock: every call that can fire a timer is given the current <see cref="Instant"/>.
/// </summary>
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
    /// <summary>Later instant.</summary>
    public static Instant operator +(Instant a, Duration d) => a == Never ? Never : new(a.Microseconds + d.Microseconds);
    /// <summary>Earlier instant.</summary>
    public static Instant operator -(Instant a, Duration d) => new(a.Microseconds - d.Microseconds);
    /// <summary>Time between two instants.</summary>
    public static Duration operator -(Instant a, Instant b) => new(a.Microseconds - b.Microseconds);
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

    /// <inheritdoc/>
    public override string ToString() => $"{Microseconds / 1_000_000}.{Microseconds % 1_000_000:D6}s";
}

/// <summary>A span of time in microseconds.</summary>
public readonly record struct Duration(long Microseconds) : IComparable<Duration>
{
    /// <summary>No time.</summary>
    public static Duration Zero => default;
    /// <summary>From milliseconds.</summary>
    public static Duration FromMilliseconds(long ms) => new(ms * 1000);
    /// <summary>From seconds.</summary>
    public static Duration FromSeconds(long s) => new(s * 1_000_000);
    /// <summary>Whole milliseconds.</summary>
    public long Milliseconds => Microseconds / 1000;
    /// <summary>As a <see cref="TimeSpan"/>.</summary>
    public TimeSpan ToTimeSpan() => TimeSpan.FromMicroseconds(Microseconds);
    /// <inheritdoc/>
    public int CompareTo(Duration other) => Microseconds.CompareTo(other.Microseconds);
    /// <summary>Sum.</summary>
    public static Duration operator +(Duration a, Duration b) => new(a.Microseconds + b.Microseconds);
    /// <summary>Scaled.</summary>
    public static Duration operator *(Duration a, long k) => new(a.Microseconds * k);
    /// <summary>Ordering.</summary>
    public static bool operator <(Duration a, Duration b) => a.Microseconds < b.Microseconds;
    /// <summary>Ordering.</summary>
    public static bool operator >(Duration a, Duration b) => a.Microseconds > b.Microseconds;
    /// <summary>Ordering.</summary>
    public static bool operator <=(Duration a, Duration b) => a.Microseconds <= b.Microseconds;
    /// <summary>Ordering.</summary>
    public static bool operator >=(Duration a, Duration b) => a.Microseconds >= b.Microseconds;
    /// <inheritdoc/>
    public override string ToString() => $"{Microseconds}us";
}
