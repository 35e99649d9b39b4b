using System;
using Ethox.Layer.Tcp;

namespace Ethox.Appliance;

/// <summary>
/// A small HTTP/1.1 server (RFC 9110, RFC 9112) on one connection at a time of its own, as a state machine
/// driven by the connection's events: read a request head into the connection's head buffer (bounded: a longer
/// head is answered with 431), answer it, then read the next one on a persistent connection. <c>GET /</c> is a
/// short page, <c>GET /bytes/N</c> N bytes of the <see cref="ChargenPattern"/> with Content-Length, written into
/// the send ring as it drains (never N bytes at once), other paths 404, a malformed request 400 and close.
/// A client that half-closes gets answers to what it sent, then our FIN: no keep-alive without a reader.
/// </summary>
internal static class HttpService
{
    private const int MaxHead = 256;

    public static void Pump(TcpServices s, ref TcpServiceConnection c)
    {
        while (true)
        {
            switch (c.Phase)
            {
                case HttpPhase.ReadingRequest:
                    if (!TryReadRequest(s, ref c)) return;
                    break;
                case HttpPhase.SendingHead:
                    if (!TryWriteHead(s, ref c)) return;
                    break;
                case HttpPhase.SendingBody:
                    if (!TryWriteBody(s, ref c)) return;
                    Finish(s, ref c);
                    break;
                default:
                    // Our FIN is queued: anything more the client sends is read and dropped (its window stays open).
                    if (s.Endpoint.Peek(c.Key, out var first, out var second) == TcpStatus.Ok && first.Length + second.Length > 0)
                        s.Endpoint.Consume(c.Key, first.Length + second.Length);
                    return;
            }
        }
    }

    // True when a request is complete (and the response chosen), false when more bytes are needed.
    private static bool TryReadRequest(TcpServices s, ref TcpServiceConnection c)
    {
        var head = s.HeadOf(c);
        if (c.HeadLength < head.Length && s.Endpoint.Read(c.Key, head[c.HeadLength..], out int n) == TcpStatus.Ok) c.HeadLength += n;
        if (!HttpHeadReader.TryFindEnd(head[..c.HeadLength], out int length))
        {
            if (c.HeadLength == head.Length) Respond(s, ref c, 431, keepAlive: false);
            else if (c.PeerClosed && c.HeadLength > 0) Respond(s, ref c, 400, keepAlive: false);
            else if (c.PeerClosed) Close(s, ref c);
            return c.Phase != HttpPhase.ReadingRequest && c.Phase != HttpPhase.Closed;
        }
        if (!HttpRequestParser.TryParse(head[..length], out var request)) Respond(s, ref c, 400, keepAlive: false);
        else Route(s, ref c, request);
        // A pipelined request behind this one waits at the front of the buffer for its turn.
        head[length..c.HeadLength].CopyTo(head);
        c.HeadLength -= length;
        return true;
    }

    private static void Route(TcpServices s, ref TcpServiceConnection c, in HttpRequest request)
    {
        bool keepAlive = request.KeepAlive;
        bool get = request.Method.SequenceEqual("GET"u8), head = request.Method.SequenceEqual("HEAD"u8);
        // Request bodies are not taken: without reading them the connection cannot go on (RFC 9112 §6.3).
        if (request.Fields.HasTransferEncoding) { Respond(s, ref c, 501, keepAlive: false); return; }
        if (request.Fields.ContentLength > 0) { Respond(s, ref c, 413, keepAlive: false); return; }
        if (!get && !head) { Respond(s, ref c, 405, keepAlive); return; }
        c.HeadOnly = head;
        var path = request.Path;
        if (path.SequenceEqual("/"u8))
        {
            Respond(s, ref c, 200, keepAlive);
            return;
        }
        if (path.StartsWith("/bytes/"u8))
        {
            if (!HttpHeadReader.TryParseLength(path["/bytes/".Length..], out long count))
            {
                Respond(s, ref c, 400, keepAlive);
                return;
            }
            Respond(s, ref c, 200, keepAlive, HttpBody.Pattern, count);
            return;
        }
        Respond(s, ref c, 404, keepAlive);
    }

    private static void Respond(TcpServices s, ref TcpServiceConnection c, int status, bool keepAlive, HttpBody body = HttpBody.Page, long length = -1)
    {
        var counters = s.Counters;
        counters.HttpRequests++;
        if (status < 300) counters.Http2xx++;
        else if (status < 500) counters.Http4xx++;
        else counters.Http5xx++;
        c.Status = (short)status;
        c.KeepAlive = keepAlive && !c.PeerClosed;
        c.Body = body;
        c.Offset = 0;
        c.Left = body == HttpBody.Page ? HttpPages.Page(status).Length : length;
        c.Phase = HttpPhase.SendingHead;
    }

    private static bool TryWriteHead(TcpServices s, ref TcpServiceConnection c)
    {
        Span<byte> head = stackalloc byte[MaxHead];
        HttpPages.TryWriteHead(head, c.Status, c.Left, c.Body == HttpBody.Page && c.Status == 200, c.KeepAlive, out int length);
        // The head goes in whole or waits: the ring may still hold the end of the previous response.
        if (s.Endpoint.GetInfo(c.Key, out var info) != TcpStatus.Ok || info.Writable < length) return false;
        s.Endpoint.Write(c.Key, head[..length], out _);
        if (c.HeadOnly) c.Left = 0;
        c.Phase = HttpPhase.SendingBody;
        return true;
    }

    // True when the body is all in the send ring.
    private static bool TryWriteBody(TcpServices s, ref TcpServiceConnection c)
    {
        while (c.Left > 0)
        {
            var piece = c.Body == HttpBody.Pattern ? ChargenPattern.From(c.Offset) : HttpPages.Page(c.Status)[(int)c.Offset..];
            if (piece.Length > c.Left) piece = piece[..(int)c.Left];
            if (s.Endpoint.Write(c.Key, piece, out int written) != TcpStatus.Ok || written == 0) return false;
            c.Offset += written;
            c.Left -= written;
            s.Counters.HttpBodyBytes += written;
        }
        return true;
    }

    private static void Finish(TcpServices s, ref TcpServiceConnection c)
    {
        c.HeadOnly = false;
        if (c.KeepAlive) c.Phase = HttpPhase.ReadingRequest;
        else Close(s, ref c);
    }

    private static void Close(TcpServices s, ref TcpServiceConnection c)
    {
        c.Phase = HttpPhase.Closed;
        if (c.Closing) return;
        c.Closing = true;
        s.Endpoint.Close(c.Key);
    }
}
