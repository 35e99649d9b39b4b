using System;
using System.Collections.Generic;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Tcp;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

public class IsnGeneratorTests
{
    private static readonly IsnGenerator Generator = new(new SipHash(0x6528, 0x9293));
    private static readonly Instant Start = new(1_234_567_890_123);

    [Test]
    public void The_same_tuple_at_the_same_time_gets_the_same_isn()
    {
        var tuple = Tuples.V4(80, 40000);
        var once = Generator.Next(tuple, Start);
        Assert.That(Generator.Next(tuple, Start), Is.EqualTo(once));
        Assert.That(new IsnGenerator(new SipHash(0x6528, 0x9293)).Next(tuple, Start), Is.EqualTo(Generator.Next(tuple, Start)));
    }

    [Test]
    public void Different_tuples_get_different_isns()
    {
        var isns = new HashSet<uint>();
        for (int i = 0; i < 1000; i++) isns.Add(Generator.Next(Tuples.Numbered(i), Start).Value);
        // RFC 6528 §3: F() spreads the tuples over the whole 32-bit space (1,000 random values collide with
        // probability about 1 in 8,600; the key here is fixed, so this never flakes).
        Assert.That(isns, Has.Count.EqualTo(1000));
    }

    [Test]
    public void Neighbouring_ports_get_unrelated_isns()
    {
        // An attacker who sees the ISN of its own connection learns nothing about the next port's.
        var differences = new HashSet<int>();
        for (ushort port = 40000; port < 40100; port++)
            differences.Add(Generator.Next(Tuples.V4(80, (ushort)(port + 1)), Start) - Generator.Next(Tuples.V4(80, port), Start));
        Assert.That(differences, Has.Count.EqualTo(100));
    }

    [Test]
    public void The_isn_of_one_tuple_advances_250000_per_second()
    {
        var tuple = Tuples.V6(443, 50000);
        var isn = Generator.Next(tuple, Start);
        Assert.That(Generator.Next(tuple, Start + Duration.FromSeconds(1)) - isn, Is.EqualTo(250_000));
        Assert.That(Generator.Next(tuple, Start + Duration.FromMilliseconds(1)) - isn, Is.EqualTo(250));
        Assert.That(Generator.Next(tuple, Start + new Duration(4)) - isn, Is.EqualTo(1));
        Assert.That(Generator.Next(tuple, Start + Duration.FromSeconds(60)) - isn, Is.EqualTo(15_000_000));
    }

    [Test]
    public void The_timer_wraps_modulo_2_to_the_32()
    {
        // 2^32 ticks of 4 microseconds is about 4.77 hours: after it the ISN of a tuple comes round again.
        var tuple = Tuples.V4(80, 40000);
        var wrap = new Duration(4L << 32);
        Assert.That(Generator.Next(tuple, Start + wrap), Is.EqualTo(Generator.Next(tuple, Start)));
    }

    [Test]
    public void Different_keys_give_different_isns()
    {
        var tuple = Tuples.V4(80, 40000);
        var other = new IsnGenerator(new SipHash(0x6528, 0x9294));
        Assert.That(other.Next(tuple, Start), Is.Not.EqualTo(Generator.Next(tuple, Start)));
        var random = IsnGenerator.WithRandomKey().Next(tuple, Start);
        Assert.That(IsnGenerator.WithRandomKey().Next(tuple, Start), Is.Not.EqualTo(random), "two random keys (equal with probability 2^-32)");
    }

    [Test]
    public void Generating_an_isn_allocates_nothing()
    {
        var tuple = Tuples.V6(80, 40000);
        var first = Generator.Next(tuple, Start);
        Assert.That(Generator.Next(tuple, Start + new Duration(4)) - first, Is.EqualTo(1)); // warm-up: Instant's equality comparer
        int ok = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
            if (Generator.Next(tuple, Start + new Duration(4L * i)) - first == i) ok++;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(ok, Is.EqualTo(10_000));
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void The_timestamp_offset_comes_with_the_isn_from_the_same_hash_and_stays_with_the_tuple()
    {
        var generator = new IsnGenerator(new SipHash(3, 4));
        var tuple = Tuples.V4(80, 40000);
        var isn = generator.Next(tuple, Instant.FromMilliseconds(1), out uint offset);
        Assert.That(isn, Is.EqualTo(generator.Next(tuple, Instant.FromMilliseconds(1))));
        Assert.That(generator.TimestampOffset(tuple), Is.EqualTo(offset));
        generator.Next(tuple, Instant.FromMilliseconds(100_000), out uint later);
        Assert.That(later, Is.EqualTo(offset), "RFC 6191: every incarnation of a tuple keeps its timestamp offset");
        Assert.That(generator.TimestampOffset(Tuples.V4(80, 40001)), Is.Not.EqualTo(offset));
        Assert.That(offset, Is.Not.EqualTo(isn.Value - (uint)(1000 / IsnGenerator.MicrosecondsPerTick)), "the other half of the hash");
    }
}
