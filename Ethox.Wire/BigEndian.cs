using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Ethox.Wire;

/// <summary>
/// Network-order reads at an offset from a reference, without a bounds check. Only for bytes a length check has
/// already proven to be there (the parsers' up-front checks, <see cref="HeaderStack"/>'s walk): a slice per field would
/// check again, and those checks are a large part of the cost of reading a header.
/// </summary>
internal static class BigEndian
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Read16(ref byte at, int offset)
        => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref at, offset)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Read32(ref byte at, int offset)
        => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref at, offset)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Read64(ref byte at, int offset)
        => BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref at, offset)));
}
