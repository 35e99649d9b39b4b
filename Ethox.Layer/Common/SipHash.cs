using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ethox.Layer.Common;

/// <summary>
/// Keyed SipHash-2-4 (Aumasson and Bernstein, 2012): the keyed PRF behind initial sequence numbers
/// (RFC 6528) and every table indexed by peer-controlled data, so that a peer cannot aim collisions.
/// </summary>
public readonly struct SipHash
{
    private readonly ulong _k0, _k1;

    /// <summary>A hasher with the 128-bit key (<paramref name="k0"/>, <paramref name="k1"/>).</summary>
    public SipHash(ulong k0, ulong k1) { _k0 = k0; _k1 = k1; }

    /// <summary>A hasher with a key read from 16 bytes (little-endian, as in the reference).</summary>
    public SipHash(ReadOnlySpan<byte> key)
    {
        _k0 = BinaryPrimitives.ReadUInt64LittleEndian(key);
        _k1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
    }

    /// <summary>A hasher with a key from the operating system's CSPRNG (at start-up only: it allocates nothing, but is not deterministic).</summary>
    public static SipHash WithRandomKey()
    {
        Span<byte> key = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(key);
        return new SipHash(key);
    }

    /// <summary>SipHash-2-4 of <paramref name="data"/>.</summary>
    public ulong Hash(ReadOnlySpan<byte> data)
    {
        ulong v0 = 0x736f6d6570736575UL ^ _k0, v1 = 0x646f72616e646f6dUL ^ _k1;
        ulong v2 = 0x6c7967656e657261UL ^ _k0, v3 = 0x7465646279746573UL ^ _k1;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            ulong m = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }
        ulong last = (ulong)data.Length << 56;
        for (int j = 0; i + j < data.Length; j++) last |= (ulong)data[i + j] << (8 * j);
        v3 ^= last;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= last;
        v2 ^= 0xFF;
        for (int r = 0; r < 4; r++) Round(ref v0, ref v1, ref v2, ref v3);
        return v0 ^ v1 ^ v2 ^ v3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1; v1 = BitOperations.RotateLeft(v1, 13); v1 ^= v0; v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3; v3 = BitOperations.RotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = BitOperations.RotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = BitOperations.RotateLeft(v1, 17); v1 ^= v2; v2 = BitOperations.RotateLeft(v2, 32);
    }
}
