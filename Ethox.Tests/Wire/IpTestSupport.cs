using System;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

/// <summary>Shared plumbing of the IP-family wire tests: hex vectors, prefix truncation and seeded fuzzing.</summary>
internal static class IpTestSupport
{
    public static byte[] Hex(string hex) => Convert.FromHexString(hex);

    /// <summary>The offset and length of the upper-layer message of an IPv6 packet (walks extension headers).</summary>
    public static (int Offset, int Length) UpperLayerOf(byte[] packet)
    {
        Assert.That(Ipv6Packet.TryParse(packet, out var ip, out var error), Is.True, error.Describe());
        Assert.That(ip.TryGetUpperLayer(out var upper, out error), Is.True, error.Describe());
        int offset = Ipv6Packet.HeaderLength + upper.Offset;
        return (offset, ip.Bytes.Length - offset);
    }

    /// <summary>Source and destination of an IPv6 packet.</summary>
    public static (Ipv6Address Source, Ipv6Address Destination) AddressesOf(byte[] packet)
        => (Ipv6Address.Read(packet.AsSpan(8)), Ipv6Address.Read(packet.AsSpan(24)));

    /// <summary>Runs <paramref name="exercise"/> on every proper prefix of <paramref name="full"/>, each in an exact-size array.</summary>
    public static void EveryPrefix(byte[] full, Action<byte[]> exercise)
    {
        for (int n = 0; n < full.Length; n++) Run(full.AsSpan(0, n).ToArray(), exercise);
    }

    /// <summary>
    /// Seeded fuzzing: most iterations take one of <paramref name="seeds"/>, cut or extend it to a random length and
    /// overwrite a few random bytes (length fields included, by chance); one in eight is plain random bytes.
    /// Each runs <paramref name="exercise"/>, which must not throw.
    /// </summary>
    public static void Fuzz(int seed, int iterations, byte[][] seeds, Action<byte[]> exercise)
    {
        var rng = new Random(seed);
        for (int i = 0; i < iterations; i++)
        {
            if (i % 8 == 0)
            {
                // Now and then plain random bytes, not derived from a valid message.
                var noise = new byte[rng.Next(200)];
                rng.NextBytes(noise);
                Run(noise, exercise);
                continue;
            }
            var template = seeds[rng.Next(seeds.Length)];
            int length = rng.Next(4) == 0 ? rng.Next(template.Length + 16) : template.Length;
            var data = new byte[length];
            template.AsSpan(0, Math.Min(length, template.Length)).CopyTo(data);
            if (length > template.Length) rng.NextBytes(data.AsSpan(template.Length));
            int flips = rng.Next(1, 5);
            for (int f = 0; f < flips && length > 0; f++)
                data[rng.Next(Math.Min(length, 64 + rng.Next(length)))] = (byte)(rng.Next(3) == 0 ? 0xFF * rng.Next(2) : rng.Next(256));
            Run(data, exercise);
        }
    }

    private static void Run(byte[] data, Action<byte[]> exercise)
    {
        try { exercise(data); }
        catch (Exception e) { Assert.Fail($"threw {e.GetType().Name} on {Convert.ToHexString(data)}: {e.Message}"); }
    }

    /// <summary>Bytes allocated by <paramref name="body"/> run <paramref name="times"/> times (after one warm-up run).</summary>
    public static long AllocatedBy(int times, Action body)
    {
        body();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < times; i++) body();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
