using System;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

/// <summary>Parses a buffer through every accessor of a protocol; returns the status (None on success).</summary>
internal delegate Ethox.Wire.WireError ParseEverything(Span<byte> buffer);

/// <summary>Hostile-input loops shared by the wire tests: every prefix, and seeded random mutation.</summary>
internal static class PrefixAndMutation
{
    /// <summary>
    /// Feeds every proper prefix of <paramref name="packet"/> (in a buffer of exactly that length, so any
    /// overrun throws) and returns the status of each, indexed by prefix length.
    /// </summary>
    public static Ethox.Wire.WireError[] EveryPrefix(byte[] packet, ParseEverything parse)
    {
        var statuses = new Ethox.Wire.WireError[packet.Length];
        for (int length = 0; length < packet.Length; length++)
        {
            var copy = packet.AsSpan(0, length).ToArray();
            statuses[length] = parse(copy);
        }
        return statuses;
    }

    /// <summary>
    /// Mutates copies of <paramref name="seeds"/> <paramref name="iterations"/> times (byte flips, extreme
    /// values, cuts and extensions) with a fixed seed and parses each; fails on the first exception.
    /// Returns how many mutants parsed cleanly, so callers can check the loop reached deep code.
    /// </summary>
    public static int Mutate(byte[][] seeds, int iterations, int seed, ParseEverything parse)
    {
        var rng = new Random(seed);
        var work = new byte[2048];
        int accepted = 0;
        for (int i = 0; i < iterations; i++)
        {
            var source = seeds[rng.Next(seeds.Length)];
            source.CopyTo(work, 0);
            int length = source.Length;
            int edits = 1 + rng.Next(4);
            for (int e = 0; e < edits; e++)
            {
                switch (rng.Next(6))
                {
                    case 0: work[rng.Next(length)] ^= (byte)(1 << rng.Next(8)); break;
                    case 1: work[rng.Next(length)] = (byte)rng.Next(256); break;
                    case 2: work[rng.Next(length)] = rng.Next(2) == 0 ? (byte)0 : (byte)0xFF; break;
                    case 3: length = Math.Max(1, rng.Next(length + 1)); break;
                    case 4:
                        int grow = rng.Next(64);
                        rng.NextBytes(work.AsSpan(length, grow));
                        length += grow;
                        break;
                    default: work[rng.Next(Math.Min(length, 64))] = (byte)rng.Next(256); break; // headers are where lengths live
                }
            }
            // Exact-length copy: reading past the end throws instead of reading stale bytes.
            var mutant = work.AsSpan(0, length).ToArray();
            try
            {
                if (parse(mutant) == Ethox.Wire.WireError.None) accepted++;
            }
            catch (Exception ex)
            {
                Assert.Fail($"iteration {i}: {Convert.ToHexString(mutant)} threw {ex}");
            }
        }
        return accepted;
    }
}
