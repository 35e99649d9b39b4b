using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Ip;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

public class NeighborCacheTests
{
    private static readonly EthernetAddress MacA = EthernetAddress.Parse("02:00:00:00:00:0a");
    private static readonly EthernetAddress MacB = EthernetAddress.Parse("02:00:00:00:00:0b");
    private static IpAddress Ip(int n) => new Ipv4Address(0xC612_0000u + (uint)n);

    private static NeighborCache NewCache(int capacity = 8) => new(capacity, new SipHash(1, 2));

    [Test]
    public void Unknown_address_asks_for_one_request_then_waits_for_the_answer()
    {
        var cache = NewCache();
        var t = Instant.Zero;
        Assert.That(cache.Lookup(Ip(1), t, out _), Is.EqualTo(NeighborLookup.RequestNeeded));
        Assert.That(cache.Lookup(Ip(1), t, out _), Is.EqualTo(NeighborLookup.Pending));
        cache.Update(Ip(1), MacA, t, confirmed: true, createIfMissing: false);
        Assert.That(cache.Lookup(Ip(1), t, out var mac), Is.EqualTo(NeighborLookup.Found));
        Assert.That(mac, Is.EqualTo(MacA));
    }

    [Test]
    public void A_removed_neighbour_is_not_found_through_the_entry_found_last()
    {
        var cache = NewCache();
        var t = Instant.Zero;
        cache.Update(Ip(1), MacA, t, confirmed: true, createIfMissing: true);
        cache.Update(Ip(2), MacB, t, confirmed: true, createIfMissing: true);
        Assert.That(cache.Lookup(Ip(1), t, out var mac), Is.EqualTo(NeighborLookup.Found));
        Assert.That(mac, Is.EqualTo(MacA));
        Assert.That(cache.Lookup(Ip(2), t, out mac), Is.EqualTo(NeighborLookup.Found));
        Assert.That(mac, Is.EqualTo(MacB), "another address is not answered from the entry found last");
        cache.Remove(Ip(2));
        Assert.That(cache.Peek(Ip(2), out _), Is.EqualTo(NeighborState.Empty));
        Assert.That(cache.Lookup(Ip(2), t, out _), Is.EqualTo(NeighborLookup.RequestNeeded), "a removed entry starts a fresh resolution");
        Assert.That(cache.Lookup(Ip(1), t, out mac), Is.EqualTo(NeighborLookup.Found));
        Assert.That(mac, Is.EqualTo(MacA));
    }

    [Test]
    public void Incomplete_entry_is_retried_at_the_retransmit_interval_and_given_up_after_max_requests()
    {
        var cache = NewCache();
        var t = Instant.Zero;
        cache.Lookup(Ip(1), t, out _);
        Assert.That(cache.TryTakeDueRequest(t, out _), Is.False, "first request was sent by the lookup");
        int retries = 0;
        for (int s = 1; s <= 10; s++)
            while (cache.TryTakeDueRequest(Instant.FromMilliseconds(s * 1000), out var due)) { retries++; Assert.That(due.Address, Is.EqualTo(Ip(1))); }
        Assert.That(retries, Is.EqualTo(cache.MaxRequests - 1));
        Assert.That(cache.Failures, Is.EqualTo(1));
        Assert.That(cache.Lookup(Ip(1), Instant.FromMilliseconds(20_000), out _), Is.EqualTo(NeighborLookup.RequestNeeded));
    }

    [Test]
    public void Reachable_goes_stale_then_delay_then_probe_rfc4861_7_3_3()
    {
        var cache = NewCache();
        cache.Update(Ip(2), MacA, Instant.Zero, confirmed: true, createIfMissing: true);
        var later = Instant.Zero + cache.ReachableTime + Duration.FromSeconds(1);
        Assert.That(cache.Lookup(Ip(2), later, out var mac), Is.EqualTo(NeighborLookup.Found), "stale entries are still used");
        Assert.That(mac, Is.EqualTo(MacA));
        var probeTime = later + cache.DelayFirstProbe;
        Assert.That(cache.TryTakeDueRequest(probeTime, out var due), Is.True);
        Assert.That(due.State, Is.EqualTo(NeighborState.Probe));
        cache.Confirm(Ip(2), probeTime);
        Assert.That(cache.TryTakeDueRequest(probeTime + Duration.FromSeconds(2), out _), Is.False);
    }

    [Test]
    public void Unsolicited_change_of_link_address_makes_the_entry_stale()
    {
        var cache = NewCache();
        cache.Update(Ip(3), MacA, Instant.Zero, confirmed: true, createIfMissing: true);
        cache.Update(Ip(3), MacB, Instant.Zero, confirmed: false, createIfMissing: false);
        Assert.That(cache.Lookup(Ip(3), Instant.Zero, out var mac), Is.EqualTo(NeighborLookup.Found));
        Assert.That(mac, Is.EqualTo(MacB));
    }

    [Test]
    public void Full_table_evicts_instead_of_growing()
    {
        var cache = NewCache(4);
        for (int i = 0; i < 100; i++) cache.Update(Ip(i), MacA, Instant.Zero, confirmed: true, createIfMissing: true);
        Assert.That(cache.Capacity, Is.EqualTo(4));
        Assert.That(cache.Evictions, Is.EqualTo(96));
        Assert.That(cache.Lookup(Ip(99), Instant.Zero, out _), Is.EqualTo(NeighborLookup.Found));
    }
}
