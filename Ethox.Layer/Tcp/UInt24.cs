using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ethox.Layer.Tcp;

/// <summary>
/// An unsigned 24-bit integer in three bytes (alignment 1): the positions and range offsets inside a connection's rings,
/// which a ring of at most <see cref="TcpBuffers.MaxRingBytes"/> keeps below 2^24, so a connection's block holds them in
/// three bytes instead of four. Read and written as a 16-bit and an 8-bit part.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal readonly struct UInt24
{
    /// <summary>The largest value, 2^24 − 1.</summary>
    public const int MaxValue = (1 << 24) - 1;

    private readonly ushort _low;
    private readonly byte _high;

    /// <summary>The low 24 bits of <paramref name="value"/> (callers keep values within 0 .. <see cref="MaxValue"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public UInt24(int value)
    {
        _low = (ushort)value;
        _high = (byte)(value >> 16);
    }

    /// <summary>True for 0.</summary>
    public bool IsZero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_low | _high) == 0;
    }

    /// <summary>The value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static implicit operator int(UInt24 value) => value._low | value._high << 16;
}
