using System;
using System.Security.Cryptography;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Nic;
using Ethox.Tests.Layer;
using Ethox.Wire;

namespace Ethox.Tests.Tcp;

/// <summary>
/// A TCP application for tests: accepts on listening ports (or refuses), echoes or sinks what arrives,
/// streams a deterministic pattern on connections it opens, and checks and hashes what it reads. Per-connection
/// state lives in arrays indexed by slot, so a transfer allocates nothing.
/// </summary>
public sealed class TcpApp
{
    private readonly byte[] _arena;
    private readonly int _bufferSize;
    private readonly Conn[] _conns;
    private readonly int[] _freeBuffers;
    private int _freeCount;
    private readonly byte[] _scratch = new byte[65536];

    public TcpApp(int capacity, int bufferSize)
    {
        _bufferSize = bufferSize;
        _arena = new byte[capacity * 2 * bufferSize];
        _conns = new Conn[capacity];
        _freeBuffers = new int[capacity];
        for (int i = 0; i < capacity; i++) _freeBuffers[i] = capacity - 1 - i;
        _freeCount = capacity;
    }

    public TcpEndpoint Endpoint = null!;
    /// <summary>What a server does with accepted connections.</summary>
    public bool Echo { get; set; }
    /// <summary>Refuse incoming connections instead of accepting them.</summary>
    public bool Refuse { get; set; }
    /// <summary>Stop reading (the receive window closes).</summary>
    public bool ReadPaused { get; set; }
    /// <summary>Check that what is read is the pattern the clients stream (off for peers that send something else).</summary>
    public bool CheckPattern { get; set; } = true;
    /// <summary>Hash what is read (SHA-256 per connection).</summary>
    public bool Hash { get; set; } = true;
    /// <summary>Close our side once the peer closed and everything was echoed or sent.</summary>
    public bool CloseWhenDone { get; set; } = true;
    public TcpConnectionOptions Options { get; set; } = new();
    /// <summary>Runs first on every event of a connection; returning true skips the app's own reading and writing for it.</summary>
    public Func<TcpInPacket, bool>? OnEventsFirst { get; set; }

    public int Accepted, Connected, Closed, Resets, TimedOut, Unreachable, Strays, Opens;
    /// <summary>Events for a key that is not the live connection of its slot, or after Closed: a stack bug.</summary>
    public int Misdelivered;
    public TcpEvents AllEvents;
    /// <summary>The ICMP error the last <see cref="TcpEvents.Unreachable"/> carried.</summary>
    public Ethox.Layer.Ip.IcmpTransportError? LastIcmpError;

    public ref Conn this[SlotKey key] => ref _conns[key.Index];
    /// <summary>The connection tracked for slot <paramref name="index"/> (a server's accepted ones, whose keys the test does not hold).</summary>
    public ref Conn AtSlot(int index) => ref _conns[index];

    public struct Conn
    {
        public SlotKey Key;
        public int Buffer;
        public long ToSend, Sent, Read;
        public bool PatternError, PeerClosed, Done, CloseAfterSend;
        /// <summary>Stream offset of the first byte that broke the pattern.</summary>
        public long FirstError;
        public IncrementalHash? Sha;
        public TcpEvents Events;
    }

    public TcpBuffers TakeBuffers(out int index)
    {
        index = _freeBuffers[--_freeCount];
        var mem = _arena.AsMemory(index * 2 * _bufferSize, 2 * _bufferSize);
        return new TcpBuffers(mem[.._bufferSize], mem[_bufferSize..]);
    }

    /// <summary>The connection opened or accepted last.</summary>
    public SlotKey LastKey { get; private set; }

