using System.Runtime.CompilerServices;

namespace Ethox.Layer.Tcp;

/// <summary>
/// An unsigned 24-bit integer in three bytes (alignment 1): the positions and range offsets inside a connection's rings,
/// which a ring of at most <see cref="TcpBuffers.MaxRingBytes"/> keeps below 2^24, so a connection's block holds them in
/// three bytes instead of four.
/// </summary>
internal readonly struct UInt24
{
    /// <summary>The largest value, 2^24 − 1.</summary>
    public const int MaxValue = (1 << 24) - 1;

    private readonly byte _low, _middle, _high;

    /// <summary>The low 24 bits of <paramref name="value"/> (callers keep values within 0 .. <see cref="MaxValue"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public UInt24(int value)
    {
        _low = (byte)value;
        _middle = (byte)(value >> 8);
        _high = (byte)(value >> 16);
    }

    /// <summary>The value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static implicit operator int(UInt24 value) => value._low | value._middle << 8 | value._high << 16;
}
