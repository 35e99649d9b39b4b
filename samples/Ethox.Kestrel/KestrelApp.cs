using System;
using System.Net;
using System.Text.Json.Serialization;
using Ethox.Hosting.AspNetCore;
using Ethox.Nic.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ethox.Kestrel;

/// <summary>What GET /hello answers.</summary>
internal sealed record Hello(string Message, string? Local, string? Remote);

/// <summary>JSON without reflection (NativeAOT).</summary>
[JsonSerializable(typeof(Hello))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class KestrelJson : JsonSerializerContext;

/// <summary>
/// The minimal-API app, the same whichever transport serves it: GET /hello gives JSON naming both ends of the connection,
/// GET /bytes/N gives N bytes (at most 64 MiB). Kestrel listens on port <c>port</c> of every address of the Ethox host, and
/// on the kernel endpoints given through its socket transport.
/// </summary>
internal static class KestrelApp
{
    public const int MaxBytes = 64 << 20;

    private static readonly byte[] Pattern = CreatePattern();

    public static WebApplication Build(EthoxHost host, int port, System.Collections.Generic.IEnumerable<IPEndPoint> kernelEndPoints, LogLevel logLevel = LogLevel.Warning)
        => Build([host], port, kernelEndPoints, logLevel);

    /// <summary>As the other overload, listening on <paramref name="port"/> of each of <paramref name="hosts"/> (the queues of one interface).</summary>
    public static WebApplication Build(System.Collections.Generic.IReadOnlyList<EthoxHost> hosts, int port, System.Collections.Generic.IEnumerable<IPEndPoint> kernelEndPoints, LogLevel logLevel = LogLevel.Warning)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(logLevel);
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, KestrelJson.Default));
        foreach (var host in hosts) builder.WebHost.UseEthox(host);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var host in hosts) kestrel.ListenEthox(host, port);
            foreach (var endpoint in kernelEndPoints) kestrel.Listen(endpoint);
        });
        var app = builder.Build();
        app.MapGet("/hello", (HttpContext context) => new Hello("hello",
            context.Connection.LocalIpAddress is { } local ? $"{Format(local)}:{context.Connection.LocalPort}" : null,
            context.Connection.RemoteIpAddress is { } remote ? $"{Format(remote)}:{context.Connection.RemotePort}" : null));
        app.MapGet("/bytes/{n:int}", async (int n, HttpContext context) =>
        {
            if (n < 0 || n > MaxBytes)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = n;
            for (int sent = 0; sent < n; sent += Pattern.Length)
                await context.Response.Body.WriteAsync(Pattern.AsMemory(0, Math.Min(Pattern.Length, n - sent)), context.RequestAborted);
        });
        return app;
    }

    private static string Format(IPAddress address) => address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    /// <summary>The bytes /bytes/N repeats: 0, 1, 2 … 255, so a client can check what it got.</summary>
    private static byte[] CreatePattern()
    {
        var pattern = new byte[16384];
        for (int i = 0; i < pattern.Length; i++) pattern[i] = (byte)i;
        return pattern;
    }
}
