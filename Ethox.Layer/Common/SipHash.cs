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
        var state = new State(_k0, _k1);
        int i = 0;
        for (; i + 8 <= data.Length; i += 8) state.Compress(BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        ulong last = (ulong)data.Length << 56;
        for (int j = 0; i + j < data.Length; j++) last |= (ulong)data[i + j] << (8 * j);
        return state.Finish(last);
    }

    /// <summary>
    /// SipHash-2-4 of whole 64-bit words: the same value as <see cref="Hash(ReadOnlySpan{byte})"/> over the
    /// words' little-endian bytes, without reading them byte by byte. The fast path for fixed-size keys
    /// such as a four-tuple.
    /// </summary>
    public ulong Hash(ReadOnlySpan<ulong> words)
    {
        var state = new State(_k0, _k1);
        foreach (ulong word in words) state.Compress(word);
        // The message length is a multiple of 8, so the final block holds only the length byte.
        return state.Finish((ulong)(words.Length * 8) << 56);
    }

    /// <summary>SipHash-2-4 of two 64-bit words (e.g. an IPv4 four-tuple): the same as <see cref="Hash(ReadOnlySpan{ulong})"/> of them, without a span.</summary>
    public ulong Hash(ulong m0, ulong m1)
    {
        var state = new State(_k0, _k1);
        state.Compress(m0); state.Compress(m1);
        return state.Finish(2UL * 8 << 56);
    }

    /// <summary>SipHash-2-4 of three 64-bit words: the same as <see cref="Hash(ReadOnlySpan{ulong})"/> of them, without a span.</summary>
    public ulong Hash(ulong m0, ulong m1, ulong m2)
    {
        var state = new State(_k0, _k1);
        state.Compress(m0); state.Compress(m1); state.Compress(m2);
        return state.Finish(3UL * 8 << 56);
    }

    /// <summary>SipHash-2-4 of five 64-bit words (e.g. an IPv6 four-tuple): the same as <see cref="Hash(ReadOnlySpan{ulong})"/> of them, without a span.</summary>
    public ulong Hash(ulong m0, ulong m1, ulong m2, ulong m3, ulong m4)
    {
        var state = new State(_k0, _k1);
        state.Compress(m0); state.Compress(m1); state.Compress(m2); state.Compress(m3); state.Compress(m4);
        return state.Finish(5UL * 8 << 56);
    }

    // The four words of SipHash state; Compress is one message block (c = 2 rounds), Finish the last block and d = 4 rounds.
    private struct State
    {
        private ulong _v0, _v1, _v2, _v3;

        public State(ulong k0, ulong k1)
        {
            _v0 = 0x736f6d6570736575UL ^ k0; _v1 = 0x646f72616e646f6dUL ^ k1;
            _v2 = 0x6c7967656e657261UL ^ k0; _v3 = 0x7465646279746573UL ^ k1;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Compress(ulong m)
        {
            _v3 ^= m;
            Round();
            Round();
            _v0 ^= m;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong Finish(ulong lastBlock)
        {
            Compress(lastBlock);
            _v2 ^= 0xFF;
            Round(); Round(); Round(); Round();
            return _v0 ^ _v1 ^ _v2 ^ _v3;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Round()
        {
            _v0 += _v1; _v1 = BitOperations.RotateLeft(_v1, 13); _v1 ^= _v0; _v0 = BitOperations.RotateLeft(_v0, 32);
            _v2 += _v3; _v3 = BitOperations.RotateLeft(_v3, 16); _v3 ^= _v2;
            _v0 += _v3; _v3 = BitOperations.RotateLeft(_v3, 21); _v3 ^= _v0;
            _v2 += _v1; _v1 = BitOperations.RotateLeft(_v1, 17); _v1 ^= _v2; _v2 = BitOperations.RotateLeft(_v2, 32);
        }
    }
}