    private void Track(SlotKey key, int buffer, long toSend)
    {
        LastKey = key;
        ref var c = ref _conns[key.Index];
        var sha = c.Sha;
        c = new Conn { Key = key, Buffer = buffer, ToSend = toSend, Sha = sha, CloseAfterSend = toSend > 0 };
        if (Hash) { c.Sha ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256); }
    }

    /// <summary>Opens a connection that streams <paramref name="bytes"/> of the pattern, then closes.</summary>
    public SlotKey Connect(TransportAddress remote, long bytes, Instant now)
    {
        var buffers = TakeBuffers(out int index);
        var status = Endpoint.Connect(remote, buffers, now, out var key, Options);
        if (status != TcpStatus.Ok) throw new InvalidOperationException($"connect: {status}");
        Track(key, index, bytes);
        return key;
    }

    /// <summary>The memory of the receive ring of <paramref name="key"/>, to see what the stack wrote there.</summary>
    public Span<byte> ReceiveMemory(SlotKey key) => _arena.AsSpan(_conns[key.Index].Buffer * 2 * _bufferSize + _bufferSize, _bufferSize);

    public byte[] HashOf(SlotKey key) => _conns[key.Index].Sha!.GetCurrentHash();

    public static byte PatternAt(long i) => (byte)(i * 31 + (i >> 11));

    internal void OnOpen(TcpOpen open)
    {
        Opens++;
        if (open.Kind == TcpOpenKind.Connected) { Connected++; Pump(open.Key); return; }
        if (Refuse) { open.Refuse(); return; }
        if (_freeCount == 0) return;
        var buffers = TakeBuffers(out int index);
        if (open.Accept(buffers, Options, out var key) != TcpStatus.Ok) { _freeCount++; return; }
        Accepted++;
        Track(key, index, 0);
    }

    internal void OnStray(TcpStray stray) => Strays++;

    internal void OnEvents(TcpInPacket packet)
    {
        var key = packet.Key;
        ref var c = ref _conns[key.Index];
        if (c.Key != key || c.Done) { Misdelivered++; return; }
        c.Events |= packet.Events;
        AllEvents |= packet.Events;
        if (packet.Has(TcpEvents.Connected)) Connected++;
        if (packet.Has(TcpEvents.Reset)) Resets++;
        if (packet.Has(TcpEvents.TimedOut)) TimedOut++;
        if (packet.Has(TcpEvents.Unreachable)) Unreachable++;
        if (packet.IcmpError is { } icmp) LastIcmpError = icmp;
        if (packet.Has(TcpEvents.PeerClosed)) c.PeerClosed = true;
        if (OnEventsFirst?.Invoke(packet) != true)
        {
            Drain(key);
            Pump(key);
        }
        if (packet.Has(TcpEvents.Closed))
        {
            Closed++;
            c.Done = true;
            _freeBuffers[_freeCount++] = c.Buffer;
        }
    }

    internal void OnSend(TcpSender sender) { }

    private void Drain(SlotKey key)
    {
        ref var c = ref _conns[key.Index];
        if (ReadPaused && !Echo) return;
        while (true)
        {
            var buf = _scratch.AsSpan();
            if (Echo)
            {
                if (Endpoint.GetInfo(key, out var info) != TcpStatus.Ok) return;
                buf = buf[..Math.Min(buf.Length, info.Writable)];
                if (ReadPaused) return;
            }
            if (Endpoint.Read(key, buf, out int n) != TcpStatus.Ok || n == 0) break;
            var data = buf[..n];
            c.Sha?.AppendData(data);
            // Every client streams the pattern, so an echo server checks it too: a fault is caught on the side that took it in.
            if (CheckPattern && !c.PatternError)
                for (int i = 0; i < n; i++)
                    if (data[i] != PatternAt(c.Read + i)) { c.PatternError = true; c.FirstError = c.Read + i; break; }
            c.Read += n;
            if (Echo && (Endpoint.Write(key, data, out int w) != TcpStatus.Ok || w != n)) c.PatternError = true;
        }
        // An echo server closes once it has echoed everything: nothing left unread behind a full send ring.
        bool drained = Endpoint.GetInfo(key, out var left) == TcpStatus.Ok && left.Readable == 0;
        if (c.PeerClosed && CloseWhenDone && drained && (c.ToSend == 0 || c.Sent == c.ToSend)) Endpoint.Close(key);
    }

    /// <summary>Writes more of the pattern on a client connection.</summary>
    public void Pump(SlotKey key)
    {
        ref var c = ref _conns[key.Index];
        while (c.Sent < c.ToSend)
        {
            int n = (int)Math.Min(_scratch.Length, c.ToSend - c.Sent);
            for (int i = 0; i < n; i++) _scratch[i] = PatternAt(c.Sent + i);
            if (Endpoint.Write(key, _scratch.AsSpan(0, n), out int w) != TcpStatus.Ok || w == 0) break;
            c.Sent += w;
        }
        // RFC 9293 §3.10.4: a CLOSE in SYN-SENT deletes the attempt with the data queued; the FIN waits for the handshake
        // (a lost SYN left a client to write everything while still in SYN-SENT, and its connection vanished unheard).
        if (c.CloseAfterSend && c.Sent == c.ToSend && Endpoint.StateOf(key) != TcpState.SynSent) { Endpoint.Close(key); c.CloseAfterSend = false; }
    }

    public void PumpAll()
    {
        for (int i = 0; i < _conns.Length; i++)
            if (_conns[i].Key != default && !_conns[i].Done) { Drain(_conns[i].Key); Pump(_conns[i].Key); }
    }
}

/// <summary>The value-type handler that forwards to a <see cref="TcpApp"/>.</summary>
public struct TcpAppHandler : IRecv<TcpOpen>, IRecv<TcpStray>, IRecv<TcpInPacket>, ISend<TcpSender>
{
    private readonly TcpApp _app;
    public TcpAppHandler(TcpApp app) => _app = app;
    public void Receive(TcpOpen packet) => _app.OnOpen(packet);
    public void Receive(TcpStray packet) => _app.OnStray(packet);
    public void Receive(TcpInPacket packet) => _app.OnEvents(packet);
    public void Send(TcpSender sender) => _app.OnSend(sender);
}

/// <summary>One Ethox host with TCP: Ethernet → IP → transport mux → TCP → <see cref="TcpApp"/>.</summary>
public sealed class TcpHost
{
    public readonly EthernetEndpoint Ethernet;
    public readonly IpEndpoint Ip;
    public readonly TcpEndpoint Tcp;
    public readonly TcpApp App;
    /// <summary>TCP beside (empty) UDP and ICMP slots, so ICMP errors reach TCP as they do in an appliance.</summary>
    public EthernetLayer<IpLayer<TransportMux<TcpLayer<TcpAppHandler>, NoTransport, NoTransport>>> Stack;

