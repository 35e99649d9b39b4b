using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Ethox.Nic.Hosting;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>
/// The TCP facade between two hosts on two threads (<see cref="HostPair"/>): streams carry data both ways, close with a FIN,
/// reset with a RST, refuse, time out and cancel as .NET sockets do, and a slow reader holds a fast writer back.
/// </summary>
public class HostTcpTests
{
    private static readonly TimeSpan Patience = HostPair.Patience;

    private static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static async Task<byte[]> ReadToEnd(Stream stream)
    {
        using var all = new MemoryStream();
        var buffer = new byte[16384];
        int n;
        while ((n = await stream.ReadAsync(buffer).AsTask().WaitAsync(Patience)) > 0) all.Write(buffer, 0, n);
        return all.ToArray();
    }

    private static async Task<byte[]> ReadExactly(Stream stream, int count)
    {
        var data = new byte[count];
        await stream.ReadExactlyAsync(data).AsTask().WaitAsync(Patience);
        return data;
    }

    private static SocketError ErrorOf(Exception e) => e switch
    {
        SocketException s => s.SocketErrorCode,
        IOException { InnerException: SocketException s } => s.SocketErrorCode,
        _ => throw new AssertionException($"not a socket error: {e}"),
    };

    [TestCase(false)]
    [TestCase(true)]
    public async Task Bytes_written_on_each_end_arrive_intact_and_in_order_at_the_other(bool v6)
    {
        await using var pair = new HostPair();
        var (client, server) = await pair.ConnectAsync(7, v6);
        var up = Pattern(3_000_000, 1);
        var down = Pattern(2_000_000, 2);
        var sending = Task.WhenAll(
            Task.Run(async () => { await client.WriteAsync(up); await client.ShutdownOutputAsync(); }),
            Task.Run(async () => { await server.WriteAsync(down); await server.ShutdownOutputAsync(); }));
        var received = await Task.WhenAll(Task.Run(() => ReadToEnd(server)), Task.Run(() => ReadToEnd(client)));
        await sending.WaitAsync(Patience);
        Assert.That(SHA256.HashData(received[0]), Is.EqualTo(SHA256.HashData(up)));
        Assert.That(SHA256.HashData(received[1]), Is.EqualTo(SHA256.HashData(down)));
        Assert.That(client.RemoteEndPoint, Is.EqualTo(server.LocalEndPoint));
        Assert.That(server.RemoteEndPoint, Is.EqualTo(client.LocalEndPoint));
        Assert.That(client.RemoteEndPoint.Address, Is.EqualTo(v6 ? HostPair.AddressB6 : HostPair.AddressB));
        client.Dispose();
        server.Dispose();
    }

