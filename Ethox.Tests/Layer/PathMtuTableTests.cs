using System;
using System.Collections.Generic;
using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Ip;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

/// <summary>The per-destination path MTU (RFC 1191, RFC 8201) kept by <see cref="PathMtuTable"/> and applied by <see cref="IpEndpoint"/>.</summary>
public class PathMtuTableTests
{
    private static readonly IpAddress Far4 = new Ipv4Address(198, 19, 1, 1);
    private static readonly IpAddress Far6 = Ipv6Address.Parse("2001:db8:1::1");
    private static readonly Instant T0 = Instant.FromMilliseconds(10_000);

    private static IpEndpoint Endpoint(int mtu = 1500, int capacity = 8)
        => new(null, mtu, 4, new RouteTable(4), null) { PathMtu = new PathMtuTable(capacity, new SipHash(1, 2)) };

    [Test]
    public void A_report_lowers_the_path_mtu_of_that_destination_only_rfc1191()
    {
        var ip = Endpoint();
        Assert.That(ip.PathMtuFor(Far4, T0), Is.EqualTo(1500));
        Assert.That(ip.TryLowerPathMtu(Far4, 1400, T0), Is.True);
        Assert.That(ip.PathMtuFor(Far4, T0), Is.EqualTo(1400));
        Assert.That(ip.PathMtuFor(new Ipv4Address(198, 19, 1, 2), T0), Is.EqualTo(1500));
        Assert.That(ip.TryLowerPathMtu(Far4, 1300, T0), Is.True);
        Assert.That(ip.PathMtuFor(Far4, T0), Is.EqualTo(1300));
        Assert.That(ip.PathMtu!.Counters.Lowered, Is.EqualTo(2));
    }

    [Test]
    public void A_report_never_raises_the_path_mtu_rfc1191_3_rfc8201_4()
    {
        var ip = Endpoint();
        ip.TryLowerPathMtu(Far6, 1400, T0);
        Assert.That(ip.TryLowerPathMtu(Far6, 1450, T0), Is.False);
        Assert.That(ip.TryLowerPathMtu(Far6, 1400, T0), Is.False);
        Assert.That(ip.TryLowerPathMtu(Far4, 9000, T0), Is.False, "above the interface MTU");
        Assert.That(ip.PathMtuFor(Far6, T0), Is.EqualTo(1400));
        Assert.That(ip.PathMtuFor(Far4, T0), Is.EqualTo(1500));
        Assert.That(ip.PathMtu!.Counters.Ignored, Is.EqualTo(3));
    }

    [Test]
    public void Ipv6_packet_too_big_under_1280_is_discarded_rfc8201_4()
    {
        var ip = Endpoint();
        Assert.That(ip.TryLowerPathMtu(Far6, 1279, T0), Is.False);
        Assert.That(ip.TryLowerPathMtu(Far6, 68, T0), Is.False);
        Assert.That(ip.PathMtuFor(Far6, T0), Is.EqualTo(1500));
        Assert.That(ip.TryLowerPathMtu(Far6, 1280, T0), Is.True);
        Assert.That(ip.PathMtuFor(Far6, T0), Is.EqualTo(1280));
        Assert.That(ip.PathMtu!.Counters.Ignored, Is.EqualTo(2));
    }

    [Test]
    public void Ipv4_reports_under_552_are_raised_to_552_like_linux_min_pmtu()
    {
        var ip = Endpoint();
        Assert.That(ip.TryLowerPathMtu(Far4, 68, T0), Is.True);
        Assert.That(ip.PathMtuFor(Far4, T0), Is.EqualTo(PathMtuTable.MinIpv4Mtu));
        Assert.That(ip.TryLowerPathMtu(Far4, 0, T0), Is.False, "already at the floor");
        Assert.That(ip.PathMtuFor(Far4, T0), Is.EqualTo(552));
        Assert.That(ip.PathMtu!.Counters.Clamped, Is.EqualTo(2));
    }

