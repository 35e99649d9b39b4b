using System;
using System.Buffers.Binary;
using Ethox.Layer;
using Ethox.Layer.Tcp;

namespace Ethox.Appliance;

/// <summary>
/// An iperf3 server (<c>--iperf PORT</c>) for a stock <c>iperf3 -c</c>: TCP tests in either direction (<c>-R</c>),
/// several streams (<c>-P</c>) and <c>--bidir</c>, one test at a time, as iperf3's own server does. Every connection on
/// the port starts with the client's 37-byte cookie. The first one while no test runs becomes the control connection:
/// the server sends PARAM_EXCHANGE, reads the parameters (a 4-byte big-endian length, then JSON), sends
/// CREATE_STREAMS, takes the connections with the same cookie as data streams, sends TEST_START and TEST_RUNNING once
/// all are there, and after the client's TEST_END sends EXCHANGE_RESULTS, reads the client's results, sends its own
/// and DISPLAY_RESULTS, and waits for IPERF_DONE. Other connections get ACCESS_DENIED. UDP and SCTP tests are
/// refused with SERVER_ERROR ("not implemented"). The control path allocates when a test starts and ends (the
/// results); the data path — discarding what a receiving stream gets, writing a random block into a sending stream's
/// ring — allocates nothing. One instance per <c>--queues</c> stack; the test itself is an <see cref="IperfTest"/> they
/// share.
/// </summary>
internal sealed class IperfService(IperfTest test)
{
    /// <summary>How often a queue looks at the shared test while another queue's progress is awaited.</summary>
    private static readonly Duration WatchInterval = Duration.FromMilliseconds(1);

    private enum ControlStep : byte
    {
        Parameters,
        Streams,
        Running,
        ResultsLength,
        ResultsBody,
        Done,
    }

    private SlotKey _control;
    private int _controlGeneration;
    private ControlStep _step;
    private long _skip;
    private int _seenVersion = test.Version;

    public IperfTest Test { get; } = test;

    /// <summary>Moves connection <paramref name="c"/> on: reads its cookie, then serves it in its role.</summary>
    public void Pump(TcpServices s, ref TcpServiceConnection c, Instant now)
    {
        if (c.IperfRole == IperfRole.Cookie && !TryTakeCookie(s, ref c)) return;
        switch (c.IperfRole)
        {
            case IperfRole.Control: PumpControl(s, ref c, now); break;
            case IperfRole.Receiver: PumpReceiver(s, ref c); break;
            case IperfRole.Sender: PumpSender(s, ref c); break;
            default: Drain(s, ref c); break;
        }
    }

    /// <summary>The connection is gone (closed, reset, timed out): a test whose control connection it was is over.</summary>
    public void OnClosed(ref TcpServiceConnection c)
    {
        if (c.IperfRole != IperfRole.Control || c.Key != _control) return;
        Test.Finish(_controlGeneration);
        _control = default;
    }

    /// <summary>True (once) when the shared test changed since the last call: every iperf3 connection of this queue is then pumped.</summary>
    public bool TakeChange()
    {
        int version = Test.Version;
        if (version == _seenVersion) return false;
        _seenVersion = version;
        return true;
    }

    /// <summary>
    /// When this queue should next look at the shared test: at once after a change it has not acted on, every
    /// millisecond while streams join or the test ends (another queue may be the one that moves it on), else never.
    /// </summary>
    public Instant NextWake(Instant now)
        => Test.Version != _seenVersion ? now
            : Test.Phase is IperfPhase.CreatingStreams or IperfPhase.Ending ? now + WatchInterval
            : Instant.Never;

    /// <summary>True while connection <paramref name="c"/> serves a test that is running: not idle, however long the test.</summary>
    public bool IsBusy(in TcpServiceConnection c) => c.IperfRole != IperfRole.Cookie && c.IperfGeneration == Test.Generation && Test.Phase == IperfPhase.Running;

    // ---- the cookie: which connection is which ------------------------------------------------------------

