using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Ethox.Hosting.AspNetCore;
using Ethox.Layer;
using Ethox.Nic;
using Ethox.Nic.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

// Kestrel over Ethox, built from the packages: one EthoxHost on an in-memory Loopback device (bare IP, so no neighbour
// discovery) holds 198.18.0.1 and 2001:db8::1; Kestrel listens on port 8080 of the host through the Ethox transport, and
// an HttpClient whose connections are made by the same host (EthoxHttp) fetches a page over IPv4 and over IPv6 and a
// body of 100 000 bytes. No root, no NIC, no kernel socket on the way. Exit status 0 when every answer came back
// intact, 1 otherwise.

const int Port = 8080, BodyLength = 100_000;
var patience = TimeSpan.FromSeconds(30);
var options = new EthoxHostOptions();
options.Addresses.Add(HostAddress.Parse("198.18.0.1/24"));
options.Addresses.Add(HostAddress.Parse("2001:db8::1/64"));
await using var host = EthoxHost.Create(new Loopback(capacity: 256, mtu: 1500, Medium.Ip), options);
host.Start();   // before the app, and stopped after it (by the await using above)

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseEthox(host);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenEthox(host, Port));
await using var app = builder.Build();
app.MapGet("/hello", () => "hello from Kestrel over Ethox");
app.MapGet("/bytes", () => Results.Bytes(Pattern(BodyLength)));
await app.StartAsync().WaitAsync(patience);

using var client = new HttpClient(EthoxHttp.CreateHandler(host)) { Timeout = patience };
bool passed = true;
foreach (string server in new[] { $"http://198.18.0.1:{Port}", $"http://[2001:db8::1]:{Port}" })
{
    bool hello = await Fetch(async () => await client.GetStringAsync(server + "/hello") == "hello from Kestrel over Ethox");
    Console.WriteLine($"ethox-kestrel-consumer: GET {server}/hello: {(hello ? "ok" : "FAILED")}");
    passed &= hello;
}
bool body = await Fetch(async () => (await client.GetByteArrayAsync($"http://198.18.0.1:{Port}/bytes")).SequenceEqual(Pattern(BodyLength)));
Console.WriteLine($"ethox-kestrel-consumer: GET /bytes, {BodyLength} bytes: {(body ? "ok" : "FAILED")}");
passed &= body;

await app.StopAsync().WaitAsync(patience);
var counters = await host.ReadCountersAsync();
Console.WriteLine($"ethox-kestrel-consumer: {counters.Host.Accepted} connections accepted by Kestrel over Ethox, {counters.Tcp.Errors.Total} TCP errors");
passed &= counters.Tcp.Errors.Total == 0;
Console.WriteLine($"ethox-kestrel-consumer: {(passed ? "passed" : "FAILED")}");
return passed ? 0 : 1;

// One fetch and its check; an exception (a timeout, a refused connection) is a failure, told on one line.
static async Task<bool> Fetch(Func<Task<bool>> fetchAndCheck)
{
    try
    {
        return await fetchAndCheck();
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
    {
        Console.WriteLine($"ethox-kestrel-consumer: {e.GetType().Name}: {e.Message}");
        return false;
    }
}

// The bytes 0, 1, ..., 255, 0, 1, ... : a body whose every byte is checked.
static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