    [Test]
    public void Frag_needed_without_mtu_takes_the_plateau_below_the_quoted_length_rfc1191_5()
    {
        Assert.That(PathMtuTable.PlateauBelow(1500), Is.EqualTo(1492));
        Assert.That(PathMtuTable.PlateauBelow(1492), Is.EqualTo(1006));
        Assert.That(PathMtuTable.PlateauBelow(4000), Is.EqualTo(2002));
        Assert.That(PathMtuTable.PlateauBelow(65535), Is.EqualTo(32000));
        Assert.That(PathMtuTable.PlateauBelow(100), Is.EqualTo(68));
        Assert.That(PathMtuTable.PlateauBelow(20), Is.EqualTo(68));
    }

    [Test]
    public void Entries_age_out_after_ten_minutes_by_default_rfc1191_6_3()
    {
        var ip = Endpoint();
        Assert.That(ip.PathMtu!.Timeout, Is.EqualTo(Duration.FromSeconds(600)));
        ip.TryLowerPathMtu(Far4, 1400, T0);
        ip.TryLowerPathMtu(Far4, 1300, T0 + Duration.FromSeconds(300)); // the age counts from the latest decrease
        Assert.That(ip.PathMtuFor(Far4, T0 + Duration.FromSeconds(899)), Is.EqualTo(1300));
        Assert.That(ip.PathMtuFor(Far4, T0 + Duration.FromSeconds(900)), Is.EqualTo(1500));
        Assert.That(ip.PathMtu.Count, Is.Zero);
        Assert.That(ip.PathMtu.Counters.Expired, Is.EqualTo(1));
    }

    [Test]
    public void The_age_is_configurable()
    {
        var ip = new IpEndpoint(null, 1500, 4, new RouteTable(4), null)
        {
            PathMtu = new PathMtuTable(4, new SipHash(3, 4)) { Timeout = Duration.FromSeconds(300) },
        };
        ip.TryLowerPathMtu(Far6, 1280, T0);
        Assert.That(ip.PathMtuFor(Far6, T0 + Duration.FromSeconds(299)), Is.EqualTo(1280));
        Assert.That(ip.PathMtuFor(Far6, T0 + Duration.FromSeconds(300)), Is.EqualTo(1500));
    }

    [Test]
    public void The_interface_mtu_caps_the_table_and_no_table_means_the_interface_mtu()
    {
        var ip = Endpoint();
        ip.TryLowerPathMtu(Far4, 1400, T0);
        ip.Mtu = 1280; // a router advertisement lowered the link MTU
        Assert.That(ip.PathMtuFor(Far4, T0), Is.EqualTo(1280));
        var bare = new IpEndpoint(null, 1500, 4, new RouteTable(4), null);
        Assert.That(bare.TryLowerPathMtu(Far4, 1400, T0), Is.False);
        Assert.That(bare.PathMtuFor(Far4, T0), Is.EqualTo(1500));
    }

    [Test]
    public void Families_are_kept_apart_even_with_the_same_low_bits()
    {
        var ip = Endpoint();
        var v4 = new Ipv4Address(198, 18, 0, 9);
        var mapped = new Ipv6Address(0, v4.Value);
        ip.TryLowerPathMtu(v4, 1000, T0);
        Assert.That(ip.PathMtuFor(mapped, T0), Is.EqualTo(1500));
        Assert.That(ip.PathMtuFor(v4, T0), Is.EqualTo(1000));
    }

