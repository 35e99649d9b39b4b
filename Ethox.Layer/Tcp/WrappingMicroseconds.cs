namespace Ethox.Layer.Tcp;

/// <summary>
/// An <see cref="Instant"/> as a connection keeps it, in 32 bits: its microseconds modulo 2^32, which wrap every
/// 71.6 minutes. Like sequence numbers (RFC 9293 §3.4, RFC 1982), it is compared with an instant by their signed
/// difference, which is right while the two lie less than 2^31 µs (35.8 minutes) apart. The connection keeps
/// in it only what stays that close to now: the retransmission, persist and delayed-ACK deadlines and R2's
/// (every retransmission-side setting is at most <see cref="TcpTimerSettings.LongestRetransmissionTimer"/>, the
/// RTO's own cap), and the start of a timed segment's RTT, whose sample is exact to the microsecond.
/// </summary>
/// <remarks>
/// The value 0 means "not set" (a timer that is not running): an instant whose low 32 bits are 0 is kept one
/// microsecond later, once in every 71.6 minutes of clock. Converting back (<see cref="Near"/>) takes the
/// instant within 35.8 minutes of a reference (the caller's now), which is how the deadlines reach the timer
/// wheel, which keeps each slot's earliest one in full.
/// </remarks>
internal readonly struct WrappingMicroseconds
{
    private const uint NotSet = 0;
    private readonly uint _value;

    private WrappingMicroseconds(uint value) => _value = value;

    /// <summary>No instant: a timer that is not running.</summary>
    public static WrappingMicroseconds None => default;

    /// <summary>The 32 bits as stored, for a field shared with another value.</summary>
    public uint Bits => _value;

    /// <summary>The value whose <see cref="Bits"/> are <paramref name="bits"/>.</summary>
    public static WrappingMicroseconds FromBits(uint bits) => new(bits);

    /// <summary><paramref name="instant"/> in 32 bits; <see cref="Instant.Never"/> gives <see cref="None"/>.</summary>
    public static WrappingMicroseconds From(Instant instant)
    {
        if (instant == Instant.Never) return None;
        uint value = unchecked((uint)instant.Microseconds);
        return new(value == NotSet ? NotSet + 1 : value);
    }

    /// <summary>True unless this is <see cref="None"/>.</summary>
    public bool IsSet => _value != NotSet;

    /// <summary>True when set and at or before <paramref name="instant"/> (a deadline that has come).</summary>
    public bool IsAtOrBefore(Instant instant) => IsSet && DistanceTo(instant) >= 0;

    /// <summary>The time from this instant to <paramref name="now"/>: negative when it lies after now; zero when not set.</summary>
    public Duration ElapsedAt(Instant now) => IsSet ? new(DistanceTo(now)) : Duration.Zero;

    /// <summary>
    /// The full instant with these low bits that lies nearest <paramref name="reference"/> (a time, never
    /// <see cref="Instant.Never"/>, so the subtraction of at most 2^31 µs needs no saturation); <see cref="Instant.Never"/> when not set.
    /// </summary>
    public Instant Near(Instant reference) => IsSet ? new Instant(reference.Microseconds - DistanceTo(reference)) : Instant.Never;

    private int DistanceTo(Instant instant) => unchecked((int)((uint)instant.Microseconds - _value));

    /// <summary>The low 32 bits in microseconds, or "-" when not set (diagnostics).</summary>
    public override string ToString() => IsSet ? $"{_value}us" : "-";
}
