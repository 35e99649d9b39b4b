namespace Ethox.Layer.Tcp;

/// <summary>
/// A deadline as a connection keeps its idle timer (keep-alive, TIME-WAIT), in 32 bits: milliseconds modulo 2^32,
/// which wrap every 49.7 days, compared with an instant by their signed difference, right while the two lie less
/// than 2^31 ms (24.8 days) apart. The idle-side settings are at most <see cref="TcpTimerSettings.LongestIdleTimer"/>
/// (24 days), so RFC 1122's two-hour keep-alive fits many times over; the retransmission side, which needs the
/// microsecond, is <see cref="WrappingMicroseconds"/>.
/// </summary>
/// <remarks>
/// A deadline is rounded up to the next whole millisecond: it never fires early, and at most 1 ms late. The value 0
/// means "not set": a deadline whose low 32 bits are 0 is kept one millisecond later.
/// </remarks>
internal readonly struct WrappingMilliseconds
{
    private const uint NotSet = 0;
    private readonly uint _value;

    private WrappingMilliseconds(uint value) => _value = value;

    /// <summary>No deadline: the timer is not running.</summary>
    public static WrappingMilliseconds None => default;

    /// <summary><paramref name="deadline"/>, rounded up to the millisecond, in 32 bits; <see cref="Instant.Never"/> gives <see cref="None"/>.</summary>
    public static WrappingMilliseconds From(Instant deadline)
    {
        if (deadline == Instant.Never) return None;
        uint value = unchecked((uint)-FloorMilliseconds(new Instant(-deadline.Microseconds)));
        return new(value == NotSet ? NotSet + 1 : value);
    }

    /// <summary>True unless this is <see cref="None"/>.</summary>
    public bool IsSet => _value != NotSet;

    /// <summary>True when set and at or before <paramref name="instant"/> (the deadline has come).</summary>
    public bool IsAtOrBefore(Instant instant) => IsSet && DistanceTo(instant) >= 0;

    /// <summary>The full instant of this deadline that lies nearest <paramref name="reference"/>; <see cref="Instant.Never"/> when not set.</summary>
    public Instant Near(Instant reference)
        => IsSet ? new Instant((FloorMilliseconds(reference) - DistanceTo(reference)) * 1000) : Instant.Never;

    // Milliseconds from the deadline to the whole millisecond at or before `instant`: >= 0 once the deadline has come.
    private int DistanceTo(Instant instant) => unchecked((int)((uint)FloorMilliseconds(instant) - _value));

    private static long FloorMilliseconds(Instant instant)
    {
        long ms = instant.Microseconds / 1000;
        return instant.Microseconds % 1000 < 0 ? ms - 1 : ms;
    }

    /// <summary>The low 32 bits in milliseconds, or "-" when not set (diagnostics).</summary>
    public override string ToString() => IsSet ? $"{_value}ms" : "-";
}
