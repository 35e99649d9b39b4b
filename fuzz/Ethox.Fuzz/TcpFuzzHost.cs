using System;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Nic;
using Ethox.Wire;

namespace Ethox.Fuzzing;

/// <summary>
/// One Ethox host with TCP straight on a bare-IP <see cref="Pipe"/> (no link layer, no resolution), driven by
/// explicit time: the subject of the <c>tcpstate</c> fuzz target and of the hostile-input tests. The other end
/// of the pipe belongs to a <see cref="TcpScriptedPeer"/>.
/// </summary>
public sealed class TcpFuzzHost
{
    // Properties, not static fields: nothing instrumented may run before SharpFuzz has set up AFL's shared memory.
    public static Ipv4Address V4 => new(198, 18, 0, 1);
    public static Ipv6Address V6 => new(0x2001_0db8_0000_0000UL, 1);

    public readonly PipeEnd Link, PeerLink;
    public readonly IpEndpoint Ip;
    public readonly TcpEndpoint Tcp;
    public readonly TcpFuzzApp App;
    public IpLayer<TcpLayer<TcpFuzzHandler>> Stack;
    public Instant Now = Instant.FromMilliseconds(1000);

    public TcpFuzzHost(int capacity = 4, int bufferSize = 4096, TcpTimerSettings? settings = null)
    {
        (Link, PeerLink) = Pipe.CreatePair(256, 1500, Medium.Ip);
        Ip = new IpEndpoint(null, 1500, 4, new RouteTable(4), null);
        Ip.AddAddress(V4, 24, Now);
        Ip.AddAddress(V6, 64, Now);
        Tcp = new TcpEndpoint(Ip, capacity, new SipHash(0x5eed, 0x7c9), settings, start: Now);
        App = new TcpFuzzApp(Tcp, capacity, bufferSize);
        Stack = new(Ip, new(Tcp, new TcpFuzzHandler(App)));
    }

    /// <summary>Lets the host take in what arrived and send what it has, until it is quiet.</summary>
    public int Poll()
    {
        int total = 0;
        for (int i = 0; i < 16; i++)
        {
            int n = Link.Receive(64, ref Stack, Now) + Link.Transmit(64, ref Stack, Now);
            total += n;
            if (n == 0) break;
        }
        return total;
    }

    /// <summary>Moves the clock by <paramref name="d"/> and lets the timers run.</summary>
    public void Advance(Duration d)
    {
        Now += d;
        Poll();
    }

    /// <summary>Jumps to the host's next deadline (at most <paramref name="limit"/> ahead) and lets the timers run.</summary>
    public void AdvanceToNextDeadline(Duration limit)
    {
        var next = Stack.NextDeadline();
        Now = next <= Now ? Now + Duration.FromMilliseconds(1) : Instant.Min(next, Now + limit);
        Poll();
    }
}

/// <summary>
/// The application on a <see cref="TcpFuzzHost"/>: accepts on listening ports, reads everything (unless paused)
/// into a log, and checks the event contract: no event for a key after <see cref="TcpEvents.Closed"/>, none for a key
/// it never held. Per-slot state lives in arrays, so it allocates nothing once made.
/// </summary>
public sealed class TcpFuzzApp
{
    private readonly TcpEndpoint _tcp;
    private readonly byte[] _arena;
    private readonly int _bufferSize;
    private readonly int[] _freeBuffers;
    private int _freeCount;
    private readonly SlotKey[] _keys;
    private readonly int[] _bufferOf;
    private readonly byte[] _scratch = new byte[4096];

    public TcpFuzzApp(TcpEndpoint tcp, int capacity, int bufferSize)
    {
        _tcp = tcp;
        _bufferSize = bufferSize;
        _arena = new byte[capacity * 2 * bufferSize];
        _freeBuffers = new int[capacity];
        for (int i = 0; i < capacity; i++) _freeBuffers[i] = capacity - 1 - i;
        _freeCount = capacity;
        _keys = new SlotKey[capacity];
        _bufferOf = new int[capacity];
        ReadLog = new byte[1 << 16];
    }

    /// <summary>Stop reading: the receive window closes.</summary>
    public bool ReadPaused { get; set; }
    /// <summary>Refuse incoming connections.</summary>
    public bool Refuse { get; set; }

    /// <summary>The connection most recently opened or accepted.</summary>
    public SlotKey Key;
    /// <summary>Events heard for <see cref="Key"/>.</summary>
    public TcpEvents Events;
    public int Accepted, Connected, Closed, Resets, TimedOut, Strays;
    /// <summary>Events for a key after Closed, or for a key never handed out: a stack bug.</summary>
    public int Misdelivered;
    /// <summary>What was read on <see cref="Key"/> (the first 64 KiB; <see cref="ReadCount"/> counts all).</summary>
    public readonly byte[] ReadLog;
    public long ReadCount;

