using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Ethox.Hosting.AspNetCore;
using Ethox.Kestrel;
using Ethox.Nic.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>
/// Kestrel over Ethox without a kernel: the sample's minimal-API app served by host B of a <see cref="HostPair"/> through
/// <see cref="EthoxConnectionListenerFactory"/>, fetched with HttpClient over host A, beside Kestrel's socket transport on
/// loopback; and the transport's pieces (selector, listener, connection context) on their own.
/// </summary>
[NonParallelizable]
public class KestrelOverEthoxTests
{
    private static readonly TimeSpan Patience = HostPair.Patience;

    [Test]
    public async Task Kestrel_serves_the_app_over_ethox_v4_and_v6_beside_the_socket_transport_on_loopback()
    {
        await using var pair = new HostPair();
        await using var app = KestrelApp.Build(pair.B, 8080, [new IPEndPoint(IPAddress.Loopback, 0)]);
        await app.StartAsync().WaitAsync(Patience);
        string[] addresses = [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses];
        Assert.That(addresses, Has.Some.StartsWith("http://ethox:*:8080"));

        using var overEthox = new HttpClient(EthoxHttp.CreateHandler(pair.A)) { Timeout = Patience };
        var hello = JsonDocument.Parse(await overEthox.GetStringAsync("http://198.18.0.2:8080/hello")).RootElement;
        Assert.That(hello.GetProperty("message").GetString(), Is.EqualTo("hello"));
        Assert.That(hello.GetProperty("local").GetString(), Is.EqualTo("198.18.0.2:8080"));
        Assert.That(hello.GetProperty("remote").GetString(), Does.StartWith("198.18.0.1:"));
        var hello6 = JsonDocument.Parse(await overEthox.GetStringAsync("http://[2001:db8::2]:8080/hello")).RootElement;
        Assert.That(hello6.GetProperty("local").GetString(), Is.EqualTo("[2001:db8::2]:8080"));

        var bytes = await overEthox.GetByteArrayAsync("http://198.18.0.2:8080/bytes/1000000");
        Assert.That(bytes, Has.Length.EqualTo(1_000_000));
        Assert.That(Enumerable.Range(0, bytes.Length).All(i => bytes[i] == (byte)i), Is.True, "the pattern 0..255 repeated");

        // The socket transport kept the loopback endpoint.
        string loopback = addresses.Single(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal));
        using var overKernel = new HttpClient { Timeout = Patience };
        var kernelHello = JsonDocument.Parse(await overKernel.GetStringAsync(loopback + "/hello")).RootElement;
        Assert.That(kernelHello.GetProperty("local").GetString(), Does.StartWith("127.0.0.1:"));

