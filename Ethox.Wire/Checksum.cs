using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ethox.Wire;

/// <summary>
/// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of
/// the data taken as big-endian 16-bit words.
/// </summary>
/// <remarks>
/// The sum is computed on little-endian words and byte-swapped once at the end: the one's
/// complement sum is byte-order independent (RFC 1071 §2(B)), which lets the vector loop add plain
/// machine words. Partial sums of spans that start at even offsets combine with <see cref="Add"/>.
/// </remarks>
public static class Checksum
{
    /// <summary>The one's complement sum of <paramref name="data"/>, folded to 16 bits, not inverted.</summary>
    public static ushort Sum(ReadOnlySpan<byte> data)
    {
        ulong acc = SumLittleEndian(data);
        return BinaryPrimitives.ReverseEndianness(Fold(acc));
    }

    /// <summary>
    /// Copies <paramref name="source"/> to the start of <paramref name="destination"/> and returns its
    /// <see cref="Sum"/>, in one pass over the bytes: a sender that copies payload into a frame gets the payload's
    /// share of the checksum for the price of the copy. False, with nothing copied, when the destination is shorter.
    /// </summary>
    public static bool TryCopyAndSum(ReadOnlySpan<byte> source, Span<byte> destination, out ushort sum)
    {
        sum = 0;
        if (destination.Length < source.Length) return false;
        ulong acc = SumLittleEndian<Copying>(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(destination), (nuint)source.Length);
        sum = BinaryPrimitives.ReverseEndianness(Fold(acc));
        return true;
    }

    // The copy loop of TryCopyAndSum without the sum (PayloadCopy.TryCopy). The caller checked the lengths.
    internal static void CopyWithoutSum(ReadOnlySpan<byte> source, Span<byte> destination)
        => SumLittleEndian<CopyingOnly>(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(destination), (nuint)source.Length);

    /// <summary>
    /// The sum of bytes that follow <paramref name="precedingLength"/> other bytes in the checksummed data: one's
    /// complement sums are taken per 16-bit word, so a part that starts at an odd offset has its bytes in the other
    /// halves of the words, and its own sum swaps bytes (RFC 1071 §2(B)) before it is <see cref="Add"/>ed.
    /// </summary>
    public static ushort Shift(ushort sum, int precedingLength)
        => (precedingLength & 1) == 0 ? sum : BinaryPrimitives.ReverseEndianness(sum);

    /// <summary>The checksum field value for <paramref name="data"/>: the complement of <see cref="Sum"/>.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => (ushort)~Sum(data);

    /// <summary>The checksum field value for data whose partial sum (pseudo-header, other parts) is <paramref name="initial"/>.</summary>
    public static ushort Compute(ushort initial, ReadOnlySpan<byte> data) => (ushort)~Add(initial, Sum(data));

    /// <summary>True when <paramref name="data"/>, checksum field included, sums to all ones.</summary>
    public static bool Verify(ReadOnlySpan<byte> data) => Sum(data) == 0xFFFF;

    /// <summary>True when the pseudo-header sum <paramref name="initial"/> plus <paramref name="data"/> sums to all ones.</summary>
    public static bool Verify(ushort initial, ReadOnlySpan<byte> data) => Add(initial, Sum(data)) == 0xFFFF;