    /// <summary>True while <paramref name="key"/> is a connection the app holds (not yet told Closed).</summary>
    public bool Holds(SlotKey key) => (uint)key.Index < (uint)_keys.Length && key.IsSome && _keys[key.Index] == key;

    /// <summary>The keys the app holds.</summary>
    public ReadOnlySpan<SlotKey> Keys => _keys;

    /// <summary>Opens a connection to <paramref name="remote"/>; false when the endpoint refused.</summary>
    public bool Connect(TransportAddress remote, Instant now, out SlotKey key, ushort localPort = 0)
    {
        key = default;
        if (_freeCount == 0) return false;
        var buffers = TakeBuffers(out int index);
        if (_tcp.Connect(remote, buffers, now, out key, new TcpConnectionOptions { Nagle = false }, localPort) != TcpStatus.Ok)
        {
            _freeCount++;
            return false;
        }
        Hold(key, index);
        return true;
    }

    private TcpBuffers TakeBuffers(out int index)
    {
        index = _freeBuffers[--_freeCount];
        var memory = _arena.AsMemory(index * 2 * _bufferSize, 2 * _bufferSize);
        return new TcpBuffers(memory[.._bufferSize], memory[_bufferSize..]);
    }

    private void Hold(SlotKey key, int buffer)
    {
        _keys[key.Index] = key;
        _bufferOf[key.Index] = buffer;
        Key = key;
        Events = TcpEvents.None;
        ReadCount = 0;
    }

    private void Release(SlotKey key)
    {
        _keys[key.Index] = default;
        _freeBuffers[_freeCount++] = _bufferOf[key.Index];
    }

    /// <summary>Writes <paramref name="count"/> bytes of the pattern <see cref="PatternAt"/> (from stream offset <paramref name="offset"/>).</summary>
    public int Write(SlotKey key, long offset, int count)
    {
        count = Math.Min(count, _scratch.Length);
        for (int i = 0; i < count; i++) _scratch[i] = PatternAt(offset + i);
        return _tcp.Write(key, _scratch.AsSpan(0, count), out int written) == TcpStatus.Ok ? written : 0;
    }

    /// <summary>The byte a stream carries at <paramref name="i"/>.</summary>
    public static byte PatternAt(long i) => (byte)(i * 31 + (i >> 9));

    /// <summary>Reads what is readable on <paramref name="key"/> into the log.</summary>
    public void Drain(SlotKey key)
    {
        if (ReadPaused || !Holds(key)) return;
        while (_tcp.Read(key, _scratch, out int n) == TcpStatus.Ok && n > 0)
        {
            if (key == Key)
            {
                int room = (int)Math.Max(0, Math.Min(n, ReadLog.Length - ReadCount));
                _scratch.AsSpan(0, room).CopyTo(ReadLog.AsSpan((int)Math.Min(ReadCount, ReadLog.Length)));
                ReadCount += n;
            }
        }
    }

    internal void OnOpen(TcpOpen open)
    {
        if (open.Kind == TcpOpenKind.Connected)
        {
            if (!Holds(open.Key)) { Misdelivered++; return; }
            Connected++;
            if (open.Key == Key) Events |= TcpEvents.Connected;
            return;
        }
        if (Refuse) { open.Refuse(); return; }
        if (_freeCount == 0) return;
        var buffers = TakeBuffers(out int index);
        if (open.Accept(buffers, new TcpConnectionOptions { Nagle = false }, out var key) != TcpStatus.Ok) { _freeCount++; return; }
        Accepted++;
        Hold(key, index);
    }

    internal void OnStray(TcpStray stray) => Strays++;

    internal void OnEvents(TcpInPacket packet)
    {
        var key = packet.Key;
        if (!Holds(key)) { Misdelivered++; return; }
        if (key == Key) Events |= packet.Events;
        if (packet.Has(TcpEvents.Connected)) Connected++;
        if (packet.Has(TcpEvents.Reset)) Resets++;
        if (packet.Has(TcpEvents.TimedOut)) TimedOut++;
        Drain(key);
        if (packet.Has(TcpEvents.Closed))
        {
            Closed++;
            Release(key);
        }
    }

    /// <summary>Forgets a connection the app aborted itself (the endpoint says nothing more about it).</summary>
    public void Forget(SlotKey key)
    {
        if (Holds(key)) Release(key);
    }
}

/// <summary>The value-type handler that forwards to a <see cref="TcpFuzzApp"/>.</summary>
public readonly struct TcpFuzzHandler : IRecv<TcpOpen>, IRecv<TcpStray>, IRecv<TcpInPacket>, ISend<TcpSender>
{
    private readonly TcpFuzzApp _app;
    public TcpFuzzHandler(TcpFuzzApp app) => _app = app;
    public void Receive(TcpOpen packet) => _app.OnOpen(packet);
    public void Receive(TcpStray packet) => _app.OnStray(packet);
    public void Receive(TcpInPacket packet) => _app.OnEvents(packet);
    public void Send(TcpSender sender) { }
}
