using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Ethox.Fuzzing;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Robustness;

/// <summary>
/// Bad input is data: every parser, fed every truncation of every fixture frame, a million seeded
/// mutations of them, and the AFL++ seed corpora, returns a status and never throws or reads out of
/// bounds (a span slice out of range would throw). Parsing and emitting allocate nothing.
/// </summary>
public class RobustnessTests
{
    private static List<byte[]>? _frames;

    /// <summary>Every frame of every Ethernet pcap fixture.</summary>
    internal static List<byte[]> FixtureFrames()
    {
        if (_frames is not null) return _frames;
        var frames = new List<byte[]>();
        var dir = Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures");
        var buffer = new byte[1 << 16];
        foreach (var file in Directory.EnumerateFiles(dir, "*.pcap").Order())
        {
            using var stream = File.OpenRead(file);
            if (!PcapReader.TryOpen(stream, out var reader, out _) || reader!.LinkType != PcapLinkType.Ethernet) continue;
            while (reader.TryReadNext(buffer, out var record) == PcapReadStatus.Record)
                frames.Add(buffer.AsSpan(0, record.CapturedLength).ToArray());
        }
        return _frames = frames;
    }

    [Test]
    public void Fixtures_are_present()
        => Assert.That(FixtureFrames(), Has.Count.GreaterThan(100), "the committed pcap fixtures must be copied to the test output");

    [Test]
    public void Every_truncation_of_every_fixture_frame_is_a_status_never_an_exception()
    {
        var scratch = new byte[1 << 16];
        long calls = 0;
        foreach (var frame in FixtureFrames())
            for (int len = 0; len <= frame.Length; len++)
            {
                FuzzTargets.RunAllPacketTargets(frame.AsSpan(0, len), scratch);
                calls++;
            }
        Assert.That(calls, Is.GreaterThan(1000));
    }

    [Test]
    public void A_million_seeded_mutations_never_throw()
    {
        var frames = FixtureFrames();
        var rng = new Random(20261123);
        var scratch = new byte[1 << 16];
        var mutated = new byte[2048];
        const int Mutations = 1_000_000;
        for (int i = 0; i < Mutations; i++)
        {
            var frame = frames[rng.Next(frames.Count)];
            int len = Math.Min(frame.Length, mutated.Length);
            frame.AsSpan(0, len).CopyTo(mutated);
            // Flip bytes preferentially in the headers, where the length fields live.
            int flips = 1 + rng.Next(4);
            for (int f = 0; f < flips; f++)
            {
                int at = rng.Next(Math.Min(len, rng.Next(2) == 0 ? 80 : len));
                mutated[at] = rng.Next(3) switch { 0 => (byte)rng.Next(256), 1 => (byte)(mutated[at] ^ (1 << rng.Next(8))), _ => (byte)(rng.Next(2) == 0 ? 0 : 0xFF) };
            }
            if (rng.Next(4) == 0) len = rng.Next(len + 1);
            // One target per mutation keeps a million cases within seconds; all targets are covered by the rotation.
            var target = FuzzTargets.Names[i % (FuzzTargets.Names.Length - 1)]; // the last name is "pcap"
            mutated.AsSpan(0, len).CopyTo(scratch);
            FuzzTargets.Run(target, scratch.AsSpan(0, len));
        }
        Assert.That(FuzzTargets.Names[^1], Is.EqualTo("pcap"));
    }

    [Test]
    public void Afl_seed_corpora_replay_cleanly()
    {
        var root = Path.Combine(TestContext.CurrentContext.TestDirectory, "corpus");
        Assert.That(Directory.Exists(root), Is.True, "fuzz/corpus must be copied to the test output");
        int replayed = 0;
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            var target = Path.GetFileName(dir);
            Assert.That(FuzzTargets.IsKnown(target), Is.True, $"corpus folder {target} has no target");
            foreach (var file in Directory.EnumerateFiles(dir))
            {
                FuzzTargets.Run(target, File.ReadAllBytes(file));
                replayed++;
            }
        }
        Assert.That(replayed, Is.GreaterThan(100));
    }

    [Test]
    public void Parsing_and_emitting_every_fixture_frame_allocates_nothing()
    {
        var frames = FixtureFrames();
        var scratch = new byte[1 << 16];
        foreach (var frame in frames) FuzzTargets.RunAllPacketTargets(frame, scratch); // warm up (JIT, statics)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 20; round++)
            foreach (var frame in frames) FuzzTargets.RunAllPacketTargets(frame, scratch);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero, $"{allocated} bytes allocated over {20 * frames.Count} frames x {FuzzTargets.Names.Length - 1} parsers");
    }
}
