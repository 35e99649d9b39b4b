using System;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Wire;

namespace Ethox.Appliance;

/// <summary>
/// An iperf3 client (<c>--iperf-client ADDRESS[:PORT]</c>) for a stock <c>iperf3 -s</c> or the appliance's own server:
/// one TCP test of <c>--iperf-time</c> seconds with <c>--iperf-parallel</c> streams, the client sending (or, with
/// <c>--iperf-reverse</c>, the server). It sends its cookie, answers PARAM_EXCHANGE with its parameters, connects the
/// streams one after another on CREATE_STREAMS (each starts with the cookie, so the server numbers them in our order),
/// moves data from TEST_RUNNING until its time is up, sends TEST_END, exchanges results on EXCHANGE_RESULTS and ends
/// with IPERF_DONE on DISPLAY_RESULTS. <see cref="Report"/> gives both sides' byte counts. The control path allocates
/// (the parameters, the results); the data path — a random block written into each sending stream's ring, what a
/// receiving stream gets thrown away — allocates nothing.
/// </summary>
internal sealed class IperfClient
{
    /// <summary>iperf3's default port.</summary>
    public const ushort DefaultPort = 5201;
    /// <summary>How long to keep trying to open the control connection while there is no usable source address yet (IPv6 DAD).</summary>
    private static readonly Duration StartTimeout = Duration.FromSeconds(10);
    /// <summary>How long to wait for the connections to close after IPERF_DONE.</summary>
    private static readonly Duration Linger = Duration.FromSeconds(1);
    /// <summary>The block each sending stream writes from; iperf3's default block ("len") for TCP is 128 KiB.</summary>
    private const int BlockSize = 128 * 1024;

    private enum Step : byte
    {
        Connecting,
        Setup,
        Running,
        Ending,
        ResultsLength,
        ResultsBody,
        Finishing,
        Done,
    }

    private readonly byte[] _cookie = MakeCookie();
    private readonly byte[] _payload = RandomNumberGenerator.GetBytes(BlockSize);
    private readonly SlotKey[] _streams;
    private readonly long[] _bytes, _peerBytes;
    private SlotKey _control;
    private int _opened;
    private Step _step;
    private Instant _startBy = Instant.Never, _endAt = Instant.Never, _startedAt, _endedAt, _doneAt = Instant.Never;
    private IperfCpu _cpu;
    private byte[]? _results;
    private int _resultsRead;

    public IperfClient(IpAddress server, ushort port, int seconds, int parallel, bool reverse)
    {
        Server = server;
        Port = port;
        Seconds = seconds;
        Parallel = parallel;
        Reverse = reverse;
        _streams = new SlotKey[parallel];
        _bytes = new long[parallel];
        _peerBytes = new long[parallel];
    }

    public IpAddress Server { get; }
    public ushort Port { get; }
    public int Seconds { get; }
    public int Parallel { get; }
    public bool Reverse { get; }
    /// <summary>The control connection was opened (or the attempt gave up).</summary>
    public bool Started { get; private set; }
    /// <summary>Why the test failed, or null.</summary>
    public string? Error { get; private set; }
    /// <summary>The test ran to DISPLAY_RESULTS and both sides' results are in.</summary>
    public bool Succeeded => Error is null && _step >= Step.Finishing;
    /// <summary>Bytes we sent (our streams, or the server's with <see cref="Reverse"/>) and bytes received at the other end.</summary>
    public long BytesSent => Sum(Reverse ? _peerBytes : _bytes);
    /// <summary>Bytes the receiving side counted.</summary>
    public long BytesReceived => Sum(Reverse ? _bytes : _peerBytes);
    /// <summary>Seconds between TEST_RUNNING and TEST_END by our clock.</summary>
    public double Elapsed => (_endedAt - _startedAt).Microseconds / 1e6;

    /// <summary>True from the control connection's opening until the results are in: its silence is not idleness.</summary>
    public bool IsRunning => Started && Error is null && _step < Step.Done;

    /// <summary>The server as given on the command line.</summary>
    public string Target => Server.IsV6 ? $"[{Server}]:{Port}" : $"{Server}:{Port}";