    public TcpHost(EthernetAddress mac, Instant start, int mtu = 1500, int capacity = 16, int bufferSize = 256 * 1024, TcpTimerSettings? settings = null, ulong key = 1)
    {
        Ethernet = new EthernetEndpoint(mac);
        Ip = new IpEndpoint(Ethernet, mtu, 8, new RouteTable(16), new NeighborCache(32, new SipHash(key, 2)))
        {
            Hold = new HoldQueue(new byte[16 * (mtu + 22)], mtu + 22),
            PathMtu = new PathMtuTable(16, new SipHash(key, 3)),
        };
        Tcp = new TcpEndpoint(Ip, capacity, new SipHash(key, 4), settings, start: start);
        App = new TcpApp(capacity, bufferSize) { Endpoint = Tcp };
        Stack = new(Ethernet, new(Ip, new(new(Tcp, new TcpAppHandler(App)), default, default)));
    }

    /// <summary>A host with one IPv4 address (/24) and no duplicate address detection, ready to connect at once.</summary>
    public static TcpHost WithAddress(EthernetAddress mac, Ipv4Address address, Instant now, int capacity = 16, int bufferSize = 256 * 1024)
    {
        var host = new TcpHost(mac, now, capacity: capacity, bufferSize: bufferSize);
        host.Ip.DadTransmits = 0;
        host.Ip.AddAddress(address, 24, now);
        return host;
    }

    public int Poll<TDevice>(ref TDevice device, Instant now) where TDevice : IDevice
    {
        int n = device.Receive(64, ref Stack, now);
        n += device.Transmit(64, ref Stack, now);
        return n;
    }

    public Instant NextDeadline() => Stack.NextDeadline();
}

/// <summary>Two TCP hosts over a <see cref="Pipe"/> (optionally through fault injectors), driven by simulated time.</summary>
public sealed class TcpPair
{
    public FaultInjector<PipeEnd> LinkA, LinkB;
    public readonly TcpHost A, B;
    public Instant Now = Instant.FromMilliseconds(1000);
    public static readonly Ipv4Address V4A = new(198, 18, 0, 1), V4B = new(198, 18, 0, 2);
    public static readonly Ipv6Address V6A = Ipv6Address.Parse("2001:db8::a"), V6B = Ipv6Address.Parse("2001:db8::b");
    /// <summary>The simulated one-way delay added by each pump round when nothing else is due.</summary>
    public Duration Step = Duration.FromMicroseconds(100);

    public TcpPair(int mtu = 1500, int capacity = 16, int bufferSize = 256 * 1024, FaultSettings faults = default, ulong seed = 7, TcpTimerSettings? settings = null, int pipeCapacity = 512)
    {
        var (a, b) = Pipe.CreatePair(pipeCapacity, mtu);
        // Faults on transmit only: each frame crosses one faulty lane, so the settings are the rates per direction
        // (and two bit flips in one frame, which the 16-bit checksum can miss, are not made).
        LinkA = new FaultInjector<PipeEnd>(a, FaultSettings.None, faults, seed);
        LinkB = new FaultInjector<PipeEnd>(b, FaultSettings.None, faults, seed + 1);
        A = new TcpHost(TwoHosts.MacA, Now, mtu, capacity, bufferSize, settings, key: 11);
        B = new TcpHost(TwoHosts.MacB, Now, mtu, capacity, bufferSize, settings, key: 22);
        A.Ip.DadTransmits = 0;
        B.Ip.DadTransmits = 0;
        A.Ip.AddAddress(V4A, 24, Now);
        B.Ip.AddAddress(V4B, 24, Now);
        A.Ip.AddAddress(V6A, 64, Now);
        B.Ip.AddAddress(V6B, 64, Now);
    }

    /// <summary>Polls both hosts until nothing moves.</summary>
    public int Run(int rounds = 64)
    {
        int total = 0;
        for (int i = 0; i < rounds; i++)
        {
            int n = A.Poll(ref LinkA, Now) + B.Poll(ref LinkB, Now);
            total += n;
            if (n == 0) break;
        }
        return total;
    }

    /// <summary>Runs until <paramref name="done"/> or <paramref name="limit"/> of simulated time; jumps to the next deadline when idle.</summary>
    public bool RunUntil(Func<bool> done, Duration limit)
    {
        var end = Now + limit;
        while (!done())
        {
            if (Now >= end) return false;
            int moved = Run();
            A.App.PumpAll();
            B.App.PumpAll();
            if (done()) return true;
            var next = Instant.Min(Instant.Min(A.NextDeadline(), B.NextDeadline()), Instant.Min(LinkA.NextDue, LinkB.NextDue));
            Now = moved > 0 || next <= Now ? Now + Step : Instant.Min(next, end);
        }
        return true;
    }

    public void Advance(Duration d)
    {
        var end = Now + d;
        RunUntil(() => false, d);
        Now = end;
    }
}
