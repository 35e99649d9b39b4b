using System;

namespace Ethox.Appliance;

/// <summary>The header fields of a message head that the server and the client act on (RFC 9110 §5, RFC 9112 §6).</summary>
internal struct HttpFields
{
    /// <summary>The Content-Length value, or -1 when there is none.</summary>
    public long ContentLength;
    /// <summary>A Transfer-Encoding field is present.</summary>
    public bool HasTransferEncoding;
    /// <summary>The last transfer coding is chunked (RFC 9112 §6.1).</summary>
    public bool Chunked;
    /// <summary>Connection: close (RFC 9112 §9.6).</summary>
    public bool ConnectionClose;
    /// <summary>Connection: keep-alive (the HTTP/1.0 way to ask for a persistent connection).</summary>
    public bool ConnectionKeepAlive;
    /// <summary>How many Host fields there were (RFC 9112 §3.2: exactly one in an HTTP/1.1 request).</summary>
    public int HostCount;
}

/// <summary>
/// Reads the lines of an HTTP/1.1 message head (RFC 9112 §2.2) in place, without copying or allocating: the
/// start line, then <c>name: value</c> fields up to the empty line. A line ends with CR LF or a bare LF (which
/// §2.2 lets a recipient accept). Strict where the RFC says a message must be rejected: whitespace before the
/// colon (§5.1), obsolete line folding (§5.2), a name that is not a token, a control character in a value.
/// </summary>
internal ref struct HttpHeadReader
{
    private ReadOnlySpan<byte> _rest;

    /// <summary>A reader over <paramref name="head"/>: the bytes up to and including the empty line (see <see cref="TryFindEnd"/>).</summary>
    public HttpHeadReader(ReadOnlySpan<byte> head) => _rest = head;

    /// <summary>True after <see cref="TryReadField"/> returned false because a field was malformed rather than because the head ended.</summary>
    public bool IsMalformed { get; private set; }

    /// <summary>Finds the empty line that ends a head in <paramref name="data"/>; <paramref name="length"/> counts the head with it.</summary>
    public static bool TryFindEnd(ReadOnlySpan<byte> data, out int length)
    {
        length = 0;
        int from = 0;
        while (true)
        {
            int lf = data[from..].IndexOf((byte)'\n');
            if (lf < 0) return false;
            int next = from + lf + 1;
            if (next < data.Length && data[next] == '\n') { length = next + 1; return true; }
            if (next + 1 < data.Length && data[next] == '\r' && data[next + 1] == '\n') { length = next + 2; return true; }
            if (next + 1 >= data.Length) return false;
            from = next;
        }
    }

    /// <summary>The next line without its terminator; false when no complete line is left.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        line = default;
        int lf = _rest.IndexOf((byte)'\n');
        if (lf < 0) return false;
        line = _rest[..lf];
        _rest = _rest[(lf + 1)..];
        if (!line.IsEmpty && line[^1] == '\r') line = line[..^1];
        // A CR anywhere else is not a line ending and not allowed in a field (RFC 9112 §2.2).
        if (line.IndexOf((byte)'\r') >= 0) { IsMalformed = true; return false; }
        return true;
    }

    /// <summary>The next field's name and value (surrounding whitespace removed); false at the empty line or on a malformed field (<see cref="IsMalformed"/>).</summary>
    public bool TryReadField(out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = value = default;
        if (!TryReadLine(out var line))
        {
            IsMalformed = true; // the head ended without its empty line
            return false;
        }
        if (line.IsEmpty) return false;
        int colon = line.IndexOf((byte)':');
        // RFC 9112 §5.2: obsolete folding (a line starting with whitespace) is rejected; §5.1: no whitespace before the colon.
        if (colon <= 0 || !IsToken(line[..colon]))
        {
            IsMalformed = true;
            return false;
        }
        name = line[..colon];
        value = line[(colon + 1)..].Trim(" \t"u8);
        foreach (byte b in value)
        {
            if ((b < 0x20 && b != '\t') || b == 0x7F)
            {
                IsMalformed = true;
                return false;
            }
        }
        return true;
    }

    /// <summary>Reads every remaining field, keeping what <see cref="HttpFields"/> holds; false on a malformed head or a bad Content-Length.</summary>
    public bool TryReadFields(out HttpFields fields)
    {
        fields = new HttpFields { ContentLength = -1 };
        while (TryReadField(out var name, out var value))
        {
            if (System.Text.Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                // RFC 9110 §8.6: digits only; several fields (or a list) must all agree.
                if (!TryParseLength(value, out long length) || (fields.ContentLength >= 0 && fields.ContentLength != length)) return false;
                fields.ContentLength = length;
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                fields.HasTransferEncoding = true;
                var last = value;
                int comma = value.LastIndexOf((byte)',');
                if (comma >= 0) last = value[(comma + 1)..].Trim(" \t"u8);
                fields.Chunked = System.Text.Ascii.EqualsIgnoreCase(last, "chunked"u8);
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(name, "Connection"u8)) ReadConnection(value, ref fields);
            else if (System.Text.Ascii.EqualsIgnoreCase(name, "Host"u8)) fields.HostCount++;
        }
        return !IsMalformed;
    }

    // RFC 9110 §7.6.1: a comma-separated list of connection options.
    private static void ReadConnection(ReadOnlySpan<byte> value, ref HttpFields fields)
    {
        while (!value.IsEmpty)
        {
            int comma = value.IndexOf((byte)',');
            var option = (comma < 0 ? value : value[..comma]).Trim(" \t"u8);
            value = comma < 0 ? default : value[(comma + 1)..];
            if (System.Text.Ascii.EqualsIgnoreCase(option, "close"u8)) fields.ConnectionClose = true;
            else if (System.Text.Ascii.EqualsIgnoreCase(option, "keep-alive"u8)) fields.ConnectionKeepAlive = true;
        }
    }

    /// <summary>A decimal length: digits only, at most 15 of them (no sign, no whitespace, no overflow).</summary>
    public static bool TryParseLength(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 15) return false;
        foreach (byte b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            value = value * 10 + (b - '0');
        }
        return true;
    }

    /// <summary>RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&amp;" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA.</summary>
    public static bool IsToken(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty) return false;
        foreach (byte b in text)
        {
            bool ok = b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
                || "!#$%&'*+-.^_`|~"u8.IndexOf(b) >= 0;
            if (!ok) return false;
        }
        return true;
    }
}