    [Test]
    public void A_full_table_evicts_the_entry_lowered_longest_ago()
    {
        var ip = Endpoint(capacity: 4);
        for (int i = 0; i < 4; i++) ip.TryLowerPathMtu(new Ipv4Address(198, 19, 0, (byte)i), 1400 - i, T0 + Duration.FromSeconds(i));
        ip.TryLowerPathMtu(new Ipv4Address(198, 19, 0, 0), 1000, T0 + Duration.FromSeconds(10)); // 0 is young again
        ip.TryLowerPathMtu(new Ipv4Address(198, 19, 0, 9), 1200, T0 + Duration.FromSeconds(11));
        var now = T0 + Duration.FromSeconds(12);
        Assert.That(ip.PathMtu!.Count, Is.EqualTo(4));
        Assert.That(ip.PathMtu.Counters.Evicted, Is.EqualTo(1));
        Assert.That(ip.PathMtuFor(new Ipv4Address(198, 19, 0, 1), now), Is.EqualTo(1500), "the oldest went");
        Assert.That(ip.PathMtuFor(new Ipv4Address(198, 19, 0, 0), now), Is.EqualTo(1000));
        Assert.That(ip.PathMtuFor(new Ipv4Address(198, 19, 0, 2), now), Is.EqualTo(1398));
        Assert.That(ip.PathMtuFor(new Ipv4Address(198, 19, 0, 3), now), Is.EqualTo(1397));
        Assert.That(ip.PathMtuFor(new Ipv4Address(198, 19, 0, 9), now), Is.EqualTo(1200));
    }

    [Test]
    public void The_table_matches_a_reference_model_over_random_reports_lookups_and_expiries()
    {
        const int capacity = 32;
        var table = new PathMtuTable(capacity, new SipHash(5, 6)) { Timeout = Duration.FromSeconds(100) };
        var ip = new IpEndpoint(null, 1500, 4, new RouteTable(4), null) { PathMtu = table };
        var model = new Dictionary<IpAddress, (int Mtu, Instant Expires)>();
        var random = new Random(7);
        var now = T0;
        for (int step = 0; step < 20_000; step++)
        {
            now += Duration.FromMilliseconds(random.Next(1, 50)); // distinct ages: the oldest is unique
            IpAddress destination = random.Next(2) == 0
                ? new Ipv4Address(198, 19, 0, (byte)random.Next(80))
                : new Ipv6Address(0x2001_0db8_0000_0000UL, (ulong)random.Next(80));
            int current = model.TryGetValue(destination, out var m) && m.Expires > now ? m.Mtu : 1500;
            if (random.Next(3) == 0)
            {
                Assert.That(ip.PathMtuFor(destination, now), Is.EqualTo(current), $"step {step}");
                if (current == 1500) model.Remove(destination);
                continue;
            }
            int reported = random.Next(1280, 1500);
            bool lowered = ip.TryLowerPathMtu(destination, reported, now);
            Assert.That(lowered, Is.EqualTo(reported < current), $"step {step}");
            if (!lowered) continue;
            if (current == 1500) model.Remove(destination);
            if (!model.ContainsKey(destination) && model.Count == capacity)
                model.Remove(model.MinBy(e => e.Value.Expires).Key);
            model[destination] = (reported, now + table.Timeout);
        }
        foreach (var (destination, entry) in model)
            Assert.That(ip.PathMtuFor(destination, now), Is.EqualTo(entry.Expires > now ? entry.Mtu : 1500));
        Assert.That(table.Counters.Evicted + table.Counters.Expired, Is.GreaterThan(100), "the run went through evictions and expiries");
    }

    [Test]
    public void Lookups_and_reports_allocate_nothing()
    {
        var ip = Endpoint(capacity: 64);
        var now = T0;
        long lowered = 0, sum = 0;
        void Run(int count)
        {
            for (int i = 0; i < count; i++)
            {
                now += Duration.FromMilliseconds(100);
                IpAddress destination = (i & 1) == 0 ? new Ipv4Address(198, 19, 1, (byte)(i % 200)) : new Ipv6Address(0x2001_0db8_0001_0000UL, (ulong)(i % 200));
                if (ip.TryLowerPathMtu(destination, 1499 - i % 200, now)) lowered++;
                sum += ip.PathMtuFor(destination, now);
            }
        }
        Run(2000); // warm-up: the JIT's tiering runs meanwhile
        lowered = sum = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(20_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(lowered, Is.GreaterThan(1000));
        Assert.That(sum, Is.LessThan(20_000L * 1500));
        Assert.That(ip.PathMtu!.Counters.Evicted, Is.GreaterThan(0));
    }
}