    private bool TryTakeCookie(TcpServices s, ref TcpServiceConnection c)
    {
        if (!IperfWire.TryFill(s, ref c, IperfTest.CookieLength))
        {
            if (c.PeerClosed) IperfWire.CloseOnce(s, ref c);
            return false;
        }
        var cookie = s.HeadOf(c)[..IperfTest.CookieLength];
        c.HeadLength = 0;
        if (Test.TryClaim(cookie, out int generation))
        {
            c.IperfRole = IperfRole.Control;
            c.IperfGeneration = generation;
            _control = c.Key;
            _controlGeneration = generation;
            _step = ControlStep.Parameters;
            s.Counters.IperfTests++;
            IperfWire.Send(s, ref c, IperfMessage.ParamExchange);
            return true;
        }
        if (Test.TryJoin(cookie, out generation, out int stream))
        {
            c.IperfRole = Test.IsSender(stream) ? IperfRole.Sender : IperfRole.Receiver;
            c.IperfGeneration = generation;
            c.IperfStream = stream;
            s.Counters.IperfStreams++;
            return true;
        }
        // iperf3's server answers a second client, or a stream with a foreign cookie, the same way.
        s.Counters.IperfDenied++;
        c.IperfRole = IperfRole.Denied;
        IperfWire.Send(s, ref c, IperfMessage.AccessDenied);
        IperfWire.CloseOnce(s, ref c);
        return true;
    }

    // ---- the control connection -----------------------------------------------------------------------------

    private void PumpControl(TcpServices s, ref TcpServiceConnection c, Instant now)
    {
        int generation = c.IperfGeneration;
        if (c.Key != _control || !Test.IsCurrent(generation))
        {
            // A control connection whose test is over (the idle sweep, or a close seen first by another path).
            if (c.Key == _control) _control = default;
            Drain(s, ref c);
            IperfWire.CloseOnce(s, ref c);
            return;
        }
        var head = s.HeadOf(c);
        while (true)
        {
            switch (_step)
            {
                case ControlStep.Parameters:
                {
                    if (!IperfWire.TryFill(s, ref c, 4)) break;
                    uint length = BinaryPrimitives.ReadUInt32BigEndian(head);
                    if (length == 0 || length > head.Length - 4)
                    {
                        Fail(s, ref c, IperfError.ReceiveParameters);
                        return;
                    }
                    if (!IperfWire.TryFill(s, ref c, 4 + (int)length)) break;
                    c.HeadLength = 0;
                    if (!IperfParameters.TryParse(head.Slice(4, (int)length), out var parameters))
                    {
                        Fail(s, ref c, IperfError.ReceiveParameters);
                        return;
                    }
                    if (parameters.Udp || parameters.Sctp)
                    {
                        Fail(s, ref c, IperfError.NotImplemented);
                        return;
                    }
                    if (parameters.Parallel is < 1 or > IperfParameters.MaxStreams || (parameters.Bidirectional && parameters.Parallel > IperfParameters.MaxStreams / 2))
                    {
                        Fail(s, ref c, IperfError.TooManyStreams);
                        return;
                    }
                    Test.TrySetParameters(generation, parameters);
                    IperfWire.Send(s, ref c, IperfMessage.CreateStreams);
                    _step = ControlStep.Streams;
                    continue;
                }
                case ControlStep.Streams:
                    // The client says nothing until TEST_START; the streams may join on another queue.
                    if (!Test.TryStart(generation, now)) break;
                    IperfWire.Send(s, ref c, IperfMessage.TestStart);
                    IperfWire.Send(s, ref c, IperfMessage.TestRunning);
                    _step = ControlStep.Running;
                    continue;
                case ControlStep.Running:
                {
                    if (!IperfWire.TryFill(s, ref c, 1)) break;
                    var message = (IperfMessage)(sbyte)head[0];
                    c.HeadLength = 0;
                    if (message == IperfMessage.TestEnd)
                    {
                        Test.TryEnd(generation, now);
                        IperfWire.Send(s, ref c, IperfMessage.ExchangeResults);
                        _step = ControlStep.ResultsLength;
                        continue;
                    }
                    if (message == IperfMessage.ClientTerminate) End(s, ref c);
                    else Fail(s, ref c, IperfError.UnknownMessage);
                    return;
                }
                case ControlStep.ResultsLength:
                    if (!IperfWire.TryFill(s, ref c, 4)) break;
                    _skip = BinaryPrimitives.ReadUInt32BigEndian(head);
                    c.HeadLength = 0;
                    _step = ControlStep.ResultsBody;
                    continue;
                case ControlStep.ResultsBody:
                {
                    // The client's own results: this server prints nothing, so they are read past.
                    if (_skip > 0 && s.Endpoint.Peek(c.Key, out var first, out var second) == TcpStatus.Ok)
                    {
                        int n = (int)Math.Min(_skip, first.Length + second.Length);
                        if (n > 0 && s.Endpoint.Consume(c.Key, n) == TcpStatus.Ok) _skip -= n;
                    }
                    if (_skip > 0) break;
                    if (!TrySendResults(s, ref c)) return;
                    IperfWire.Send(s, ref c, IperfMessage.DisplayResults);
                    _step = ControlStep.Done;
                    continue;
                }
                case ControlStep.Done:
                    // IPERF_DONE, or the client's close: either way the test is over.
                    if (!IperfWire.TryFill(s, ref c, 1) && !c.PeerClosed) break;
                    c.HeadLength = 0;
                    End(s, ref c);
                    return;
            }
            break;
        }
        if (c.PeerClosed) End(s, ref c);
    }

