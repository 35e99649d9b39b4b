using System;
using System.Security.Cryptography;
using System.Threading;
using Ethox.Layer;

namespace Ethox.Appliance;

/// <summary>Where the one iperf3 test the server runs at a time stands.</summary>
internal enum IperfPhase
{
    /// <summary>No test: the next connection that sends a cookie becomes the control connection of a new one.</summary>
    Idle,
    /// <summary>The control connection was told PARAM_EXCHANGE and its parameters are awaited.</summary>
    Parameters,
    /// <summary>CREATE_STREAMS was sent: connections that send the test's cookie become its data streams.</summary>
    CreatingStreams,
    /// <summary>TEST_RUNNING was sent: data flows.</summary>
    Running,
    /// <summary>The client sent TEST_END: the streams close, the results are exchanged.</summary>
    Ending,
}

/// <summary>
/// The iperf3 test under way, shared by every <c>--queues</c> stack: the kernel's flow hash may put the control
/// connection and each data stream on different queues, so the test's phase, its cookie, the streams that joined and
/// the bytes each stream moved live here. Claims, joins and phase changes take a lock (a handful per test, on the
/// control connection's pace); the data path only adds to its stream's counter (<see cref="Add"/>) and reads the
/// phase, without locking or allocating. Every change bumps <see cref="Version"/>, which the queues watch to learn
/// of changes made by another queue.
/// </summary>
internal sealed class IperfTest
{
    /// <summary>The cookie that starts every connection of a test: 36 characters and a NUL (iperf3's COOKIE_SIZE).</summary>
    public const int CookieLength = 37;
    /// <summary>The block the sending streams write from.</summary>
    private const int PayloadLength = 128 * 1024;

    private readonly Lock _lock = new();
    private readonly byte[] _cookie = new byte[CookieLength];
    private readonly long[] _bytes = new long[IperfParameters.MaxStreams];
    private readonly byte[] _payload = new byte[PayloadLength];
    private volatile int _phase, _generation, _version;
    private int _joined;
    private Instant _startedAt, _endedAt;
    private IperfCpu _cpu;

    public IperfTest() => RandomNumberGenerator.Fill(_payload); // iperf3 sends random bytes too, so nothing compresses them

    public IperfPhase Phase => (IperfPhase)_phase;
    /// <summary>Numbers the tests; a connection remembers the one it belongs to.</summary>
    public int Generation => _generation;
    /// <summary>Moves on with every change of phase and every stream that joins.</summary>
    public int Version => _version;
    /// <summary>The client's parameters (valid from <see cref="IperfPhase.CreatingStreams"/> on).</summary>
    public IperfParameters Parameters { get; private set; }
    /// <summary>Data streams that joined the current test.</summary>
    public int Joined => Volatile.Read(ref _joined);
    /// <summary>The bytes a sending stream writes from (random, made once).</summary>
    public ReadOnlySpan<byte> Payload => _payload;

    /// <summary>True while the test <paramref name="generation"/> is the current one and not over.</summary>
    public bool IsCurrent(int generation) => generation == _generation && Phase != IperfPhase.Idle;

    /// <summary>With no test under way, starts one for this cookie (its sender becomes the control connection).</summary>
    public bool TryClaim(ReadOnlySpan<byte> cookie, out int generation)
    {
        lock (_lock)
        {
            generation = 0;
            if (Phase != IperfPhase.Idle) return false;
            cookie.CopyTo(_cookie);
            generation = ++_generation;
            Change(IperfPhase.Parameters);
            return true;
        }
    }

    /// <summary>Takes the client's parameters; the test then waits for its streams.</summary>
    public bool TrySetParameters(int generation, in IperfParameters parameters)
    {
        lock (_lock)
        {
            if (generation != _generation || Phase != IperfPhase.Parameters) return false;
            Parameters = parameters;
            _joined = 0;
            Array.Clear(_bytes);
            Change(IperfPhase.CreatingStreams);
            return true;
        }
    }

    /// <summary>
    /// A connection that sent <paramref name="cookie"/> becomes the next data stream of the test, if the test is taking
    /// streams, the cookie is its own and not all streams are there yet. Streams are numbered in the order they join,
    /// as iperf3 numbers them on both sides (the receiving ones first).
    /// </summary>
    public bool TryJoin(ReadOnlySpan<byte> cookie, out int generation, out int stream)
    {
        lock (_lock)
        {
            generation = _generation;
            stream = -1;
            if (Phase != IperfPhase.CreatingStreams || !cookie.SequenceEqual(_cookie) || _joined == Expected) return false;
            stream = _joined;
            Volatile.Write(ref _joined, _joined + 1);
            _version++;
            return true;
        }
    }

    private int Expected => Parameters.ReceiveStreams + Parameters.SendStreams;

    /// <summary>True once every stream the parameters ask for has joined.</summary>
    public bool AllJoined => Phase == IperfPhase.CreatingStreams && Joined == Expected;

    /// <summary>True when stream <paramref name="stream"/> is one the server sends on.</summary>
    public bool IsSender(int stream) => stream >= Parameters.ReceiveStreams;

    /// <summary>TEST_RUNNING goes out: the clock and the CPU account of the test start.</summary>
    public bool TryStart(int generation, Instant now)
    {
        lock (_lock)
        {
            if (generation != _generation || !AllJoined) return false;
            _startedAt = now;
            _cpu = IperfCpu.Now();
            Change(IperfPhase.Running);
            return true;
        }
    }

    /// <summary>The client's TEST_END: the streams stop.</summary>
    public bool TryEnd(int generation, Instant now)
    {
        lock (_lock)
        {
            if (generation != _generation || Phase != IperfPhase.Running) return false;
            _endedAt = now;
            _cpu = IperfCpu.Now() - _cpu;
            Change(IperfPhase.Ending);
            return true;
        }
    }

    /// <summary>The test is over (done, terminated, or its control connection gone): the server is free again.</summary>
    public void Finish(int generation)
    {
        lock (_lock)
        {
            if (generation == _generation && Phase != IperfPhase.Idle) Change(IperfPhase.Idle);
        }
    }

    private void Change(IperfPhase phase)
    {
        _phase = (int)phase;
        _version++;
    }

    /// <summary>Counts bytes stream <paramref name="stream"/> moved (from the queue that holds it).</summary>
    public void Add(int stream, long bytes) => Interlocked.Add(ref _bytes[stream], bytes);

    /// <summary>Bytes the server has sent on all its sending streams.</summary>
    public long BytesSent()
    {
        long sum = 0;
        var p = Parameters;
        for (int i = p.ReceiveStreams; i < p.ReceiveStreams + p.SendStreams; i++) sum += Interlocked.Read(ref _bytes[i]);
        return sum;
    }

    /// <summary>The server's results (<see cref="IperfResults"/>): the bytes each stream moved between TEST_RUNNING and TEST_END, this process's CPU time.</summary>
    public byte[] Results()
    {
        var bytes = new long[Joined];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = Interlocked.Read(ref _bytes[i]);
        return IperfResults.Write(bytes, (_endedAt - _startedAt).Microseconds / 1e6, _cpu);
    }
}