        await app.StopAsync().WaitAsync(Patience);
        var counters = await pair.B.ReadCountersAsync();
        Assert.That(counters.Host.Accepted, Is.EqualTo(2), "one kept-alive connection per address family");
        Assert.That(counters.Tcp.Errors.Total, Is.Zero);
    }

    [Test]
    public async Task An_IPEndPoint_on_a_host_address_is_bound_over_ethox_ahead_of_the_socket_transport()
    {
        await using var pair = new HostPair();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseEthox(pair.B);
        builder.WebHost.ConfigureKestrel(k => k.Listen(HostPair.AddressB, 8081));
        await using var app = builder.Build();
        app.MapGet("/", () => "over ethox");
        await app.StartAsync().WaitAsync(Patience);

        using var client = new HttpClient(EthoxHttp.CreateHandler(pair.A)) { Timeout = Patience };
        Assert.That(await client.GetStringAsync("http://198.18.0.2:8081/"), Is.EqualTo("over ethox"));
        await app.StopAsync().WaitAsync(Patience);
    }

    [Test]
    public async Task The_selector_claims_only_endpoints_of_its_own_host()
    {
        await using var pair = new HostPair();
        var factory = new EthoxConnectionListenerFactory(pair.B);
        Assert.That(factory.CanBind(new IPEndPoint(HostPair.AddressB, 80)), Is.True);
        Assert.That(factory.CanBind(new IPEndPoint(HostPair.AddressB6, 80)), Is.True);
        Assert.That(factory.CanBind(new IPEndPoint(HostPair.AddressB.MapToIPv6(), 80)), Is.True, "an IPv4-mapped address is the IPv4 address");
        Assert.That(factory.CanBind(new EthoxEndPoint(pair.B, 80)), Is.True);
        Assert.That(factory.CanBind(new IPEndPoint(HostPair.AddressA, 80)), Is.False, "the other host's address");
        Assert.That(factory.CanBind(new EthoxEndPoint(pair.A, 80)), Is.False, "the other host");
        Assert.That(factory.CanBind(new IPEndPoint(IPAddress.Loopback, 80)), Is.False);
        Assert.That(factory.CanBind(new IPEndPoint(IPAddress.Any, 80)), Is.False, "the any-address stays the socket transport's");
        Assert.That(factory.CanBind(new UnixDomainSocketEndPoint("/tmp/x.sock")), Is.False);
    }

    [Test]
    public async Task Accept_returns_null_after_unbind_and_after_dispose()
    {
        await using var pair = new HostPair();
        var factory = new EthoxConnectionListenerFactory(pair.B);
        var listener = await factory.BindAsync(new EthoxEndPoint(pair.B, 9000));
        var waiting = listener.AcceptAsync().AsTask();
        await listener.UnbindAsync();
        Assert.That(await waiting.WaitAsync(Patience), Is.Null);
        Assert.That(await listener.AcceptAsync().AsTask().WaitAsync(Patience), Is.Null, "unbound: no more connections");

        var second = await factory.BindAsync(new EthoxEndPoint(pair.B, 9000)); // the port is free again
        waiting = second.AcceptAsync().AsTask();
        await second.DisposeAsync();
        Assert.That(await waiting.WaitAsync(Patience), Is.Null);
    }

    [Test]
    public async Task A_connection_reports_its_ends_and_fires_ConnectionClosed_when_the_peer_closes()
    {
        await using var pair = new HostPair();
        await using var listener = await new EthoxConnectionListenerFactory(pair.B).BindAsync(new EthoxEndPoint(pair.B, 9001));
        var accept = listener.AcceptAsync().AsTask();
        var client = await pair.A.ConnectAsync(new IPEndPoint(HostPair.AddressB6, 9001)).AsTask().WaitAsync(Patience);
        await using var connection = (await accept.WaitAsync(Patience))!;
        Assert.That(connection.LocalEndPoint, Is.EqualTo(new IPEndPoint(HostPair.AddressB6, 9001)));
        Assert.That(connection.RemoteEndPoint, Is.EqualTo(client.LocalEndPoint));
        Assert.That(connection.ConnectionId, Is.Not.Empty);
        Assert.That(connection.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionLifetimeFeature>(), Is.SameAs(connection));

        await client.WriteAsync("ping"u8.ToArray());
        var read = await connection.Transport.Input.ReadAsync().AsTask().WaitAsync(Patience);
        Assert.That(System.Text.Encoding.ASCII.GetString(System.Buffers.BuffersExtensions.ToArray(read.Buffer)), Is.EqualTo("ping"));
        connection.Transport.Input.AdvanceTo(read.Buffer.End);
        Assert.That(connection.ConnectionClosed.IsCancellationRequested, Is.False);

        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = connection.ConnectionClosed.Register(() => closed.TrySetResult());
        await client.DisposeAsync(); // FIN
        read = await connection.Transport.Input.ReadAsync().AsTask().WaitAsync(Patience);
        Assert.That(read.IsCompleted, Is.True, "the peer's FIN ends the input");
        await closed.Task.WaitAsync(Patience);
    }

    // Kestrel aborts a request under way (HttpContext.RequestAborted) from ConnectionClosed, and reads nothing while it
    // writes a long response: the transport must tell it that the client went without waiting for a read.
    [Test]
    public async Task ConnectionClosed_fires_on_the_peers_fin_and_on_a_reset_while_nobody_reads()
    {
        await using var pair = new HostPair();
        await using var listener = await new EthoxConnectionListenerFactory(pair.B).BindAsync(new EthoxEndPoint(pair.B, 9003));
        foreach (bool reset in new[] { false, true })
        {
            var accept = listener.AcceptAsync().AsTask();
            var client = await pair.A.ConnectAsync(new IPEndPoint(HostPair.AddressB, 9003)).AsTask().WaitAsync(Patience);
            await using var connection = (await accept.WaitAsync(Patience))!;
            await client.WriteAsync("request"u8.ToArray());
            await connection.Transport.Output.WriteAsync("a long response, still being written"u8.ToArray());
            Assert.That(connection.ConnectionClosed.IsCancellationRequested, Is.False);

            // The FIN by a half-close: a disposed client would reset instead once the response had reached it unread
            // (RFC 1122 §4.2.2.13), and whether it has by then is a race.
            if (reset) client.Abort();
            else await client.ShutdownOutputAsync().AsTask().WaitAsync(Patience);
            Assert.That(connection.ConnectionClosed.WaitHandle.WaitOne(Patience), Is.True, reset ? "after a RST" : "after a FIN");
            if (reset)
            {
                Assert.ThrowsAsync<IOException>(async () => await connection.Transport.Input.ReadAsync().AsTask().WaitAsync(Patience),
                    "the reset reaches the reader too");
            }
            else
            {
                var read = await connection.Transport.Input.ReadAsync().AsTask().WaitAsync(Patience);
                Assert.That(System.Text.Encoding.ASCII.GetString(System.Buffers.BuffersExtensions.ToArray(read.Buffer)), Is.EqualTo("request"),
                    "what came before the FIN is still there to read");
                Assert.That(read.IsCompleted, Is.True);
            }
            await client.DisposeAsync();
        }
    }

    [Test]
    public async Task DisposeAsync_closes_gracefully_after_the_data_and_Abort_resets()
    {
        await using var pair = new HostPair();
        await using var listener = await new EthoxConnectionListenerFactory(pair.B).BindAsync(new EthoxEndPoint(pair.B, 9002));

        var accept = listener.AcceptAsync().AsTask();
        await using var client = await pair.A.ConnectAsync(new IPEndPoint(HostPair.AddressB, 9002)).AsTask().WaitAsync(Patience);
        var connection = (await accept.WaitAsync(Patience))!;
        await connection.Transport.Output.WriteAsync("bye"u8.ToArray());
        await connection.DisposeAsync();
        var buffer = new byte[16];
        int n = await client.ReadAsync(buffer).AsTask().WaitAsync(Patience);
        Assert.That(System.Text.Encoding.ASCII.GetString(buffer, 0, n), Is.EqualTo("bye"));
        Assert.That(await client.ReadAsync(buffer).AsTask().WaitAsync(Patience), Is.Zero, "a FIN after the data");
        Assert.That(connection.ConnectionClosed.WaitHandle.WaitOne(Patience), Is.True);

        accept = listener.AcceptAsync().AsTask();
        await using var client2 = await pair.A.ConnectAsync(new IPEndPoint(HostPair.AddressB, 9002)).AsTask().WaitAsync(Patience);
        var aborted = (await accept.WaitAsync(Patience))!;
        aborted.Abort(new ConnectionAbortedException("test"));
        var error = Assert.ThrowsAsync<IOException>(async () => await client2.ReadAsync(buffer).AsTask().WaitAsync(Patience));
        Assert.That((error!.InnerException as SocketException)?.SocketErrorCode, Is.EqualTo(SocketError.ConnectionReset));
        Assert.That(aborted.ConnectionClosed.WaitHandle.WaitOne(Patience), Is.True);
        await aborted.DisposeAsync();
    }
}
