namespace Ethox.Nic;

/// <summary>
/// xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift generators", 2016): a small,
/// fast, seeded generator whose sequence is fixed by the seed on every platform, kept by value so that
/// drawing a number never allocates. Not for anything secret.
/// </summary>
internal struct XorShiftRandom
{
    private ulong _state;

    /// <summary>Seeds through SplitMix64, so that nearby seeds give unrelated sequences (and zero is allowed).</summary>
    public XorShiftRandom(ulong seed)
    {
        _state = SplitMix64(ref seed);
        if (_state == 0) _state = 0x9E3779B97F4A7C15UL;
    }

    /// <summary>SplitMix64 (Steele, Lea, Flood 2014): the next value of a counter-based stream.</summary>
    public static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return _state * 0x2545F4914F6CDD1DUL;
    }

    /// <summary>A number in [0, <paramref name="n"/>) by multiply-shift (Lemire), for n below 2^31.</summary>
    public int Below(int n) => (int)(((Next() >> 32) * (ulong)n) >> 32);

    /// <summary>The threshold below which <see cref="Next"/> falls with probability <paramref name="p"/> (0 never, <see cref="ulong.MaxValue"/> always).</summary>
    public static ulong Threshold(double p) => p <= 0 ? 0 : p >= 1 ? ulong.MaxValue : (ulong)(p * 18446744073709551616.0);

    /// <summary>True with the probability of <paramref name="threshold"/>; draws nothing for "never" and "always".</summary>
    public bool Chance(ulong threshold) => threshold != 0 && (threshold == ulong.MaxValue || Next() < threshold);
}
