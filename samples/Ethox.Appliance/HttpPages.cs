using System;
using System.Buffers.Text;

namespace Ethox.Appliance;

/// <summary>The HTTP server's fixed texts (status lines, the index page, error bodies) and the writing of a response head.</summary>
internal static class HttpPages
{
    public static ReadOnlySpan<byte> Index => """
        <!DOCTYPE html>
        <html><head><title>ethox-appliance</title></head>
        <body><h1>ethox-appliance</h1>
        <p>HTTP/1.1 over the Ethox user-space TCP stack.</p>
        <p><a href="/bytes/1048576">/bytes/N</a> answers N bytes of the RFC 864 character generator pattern.</p>
        </body></html>

        """u8;

    public static ReadOnlySpan<byte> Reason(int status) => status switch
    {
        200 => "OK"u8,
        400 => "Bad Request"u8,
        404 => "Not Found"u8,
        405 => "Method Not Allowed"u8,
        413 => "Content Too Large"u8,
        431 => "Request Header Fields Too Large"u8,
        _ => "Not Implemented"u8,
    };

    /// <summary>The body of a page response: the index for 200, else a one-line explanation.</summary>
    public static ReadOnlySpan<byte> Page(int status) => status switch
    {
        200 => Index,
        400 => "bad request\n"u8,
        404 => "not found: try / or /bytes/N\n"u8,
        405 => "only GET and HEAD\n"u8,
        413 => "this server takes no request bodies\n"u8,
        431 => "request head too large\n"u8,
        _ => "transfer codings are not implemented\n"u8,
    };

    /// <summary>
    /// Writes the response head (RFC 9112 §4, §6.2 Content-Length, §9.6 Connection) into <paramref name="destination"/>;
    /// false when it does not fit.
    /// </summary>
    public static bool TryWriteHead(Span<byte> destination, int status, long contentLength, bool html, bool keepAlive, out int length)
    {
        var w = new HeadWriter(destination);
        w.Append("HTTP/1.1 "u8);
        w.Append(status);
        w.Append(" "u8);
        w.Append(Reason(status));
        w.Append("\r\nServer: ethox-appliance\r\nContent-Type: "u8);
        w.Append(html ? "text/html; charset=utf-8"u8 : "text/plain; charset=us-ascii"u8);
        w.Append("\r\nContent-Length: "u8);
        w.Append(contentLength);
        w.Append(keepAlive ? "\r\nConnection: keep-alive\r\n\r\n"u8 : "\r\nConnection: close\r\n\r\n"u8);
        length = w.Length;
        return w.Fits;
    }

    private ref struct HeadWriter(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        public int Length;
        public bool Fits = true;

        public void Append(ReadOnlySpan<byte> text)
        {
            if (!Fits || !text.TryCopyTo(_buffer[Length..])) { Fits = false; return; }
            Length += text.Length;
        }

        public void Append(long number)
        {
            if (!Fits || !Utf8Formatter.TryFormat(number, _buffer[Length..], out int n)) { Fits = false; return; }
            Length += n;
        }
    }
}