    [Test]
    public async Task Connect_to_closed_port_throws_connection_refused()
    {
        await using var pair = new HostPair();
        var e = Assert.ThrowsAsync<SocketException>(async () => await pair.A.ConnectAsync(new IPEndPoint(HostPair.AddressB, 9)).AsTask().WaitAsync(Patience));
        Assert.That(e!.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused));
    }

    [Test]
    public async Task Connect_without_a_route_throws_network_unreachable()
    {
        await using var pair = new HostPair();
        // 198.19.0.5: off our /24 and no gateway configured.
        var e = Assert.ThrowsAsync<SocketException>(async () => await pair.A.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.19.0.5"), 80)).AsTask().WaitAsync(Patience));
        Assert.That(e!.SocketErrorCode, Is.EqualTo(SocketError.NetworkUnreachable));
    }

    [Test]
    public async Task Connect_to_a_silent_address_throws_timed_out_after_its_timeout()
    {
        await using var pair = new HostPair();
        // On-link, but nobody answers the ARP requests for it.
        var e = Assert.ThrowsAsync<SocketException>(async () =>
            await pair.A.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.18.0.77"), 80), TimeSpan.FromMilliseconds(300)).AsTask().WaitAsync(Patience));
        Assert.That(e!.SocketErrorCode, Is.EqualTo(SocketError.TimedOut));
        var counters = await pair.A.ReadCountersAsync();
        Assert.That(counters.Connections, Is.Zero, "the attempt's rings are free again");
    }

    [Test]
    public async Task Cancelled_connect_throws_OperationCanceledException_with_the_token()
    {
        await using var pair = new HostPair();
        using var cts = new CancellationTokenSource();
        var connect = pair.A.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.18.0.77"), 80), Timeout.InfiniteTimeSpan, cts.Token).AsTask();
        cts.Cancel();
        var e = Assert.ThrowsAsync<OperationCanceledException>(async () => await connect.WaitAsync(Patience));
        Assert.That(e!.CancellationToken, Is.EqualTo(cts.Token));
    }

    [Test]
    public async Task Dispose_sends_fin_and_peer_reads_end_of_stream()
    {
        await using var pair = new HostPair();
        var (client, server) = await pair.ConnectAsync(7);
        await client.WriteAsync("hello"u8.ToArray());
        client.Dispose();
        Assert.That(Encoding.ASCII.GetString(await ReadToEnd(server)), Is.EqualTo("hello"));
        Assert.That(await server.ReadAsync(new byte[1]), Is.Zero, "the end stays the end");
        Assert.That(client.CanRead, Is.False);
        Assert.Throws<ObjectDisposedException>(() => client.ReadAsync(new byte[1]));
        server.Dispose();
        var counters = await pair.B.ReadCountersAsync();
        Assert.That(counters.Tcp.ResetsOut, Is.Zero, "closed, not reset");
    }

    // Linux's tcp_fin_timeout: an orphan (a disposed stream) that reached FIN-WAIT-2 and never hears the peer's FIN is
    // dropped after TcpTimerSettings.OrphanFinWait2Timeout; its entry and rings are free again.
    [Test]
    public async Task A_disposed_stream_whose_peer_never_closes_is_dropped_after_the_fin_timeout_and_its_rings_freed()
    {
        await using var pair = new HostPair(a => a.TcpSettings = new Ethox.Layer.Tcp.TcpTimerSettings { OrphanFinWait2Timeout = Ethox.Layer.Duration.FromMilliseconds(500) });
        var (client, server) = await pair.ConnectAsync(7);
        client.Dispose();
        Assert.That(await server.ReadAsync(new byte[1]).AsTask().WaitAsync(Patience), Is.Zero, "A's FIN; B never answers with its own");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        EthoxHostCounters counters;
        while ((counters = await pair.A.ReadCountersAsync()).Tcp.OrphansTimedOut == 0)
        {
            Assert.That(clock.Elapsed, Is.LessThan(Patience), "the orphan was never dropped");
            await Task.Delay(50);
        }
        Assert.That(counters.Connections, Is.Zero, "the entry and its rings are free");
        Assert.That(counters.Tcp.ResetsOut, Is.Zero, "dropped without a RST");

        // B's data now meets no connection on A: the RST of RFC 9293 §3.10.7.1 ends B's side.
        // B already read A's FIN, so a read returns the end of the stream until the RST has come back; poll for it.
        await server.WriteAsync("anyone?"u8.ToArray());
        IOException? reset = null;
        while (reset is null)
        {
            Assert.That(clock.Elapsed, Is.LessThan(2 * Patience), "the RST never ended B's side");
            try
            {
                Assert.That(await server.ReadAsync(new byte[1]).AsTask().WaitAsync(Patience), Is.Zero, "before the RST only the end of the stream");
                await Task.Delay(20);
            }
            catch (IOException e)
            {
                reset = e;
            }
        }
        Assert.That(ErrorOf(reset), Is.EqualTo(SocketError.ConnectionReset));
        server.Dispose();
    }

    [Test]
    public async Task Abort_sends_rst_and_the_peer_read_fails_with_connection_reset()
    {
        await using var pair = new HostPair();
        var (client, server) = await pair.ConnectAsync(7);
        var read = server.ReadAsync(new byte[16]).AsTask();
        client.Abort();
        var e = Assert.ThrowsAsync<IOException>(async () => await read.WaitAsync(Patience));
        Assert.That(ErrorOf(e!), Is.EqualTo(SocketError.ConnectionReset));
        var write = Assert.ThrowsAsync<IOException>(async () => await server.WriteAsync(new byte[10]).AsTask().WaitAsync(Patience));
        Assert.That(ErrorOf(write!), Is.EqualTo(SocketError.ConnectionReset));
        server.Dispose();
    }

    // RFC 1122 §4.2.2.13: a close with received data unread signals the loss with a RST.
    [Test]
    public async Task Dispose_with_received_data_unread_sends_rst()
    {
        await using var pair = new HostPair();
        var (client, server) = await pair.ConnectAsync(7);
        await server.WriteAsync("unread"u8.ToArray());
        // A zero-byte read completes once there is something to read, and reads nothing.
        Assert.That(await client.ReadAsync(Memory<byte>.Empty).AsTask().WaitAsync(Patience), Is.Zero);
        var read = server.ReadAsync(new byte[16]).AsTask();
        client.Dispose();
        var e = Assert.ThrowsAsync<IOException>(async () => await read.WaitAsync(Patience));
        Assert.That(ErrorOf(e!), Is.EqualTo(SocketError.ConnectionReset));
        Assert.That((await pair.A.ReadCountersAsync()).Host.ResetOnClose, Is.EqualTo(1));
        server.Dispose();
    }

    [Test]
    public async Task Cancelled_read_completes_with_OperationCanceledException_and_the_next_read_gets_the_data()
    {
        await using var pair = new HostPair();
        var (client, server) = await pair.ConnectAsync(7);
        using var cts = new CancellationTokenSource();
        var buffer = new byte[16];
        var read = server.ReadAsync(buffer, cts.Token).AsTask();
        cts.Cancel();
        var e = Assert.ThrowsAsync<OperationCanceledException>(async () => await read.WaitAsync(Patience));
        Assert.That(e!.CancellationToken, Is.EqualTo(cts.Token));
        await client.WriteAsync("after"u8.ToArray());
        Assert.That(Encoding.ASCII.GetString(await ReadExactly(server, 5)), Is.EqualTo("after"));
        client.Dispose();
        server.Dispose();
    }

    [Test]
    public async Task Read_timeout_fails_with_timed_out_and_leaves_the_stream_usable()
    {
        await using var pair = new HostPair();
        var (client, server) = await pair.ConnectAsync(7);
        server.ReadTimeout = 200;
        var e = Assert.ThrowsAsync<IOException>(async () => await server.ReadAsync(new byte[16]).AsTask().WaitAsync(Patience));
        Assert.That(ErrorOf(e!), Is.EqualTo(SocketError.TimedOut));
        server.ReadTimeout = Timeout.Infinite;
        await client.WriteAsync("late"u8.ToArray());
        Assert.That(Encoding.ASCII.GetString(await ReadExactly(server, 4)), Is.EqualTo("late"));
        client.Dispose();
        server.Dispose();
    }

    [Test]
    public async Task Write_waits_when_send_ring_is_full_until_the_slow_reader_reads()
    {
        const int Ring = 16 * 1024, Total = 1 << 20;
        await using var pair = new HostPair(a => a.SendBufferSize = Ring, b => b.ReceiveBufferSize = Ring);
        var (client, server) = await pair.ConnectAsync(7);
        var data = Pattern(Total, 3);
        var write = client.WriteAsync(data).AsTask();
        // The reader reads nothing: its ring fills, its window closes to zero, and the writer's TCP probes it (RFC 9293 §3.8.6.1).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await pair.A.ReadCountersAsync()).Tcp.WindowProbes == 0)
        {
            Assert.That(clock.Elapsed, Is.LessThan(Patience), "the window never closed");
            await Task.Delay(20);
        }
        Assert.That(write.IsCompleted, Is.False, "a megabyte cannot fit in two 16 KiB rings");
        var received = await ReadExactly(server, Total);
        await write.WaitAsync(Patience);
        Assert.That(SHA256.HashData(received), Is.EqualTo(SHA256.HashData(data)));
        client.Dispose();
        server.Dispose();
    }

    [Test]
    public async Task Shutdown_output_sends_fin_and_reading_goes_on_until_the_peer_closes()
    {
        await using var pair = new HostPair();
        var (client, server) = await pair.ConnectAsync(7);
        await client.WriteAsync("question"u8.ToArray());
        await client.ShutdownOutputAsync();
        Assert.That(Encoding.ASCII.GetString(await ReadToEnd(server)), Is.EqualTo("question"));
        var e = Assert.ThrowsAsync<IOException>(async () => await client.WriteAsync(new byte[1]).AsTask().WaitAsync(Patience));
        Assert.That(ErrorOf(e!), Is.EqualTo(SocketError.Shutdown));
        await server.WriteAsync("answer"u8.ToArray());
        server.Dispose();
        Assert.That(Encoding.ASCII.GetString(await ReadToEnd(client)), Is.EqualTo("answer"));
        client.Dispose();
    }

    [Test]
    public async Task Duplex_pipe_carries_data_and_completing_its_output_half_closes()
    {
        await using var pair = new HostPair();
        var (client, server) = await pair.ConnectAsync(7);
        var pipe = client.AsDuplexPipe();
        Assert.That(client.AsDuplexPipe(), Is.SameAs(pipe));
        var data = Pattern(200_000, 4);
        // More than both rings hold: the writer's flush waits for the reader, as a socket's would.
        var reading = Task.Run(() => ReadToEnd(server));
        await pipe.Output.WriteAsync(data).AsTask().WaitAsync(Patience);
        await pipe.Output.CompleteAsync().AsTask().WaitAsync(Patience);
        var received = await reading.WaitAsync(Patience);
        Assert.That(SHA256.HashData(received), Is.EqualTo(SHA256.HashData(data)));
        await server.WriteAsync("back"u8.ToArray());
        server.Dispose();
        using var back = new MemoryStream();
        while (true)
        {
            var result = await pipe.Input.ReadAsync().AsTask().WaitAsync(Patience);
            foreach (var segment in result.Buffer) back.Write(segment.Span);
            pipe.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) break;
        }
        await pipe.Input.CompleteAsync().AsTask().WaitAsync(Patience);
        Assert.That(Encoding.ASCII.GetString(back.ToArray()), Is.EqualTo("back"));
        client.Dispose();
    }

    [Test]
    public async Task Disposing_the_stream_after_pipe_flushes_sends_everything_flushed_then_the_fin()
    {
        await using var pair = new HostPair();
        var (client, server) = await pair.ConnectAsync(7);
        var pipe = client.AsDuplexPipe();
        var data = Pattern(300_000, 8);
        var reading = Task.Run(() => ReadToEnd(server));
        // A flush completes once the bytes are in the pipe; the send loop hands them over, and the close follows them.
        for (int offset = 0; offset < data.Length; offset += 30_000)
            await pipe.Output.WriteAsync(data.AsMemory(offset, 30_000)).AsTask().WaitAsync(Patience);
        client.Dispose();
        var received = await reading.WaitAsync(Patience);
        Assert.That(SHA256.HashData(received), Is.EqualTo(SHA256.HashData(data)));
        server.Dispose();
    }

    [Test]
    public async Task Bytes_that_arrived_before_the_connection_ended_are_read_after_it_ended()
    {
        await using var pair = new HostPair();
        var (client, server) = await pair.ConnectAsync(7);
        var first = Pattern(40_000, 5);
        await server.WriteAsync(first);
        Assert.That(await ReadExactly(client, first.Length), Is.EqualTo(first));
        await client.ShutdownOutputAsync();
        Assert.That(await ReadToEnd(server), Is.Empty);
        // 50 000 bytes after the first 40 000 wrap the 64 KiB ring; nobody reads them before the connection ends.
        var last = Pattern(50_000, 6);
        await server.WriteAsync(last);
        server.Dispose();
        // The server's end is gone once our end acknowledged its FIN: ours is in TIME-WAIT, TCP has let go of it.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await pair.B.ReadCountersAsync()).Connections > 0)
        {
            Assert.That(clock.Elapsed, Is.LessThan(Patience), "the server's connection never closed");
            await Task.Delay(10);
        }
        Assert.That(SHA256.HashData(await ReadToEnd(client)), Is.EqualTo(SHA256.HashData(last)));
        client.Dispose();
    }

    // The read takes the lent memory as a span to write into, the write as a read-only one to send from.
    [TestCase(false)]
    [TestCase(true)]
    public async Task A_read_into_or_a_write_from_memory_whose_owner_throws_fails_with_that_exception_and_the_host_goes_on(bool write)
    {
        await using var pair = new HostPair();
        var (client, server) = await pair.ConnectAsync(7);
        using var broken = new BrokenMemory();
        var e = Assert.ThrowsAsync<ArgumentException>(async () =>
            await (write ? client.WriteAsync(broken.Lent).AsTask() : server.ReadAsync(broken.Lent).AsTask()).WaitAsync(Patience));
        Assert.That(e!.InnerException, Is.SameAs(broken.Failure));
        await client.WriteAsync("still"u8.ToArray());
        Assert.That(Encoding.ASCII.GetString(await ReadExactly(server, 5)), Is.EqualTo("still"));
        Assert.That(pair.A.IsRunning && pair.B.IsRunning, Is.True);
        client.Dispose();
        server.Dispose();
    }

    /// <summary>Memory whose owner refuses to give its span, as a pool buffer returned too early may.</summary>
    private sealed class BrokenMemory : System.Buffers.MemoryManager<byte>
    {
        public readonly ObjectDisposedException Failure = new("buffer");
        public Memory<byte> Lent => CreateMemory(16); // not Memory, which asks GetSpan for the length
        public override Span<byte> GetSpan() => throw Failure;
        public override System.Buffers.MemoryHandle Pin(int elementIndex = 0) => throw Failure;
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }
    }

    [Test]
    public async Task A_second_read_while_one_is_under_way_is_refused()
    {
        await using var pair = new HostPair();
        var (client, server) = await pair.ConnectAsync(7);
        var first = server.ReadAsync(new byte[4]).AsTask();
        Assert.Throws<InvalidOperationException>(() => server.ReadAsync(new byte[4]));
        await client.WriteAsync("four"u8.ToArray());
        Assert.That(await first.WaitAsync(Patience), Is.GreaterThan(0));
        client.Dispose();
        server.Dispose();
    }

    [Test]
    public async Task Connections_made_before_accept_wait_in_the_queue_and_are_accepted_in_order()
    {
        await using var pair = new HostPair();
        await using var listener = await pair.B.ListenAsync(80, backlog: 8);
        var clients = new EthoxStream[3];
        for (int i = 0; i < clients.Length; i++) clients[i] = await pair.A.ConnectAsync(new IPEndPoint(HostPair.AddressB, 80)).AsTask().WaitAsync(Patience);
        for (int i = 0; i < clients.Length; i++)
        {
            var server = await listener.AcceptAsync().AsTask().WaitAsync(Patience);
            Assert.That(server.RemoteEndPoint, Is.EqualTo(clients[i].LocalEndPoint));
            server.Dispose();
            clients[i].Dispose();
        }
        Assert.That((await pair.B.ReadCountersAsync()).Host.Accepted, Is.EqualTo(3));
    }

    [Test]
    public async Task Disposing_the_listener_fails_a_waiting_accept_with_ObjectDisposedException()
    {
        await using var pair = new HostPair();
        var listener = await pair.B.ListenAsync(80);
        var accept = listener.AcceptAsync().AsTask();
        await listener.DisposeAsync();
        Assert.ThrowsAsync<ObjectDisposedException>(async () => await accept.WaitAsync(Patience));
        var e = Assert.ThrowsAsync<SocketException>(async () => await pair.A.ConnectAsync(new IPEndPoint(HostPair.AddressB, 80)).AsTask().WaitAsync(Patience));
        Assert.That(e!.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused), "nobody listens any more");
    }

    [Test]
    public async Task Cancelled_accept_throws_OperationCanceledException_and_the_listener_goes_on()
    {
        await using var pair = new HostPair();
        await using var listener = await pair.B.ListenAsync(80);
        using var cts = new CancellationTokenSource();
        var accept = listener.AcceptAsync(cts.Token).AsTask();
        cts.Cancel();
        Assert.ThrowsAsync<OperationCanceledException>(async () => await accept.WaitAsync(Patience));
        var next = listener.AcceptAsync().AsTask();
        using var client = await pair.A.ConnectAsync(new IPEndPoint(HostPair.AddressB, 80)).AsTask().WaitAsync(Patience);
        using var server = await next.WaitAsync(Patience);
        Assert.That(server.RemoteEndPoint, Is.EqualTo(client.LocalEndPoint));
    }

    [Test]
    public async Task Listening_twice_on_a_port_throws_address_already_in_use()
    {
        await using var pair = new HostPair();
        await using var listener = await pair.B.ListenAsync(80);
        var e = Assert.ThrowsAsync<SocketException>(async () => await pair.B.ListenAsync(80));
        Assert.That(e!.SocketErrorCode, Is.EqualTo(SocketError.AddressAlreadyInUse));
    }
}
