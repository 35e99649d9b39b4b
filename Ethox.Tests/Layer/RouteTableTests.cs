using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

public class RouteTableTests
{
    [Test]
    public void Longest_prefix_wins_and_default_routes_catch_the_rest()
    {
        var table = new RouteTable(8);
        var gw1 = IpAddress.Parse("198.18.0.1");
        var gw2 = IpAddress.Parse("198.18.1.1");
        Assert.That(table.AddDefault(gw1), Is.EqualTo(RouteUpdate.Added));
        Assert.That(table.Add(IpAddress.Parse("198.19.0.0"), 16, gw2), Is.EqualTo(RouteUpdate.Added));
        Assert.That(table.Add(IpAddress.Parse("198.19.5.0"), 24, default), Is.EqualTo(RouteUpdate.Added));
        Assert.That(table.TryLookup(IpAddress.Parse("198.19.5.9"), Instant.Zero, out var r) && r.IsOnLink, Is.True);
        Assert.That(table.TryLookup(IpAddress.Parse("198.19.6.9"), Instant.Zero, out r) && r.Gateway == gw2, Is.True);
        Assert.That(table.TryLookup(IpAddress.Parse("198.18.77.1"), Instant.Zero, out r) && r.Gateway == gw1, Is.True);
        Assert.That(table.TryLookup(IpAddress.Parse("2001:db8::1"), Instant.Zero, out _), Is.False, "no IPv6 route");
    }

    [Test]
    public void Ipv6_routes_and_expiry_from_router_advertisements()
    {
        var table = new RouteTable(4);
        var router = IpAddress.Parse("fe80::1");
        table.AddDefault(router, Instant.FromMilliseconds(1800_000));
        table.Add(IpAddress.Parse("2001:db8:1::"), 64, default);
        Assert.That(table.TryLookup(IpAddress.Parse("2001:db8:2::1"), Instant.Zero, out var r) && r.Gateway == router, Is.True);
        Assert.That(table.TryLookup(IpAddress.Parse("2001:db8:2::1"), Instant.FromMilliseconds(1800_000), out _), Is.False);
        table.Expire(Instant.FromMilliseconds(1800_000));
        Assert.That(table.Routes.Length, Is.EqualTo(1));
    }

    [Test]
    public void Full_table_is_a_status_and_same_prefix_replaces()
    {
        var table = new RouteTable(1);
        Assert.That(table.Add(IpAddress.Parse("198.18.0.0"), 15, default), Is.EqualTo(RouteUpdate.Added));
        Assert.That(table.Add(IpAddress.Parse("198.18.3.3"), 15, IpAddress.Parse("198.18.0.1")), Is.EqualTo(RouteUpdate.Replaced));
        Assert.That(table.Add(IpAddress.Parse("198.18.0.0"), 24, default), Is.EqualTo(RouteUpdate.Full));
        Assert.That(table.Add(IpAddress.Parse("198.18.0.0"), 33, default), Is.EqualTo(RouteUpdate.Invalid));
    }
}
