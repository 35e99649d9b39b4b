using System;
using Ethox.Layer;
using Ethox.Layer.Tcp;

namespace Ethox.Bench;

/// <summary>
/// The application of a TCP benchmark host: it accepts every connection attempt into buffers carved from
/// one arena (a free list of buffer pairs, so connection churn allocates nothing), discards what arrives
/// the way an RFC 863 discard service would (<see cref="TcpEndpoint.Peek"/> and
/// <see cref="TcpEndpoint.Consume"/>, no copy out), and streams a fixed chunk of bytes on the connection
/// it is told to feed. A class, reached from the value-type <see cref="TcpBenchHandler"/> the stack holds.
/// </summary>
public sealed class TcpBenchApp
{
    private readonly byte[] _arena;
    private readonly int _bufferSize;
    private readonly int[] _freeBuffers;
    private readonly int[] _bufferOfSlot;
    private readonly long[] _receivedBySlot;
    private readonly byte[] _chunk;
    private int _freeCount;

    /// <summary>An application for <paramref name="capacity"/> connections with send and receive rings of <paramref name="bufferSize"/> bytes each.</summary>
    public TcpBenchApp(int capacity, int bufferSize)
    {
        _bufferSize = bufferSize;
        _arena = new byte[capacity * 2 * bufferSize];
        _freeBuffers = new int[capacity];
        _bufferOfSlot = new int[capacity];
        _receivedBySlot = new long[capacity];
        for (int i = 0; i < capacity; i++) _freeBuffers[i] = i;
        _freeCount = capacity;
        _chunk = new byte[64 * 1024];
        for (int i = 0; i < _chunk.Length; i++) _chunk[i] = (byte)(i * 31 + (i >> 11));
    }

    /// <summary>The endpoint this application serves (set once the host is built).</summary>
    public TcpEndpoint Endpoint { get; set; } = null!;
    /// <summary>Options for accepted and opened connections.</summary>
    public TcpConnectionOptions Options { get; set; } = new();

    /// <summary>The connection <see cref="Feed"/> writes to, if any.</summary>
    public SlotKey Source;
    /// <summary>Bytes written into <see cref="Source"/>'s send ring so far.</summary>
    public long Written;
    /// <summary>When set, every connection that becomes writable is filled, not only <see cref="Source"/>.</summary>
    public bool FeedEveryConnection;
    /// <summary>Bytes taken out of receive rings so far (all connections).</summary>
    public long Received;
    /// <summary>Connections that became ESTABLISHED on this side: accepted from a cookie, completed passive opens, completed active opens.</summary>
    public long Established;
    /// <summary>Connections that ended (<see cref="TcpEvents.Closed"/>).</summary>
    public long Closed;
    /// <summary>Connections reset by the peer.</summary>
    public long Resets;
    /// <summary>Connection attempts not accepted (no buffer, no slot) and connections that timed out: the benchmark expects none.</summary>
    public long Failures;

    /// <summary>Opens a connection to <paramref name="remote"/> with buffers from the arena.</summary>
    public TcpStatus Connect(TransportAddress remote, Instant now, out SlotKey key)
    {
        key = default;
        if (_freeCount == 0) return TcpStatus.NoSlot;
        int buffer = _freeBuffers[--_freeCount];
        var status = Endpoint.Connect(remote, BuffersAt(buffer), now, out key, Options);
        if (status == TcpStatus.Ok) _bufferOfSlot[key.Index] = buffer;
        else _freeBuffers[_freeCount++] = buffer;
        return status;
    }

    /// <summary>Aborts <paramref name="key"/> (a RST goes out) and takes its buffers back.</summary>
    public TcpStatus Abort(SlotKey key)
    {
        var status = Endpoint.Abort(key);
        if (status == TcpStatus.Ok) _freeBuffers[_freeCount++] = _bufferOfSlot[key.Index];
        return status;
    }

    /// <summary>Fills <see cref="Source"/>'s send ring with the chunk, over and over, as far as it has room.</summary>
    public void Feed() => Feed(Source);

    /// <summary>Fills <paramref name="key"/>'s send ring with the chunk, over and over, as far as it has room.</summary>
    public void Feed(SlotKey key)
    {
        while (Endpoint.Write(key, _chunk, out int written) == TcpStatus.Ok && written > 0) Written += written;
    }

    /// <summary>Bytes taken out of the receive ring of the connection in slot <paramref name="index"/> so far.</summary>
    public long ReceivedBy(int index) => _receivedBySlot[index];

    internal void OnOpen(TcpOpen open)
    {
        if (open.Kind == TcpOpenKind.Connected)
        {
            Established++;
            return;
        }
        if (_freeCount == 0)
        {
            Failures++;
            return;
        }
        int buffer = _freeBuffers[--_freeCount];
        if (open.Accept(BuffersAt(buffer), Options, out var key) != TcpStatus.Ok)
        {
            _freeBuffers[_freeCount++] = buffer;
            Failures++;
            return;
        }
        _bufferOfSlot[key.Index] = buffer;
        // A connection made from a cookie is ESTABLISHED already; a SYN's waits for the client's ACK (Connected).
        if (open.Kind == TcpOpenKind.Cookie) Established++;
    }

    internal void OnEvents(TcpInPacket packet)
    {
        if (packet.Has(TcpEvents.Connected)) Established++;
        if (packet.Has(TcpEvents.Reset)) Resets++;
        if (packet.Has(TcpEvents.TimedOut | TcpEvents.Unreachable)) Failures++;
        if (packet.Has(TcpEvents.Readable)) Discard(packet.Key);
        if (packet.Has(TcpEvents.Writable) && (FeedEveryConnection || packet.Key == Source)) Feed(packet.Key);
        if (packet.Has(TcpEvents.Closed))
        {
            Closed++;
            _freeBuffers[_freeCount++] = _bufferOfSlot[packet.Key.Index];
        }
    }

    private void Discard(SlotKey key)
    {
        if (Endpoint.Peek(key, out var first, out var second) != TcpStatus.Ok) return;
        int count = first.Length + second.Length;
        Endpoint.Consume(key, count);
        Received += count;
        _receivedBySlot[key.Index] += count;
    }

    private TcpBuffers BuffersAt(int index)
    {
        var memory = _arena.AsMemory(index * 2 * _bufferSize, 2 * _bufferSize);
        return new TcpBuffers(memory[.._bufferSize], memory[_bufferSize..]);
    }
}

/// <summary>The value-type user above <see cref="TcpLayer{TUser}"/> that forwards each variant to a <see cref="TcpBenchApp"/>.</summary>
public readonly struct TcpBenchHandler(TcpBenchApp app) : IRecv<TcpOpen>, IRecv<TcpStray>, IRecv<TcpInPacket>, ISend<TcpSender>
{
    /// <summary>A connection attempt or our completed open.</summary>
    public void Receive(TcpOpen packet) => app.OnOpen(packet);
    /// <summary>A segment of no connection: the stack answers with RST.</summary>
    public void Receive(TcpStray packet) { }
    /// <summary>Events of a known connection.</summary>
    public void Receive(TcpInPacket packet) => app.OnEvents(packet);
    /// <summary>Nothing to originate outside the connections' own turns.</summary>
    public void Send(TcpSender sender) { }
}
