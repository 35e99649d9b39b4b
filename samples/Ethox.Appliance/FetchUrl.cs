using System;
using System.Globalization;
using Ethox.Wire;

namespace Ethox.Appliance;

/// <summary>
/// The URL of <c>--fetch</c>: <c>http://</c>, an IPv4 literal or a bracketed IPv6 literal (RFC 3986 §3.2.2;
/// there is no resolver), an optional port and a path. <see cref="HostHeader"/> is the authority as written,
/// for the request's Host field (RFC 9110 §7.2).
/// </summary>
internal sealed record FetchUrl(IpAddress Address, ushort Port, string Path, string HostHeader)
{
    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what is wrong, in a few words.</summary>
    public static bool TryParse(string text, out FetchUrl? url, out string error)
    {
        url = null;
        error = "";
        const string Scheme = "http://";
        if (!text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            error = text.Contains("://", StringComparison.Ordinal) ? "only http:// URLs are supported" : "not a URL (http://ADDRESS[:PORT]/PATH)";
            return false;
        }
        string rest = text[Scheme.Length..];
        int slash = rest.IndexOfAny(['/', '?', '#']);
        string authority = slash < 0 ? rest : rest[..slash];
        string path = slash < 0 ? "/" : rest[slash..];
        if (path[0] != '/') path = "/" + path;
        int fragment = path.IndexOf('#');
        if (fragment >= 0) path = path[..fragment]; // RFC 3986 §3.5: the fragment stays with the client
        if (authority.Contains('@')) { error = "user information in the URL is not supported"; return false; }
        string host;
        string? port = null;
        if (authority.StartsWith('['))
        {
            int close = authority.IndexOf(']');
            if (close < 0) { error = "unclosed '[' in the host"; return false; }
            host = authority[1..close];
            string after = authority[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':') { error = "junk after the IPv6 address"; return false; }
                port = after[1..];
            }
            if (!Ipv6Address.TryParse(host, out _)) { error = $"'{host}' is not an IPv6 address"; return false; }
        }
        else
        {
            int colon = authority.IndexOf(':');
            if (colon != authority.LastIndexOf(':')) { error = "put an IPv6 address in brackets: http://[2001:db8::1]/"; return false; }
            host = colon < 0 ? authority : authority[..colon];
            if (colon >= 0) port = authority[(colon + 1)..];
            if (!Ipv4Address.TryParse(host, out _))
            {
                error = $"'{host}' is not an IP address literal (there is no name resolution)";
                return false;
            }
        }
        ushort number = 80;
        if (port is { Length: > 0 } && (!ushort.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number == 0))
        {
            error = $"'{port}' is not a port number (1 to 65535)";
            return false;
        }
        if (!IpAddress.TryParse(host, out var address) || address.IsUnspecified || address.IsMulticast)
        {
            error = $"'{host}' is not a unicast address";
            return false;
        }
        foreach (char c in path)
        {
            if (c <= ' ' || c >= 0x7F) { error = "the path has a space, a control or a non-ASCII character (percent-encode it)"; return false; }
        }
        url = new FetchUrl(address, number, path, authority);
        return true;
    }

    public override string ToString() => $"http://{HostHeader}{Path}";
}
