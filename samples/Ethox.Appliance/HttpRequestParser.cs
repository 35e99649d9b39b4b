using System;

namespace Ethox.Appliance;

/// <summary>A parsed request head, its spans lent from the bytes it was parsed from.</summary>
internal readonly ref struct HttpRequest
{
    public HttpRequest(ReadOnlySpan<byte> method, ReadOnlySpan<byte> target, int minorVersion, HttpFields fields)
    {
        Method = method;
        Target = target;
        MinorVersion = minorVersion;
        Fields = fields;
    }

    /// <summary>GET, HEAD, …</summary>
    public ReadOnlySpan<byte> Method { get; }
    /// <summary>The request target in origin form (RFC 9112 §3.2.1), e.g. <c>/bytes/100</c>.</summary>
    public ReadOnlySpan<byte> Target { get; }
    /// <summary>0 for HTTP/1.0, 1 for HTTP/1.1.</summary>
    public int MinorVersion { get; }
    public HttpFields Fields { get; }

    /// <summary>The path without its query (RFC 3986 §3.4).</summary>
    public ReadOnlySpan<byte> Path => Target.IndexOf((byte)'?') is int q and >= 0 ? Target[..q] : Target;

    /// <summary>
    /// Whether the client wants the connection kept open after the response (RFC 9112 §9.3): HTTP/1.1 unless it
    /// said close, HTTP/1.0 only when it said keep-alive.
    /// </summary>
    public bool KeepAlive => !Fields.ConnectionClose && (MinorVersion >= 1 || Fields.ConnectionKeepAlive);
}

/// <summary>
/// The request side of HTTP/1.1 (RFC 9112 §3): the request line, then the fields through <see cref="HttpHeadReader"/>.
/// Works on the bytes in place and never allocates; every method is TryX and false means "answer 400".
/// </summary>
internal ref struct HttpRequestParser
{
    private HttpHeadReader _reader;

    public HttpRequestParser(ReadOnlySpan<byte> head) => _reader = new HttpHeadReader(head);

    /// <summary>Parses a whole head (up to and including its empty line).</summary>
    public static bool TryParse(ReadOnlySpan<byte> head, out HttpRequest request)
    {
        request = default;
        var parser = new HttpRequestParser(head);
        if (!parser.TryReadRequestLine(out var method, out var target, out int minor) || !parser.TryReadFields(out var fields)) return false;
        // RFC 9112 §3.2: an HTTP/1.1 request carries exactly one Host field; RFC 9112 §6.3: Content-Length with Transfer-Encoding is an attack.
        if ((minor >= 1 && fields.HostCount != 1) || fields.HostCount > 1 || (fields.HasTransferEncoding && fields.ContentLength >= 0)) return false;
        request = new HttpRequest(method, target, minor, fields);
        return true;
    }

    /// <summary>
    /// <c>method SP request-target SP HTTP-version</c> (RFC 9112 §3), single spaces, a token method, an origin-form
    /// target (it starts with '/', no whitespace or control characters) and HTTP/1.0 or HTTP/1.1.
    /// </summary>
    public bool TryReadRequestLine(out ReadOnlySpan<byte> method, out ReadOnlySpan<byte> target, out int minorVersion)
    {
        method = target = default;
        minorVersion = 0;
        if (!_reader.TryReadLine(out var line)) return false;
        int first = line.IndexOf((byte)' ');
        int last = line.LastIndexOf((byte)' ');
        if (first <= 0 || last == first) return false;
        method = line[..first];
        target = line[(first + 1)..last];
        if (!HttpHeadReader.IsToken(method) || target.IsEmpty || target[0] != '/') return false;
        foreach (byte b in target)
            if (b <= 0x20 || b >= 0x7F) return false;
        return TryParseVersion(line[(last + 1)..], out minorVersion);
    }

    /// <summary>The fields after the request line.</summary>
    public bool TryReadFields(out HttpFields fields) => _reader.TryReadFields(out fields);

    /// <summary><c>HTTP/1.0</c> or <c>HTTP/1.1</c> (RFC 9112 §2.3; the name is case-sensitive).</summary>
    public static bool TryParseVersion(ReadOnlySpan<byte> text, out int minorVersion)
    {
        minorVersion = 0;
        if (text.Length != 8 || !text.StartsWith("HTTP/1."u8) || text[7] is not ((byte)'0' or (byte)'1')) return false;
        minorVersion = text[7] - '0';
        return true;
    }
}