    private void End(TcpServices s, ref TcpServiceConnection c)
    {
        Test.Finish(c.IperfGeneration);
        _control = default;
        Drain(s, ref c);
    }

    // The server's results as iperf3's JSON_write sends them: a 4-byte big-endian length, then the text.
    private bool TrySendResults(TcpServices s, ref TcpServiceConnection c)
    {
        var results = Test.Results();
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)results.Length);
        return IperfWire.TryWriteAll(s, ref c, length) && IperfWire.TryWriteAll(s, ref c, results);
    }

    // SERVER_ERROR, iperf3's error code and an errno of 0: the client prints the code's text and stops.
    private void Fail(TcpServices s, ref TcpServiceConnection c, int code)
    {
        Span<byte> error = stackalloc byte[9];
        error[0] = unchecked((byte)IperfMessage.ServerError);
        BinaryPrimitives.WriteInt32BigEndian(error[1..], code);
        BinaryPrimitives.WriteInt32BigEndian(error[5..], 0);
        s.Counters.IperfErrors++;
        IperfWire.TryWriteAll(s, ref c, error);
        End(s, ref c);
    }

    // ---- the data streams -----------------------------------------------------------------------------------

    // A stream of a test that ended (or was replaced by another) closes; the client closes its end as well.
    private bool Over(in TcpServiceConnection c) => c.IperfGeneration != Test.Generation || Test.Phase is IperfPhase.Idle or IperfPhase.Ending;

    private void PumpReceiver(TcpServices s, ref TcpServiceConnection c)
    {
        int count = IperfWire.Discard(s, c);
        if (count > 0)
        {
            if (!Over(c)) Test.Add(c.IperfStream, count);
            s.Counters.IperfBytesReceived += count;
        }
        if (c.PeerClosed || Over(c)) IperfWire.CloseOnce(s, ref c);
    }

    private void PumpSender(TcpServices s, ref TcpServiceConnection c)
    {
        Drain(s, ref c);
        if (c.Closing || Test.Phase != IperfPhase.Running) return;
        var endpoint = s.Endpoint;
        long limit = Test.Parameters.SendLimit;
        while (true)
        {
            var data = Test.Payload;
            if (limit > 0)
            {
                long left = limit - Test.BytesSent();
                if (left <= 0) break;
                if (left < data.Length) data = data[..(int)left];
            }
            if (endpoint.Write(c.Key, data, out int written) != TcpStatus.Ok || written == 0) break;
            Test.Add(c.IperfStream, written);
            s.Counters.IperfBytesSent += written;
        }
    }

    // Throws away what arrives (a sending stream's peer sends nothing; a refused or finished connection's may), and
    // closes a stream whose test is over or whose peer closed.
    private void Drain(TcpServices s, ref TcpServiceConnection c)
    {
        IperfWire.Discard(s, c);
        if (c.PeerClosed || c.IperfRole is IperfRole.Denied || (c.IperfRole is not IperfRole.Control && Over(c)) || (c.IperfRole is IperfRole.Control && c.Key != _control))
            IperfWire.CloseOnce(s, ref c);
    }
}
