using System;

namespace Ethox.Appliance;

/// <summary>A parsed response head.</summary>
internal readonly record struct HttpResponse(int MinorVersion, int Status, HttpFields Fields);

/// <summary>
/// The response side of HTTP/1.1 (RFC 9112 §4) for the <c>--fetch</c> client: the status line, then the fields
/// through <see cref="HttpHeadReader"/>. In place, no allocation; false means the server's answer is unusable.
/// </summary>
internal ref struct HttpResponseParser
{
    private HttpHeadReader _reader;

    public HttpResponseParser(ReadOnlySpan<byte> head) => _reader = new HttpHeadReader(head);

    /// <summary>Parses a whole head (up to and including its empty line).</summary>
    public static bool TryParse(ReadOnlySpan<byte> head, out HttpResponse response)
    {
        response = default;
        var parser = new HttpResponseParser(head);
        if (!parser.TryReadStatusLine(out int minor, out int status) || !parser.TryReadFields(out var fields)) return false;
        response = new HttpResponse(minor, status, fields);
        return true;
    }

    /// <summary><c>HTTP-version SP 3DIGIT SP [reason-phrase]</c> (RFC 9112 §4; the space before an empty reason may be missing in practice).</summary>
    public bool TryReadStatusLine(out int minorVersion, out int status)
    {
        status = 0;
        minorVersion = 0;
        if (!_reader.TryReadLine(out var line) || line.Length < 12 || line[8] != ' ') return false;
        if (!HttpRequestParser.TryParseVersion(line[..8], out minorVersion)) return false;
        var code = line.Slice(9, 3);
        if (line.Length > 12 && line[12] != ' ') return false;
        foreach (byte b in code)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            status = status * 10 + (b - '0');
        }
        return status >= 100;
    }

    /// <summary>The fields after the status line.</summary>
    public bool TryReadFields(out HttpFields fields) => _reader.TryReadFields(out fields);
}
