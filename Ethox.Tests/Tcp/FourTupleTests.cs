using System;
using System.Runtime.CompilerServices;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Tcp;
using Ethox.Wire;
using Ethox.Tests.Tools;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

public class FourTupleTests
{
    [Test]
    public void A_tuple_takes_40_bytes()
    {
        Assert.That(Unsafe.SizeOf<FourTuple>(), Is.EqualTo(40));
    }

    [Test]
    public void Ipv4_ends_round_trip()
    {
        var local = new TransportAddress(Tuples.V4Local, 80);
        var remote = new TransportAddress(Tuples.V4Remote, 40000);
        var tuple = new FourTuple(local, remote);
        Assert.That(tuple.IsValid, Is.True);
        Assert.That(tuple.Version, Is.EqualTo(IpVersion.V4));
        Assert.That(tuple.Local, Is.EqualTo(local));
        Assert.That(tuple.Remote, Is.EqualTo(remote));
        Assert.That(tuple.LocalAddress, Is.EqualTo((IpAddress)Tuples.V4Local));
        Assert.That(tuple.RemoteAddress, Is.EqualTo((IpAddress)Tuples.V4Remote));
        Assert.That(tuple.LocalPort, Is.EqualTo(80));
        Assert.That(tuple.RemotePort, Is.EqualTo(40000));
    }

    [Test]
    public void Ipv6_ends_round_trip()
    {
        var local = new TransportAddress(Ipv6Address.Parse("2001:db8:ffff:1::1"), 443);
        var remote = new TransportAddress(Ipv6Address.Parse("fe80::1234:5678:9abc:def0"), 65535);
        var tuple = new FourTuple(local, remote);
        Assert.That(tuple.Version, Is.EqualTo(IpVersion.V6));
        Assert.That(tuple.Local, Is.EqualTo(local));
        Assert.That(tuple.Remote, Is.EqualTo(remote));
        Assert.That(new FourTuple(local.Address, local.Port, remote.Address, remote.Port), Is.EqualTo(tuple));
    }

    [Test]
    public void Mixed_or_unspecified_families_are_refused()
    {
        var v4 = new TransportAddress(Tuples.V4Local, 80);
        var v6 = new TransportAddress(Tuples.V6Remote, 80);
        Assert.That(FourTuple.TryCreate(v4, v6, out var mixed), Is.False);
        Assert.That(mixed.IsValid, Is.False);
        Assert.That(mixed, Is.EqualTo(default(FourTuple)));
        Assert.That(FourTuple.TryCreate(v6, v4, out _), Is.False);
        Assert.That(FourTuple.TryCreate(default, default, out _), Is.False);
        Assert.That(new FourTuple(v4, v6).IsValid, Is.False);
        Assert.That(FourTuple.TryCreate(v4, v4 with { Port = 81 }, out var ok), Is.True);
        Assert.That(ok.IsValid, Is.True);
        Assert.That(default(FourTuple).Local, Is.EqualTo(default(TransportAddress)));
    }

    [Test]
    public void Equality_depends_on_every_field()
    {
        var tuple = Tuples.V4(80, 40000);
        Assert.That(Tuples.V4(80, 40000), Is.EqualTo(tuple));
        Assert.That(Tuples.V4(80, 40000) == tuple, Is.True);
        Assert.That(Tuples.V4(80, 40000).GetHashCode(), Is.EqualTo(tuple.GetHashCode()));
        var others = new[]
        {
            Tuples.V4(81, 40000),
            Tuples.V4(80, 40001),
            Tuples.V4(40000, 80),
            new FourTuple(new TransportAddress(Tuples.V4Remote, 80), new TransportAddress(Tuples.V4Remote, 40000)),
            new FourTuple(new TransportAddress(Tuples.V4Local, 80), new TransportAddress(Tuples.V4Local, 40000)),
            // The IPv6 tuple of ::198.18.0.1 and ::198.18.0.2 has the same address bits: the version tells them apart.
            new FourTuple(new TransportAddress(new Ipv6Address(0, Tuples.V4Local.Value), 80), new TransportAddress(new Ipv6Address(0, Tuples.V4Remote.Value), 40000)),
        };
        var key = new SipHash(1, 2);
        foreach (var other in others)
        {
            Assert.That(other, Is.Not.EqualTo(tuple));
            Assert.That(other != tuple, Is.True);
            Assert.That(other.Hash(key), Is.Not.EqualTo(tuple.Hash(key)), other.ToString());
        }
    }

    [Test]
    public void The_keyed_hash_depends_on_the_key_and_on_the_extra_word()
    {
        var tuple = Tuples.V6(80, 40000);
        ulong once = tuple.Hash(new SipHash(1, 2));
        Assert.That(tuple.Hash(new SipHash(1, 2)), Is.EqualTo(once));
        Assert.That(tuple.Hash(new SipHash(1, 2)), Is.Not.EqualTo(tuple.Hash(new SipHash(1, 3))));
        Assert.That(tuple.Hash(new SipHash(1, 2), 0), Is.Not.EqualTo(tuple.Hash(new SipHash(1, 2))));
        Assert.That(tuple.Hash(new SipHash(1, 2), 7), Is.Not.EqualTo(tuple.Hash(new SipHash(1, 2), 8)));
    }

    [Test]
    public void Formats_both_ends_with_an_arrow()
    {
        Assert.That(Tuples.V4(80, 40000).ToString(), Is.EqualTo("198.18.0.1:80 <-> 198.18.0.2:40000"));
        Assert.That(Tuples.V6(80, 40000).ToString(), Is.EqualTo("[2001:db8::1]:80 <-> [2001:db8::2]:40000"));
        Assert.That(default(FourTuple).ToString(), Is.EqualTo("invalid"));
        Assert.That($"{Tuples.V4(7, 8)}", Is.EqualTo("198.18.0.1:7 <-> 198.18.0.2:8"));
    }

    [Test]
    public void Formatting_into_a_short_buffer_fails_without_throwing()
    {
        var tuple = Tuples.V6(80, 40000);
        string full = tuple.ToString();
        var buffer = new char[full.Length];
        for (int length = 0; length < full.Length; length++)
            Assert.That(tuple.TryFormat(buffer.AsSpan(0, length), out _), Is.False, $"{length} chars");
        Assert.That(tuple.TryFormat(buffer, out int written), Is.True);
        Assert.That(new string(buffer, 0, written), Is.EqualTo(full));
    }

    [Test]
    public void Building_comparing_and_hashing_allocates_nothing()
    {
        var key = new SipHash(3, 4);
        var local = new TransportAddress(Tuples.V6Local, 80);
        var reference = Tuples.V6(80, 1000);
        ulong referenceHash = reference.Hash(key);
        int matches = 0;
        var text = new char[128];
        long allocated = Allocations.Least(() =>
        {
            matches = 0;
            for (int i = 0; i < 10_000; i++)
            {
                var tuple = new FourTuple(local, new TransportAddress(Tuples.V6Remote, (ushort)(1000 + i % 2)));
                if (tuple == reference && tuple.Hash(key) == referenceHash && tuple.TryFormat(text, out int n) && n > 30) matches++;
            }
        });
        Assert.That(matches, Is.EqualTo(5000));
        Assert.That(allocated, Is.Zero);
    }
}
