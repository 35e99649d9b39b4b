using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Ethox.Kestrel;
using Ethox.Nic.Hosting;
using Ethox.Tests.Appliance;
using Ethox.Tests.Nic;
using Ethox.Tests.Tools;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>
/// The sample's minimal-API app served by Kestrel over an <see cref="EthoxHost"/> on AF_PACKET (in this process), fetched by
/// <c>curl</c> in the peer namespace of a <see cref="BridgedNamespaces"/> rig with the kernel's default offloads: JSON over
/// IPv4 and IPv6, then 100 curl processes at once. Addresses: 198.18.0.0/24 and 2001:db8::/64 only.
/// </summary>
[Category("Kernel")]
[NonParallelizable]
public class KestrelKernelTests
{
    private const string OurV4 = PeerNamespace.OurV4, OurV6 = PeerNamespace.OurV6;
    private static readonly TimeSpan Patience = HostPair.Patience;
    private BridgedHost? _ethox;

    [SetUp]
    public void SetUp()
    {
        Kernel.RequireRoot();
        Tool.Require("curl");
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_ethox is not null) await _ethox.DisposeAsync();
        _ethox = null;
    }

    [Test]
    public async Task Curl_gets_json_from_kestrel_over_ethox_on_v4_and_v6_and_100_parallel_curls_all_succeed()
    {
        _ethox = BridgedHost.Start("ks");
        var (rig, nic, host) = (_ethox.Rig, _ethox.Nic, _ethox.Host);
        await using var app = KestrelApp.Build(host, 8080, []);
        await app.StartAsync().WaitAsync(Patience);

        foreach (string url in new[] { $"http://{OurV4}:8080/hello", $"http://[{OurV6}]:8080/hello" })
        {
            var hello = JsonDocument.Parse(rig.Run("curl", "-sS", "--fail", "--max-time", "30", url)).RootElement;
            Assert.That(hello.GetProperty("message").GetString(), Is.EqualTo("hello"), url);
            Assert.That(hello.GetProperty("remote").GetString(), Does.StartWith(url.Contains('[') ? $"[{BridgedNamespaces.PeerV6}]:" : BridgedNamespaces.PeerV4 + ":"));
        }
        string big = rig.Run("sh", "-c", $"curl -sS --fail --max-time 60 http://{OurV4}:8080/bytes/5000000 | wc -c");
        Assert.That(big.Trim(), Is.EqualTo("5000000"));

        // 100 curl processes at once, each its own connection, half over IPv6; each prints its body and a newline.
        string script = $"for i in $(seq 1 100); do if [ $((i % 2)) = 0 ]; then u='http://[{OurV6}]:8080/hello'; else u='http://{OurV4}:8080/hello'; fi; "
                        + "(curl -sS --fail --max-time 60 \"$u\" || echo FAILED; echo) > /tmp/ethox-kestrel-$$-$i.out & done; wait; "
                        + "cat /tmp/ethox-kestrel-$$-*.out; rm -f /tmp/ethox-kestrel-$$-*.out";
        var lines = rig.Run("sh", "-c", script).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(100));
        Assert.That(lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("message").GetString()), Is.All.EqualTo("hello"));

        await app.StopAsync().WaitAsync(Patience);
        var counters = await host.ReadCountersAsync();
        TestContext.Out.WriteLine($"{counters.Host.Accepted} accepted, {counters.Tcp.SegmentsIn} segments in, {counters.Tcp.Retransmits} retransmitted, "
                                  + $"{counters.Host.AcceptQueueFull} SYNs over the backlog; device {nic.Counters}");
        Assert.That(counters.Host.Accepted, Is.EqualTo(103));
        Assert.That(counters.Tcp.Errors.Total, Is.Zero);
    }

    // Two hosts on the sockets of one PACKET_FANOUT hash group (the sample's --queues 2): the kernel shares the connections
    // out by flow hash, each host accepts its own and answers from its own thread, and the hosts that never see an ARP
    // answer learn the client's link address from its packets (EthoxHostOptions.GleanNeighbors).
    [Test]
    public async Task Kestrel_over_two_fanout_queues_serves_100_parallel_curls_from_both_queues()
    {
        _ethox = BridgedHost.Start("kq", queues: 2);
        var rig = _ethox.Rig;
        await using var app = KestrelApp.Build(_ethox.Hosts, 8080, []);
        await app.StartAsync().WaitAsync(Patience);

        string script = $"for i in $(seq 1 100); do if [ $((i % 2)) = 0 ]; then u='http://[{OurV6}]:8080/bytes/20000'; else u='http://{OurV4}:8080/bytes/20000'; fi; "
                        + "(curl -sS --fail --max-time 60 \"$u\" | wc -c || echo FAILED) > /tmp/ethox-kestrel-q-$$-$i.out & done; wait; "
                        + "cat /tmp/ethox-kestrel-q-$$-*.out; rm -f /tmp/ethox-kestrel-q-$$-*.out";
        var lines = rig.Run("sh", "-c", script).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines.Select(l => l.Trim()), Is.EqualTo(Enumerable.Repeat("20000", 100)), "every body whole");

        await app.StopAsync().WaitAsync(Patience);
        long[] accepted = new long[2];
        for (int q = 0; q < 2; q++)
        {
            var counters = await _ethox.Hosts[q].ReadCountersAsync();
            accepted[q] = counters.Host.Accepted;
            TestContext.Out.WriteLine($"queue {q}: {counters.Host.Accepted} accepted, {counters.Tcp.SegmentsIn} segments in, "
                                      + $"{counters.Tcp.Retransmits} retransmitted; device {_ethox.Nics[q].Counters}");
            Assert.That(counters.Tcp.Errors.Total, Is.Zero, $"queue {q}");
        }
        Assert.That(accepted.Sum(), Is.EqualTo(100), "every connection accepted once");
        Assert.That(accepted, Is.All.GreaterThan(10), "the fanout hash spread the connections over both queues");
    }
}
