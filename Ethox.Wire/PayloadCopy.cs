using System;

namespace Ethox.Wire;

/// <summary>
/// A copy for payload bytes on their way through a stack: the application's data into a send ring, a ring's bytes out
/// to the reader. It is <see cref="Checksum.TryCopyAndSum"/>'s loop without the sum: wide vector moves whose stores
/// land aligned (the head before the first aligned destination address goes alone). Copying 64 KiB writes into a
/// 256 KiB ring at the positions TCP leaves, the runtime's copy (glibc's memmove, <c>rep movsb</c> at that size) took
/// about 1.4 times as long as this loop in a profile of <c>Ethox.Bench tcpbulk</c> (docs/performance.md, "The fourth round").
/// </summary>
public static class PayloadCopy
{
    /// <summary>
    /// Copies <paramref name="source"/> to the start of <paramref name="destination"/>; false, with nothing copied, when
    /// the destination is shorter. The two must not overlap.
    /// </summary>
    public static bool TryCopy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length) return false;
        Checksum.CopyWithoutSum(source, destination);
        return true;
    }
}
