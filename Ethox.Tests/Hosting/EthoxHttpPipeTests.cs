using System;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Ethox.Nic.Hosting;
using Ethox.Tests.Appliance;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>
/// <see cref="HttpClient"/> over Ethox (<see cref="EthoxHttp.CreateHandler"/>) against the appliance's HTTP/1.1 server on the
/// other end of a <see cref="Nic.Pipe"/>: bodies SHA-256 checked, one connection kept alive for sequential requests, and 20
/// requests at once.
/// </summary>
public class EthoxHttpPipeTests
{
    private static readonly TimeSpan Patience = HostPair.Patience;

    [TestCase(false)]
    [TestCase(true)]
    public async Task HttpClient_fetches_from_the_appliance_over_a_pipe_with_keep_alive_and_20_concurrent_requests(bool v6)
    {
        var device = new ApplianceOverPipe("--http", "80", "--max-connections", "64");
        var options = new EthoxHostOptions { Mac = EthernetAddress.Parse("02:00:5e:00:00:02"), DadTransmits = 0 };
        options.Addresses.Add(HostAddress.Parse("198.18.0.2/24"));
        options.Addresses.Add(HostAddress.Parse("2001:db8::2/64"));
        await using var host = EthoxHost.Create(device, options);
        host.Start();
        using var client = new HttpClient(EthoxHttp.CreateHandler(host)) { Timeout = Patience };
        string server = v6 ? $"http://[{ApplianceOverPipe.ApplianceV6}]" : $"http://{ApplianceOverPipe.ApplianceV4}";

        var body = await client.GetByteArrayAsync($"{server}/bytes/5000000");
        Assert.That(SHA256.HashData(body), Is.EqualTo(ApplianceTcpPipeTests.PatternHash(5_000_000)));

        // RFC 9112 §9.3: persistent connections: the requests that follow reuse the first one's connection.
        for (int i = 0; i < 5; i++)
        {
            var small = await client.GetByteArrayAsync($"{server}/bytes/{1000 + i}");
            Assert.That(SHA256.HashData(small), Is.EqualTo(ApplianceTcpPipeTests.PatternHash(1000 + i)));
        }
        Assert.That((await host.ReadCountersAsync()).Host.Connected, Is.EqualTo(1), "one connection, kept alive");

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => client.GetByteArrayAsync($"{server}/bytes/{200_000 + i}")));
        for (int i = 0; i < concurrent.Length; i++)
            Assert.That(SHA256.HashData(concurrent[i]), Is.EqualTo(ApplianceTcpPipeTests.PatternHash(200_000 + i)), $"request {i}");
        var counters = await host.ReadCountersAsync();
        Assert.That(counters.Host.Connected, Is.GreaterThan(1).And.LessThanOrEqualTo(21), "requests in parallel on connections of their own");
        TestContext.Out.WriteLine($"{counters.Host.Connected} connections, {counters.Tcp.SegmentsIn} segments in, {counters.Tcp.Retransmits} retransmitted");

        client.Dispose();
        await host.StopAsync().WaitAsync(Patience);
        Assert.That(device.Appliance.Services.Tcp.Counters.Errors.Total, Is.Zero);
    }
}
