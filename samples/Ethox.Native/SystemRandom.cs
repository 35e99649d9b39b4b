using System;
using System.Runtime.InteropServices;

namespace Ethox.Native;

/// <summary>
/// Key material from the kernel (getrandom(2)). Not through <c>RandomNumberGenerator</c>: on Linux that goes through
/// OpenSSL, which a C program linking the static library would then have to link too.
/// </summary>
internal static unsafe partial class SystemRandom
{
    [LibraryImport("libc", EntryPoint = "getrandom")]
    private static partial nint GetRandom(byte* buffer, nuint length, uint flags);

    /// <summary>Fills <paramref name="destination"/>; false when the kernel would not (it blocks only before its pool is seeded at boot).</summary>
    public static bool TryFill(Span<byte> destination)
    {
        fixed (byte* p = destination)
        {
            int done = 0;
            for (int tries = 0; done < destination.Length && tries < 8; tries++)
            {
                nint n = GetRandom(p + done, (nuint)(destination.Length - done), 0);
                if (n > 0) done += (int)n;
            }
            return done == destination.Length;
        }
    }
}
