using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Ethox.Nic.Hosting;
using Ethox.Tests.Appliance;
using Ethox.Tests.Nic;
using Ethox.Tests.Tools;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>
/// <see cref="HttpClient"/> over an <see cref="EthoxHost"/> on AF_PACKET, against python3's http.server (HTTP/1.1) in the peer
/// namespace of a <see cref="BridgedNamespaces"/> rig with the kernel's default offloads: files SHA-256 checked, keep-alive,
/// 20 requests at once, over IPv4 and IPv6. Addresses: 198.18.0.0/24 and 2001:db8::/64 only.
/// </summary>
[Category("Kernel")]
[NonParallelizable]
public class EthoxHttpKernelTests
{
    private static readonly TimeSpan Patience = HostPair.Patience;
    private BridgedHost? _ethox;
    private string? _directory;

    [SetUp]
    public void SetUp()
    {
        _ethox = BridgedHost.Start("hh", options => (options.SendBufferSize, options.ReceiveBufferSize) = (256 * 1024, 256 * 1024));
        _directory = Path.Combine(Path.GetTempPath(), $"ethox-http-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_ethox is not null) await _ethox.DisposeAsync();
        if (_directory is not null) Directory.Delete(_directory, recursive: true);
    }

    private string WriteRandomFile(string name, int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        string path = Path.Combine(_directory!, name);
        File.WriteAllBytes(path, data);
        return Convert.ToHexString(SHA256.HashData(data));
    }

    private static string Describe(in EthoxHostCounters c)
        => $"connected {c.Host.Connected}, resets in {c.Tcp.Resets} out {c.Tcp.ResetsOut} on close {c.Host.ResetOnClose}, "
           + $"retransmits {c.Tcp.Retransmits}, timeouts {c.Tcp.Timeouts}, errors: {c.Tcp.Errors.Total} (malformed {c.Tcp.Errors.Malformed}, "
           + $"checksum {c.Tcp.Errors.BadChecksum}, truncated {c.Tcp.Errors.Truncated})";

    [TestCase(false)]
    [TestCase(true)]
    public async Task HttpClient_fetches_from_python_http_server_over_af_packet_with_keep_alive_and_20_concurrent_requests(bool v6)
    {
        var (rig, nic, host) = (_ethox!.Rig, _ethox.Nic, _ethox.Host);
        string big = WriteRandomFile("big.bin", 12_000_000, 9110), small = WriteRandomFile("small.bin", 300_000, 9112);
        // The concurrent requests take a body long enough (some milliseconds each) that they overlap: with the small one
        // the kept-alive connection could serve all twenty before the handler's new connections were up.
        string medium = WriteRandomFile("medium.bin", 3_000_000, 9111);
        const string Python = "/usr/bin/python3";
        Tool.Require(Python);
        // HTTP/1.1: python's server keeps connections alive (HTTP/1.0, its default, closes each after one response).
        var server = rig.Exec(Python, "-m", "http.server", "8000", "--bind", v6 ? BridgedNamespaces.PeerV6 : BridgedNamespaces.PeerV4,
            "--directory", _directory!, "--protocol", "HTTP/1.1");
        Shell.WaitUntil(() => rig.Run("ss", "-ltnH", "sport = :8000").Contains("8000"), 10, "http.server did not start listening");

        using var client = new HttpClient(EthoxHttp.CreateHandler(host)) { Timeout = Patience };
        string url = v6 ? $"http://[{BridgedNamespaces.PeerV6}]:8000" : $"http://{BridgedNamespaces.PeerV4}:8000";

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var body = await client.GetByteArrayAsync($"{url}/big.bin");
        TestContext.Out.WriteLine($"12 MB in {clock.Elapsed.TotalSeconds:F2} s (a shared machine: not a measurement)");
        Assert.That(Convert.ToHexString(SHA256.HashData(body)), Is.EqualTo(big));

        for (int i = 0; i < 5; i++)
            Assert.That(Convert.ToHexString(SHA256.HashData(await client.GetByteArrayAsync($"{url}/small.bin"))), Is.EqualTo(small));
        var kept = await host.ReadCountersAsync();
        Assert.That(kept.Host.Connected, Is.EqualTo(1), () => $"one connection, kept alive; {Describe(kept)}");

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetByteArrayAsync($"{url}/medium.bin")));
        Assert.That(concurrent.Select(b => Convert.ToHexString(SHA256.HashData(b))), Is.All.EqualTo(medium));
        var counters = await host.ReadCountersAsync();
        TestContext.Out.WriteLine($"{counters.Host.Connected} connections, {counters.Tcp.SegmentsIn} segments in, {counters.Tcp.Retransmits} retransmitted; device {nic.Counters}");
        Assert.That(counters.Host.Connected, Is.GreaterThan(1).And.LessThanOrEqualTo(21), () => Describe(counters));
        Assert.That(counters.Tcp.Errors.Total, Is.Zero, () => Describe(counters));

        client.Dispose();
        clock.Restart();
        await host.StopAsync().WaitAsync(Patience);
        TestContext.Out.WriteLine($"stopped in {clock.Elapsed.TotalSeconds:F2} s; {(await host.ReadCountersAsync()).Tcp.ResetsOut} resets sent");
        Assert.That(server.HasExited, Is.False, "http.server still runs");
    }
}
