using System;
using System.Collections.Generic;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Tcp;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

public class EphemeralPortsTests
{
    private static readonly SipHash Key = new(0x6056, 0x3);
    private static readonly TransportAddress Local = new(Tuples.V4Local, 0);
    private static readonly TransportAddress Server = new(Tuples.V4Remote, 80);

    private static ConnectionTable NewTable(int slots = 20000) => new(slots, new SipHash(5, 6));

    [Test]
    public void The_default_range_is_the_iana_dynamic_range()
    {
        var ports = new EphemeralPorts(Key);
        Assert.That(ports.First, Is.EqualTo(49152));
        Assert.That(ports.Last, Is.EqualTo(65535));
        var table = NewTable();
        for (int i = 0; i < 1000; i++)
        {
            Assert.That(ports.TrySelect(Local, new TransportAddress(Tuples.V4Remote, (ushort)(i + 1)), table, out ushort port), Is.True);
            Assert.That(port, Is.InRange(49152, 65535));
        }
    }

    [Test]
    public void Selections_to_one_destination_never_collide_and_use_up_the_range()
    {
        var ports = new EphemeralPorts(Key, 40000, 40099);
        var table = NewTable();
        var used = new HashSet<ushort>();
        for (int i = 0; i < 100; i++)
        {
            Assert.That(ports.TrySelect(Local, Server, table, out ushort port), Is.True);
            Assert.That(port, Is.InRange(40000, 40099));
            Assert.That(used.Add(port), Is.True, $"port {port} chosen twice");
            Assert.That(table.TryInsert(new FourTuple(Local with { Port = port }, Server), i), Is.True);
        }
        Assert.That(ports.TrySelect(Local, Server, table, out ushort none), Is.False, "every tuple towards the server is live");
        Assert.That(none, Is.Zero);
        Assert.That(table.TryFind(new FourTuple(Local with { Port = 40042 }, Server), out int slot), Is.True);
        Assert.That(table.Remove(slot), Is.True);
        Assert.That(ports.TrySelect(Local, Server, table, out ushort freed), Is.True);
        Assert.That(freed, Is.EqualTo(40042), "the only free port");
    }

    [Test]
    public void A_port_in_use_towards_one_server_is_still_free_towards_another()
    {
        var ports = new EphemeralPorts(Key, 50000, 50000);
        var table = NewTable();
        Assert.That(table.TryInsert(new FourTuple(Local with { Port = 50000 }, Server), 0), Is.True);
        Assert.That(ports.TrySelect(Local, Server, table, out _), Is.False);
        Assert.That(ports.TrySelect(Local, Server with { Port = 443 }, table, out ushort port), Is.True);
        Assert.That(port, Is.EqualTo(50000));
    }

    [Test]
    public void Successive_connections_to_one_destination_get_fresh_ports()
    {
        // RFC 6056 §3.3.3: the counter moves on, so a tuple just closed (perhaps in TIME-WAIT at the peer) is not reused at once.
        var ports = new EphemeralPorts(Key);
        var table = NewTable();
        Assert.That(ports.TrySelect(Local, Server, table, out ushort first), Is.True);
        Assert.That(ports.TrySelect(Local, Server, table, out ushort second), Is.True);
        Assert.That(ports.TrySelect(Local, Server, table, out ushort third), Is.True);
        Assert.That(second, Is.EqualTo(first == 65535 ? 49152 : first + 1));
        Assert.That(third, Is.Not.EqualTo(second).And.Not.EqualTo(first));
    }

    [Test]
    public void Different_destinations_start_at_unrelated_offsets_spread_over_the_range()
    {
        // Fresh selectors (counter 0) show the offset F(addresses, remote port, key) alone.
        var table = NewTable();
        var firsts = new List<int>();
        for (int i = 0; i < 16384; i++)
        {
            var remote = new TransportAddress(new Ipv4Address(Tuples.V4Remote.Value + (uint)(i >> 8)), (ushort)(1000 + (i & 255)));
            Assert.That(new EphemeralPorts(Key).TrySelect(Local, remote, table, out ushort port), Is.True);
            firsts.Add(port);
        }
        // Spread: 16 equal bins of the range each get their share within 15% (the expected deviation is 3%).
        var bins = new int[16];
        foreach (int port in firsts) bins[(port - 49152) / 1024]++;
        foreach (int count in bins) Assert.That(count, Is.InRange(870, 1180), string.Join(",", bins));
        // Unrelated: neighbouring destinations (ports n and n+1 of one server) are not a constant step apart.
        var steps = new HashSet<int>();
        for (int i = 1; i < 256; i++) steps.Add(firsts[i] - firsts[i - 1]);
        Assert.That(steps.Count, Is.GreaterThan(240));
    }

    [Test]
    public void Different_keys_give_different_sequences()
    {
        var table = NewTable();
        var a = new EphemeralPorts(new SipHash(1, 2));
        var b = new EphemeralPorts(new SipHash(1, 3));
        int same = 0;
        for (int i = 0; i < 100; i++)
        {
            var remote = Server with { Port = (ushort)(2000 + i) };
            Assert.That(a.TrySelect(Local, remote, table, out ushort pa) & b.TrySelect(Local, remote, table, out ushort pb), Is.True);
            if (pa == pb) same++;
        }
        Assert.That(same, Is.LessThan(3));
    }

    [Test]
    public void The_local_port_given_is_ignored()
    {
        var table = NewTable();
        Assert.That(new EphemeralPorts(Key).TrySelect(Local with { Port = 1 }, Server, table, out ushort a), Is.True);
        Assert.That(new EphemeralPorts(Key).TrySelect(Local with { Port = 2 }, Server, table, out ushort b), Is.True);
        Assert.That(a, Is.EqualTo(b));
    }

    [Test]
    public void Ipv6_destinations_are_served_and_mixed_families_refused()
    {
        var ports = new EphemeralPorts(Key);
        var table = NewTable();
        Assert.That(ports.TrySelect(new TransportAddress(Tuples.V6Local, 0), new TransportAddress(Tuples.V6Remote, 80), table, out ushort port), Is.True);
        Assert.That(port, Is.InRange(49152, 65535));
        Assert.That(ports.TrySelect(Local, new TransportAddress(Tuples.V6Remote, 80), table, out port), Is.False);
        Assert.That(port, Is.Zero);
    }

    [Test]
    public void An_empty_or_reversed_range_is_refused_at_construction()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EphemeralPorts(Key, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EphemeralPorts(Key, 2000, 1999));
        Assert.That(new EphemeralPorts(Key, 65535, 65535).Last, Is.EqualTo(65535));
    }

    [Test]
    public void Selecting_a_port_allocates_nothing()
    {
        var ports = new EphemeralPorts(Key, 40000, 40063);
        var table = NewTable(64);
        for (int i = 0; i < 32; i++)
        {
            Assert.That(ports.TrySelect(Local, Server, table, out ushort p), Is.True);
            Assert.That(table.TryInsert(new FourTuple(Local with { Port = p }, Server), i), Is.True);
        }
        // Warm-up: tiered compilation of the loop allocates on the first calls, not the selection.
        for (int i = 0; i < 10_000; i++) ports.TrySelect(Local, Server, table, out _);
        int ok = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
            if (ports.TrySelect(Local, Server, table, out ushort port) && port is >= 40000 and <= 40063
                && !table.Contains(new FourTuple(Local with { Port = port }, Server)))
                ok++;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(ok, Is.EqualTo(10_000));
        Assert.That(allocated, Is.Zero);
    }
}