    /// <summary>Parses <c>ADDRESS[:PORT]</c> (an IPv4 literal, or a bracketed IPv6 literal when a port follows).</summary>
    public static bool TryParseTarget(string text, out IpAddress address, out ushort port, out string error)
    {
        address = default;
        port = DefaultPort;
        string host = text;
        string? portText = null;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']');
            if (close < 0 || (close + 1 < text.Length && text[close + 1] != ':')) { error = $"'{text}' is not [IPV6] or [IPV6]:PORT"; return false; }
            host = text[1..close];
            if (close + 1 < text.Length) portText = text[(close + 2)..];
        }
        else if (text.IndexOf(':') is int colon and >= 0 && colon == text.LastIndexOf(':'))
        {
            host = text[..colon];
            portText = text[(colon + 1)..];
        }
        if (!IpAddress.TryParse(host, out address) || address.IsUnspecified || address.IsMulticast)
        {
            error = $"'{host}' is not a unicast IP address literal (there is no name resolution)";
            return false;
        }
        if (portText is not null && (!ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port == 0))
        {
            error = $"'{portText}' is not a port number (1 to 65535)";
            return false;
        }
        error = "";
        return true;
    }

    /// <summary>True once the test succeeded or failed and the connections are over (or have had their moment to close).</summary>
    public bool IsFinished(Instant now) => Error is not null || (_step == Step.Done && now >= _doneAt + Linger);

    /// <summary>When the loop must run for the client's sake: the end of the test's time while it runs.</summary>
    public Instant NextWake(Instant now) => _step == Step.Running ? _endAt : _step == Step.Done ? _doneAt + Linger : Instant.Never;

    /// <summary>The summary printed at the end.</summary>
    public string Report()
    {
        if (Error is not null) return "iperf3 client: " + Error;
        double seconds = Math.Max(Elapsed, 1e-6);
        return string.Create(CultureInfo.InvariantCulture,
            $"iperf3 client: {Target}, {Parallel} stream{(Parallel == 1 ? "" : "s")}, {(Reverse ? "server sending (-R)" : "client sending")}, {seconds:F2} s: " +
            $"sent {BytesSent} bytes ({BytesSent * 8 / seconds / 1e9:F2} Gbit/s), received {BytesReceived} bytes ({BytesReceived * 8 / seconds / 1e9:F2} Gbit/s)");
    }

    /// <summary>Ends the test with <paramref name="error"/> (the first reason wins).</summary>
    public void Fail(string error) => Error ??= error;

    // iperf3's make_cookie: 36 characters of the base32 alphabet and a NUL.
    private static byte[] MakeCookie()
    {
        ReadOnlySpan<byte> alphabet = "abcdefghijklmnopqrstuvwxyz234567"u8;
        var cookie = new byte[IperfTest.CookieLength];
        Span<byte> random = stackalloc byte[IperfTest.CookieLength - 1];
        RandomNumberGenerator.Fill(random);
        for (int i = 0; i < random.Length; i++) cookie[i] = alphabet[random[i] % alphabet.Length];
        return cookie;
    }

    private static long Sum(long[] values)
    {
        long sum = 0;
        foreach (long v in values) sum += v;
        return sum;
    }

    // ---- driven by TcpServices ---------------------------------------------------------------------------------

    /// <summary>Opens the control connection; retried on each transmit call while there is no source address for the server yet.</summary>
    public void TryStart(TcpServices s, Instant now)
    {
        if (_startBy == Instant.Never) _startBy = now + StartTimeout;
        var status = s.Connect(new TransportAddress(Server, Port), TcpServiceKind.IperfClient, now, out _control);
        if (status == TcpStatus.Ok)
        {
            Started = true;
            s.ConnectionOf(_control).IperfRole = IperfRole.Control;
        }
        else if (status != TcpStatus.NoRoute || now >= _startBy)
        {
            Started = true;
            Fail($"cannot connect to {Target}: {status}");
        }
    }

    /// <summary>A connection of ours is established: every one starts with the cookie; a data stream brings the next one.</summary>
    public void OnConnected(TcpServices s, ref TcpServiceConnection c, Instant now)
    {
        if (!IperfWire.TryWriteAll(s, ref c, _cookie)) Fail("cannot send the cookie");
        if (c.IperfRole != IperfRole.Control) ConnectNextStream(s, now);
    }

    /// <summary>Called on each transmit turn: ends the test when its time is up.</summary>
    public void OnSend(TcpServices s, Instant now)
    {
        if (_step != Step.Running || now < _endAt) return;
        _endedAt = now;
        _cpu = IperfCpu.Now() - _cpu;
        _step = Step.Ending;
        IperfWire.Send(s, ref s.ConnectionOf(_control), IperfMessage.TestEnd);
    }

    /// <summary>A connection of ours is gone: the control connection before the end is a failed test.</summary>
    public void OnClosed(in TcpServiceConnection c, TcpEvents events)
    {
        if (c.IperfRole != IperfRole.Control || _step >= Step.Finishing) return;
        Fail((events & TcpEvents.Reset) != 0 ? $"{Target} reset the control connection"
            : (events & (TcpEvents.TimedOut | TcpEvents.Unreachable)) != 0 ? $"{Target} timed out or is unreachable"
            : $"{Target} closed the control connection");
    }

    public void Pump(TcpServices s, ref TcpServiceConnection c, Instant now)
    {
        if (c.IperfRole == IperfRole.Control) PumpControl(s, ref c, now);
        else PumpStream(s, ref c);
    }

    private void PumpControl(TcpServices s, ref TcpServiceConnection c, Instant now)
    {
        while (Error is null)
        {
            if (_step == Step.ResultsLength)
            {
                if (!IperfWire.TryFill(s, ref c, 4)) break;
                uint length = BinaryPrimitives.ReadUInt32BigEndian(s.HeadOf(c));
                c.HeadLength = 0;
                if (length is 0 or > 1 << 24) { Fail($"the server's results are {length} bytes long"); break; }
                _results = new byte[length];
                _resultsRead = 0;
                _step = Step.ResultsBody;
                continue;
            }
            if (_step == Step.ResultsBody)
            {
                if (s.Endpoint.Read(c.Key, _results.AsSpan(_resultsRead), out int n) != TcpStatus.Ok || n == 0) break;
                _resultsRead += n;
                if (_resultsRead < _results!.Length) continue;
                if (!IperfResults.TryReadBytes(_results, _peerBytes)) Fail("the server's results are not iperf3's");
                _results = null;
                _step = Step.Ending;
                continue;
            }
            if (!IperfWire.TryFill(s, ref c, 1)) break;
            var message = (IperfMessage)(sbyte)s.HeadOf(c)[0];
            if (message == IperfMessage.ServerError && !IperfWire.TryFill(s, ref c, 9)) break;
            c.HeadLength = 0;
            OnMessage(s, ref c, message, now);
        }
        if (c.PeerClosed && _step < Step.Finishing) Fail($"{Target} closed the control connection");
    }

    private void OnMessage(TcpServices s, ref TcpServiceConnection c, IperfMessage message, Instant now)
    {
        switch (message)
        {
            case IperfMessage.ParamExchange:
                var parameters = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"tcp\":true,\"omit\":0,\"time\":{Seconds},\"num\":0,\"blockcount\":0,\"parallel\":{Parallel},{(Reverse ? "\"reverse\":true," : "")}\"len\":{BlockSize},\"pacing_timer\":1000}}"));
                Span<byte> length = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(length, (uint)parameters.Length);
                if (!IperfWire.TryWriteAll(s, ref c, length) || !IperfWire.TryWriteAll(s, ref c, parameters)) Fail("cannot send the parameters");
                _step = Step.Setup;
                break;
            case IperfMessage.CreateStreams:
                ConnectNextStream(s, now);
                break;
            case IperfMessage.TestStart:
                break;
            case IperfMessage.TestRunning:
                _startedAt = now;
                _endAt = now + Duration.FromSeconds(Seconds);
                _cpu = IperfCpu.Now();
                _step = Step.Running;
                foreach (var key in _streams) PumpStream(s, ref s.ConnectionOf(key));
                break;
            case IperfMessage.ExchangeResults:
            {
                var results = IperfResults.Write(_bytes, Elapsed, _cpu);
                Span<byte> size = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(size, (uint)results.Length);
                if (!IperfWire.TryWriteAll(s, ref c, size) || !IperfWire.TryWriteAll(s, ref c, results)) Fail("cannot send the results");
                _step = Step.ResultsLength;
                break;
            }
            case IperfMessage.DisplayResults:
                IperfWire.Send(s, ref c, IperfMessage.IperfDone);
                _step = Step.Finishing;
                IperfWire.CloseOnce(s, ref c);
                foreach (var key in _streams) IperfWire.CloseOnce(s, ref s.ConnectionOf(key));
                _step = Step.Done;
                _doneAt = now;
                break;
            case IperfMessage.AccessDenied:
                Fail("the server is busy running a test");
                break;
            case IperfMessage.ServerError:
            {
                var head = s.HeadOf(c);
                Fail($"the server refused the test: iperf3 error {BinaryPrimitives.ReadInt32BigEndian(head[1..])}, errno {BinaryPrimitives.ReadInt32BigEndian(head[5..])}");
                break;
            }
            case IperfMessage.ServerTerminate:
                Fail("the server has terminated");
                break;
            default:
                Fail($"unexpected control message {(int)message}");
                break;
        }
    }

    // The streams are connected one at a time so that the server takes their cookies in our order.
    private void ConnectNextStream(TcpServices s, Instant now)
    {
        if (_opened == Parallel || Error is not null) return;
        var status = s.Connect(new TransportAddress(Server, Port), TcpServiceKind.IperfClient, now, out var key);
        if (status != TcpStatus.Ok)
        {
            Fail($"cannot open stream {_opened + 1} to {Target}: {status}");
            return;
        }
        ref var c = ref s.ConnectionOf(key);
        c.IperfRole = Reverse ? IperfRole.Receiver : IperfRole.Sender;
        c.IperfStream = _opened;
        _streams[_opened++] = key;
    }

    private void PumpStream(TcpServices s, ref TcpServiceConnection c)
    {
        int received = IperfWire.Discard(s, c);
        if (c.IperfRole == IperfRole.Receiver && _step == Step.Running) _bytes[c.IperfStream] += received;
        if (c.PeerClosed) IperfWire.CloseOnce(s, ref c);
        if (c.IperfRole != IperfRole.Sender || _step != Step.Running || c.Closing) return;
        while (s.Endpoint.Write(c.Key, _payload, out int written) == TcpStatus.Ok && written > 0) _bytes[c.IperfStream] += written;
    }
}
