using System;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Tests.Layer;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>The "state per connection (without its buffers) is measured and documented".</summary>
public class StateSizeTests
{
    private static IpEndpoint NewIp() => new(new EthernetEndpoint(TwoHosts.MacA), 1500, 4, new RouteTable(4), new NeighborCache(4, new SipHash(1, 2)));

    private static long AllocatedBy(Func<object> make)
    {
        make(); // the first construction also runs class constructors and JITs
        long before = GC.GetAllocatedBytesForCurrentThread();
        var made = make();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(made);
        return allocated;
    }

    [Test]
    public void The_control_block_and_the_slot_cost_what_the_docs_say()
    {
        Assert.That(TcpEndpoint.ControlBlockBytes, Is.EqualTo(196));
        Assert.That(TcpEndpoint.StateBytesPerConnection, Is.EqualTo(253), "the block and the slot's share of the endpoint's tables");
        Assert.That(TcpEndpoint.StateBytesPerConnection, Is.LessThanOrEqualTo(256), "issue 10's bound on state per connection");
    }

    [Test]
    public void An_endpoint_grows_by_the_state_bytes_per_connection_for_each_slot()
    {
        var ip = NewIp();
        var key = new SipHash(3, 4);
        long small = AllocatedBy(() => new TcpEndpoint(ip, 65536, key));
        long large = AllocatedBy(() => new TcpEndpoint(ip, 131072, key));
        Assert.That(small, Is.GreaterThan(65536L * TcpEndpoint.ControlBlockBytes), "the slots are allocated at construction");
        // Every per-slot array is then on the large-object heap, whose allocations are counted exactly; the endpoint's few
        // small arrays are the same in both but counted by allocation context, which can differ by a context (8 KiB) between
        // the two measurements: an eighth of a byte a slot.
        Assert.That((large - small) / 65536.0, Is.EqualTo(TcpEndpoint.StateBytesPerConnection).Within(0.25));
    }
}
