using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Ethox.Fuzzing;
using Ethox.Tests.Tools;
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
        foreach (var file in Directory.EnumerateFiles(dir, "*.pcap").Order()) frames.AddRange(EthernetFramesOf(file));
        return _frames = frames;
    }

    /// <summary>The frames of one Ethernet pcap file.</summary>
    internal static List<byte[]> EthernetFramesOf(string file)
    {
        var frames = new List<byte[]>();
        var buffer = new byte[1 << 16];
        using var stream = File.OpenRead(file);
        if (!PcapReader.TryOpen(stream, out var reader, out _) || reader!.LinkType != PcapLinkType.Ethernet) return frames;
        while (reader.TryReadNext(buffer, out var record) == PcapReadStatus.Record)
            frames.Add(buffer.AsSpan(0, record.CapturedLength).ToArray());
        return frames;
    }

    /// <summary>Every seed of every packet target (<see cref="FuzzTargets.IsPacketTarget"/>), with the target's index in <see cref="FuzzTargets.Names"/>.</summary>
    private static List<(int Target, byte[] Seed)> PacketSeeds()
    {
        var seeds = new List<(int, byte[])>();
        var root = Path.Combine(TestContext.CurrentContext.TestDirectory, "corpus");
        for (int t = 0; t < FuzzTargets.Names.Length; t++)
        {
            var dir = Path.Combine(root, FuzzTargets.Names[t]);
            if (!FuzzTargets.IsPacketTarget(FuzzTargets.Names[t]) || !Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir).Order()) seeds.Add((t, File.ReadAllBytes(file)));
        }
        return seeds;
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
        var targets = FuzzTargets.Names.Where(FuzzTargets.IsPacketTarget).ToArray();
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
            var target = targets[i % targets.Length];
            mutated.AsSpan(0, len).CopyTo(scratch);
            FuzzTargets.Run(target, scratch.AsSpan(0, len));
        }
        Assert.That(targets, Has.Length.EqualTo(FuzzTargets.Names.Length - 2), "all but pcap and tcpstate");
    }

    [Test]
    public void Seeded_mutations_of_the_tcp_state_seeds_keep_every_connection_invariant()
    {
        // The tcpstate target builds a host and walks a connection per input: fewer, costlier cases than the parsers'.
        var dir = Path.Combine(TestContext.CurrentContext.TestDirectory, "corpus", "tcpstate");
        var seeds = Directory.EnumerateFiles(dir).Order().Select(File.ReadAllBytes).ToList();
        Assert.That(seeds, Has.Count.GreaterThanOrEqualTo(10), "a seed per state at least");
        var rng = new Random(20261201);
        var mutated = new byte[1024];
        int accepted = 0;
        for (int i = 0; i < 3000; i++)
        {
            var seed = seeds[rng.Next(seeds.Count)];
            int len = Math.Min(seed.Length, mutated.Length);
            seed.AsSpan(0, len).CopyTo(mutated);
            int flips = 1 + rng.Next(6);
            for (int f = 0; f < flips; f++)
            {
                int at = rng.Next(len);
                mutated[at] = rng.Next(2) == 0 ? (byte)rng.Next(256) : (byte)(mutated[at] ^ (1 << rng.Next(8)));
            }
            if (FuzzTargets.Run("tcpstate", mutated.AsSpan(0, len))) accepted++;
        }
        Assert.That(accepted, Is.EqualTo(3000), "every input reached its state (the first two bytes always choose one)");
    }

    [Test]
    public void Afl_seed_corpora_replay_cleanly()
    {
        var root = Path.Combine(TestContext.CurrentContext.TestDirectory, "corpus");
        Assert.That(Directory.Exists(root), Is.True, "fuzz/corpus must be copied to the test output");
        int replayed = 0, tcpState = 0;
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            var target = Path.GetFileName(dir);
            Assert.That(FuzzTargets.IsKnown(target), Is.True, $"corpus folder {target} has no target");
            foreach (var file in Directory.EnumerateFiles(dir))
            {
                FuzzTargets.Run(target, File.ReadAllBytes(file));
                replayed++;
                if (target == "tcpstate") tcpState++;
            }
        }
        Assert.That(replayed, Is.GreaterThan(100));
        Assert.That(tcpState, Is.GreaterThanOrEqualTo(10), "the TCP state target's seeds are replayed too");
    }

    [Test]
    public void Parsing_and_emitting_every_fixture_frame_and_every_seed_allocates_nothing()
    {
        // Whole frames reach the Ethernet-level targets; each protocol's parser gets its own layer from its seeds.
        var frames = FixtureFrames();
        var seeds = PacketSeeds();
        int targets = FuzzTargets.Names.Length;
        var scratch = new byte[1 << 16];
        var warmUp = new long[2 * targets]; // per target: fixture frames accepted, then seeds accepted
        var measured = new long[2 * targets];
        void Pass(long[] accepted)
        {
            foreach (var frame in frames)
            {
                int mask = FuzzTargets.RunAllPacketTargets(frame, scratch);
                for (int t = 0; t < targets; t++) accepted[t] += (mask >> t) & 1;
            }
            foreach (var (target, seed) in seeds)
            {
                seed.CopyTo(scratch, 0);
                if (FuzzTargets.Run(FuzzTargets.Names[target], scratch.AsSpan(0, seed.Length))) accepted[targets + target]++;
            }
        }
        Pass(warmUp); // JIT, statics
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 20; round++) Pass(measured);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero, $"{allocated} bytes allocated over {20 * frames.Count} frames and {20 * seeds.Count} seeds");
        Assert.That(measured, Is.EqualTo(warmUp.Select(n => 20 * n)), "every measured round did what the warm-up did");
        // And that was parsing, not refusing: the frame-level parsers take every frame, the header stack every one but
        // the deliberately broken, and every protocol's parser most of the seeds cut from these captures.
        int Target(string name) => Array.IndexOf(FuzzTargets.Names, name);
        foreach (var name in new[] { "ethernet", "frame", "rawip" })
            Assert.That(warmUp[Target(name)], Is.EqualTo(frames.Count), name);
        int broken = EthernetFramesOf(Fixture.Path("crafted-broken.pcap")).Count;
        Assert.That(warmUp[Target("stack")], Is.InRange(frames.Count - broken, frames.Count - 1), "stack");
        for (int t = 0; t < targets; t++)
        {
            int own = seeds.Count(s => s.Target == t);
            if (FuzzTargets.IsPacketTarget(FuzzTargets.Names[t])) Assert.That(warmUp[targets + t], Is.GreaterThan(own / 2), $"{FuzzTargets.Names[t]}: seeds accepted of {own}");
        }
    }
}