    /// <summary>
    /// True when an IPv4 header of <paramref name="headerLength"/> bytes (already checked to be there) sums to all ones
    /// (RFC 791 §3.1). The usual header, 20 bytes without options, is summed without a loop as two 8-byte words and one
    /// 4-byte word: the all-ones test reads the same in either byte order, so the words need no swapping.
    /// </summary>
    // Inlined: some twenty instructions, cheaper than the call that would pass them the header.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool VerifyIpv4Header(ref byte header, int headerLength)
    {
        if (headerLength != 20) return Verify(MemoryMarshal.CreateReadOnlySpan(ref header, headerLength));
        ulong a = Unsafe.ReadUnaligned<ulong>(ref header), b = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref header, 8));
        ulong sum = SumWords(a) + SumWords(b) + Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref header, 16));
        return SumsToAllOnes(sum);
    }

    /// <summary>
    /// True when a TCP or UDP checksum verifies: <paramref name="addresses"/> are the pseudo-header's source and
    /// destination as they lie in the IP header (8 or 32 bytes), followed by <paramref name="protocol"/> and the
    /// upper-layer <paramref name="length"/> (RFC 9293 §3.1, RFC 768, RFC 8200 §8.1), then <paramref name="data"/>.
    /// All of it is summed into one accumulator, tested once for all ones.
    /// </summary>
    // Inlined, as VerifyIpv4Header: the address words and the final test are a few instructions; the loop over the data
    // is the call, to a leaf that needs no saved registers.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool VerifyWithPseudoHeader(ReadOnlySpan<byte> addresses, byte protocol, int length, ReadOnlySpan<byte> data)
    {
        // The sums are of little-endian words (see the remarks): the big-endian words protocol and length go in swapped.
        ulong acc = SumAddressPair(addresses) + SumLittleEndian(data)
                  + BinaryPrimitives.ReverseEndianness((ushort)protocol)
                  + BinaryPrimitives.ReverseEndianness((ushort)length) + BinaryPrimitives.ReverseEndianness((ushort)((uint)length >> 16));
        return SumsToAllOnes(acc); // all ones reads the same in either byte order
    }

    // The pseudo-header's two addresses, 8 bytes (IPv4) or 32 (IPv6), as unrolled 4-byte words: no loop, no length tests.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SumAddressPair(ReadOnlySpan<byte> addresses)
    {
        ref byte at = ref MemoryMarshal.GetReference(addresses);
        if (addresses.Length == 2 * Ipv4Address.Length)
            return (ulong)ReadLittleEndian32(ref at, 0) + ReadLittleEndian32(ref at, 4);
        if (addresses.Length != 2 * Ipv6Address.Length) return SumLittleEndian(addresses);
        ulong first = (ulong)ReadLittleEndian32(ref at, 0) + ReadLittleEndian32(ref at, 4)
                    + ReadLittleEndian32(ref at, 8) + ReadLittleEndian32(ref at, 12);
        ulong second = (ulong)ReadLittleEndian32(ref at, 16) + ReadLittleEndian32(ref at, 20)
                     + ReadLittleEndian32(ref at, 24) + ReadLittleEndian32(ref at, 28);
        return first + second;
    }

    /// <summary>One's complement addition of two 16-bit sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Add(ushort a, ushort b)
    {
        uint s = (uint)a + b;
        return (ushort)((s & 0xFFFF) + (s >> 16));
    }

    /// <summary>The sum of the IPv4 pseudo-header (RFC 768, RFC 9293 §3.1): source, destination, zero, protocol, upper-layer length.</summary>
    public static ushort PseudoHeaderSum(Ipv4Address source, Ipv4Address destination, byte protocol, int upperLayerLength)
    {
        ulong s = (source.Value >> 16) + (source.Value & 0xFFFF)
                + (destination.Value >> 16) + (destination.Value & 0xFFFF)
                + protocol + (uint)(ushort)upperLayerLength;
        return Fold(s);
    }

    /// <summary>The sum of the IPv6 pseudo-header (RFC 8200 §8.1): source, destination, 32-bit length, next header.</summary>
    public static ushort PseudoHeaderSum(Ipv6Address source, Ipv6Address destination, byte nextHeader, int upperLayerLength)
    {
        ulong s = SumWords(source.High) + SumWords(source.Low) + SumWords(destination.High) + SumWords(destination.Low)
                + ((uint)upperLayerLength >> 16) + ((uint)upperLayerLength & 0xFFFF) + nextHeader;
        return Fold(s);
    }

    /// <summary>The pseudo-header sum for either IP version.</summary>
    public static ushort PseudoHeaderSum(in IpAddress source, in IpAddress destination, byte protocol, int upperLayerLength)
        => source.IsV6
            ? PseudoHeaderSum(source.V6, destination.V6, protocol, upperLayerLength)
            : PseudoHeaderSum(source.V4, destination.V4, protocol, upperLayerLength);

    /// <summary>
    /// Finishes a checksum that was left partial for an offload to complete (the virtio-net NEEDS_CSUM contract, what the
    /// kernel's skb_checksum_help does): <paramref name="data"/> runs from the start of the checksummed data (the transport
    /// header) to the end of the packet, and its field at <paramref name="fieldOffset"/> holds the pseudo-header sum. The
    /// complement of the sum of all of it is written there; a zero result goes out as 0xFFFF, its one's complement twin
    /// (UDP needs it: zero there means "no checksum", RFC 768). False when the field lies outside the data.
    /// </summary>
    public static bool FinishPartial(Span<byte> data, int fieldOffset)
    {
        if (fieldOffset < 0 || fieldOffset > data.Length - 2) return false;
        ushort sum = Compute(data);
        BinaryPrimitives.WriteUInt16BigEndian(data[fieldOffset..], sum == 0 ? (ushort)0xFFFF : sum);
        return true;
    }

    /// <summary>
    /// Incremental update after one 16-bit word of the covered data changed from <paramref name="oldWord"/>
    /// to <paramref name="newWord"/> (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')).
    /// </summary>
    public static ushort Update(ushort checksum, ushort oldWord, ushort newWord)
        => (ushort)~Add(Add((ushort)~checksum, (ushort)~oldWord), newWord);

    /// <summary>Incremental update after a 32-bit field (an IPv4 address, a sequence number) changed.</summary>
    public static ushort Update(ushort checksum, uint oldValue, uint newValue)
        => Update(Update(checksum, (ushort)(oldValue >> 16), (ushort)(newValue >> 16)), (ushort)oldValue, (ushort)newValue);

    // Two 32-bit halves are enough: Fold takes any 64-bit sum to 16 bits, since 2^16 is 1 modulo 0xFFFF.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SumWords(ulong v) => (v >> 32) + (v & 0xFFFF_FFFF);

    // Whether Fold(s) is 0xFFFF, without folding: each end-around carry keeps the sum's value modulo 0xFFFF (2^16 is 1
    // modulo 0xFFFF) and keeps a non-zero sum non-zero, so the folded sum is all ones exactly when s is a non-zero
    // multiple of 0xFFFF. The JIT turns the remainder by a constant into a multiply, shorter than the four folds.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SumsToAllOnes(ulong s) => s != 0 && s % 0xFFFF == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort Fold(ulong s)
    {
        s = (s & 0xFFFF_FFFF) + (s >> 32);
        s = (s & 0xFFFF_FFFF) + (s >> 32);
        s = (s & 0xFFFF) + (s >> 16);
        s = (s & 0xFFFF) + (s >> 16);
        return (ushort)s;
    }

    private static ulong SumLittleEndian(ReadOnlySpan<byte> data)
        => SumLittleEndian<NotCopying>(ref MemoryMarshal.GetReference(data), ref Unsafe.NullRef<byte>(), (nuint)data.Length);

    // Whether the summing loop also stores each piece it reads at the same offset of a destination, and whether it sums
    // at all (a plain copy, whose aligned stores beat the runtime's memmove on a payload copied into a ring). The loop is
    // generic over this so that the JIT compiles it once per mode, each without the tests: one loop serves all three uses.
    private interface ICopyMode
    {
        static abstract bool Copies { get; }
        static abstract bool Sums { get; }
    }

    private readonly struct NotCopying : ICopyMode
    {
        public static bool Copies => false;
        public static bool Sums => true;
    }

    private readonly struct Copying : ICopyMode
    {
        public static bool Copies => true;
        public static bool Sums => true;
    }

    private readonly struct CopyingOnly : ICopyMode
    {
        public static bool Copies => true;
        public static bool Sums => false;
    }

    // Sums the data as little-endian 16-bit words into a wide accumulator (not folded), copying it to destination when
    // TCopy says so. Never inlined: its callers are small and inlined themselves, and the loops would only spend their
    // callers' inlining budget and registers.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong SumLittleEndian<TCopy>(ref byte start, ref byte destination, nuint length) where TCopy : struct, ICopyMode
    {
        nuint offset = 0;
        ulong total = 0;

        // Below 64 bytes the scalar tail is faster: the vector sum's reduction to a scalar costs more latency than it saves.
        // Without 256-bit vectors (a NativeAOT build for the x86-64-v2 baseline, or Arm64) the same loop with 128-bit ones.
        if (length >= VectorMinimum)
        {
            if (Vector512.IsHardwareAccelerated)
                total = SumVectors<Lanes512, Vector512<uint>, TCopy>(ref start, ref destination, length, ref offset);
            else if (Vector256.IsHardwareAccelerated)
                total = SumVectors<Lanes256, Vector256<uint>, TCopy>(ref start, ref destination, length, ref offset);
            else if (Vector128.IsHardwareAccelerated)
                total = SumVectors<Lanes128, Vector128<uint>, TCopy>(ref start, ref destination, length, ref offset);
        }
        return total + SumTail<TCopy>(ref start, ref destination, length, offset);
    }

    // Copies and sums the bytes before the first address aligned to alignment (the destination's when copying, else the
    // source's), when there is an even number of them (the sum's words stay where they are; an odd count would put every
    // later byte in the other half of its word) or nothing is summed, and leaves offset after them. A vector store that
    // straddles two cache lines costs about two stores; a frame's payload lies 66 bytes into its buffer (Ethernet, IPv4,
    // TCP with timestamps), so without this every other store of the copy into it would straddle. A copy's loads
    // straddle instead, which costs less; a sum alone aligns its loads (with 512-bit vectors, a line each), which made
    // Ethox.Bench copies 4-5 % faster at MTU 65535 on Zen 4.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe ulong AlignHead<TCopy>(ref byte start, ref byte destination, nuint length, nuint alignment, ref nuint offset)
        where TCopy : struct, ICopyMode
    {
        nuint head = (nuint)(-(nint)(TCopy.Copies ? Unsafe.AsPointer(ref destination) : Unsafe.AsPointer(ref start))) & (alignment - 1);
        if (head == 0 || (TCopy.Sums && (head & 1) != 0) || length < 8 * alignment) return 0;
        ulong sum = SumTail<TCopy>(ref start, ref destination, head, 0);
        offset = head;
        return sum;
    }

    // The scalar part of the sum from offset to length (the tail after the vectors, short data such as a TCP header, and
    // the head before an aligned destination): 16 bytes a step into two sums that do not wait for each other, then 8, 4,
    // 2 and 1 bytes, without a per-word loop. A 4-byte word is one load and one add into a 64-bit sum; an 8-byte word would
    // also need its halves split. When copying, the range is one block copy first.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SumTail<TCopy>(ref byte start, ref byte destination, nuint length, nuint offset) where TCopy : struct, ICopyMode
    {
        if (TCopy.Copies && offset < length)
            Unsafe.CopyBlockUnaligned(ref Unsafe.Add(ref destination, offset), ref Unsafe.Add(ref start, offset), (uint)(length - offset));
        if (!TCopy.Sums) return 0;
        ulong total = 0, second = 0;
        while (length - offset >= 16)
        {
            total += (ulong)ReadLittleEndian32(ref start, offset) + ReadLittleEndian32(ref start, offset + 4);
            second += (ulong)ReadLittleEndian32(ref start, offset + 8) + ReadLittleEndian32(ref start, offset + 12);
            offset += 16;
        }
        total += second;
        if (length - offset >= 8)
        {
            total += (ulong)ReadLittleEndian32(ref start, offset) + ReadLittleEndian32(ref start, offset + 4);
            offset += 8;
        }
        if (length - offset >= 4)
        {
            total += ReadLittleEndian32(ref start, offset);
            offset += 4;
        }
        if (length - offset >= 2)
        {
            total += (uint)(Unsafe.Add(ref start, offset) | Unsafe.Add(ref start, offset + 1) << 8);
            offset += 2;
        }
        if (offset < length)
            total += Unsafe.Add(ref start, offset); // a trailing odd byte is the high byte of a zero-padded big-endian word
        return total;
    }

    private const nuint VectorMinimum = 64;

    // The vector part of the sum, for one vector width: whole vectors from offset on (when copying, after a head that
    // aligns the destination to the width), leaving offset at the first byte not summed (fewer than a vector's). Generic over the width so that one loop serves 256-bit and 128-bit vectors; the
    // JIT compiles it once per width (struct type arguments are never shared), with the width's operations inlined.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SumVectors<TLanes, TVector, TCopy>(ref byte start, ref byte destination, nuint length, ref nuint offset)
        where TLanes : struct, IVectorLanes<TVector>
        where TVector : unmanaged
        where TCopy : struct, ICopyMode
    {
        // Each 32-bit lane gains two 16-bit halves per vector (< 2^17). A chunk of 8192 vectors keeps the lanes of both
        // accumulators together below 2^30, so even the sum of their lanes in pairs stays below 2^32.
        ulong total = AlignHead<TCopy>(ref start, ref destination, length, VectorSize<TVector>(), ref offset);
        while (length - offset >= VectorSize<TVector>())
        {
            TVector acc0 = default, acc1 = default;
            nuint end = offset + Math.Min(length - offset, 8192 * VectorSize<TVector>());
            // Four vectors per step into two accumulators: independent adds keep the pipeline full.
            while (end - offset >= VectorSize<TVector>() * 4)
            {
                var v0 = Load<TVector>(ref start, offset);
                var v1 = Load<TVector>(ref start, offset + VectorSize<TVector>());
                var v2 = Load<TVector>(ref start, offset + VectorSize<TVector>() * 2);
                var v3 = Load<TVector>(ref start, offset + VectorSize<TVector>() * 3);
                if (TCopy.Copies)
                {
                    Store(v0, ref destination, offset);
                    Store(v1, ref destination, offset + VectorSize<TVector>());
                    Store(v2, ref destination, offset + VectorSize<TVector>() * 2);
                    Store(v3, ref destination, offset + VectorSize<TVector>() * 3);
                }
                if (TCopy.Sums)
                {
                    acc0 = TLanes.AddHalves(acc0, v0);
                    acc1 = TLanes.AddHalves(acc1, v1);
                    acc0 = TLanes.AddHalves(acc0, v2);
                    acc1 = TLanes.AddHalves(acc1, v3);
                }
                offset += VectorSize<TVector>() * 4;
            }
            while (end - offset >= VectorSize<TVector>())
            {
                var v = Load<TVector>(ref start, offset);
                if (TCopy.Copies) Store(v, ref destination, offset);
                if (TCopy.Sums) acc0 = TLanes.AddHalves(acc0, v);
                offset += VectorSize<TVector>();
            }
            if (TCopy.Sums) total += TLanes.Total(acc0, acc1);
        }
        return total;
    }

    // The bytes in a vector. Called where it is used rather than kept in a local: a constant from the start, the JIT
    // folds offset + VectorSize * 2 into the addresses of the loads and stores instead of keeping it in a register.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint VectorSize<TVector>() where TVector : unmanaged => (nuint)Unsafe.SizeOf<TVector>();

    // An unaligned vector load and store: what Vector256.LoadUnsafe and StoreUnsafe do, for either width.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Load<TVector>(ref byte source, nuint offset) where TVector : unmanaged
        => Unsafe.ReadUnaligned<TVector>(ref Unsafe.Add(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TVector>(TVector value, ref byte destination, nuint offset) where TVector : unmanaged
        => Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, offset), value);

    // What the vector loop does with one width of vector, taken as 32-bit lanes.
    private interface IVectorLanes<TVector> where TVector : unmanaged
    {
        // sum plus the low 16 bits and the high 16 bits of each lane of value
        static abstract TVector AddHalves(TVector sum, TVector value);

        // All lanes of both sums added up (each lane below 2^30: see SumVectors).
        static abstract ulong Total(TVector sum0, TVector sum1);
    }

    private readonly struct Lanes512 : IVectorLanes<Vector512<uint>>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<uint> AddHalves(Vector512<uint> sum, Vector512<uint> value)
            => sum + ((value & Vector512.Create(0xFFFFu)) + (value >> 16));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Total(Vector512<uint> sum0, Vector512<uint> sum1)
        {
            var sum = sum0 + sum1;
            var half = sum.GetLower() + sum.GetUpper();
            return WidenSum(half.GetLower() + half.GetUpper());
        }
    }

    private readonly struct Lanes256 : IVectorLanes<Vector256<uint>>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<uint> AddHalves(Vector256<uint> sum, Vector256<uint> value)
            => sum + ((value & Vector256.Create(0xFFFFu)) + (value >> 16)); // one add on the accumulator's chain

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Total(Vector256<uint> sum0, Vector256<uint> sum1)
        {
            var sum = sum0 + sum1;
            return WidenSum(sum.GetLower() + sum.GetUpper());
        }
    }

    private readonly struct Lanes128 : IVectorLanes<Vector128<uint>>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<uint> AddHalves(Vector128<uint> sum, Vector128<uint> value)
            => sum + ((value & Vector128.Create(0xFFFFu)) + (value >> 16));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Total(Vector128<uint> sum0, Vector128<uint> sum1) => WidenSum(sum0 + sum1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ReadLittleEndian32(ref byte at, nuint offset)
    {
        uint w = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref at, offset));
        return BitConverter.IsLittleEndian ? w : BinaryPrimitives.ReverseEndianness(w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong WidenSum(Vector128<uint> v)
    {
        var (lo, hi) = Vector128.Widen(v);
        return Vector128.Sum(lo + hi);
    }
}
