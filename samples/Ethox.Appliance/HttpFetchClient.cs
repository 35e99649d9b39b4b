using System;
using System.IO;
using System.Text;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Wire;

namespace Ethox.Appliance;

/// <summary>
/// The <c>--fetch</c> client: one HTTP/1.1 GET (RFC 9110 §9.3.1) with <c>Connection: close</c>, the response
/// head read into the connection's head buffer and parsed in place, the body copied from the receive ring to
/// <see cref="Output"/> as it arrives. The body ends at its Content-Length, or at the server's FIN when there
/// is none; chunked bodies are refused. Success is status 200 and the whole body; anything else is
/// <see cref="Error"/>, one line.
/// </summary>
internal sealed class HttpFetchClient
{
    /// <summary>How long to keep trying to open the connection while there is no usable source address yet (IPv6 DAD).</summary>
    private static readonly Duration StartTimeout = Duration.FromSeconds(10);
    /// <summary>How long to wait for the connection to close after the body, so the server gets our last ACKs and FIN.</summary>
    private static readonly Duration Linger = Duration.FromSeconds(1);

    private readonly byte[] _request;
    private SlotKey _key;
    private Instant _startBy = Instant.Never, _doneAt = Instant.Never;
    private bool _headDone, _connectionOver;
    private long _expected = -1;

    public HttpFetchClient(FetchUrl url, Stream output)
    {
        Url = url;
        Output = output;
        _request = Encoding.ASCII.GetBytes($"GET {url.Path} HTTP/1.1\r\nHost: {url.HostHeader}\r\nUser-Agent: ethox-appliance\r\nAccept: */*\r\nConnection: close\r\n\r\n");
    }

    public FetchUrl Url { get; }
    public Stream Output { get; }
    /// <summary>The connection was opened (or the attempt gave up).</summary>
    public bool Started { get; private set; }
    /// <summary>The response status, 0 before the head arrived.</summary>
    public int Status { get; private set; }
    /// <summary>Body bytes written to <see cref="Output"/>.</summary>
    public long BodyBytes { get; private set; }
    /// <summary>Why the fetch failed, or null.</summary>
    public string? Error { get; private set; }
    /// <summary>The whole body of a 200 response was received.</summary>
    public bool Succeeded => Error is null && _doneAt != Instant.Never;

    /// <summary>True once the fetch has succeeded or failed and the connection is over (or has had its moment to close).</summary>
    public bool IsFinished(Instant now) => Error is not null || (_doneAt != Instant.Never && (_connectionOver || now >= _doneAt + Linger));

    /// <summary>Opens the connection; retried on each transmit call while the interface has no source address for the server yet.</summary>
    public void TryStart(TcpServices s, Instant now)
    {
        if (_startBy == Instant.Never) _startBy = now + StartTimeout;
        var status = s.Connect(new TransportAddress(Url.Address, Url.Port), TcpServiceKind.Fetch, now, out _key);
        if (status == TcpStatus.Ok) Started = true;
        else if (status != TcpStatus.NoRoute || now >= _startBy)
        {
            Started = true;
            Fail($"cannot connect to {Url.HostHeader}: {status}");
        }
    }

    public void OnConnected(TcpServices s, ref TcpServiceConnection c)
    {
        if (s.Endpoint.Write(c.Key, _request, out int written) != TcpStatus.Ok || written != _request.Length) Fail("the request does not fit the send buffer");
    }

    public void OnEvents(TcpServices s, ref TcpServiceConnection c, TcpEvents events)
    {
        if (Error is null && _doneAt == Instant.Never) Read(s, ref c);
        if ((events & TcpEvents.Closed) != 0) _connectionOver = true;
        if (Error is not null || _doneAt != Instant.Never) return;
        if ((events & TcpEvents.Reset) != 0) Fail($"connection reset by {Url.HostHeader} after {BodyBytes} body bytes");
        else if ((events & (TcpEvents.TimedOut | TcpEvents.Unreachable)) != 0) Fail($"connection to {Url.HostHeader} timed out or unreachable");
        else if (c.PeerClosed)
        {
            if (!_headDone) Fail("the server closed the connection without a complete response head");
            else if (_expected < 0) Done(s, ref c);
            else Fail($"the server closed the connection after {BodyBytes} of {_expected} body bytes");
        }
    }

    private void Read(TcpServices s, ref TcpServiceConnection c)
    {
        var endpoint = s.Endpoint;
        if (!_headDone && !TryReadHead(s, ref c)) return;
        while (_expected != BodyBytes && endpoint.Peek(c.Key, out var first, out _) == TcpStatus.Ok && !first.IsEmpty)
        {
            if (_expected >= 0 && first.Length > _expected - BodyBytes) first = first[..(int)(_expected - BodyBytes)];
            if (!TryWrite(first)) return;
            endpoint.Consume(c.Key, first.Length);
        }
        if (_expected == BodyBytes) Done(s, ref c);
    }

    private bool TryReadHead(TcpServices s, ref TcpServiceConnection c)
    {
        var head = s.HeadOf(c);
        if (s.Endpoint.Read(c.Key, head[c.HeadLength..], out int n) == TcpStatus.Ok) c.HeadLength += n;
        if (!HttpHeadReader.TryFindEnd(head[..c.HeadLength], out int length))
        {
            if (c.HeadLength == head.Length) Fail($"the response head is longer than {head.Length} bytes");
            return false;
        }
        if (!HttpResponseParser.TryParse(head[..length], out var response))
        {
            Fail("malformed response head");
            return false;
        }
        // RFC 9110 §15.2: 1xx responses are interim; the real one follows.
        if (response.Status is >= 100 and < 200)
        {
            head[length..c.HeadLength].CopyTo(head);
            c.HeadLength -= length;
            return TryReadHead(s, ref c);
        }
        Status = response.Status;
        if (Status != 200)
        {
            Fail($"{Url} answered {Status}");
            return false;
        }
        if (response.Fields.HasTransferEncoding)
        {
            Fail("the response uses a transfer coding (chunked), which this client does not decode");
            return false;
        }
        _headDone = true;
        _expected = response.Fields.ContentLength;
        // Body bytes that came with the head go out first.
        return TryWrite(head[length..c.HeadLength]);
    }

    private bool TryWrite(ReadOnlySpan<byte> data)
    {
        if (_expected >= 0 && data.Length > _expected - BodyBytes) data = data[..(int)(_expected - BodyBytes)];
        try
        {
            Output.Write(data);
        }
        catch (IOException e)
        {
            Fail("cannot write the body: " + e.Message);
            return false;
        }
        BodyBytes += data.Length;
        return true;
    }

    private void Done(TcpServices s, ref TcpServiceConnection c)
    {
        _doneAt = c.LastActive;
        if (!c.Closing)
        {
            c.Closing = true;
            s.Endpoint.Close(c.Key);
        }
    }

    /// <summary>Ends the fetch with <paramref name="error"/> (the first reason wins).</summary>
    public void Fail(string error) => Error ??= error;
}
