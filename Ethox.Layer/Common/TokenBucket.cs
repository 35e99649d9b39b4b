using System;

namespace Ethox.Layer.Common;

/// <summary>
/// A token bucket driven by explicit time: <see cref="Burst"/> tokens at most, one more every
/// <see cref="Interval"/>. Used to rate-limit ICMP errors (RFC 1812 §4.3.2.8, RFC 4443 §2.4(f)) and
/// address-resolution requests.
/// </summary>
public struct TokenBucket
{
    private long _tokensTimesInterval;
    private Instant _last;

    /// <summary>A full bucket of <paramref name="burst"/> tokens refilled one per <paramref name="interval"/>.</summary>
    public TokenBucket(int burst, Duration interval)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(interval.Microseconds);
        Burst = burst;
        Interval = interval;
        _tokensTimesInterval = burst * interval.Microseconds;
        _last = Instant.Zero;
    }

    /// <summary>The bucket's size.</summary>
    public int Burst { get; }
    /// <summary>Time to earn one token.</summary>
    public Duration Interval { get; }

    /// <summary>Takes one token if there is one at <paramref name="now"/>.</summary>
    public bool TryTake(Instant now)
    {
        long cap = Burst * Interval.Microseconds;
        if (now > _last)
        {
            _tokensTimesInterval = Math.Min(cap, _tokensTimesInterval + (now - _last).Microseconds);
            _last = now;
        }
        if (_tokensTimesInterval < Interval.Microseconds) return false;
        _tokensTimesInterval -= Interval.Microseconds;
        return true;
    }
}
