using System;
using System.Net;
using System.Threading.Tasks;
using Ethox.Nic.Hosting;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>
/// The host's thread allocates nothing per packet and per request: a bulk transfer through the facade (writes and reads
/// from the thread pool, completions back to it) leaves <see cref="EthoxHostCounters.LoopThreadAllocatedBytes"/> of both
/// hosts where it was once the transfer runs.
/// </summary>
public class HostAllocationTests
{
    private const int Period = 251, Chunk = Period * 261; // a prime period, so chunks never line up with it

    [Test]
    public async Task Bulk_transfer_through_the_facade_allocates_nothing_on_either_host_thread()
    {
        const long WarmUp = 8 << 20, Measured = 48 << 20;
        await using var pair = new HostPair(Rings, Rings);
        var (client, server) = await pair.ConnectAsync(7);
        var data = new byte[Chunk];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i % Period);
        long total = (WarmUp + Measured) / Chunk * Chunk;
        var writer = Task.Run(async () =>
        {
            for (long sent = 0; sent < total; sent += Chunk) await client.WriteAsync(data);
        });

        var buffer = new byte[64 * 1024];
        long received = 0, wrong = 0;
        EthoxHostCounters? startA = null, startB = null;
        while (received < total)
        {
            if (startA is null && received >= WarmUp)
            {
                startA = await pair.A.ReadCountersAsync();
                startB = await pair.B.ReadCountersAsync();
            }
            int n = await server.ReadAsync(buffer).AsTask().WaitAsync(HostPair.Patience);
            Assert.That(n, Is.GreaterThan(0), "the stream ended early");
            for (int i = 0; i < n; i++)
                if (buffer[i] != (byte)((received + i) % Period)) wrong++;
            received += n;
        }
        await writer.WaitAsync(HostPair.Patience);
        var endA = await pair.A.ReadCountersAsync();
        var endB = await pair.B.ReadCountersAsync();

        Assert.That(received, Is.EqualTo(total));
        Assert.That(wrong, Is.Zero, "every byte in its place");
        Assert.That(endA.Tcp.SegmentsOut - startA!.Value.Tcp.SegmentsOut, Is.GreaterThan(Measured / 65536), "the measured part moved the data");
        TestContext.Out.WriteLine($"A: {endA.Host.Requests - startA.Value.Host.Requests} requests, {endA.Tcp.SegmentsOut - startA.Value.Tcp.SegmentsOut} segments out; "
                                  + $"B: {endB.Host.Requests - startB!.Value.Host.Requests} requests, {endB.Tcp.SegmentsIn - startB.Value.Tcp.SegmentsIn} segments in");
        Assert.That(endA.LoopThreadAllocatedBytes - startA.Value.LoopThreadAllocatedBytes, Is.Zero, "the sending host's thread");
        Assert.That(endB.LoopThreadAllocatedBytes - startB.Value.LoopThreadAllocatedBytes, Is.Zero, "the receiving host's thread");
        client.Dispose();
        server.Dispose();
    }

    [Test]
    public async Task Transparent_udp_flows_to_foreign_destinations_allocate_nothing_on_either_host_thread()
    {
        const int WarmUp = 1000, Measured = 3000;
        await using var pair = HostTransparentUdpTests.TransparentPair();
        await using var client = await pair.A.BindUdpAsync(4000);
        await using var any = await pair.B.BindAnyUdpAsync();
        IPEndPoint[] destinations = [.. HostTransparentUdpTests.ForeignDestinations(v6: false), .. HostTransparentUdpTests.ForeignDestinations(v6: true)];
        var request = new byte[200];
        var serverBuffer = new byte[256];
        var clientBuffer = new byte[256];
        long wrong = 0;
        EthoxHostCounters startA = default, startB = default;
        for (int round = 0; round < WarmUp + Measured; round++)
        {
            if (round == WarmUp)
            {
                startA = await pair.A.ReadCountersAsync();
                startB = await pair.B.ReadCountersAsync();
            }
            var destination = destinations[round % destinations.Length];
            request[0] = (byte)round;
            var receive = any.ReceiveMessageFromAsync(serverBuffer);
            await client.SendToAsync(request, destination);
            var flow = await receive.AsTask().WaitAsync(HostPair.Patience);
            if (flow.ReceivedBytes != request.Length || serverBuffer[0] != (byte)round || !flow.LocalEndPoint.Equals(destination)) wrong++;
            var back = client.ReceiveFromAsync(clientBuffer);
            await any.SendToAsync(flow.LocalEndPoint, flow.RemoteEndPoint, serverBuffer.AsMemory(0, flow.ReceivedBytes));
            var answer = await back.AsTask().WaitAsync(HostPair.Patience);
            if (answer.ReceivedBytes != request.Length || clientBuffer[0] != (byte)round || !answer.RemoteEndPoint.Equals(destination)) wrong++;
        }
        var endA = await pair.A.ReadCountersAsync();
        var endB = await pair.B.ReadCountersAsync();

        Assert.That(wrong, Is.Zero, "every datagram and answer with its four-tuple");
        Assert.That(endB.Udp.Delivered - startB.Udp.Delivered, Is.EqualTo(Measured), "the measured part moved the datagrams");
        Assert.That(endA.Udp.Delivered - startA.Udp.Delivered, Is.EqualTo(Measured));
        Assert.That(endA.LoopThreadAllocatedBytes - startA.LoopThreadAllocatedBytes, Is.Zero, "the client host's thread");
        Assert.That(endB.LoopThreadAllocatedBytes - startB.LoopThreadAllocatedBytes, Is.Zero, "the transparent host's thread");
    }

    private static void Rings(EthoxHostOptions options)
    {
        options.SendBufferSize = 256 * 1024;
        options.ReceiveBufferSize = 256 * 1024;
    }
}
