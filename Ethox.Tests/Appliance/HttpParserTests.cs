using System.Text;
using Ethox.Appliance;
using NUnit.Framework;

namespace Ethox.Tests.Appliance;

/// <summary>The appliance's HTTP/1.1 head parsers (RFC 9112) on good and malformed input.</summary>
public class HttpParserTests
{
    private static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    [Test]
    public void A_get_request_with_host_parses_and_http_1_1_keeps_the_connection_alive()
    {
        Assert.That(HttpRequestParser.TryParse(B("GET /bytes/100?x=1 HTTP/1.1\r\nHost: 198.18.0.1\r\nUser-Agent: t\r\n\r\n"), out var r), Is.True);
        Assert.That(Encoding.ASCII.GetString(r.Method), Is.EqualTo("GET"));
        Assert.That(Encoding.ASCII.GetString(r.Target), Is.EqualTo("/bytes/100?x=1"));
        Assert.That(Encoding.ASCII.GetString(r.Path), Is.EqualTo("/bytes/100"));
        Assert.That(r.MinorVersion, Is.EqualTo(1));
        Assert.That(r.KeepAlive, Is.True);
        Assert.That(r.Fields.ContentLength, Is.EqualTo(-1));
    }

    // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive"; options are a case-insensitive list.
    [TestCase("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n", false)]
    [TestCase("GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade, close\r\n\r\n", false)]
    [TestCase("GET / HTTP/1.0\r\n\r\n", false)]
    [TestCase("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true)]
    [TestCase("GET / HTTP/1.1\nHost: h\n\n", true)]
    public void Persistence_follows_the_version_and_the_connection_options(string head, bool keepAlive)
    {
        Assert.That(HttpRequestParser.TryParse(B(head), out var r), Is.True);
        Assert.That(r.KeepAlive, Is.EqualTo(keepAlive));
    }

    [TestCase("GET / HTTP/1.1\r\n\r\n", TestName = "An HTTP/1.1 request without Host is rejected (RFC 9112 §3.2)")]
    [TestCase("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", TestName = "Two Host fields are rejected")]
    [TestCase("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", TestName = "Two spaces in the request line are rejected")]
    [TestCase("GET / HTTP/2.0\r\nHost: h\r\n\r\n", TestName = "An unknown version is rejected")]
    [TestCase("GET / http/1.1\r\nHost: h\r\n\r\n", TestName = "A lower-case version name is rejected (RFC 9112 §2.3)")]
    [TestCase("GET bytes HTTP/1.1\r\nHost: h\r\n\r\n", TestName = "A target not in origin form is rejected")]
    [TestCase("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", TestName = "A method that is not a token is rejected")]
    [TestCase("GET / HTTP/1.1\r\nHost : h\r\n\r\n", TestName = "Whitespace before the colon is rejected (RFC 9112 §5.1)")]
    [TestCase("GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", TestName = "Obsolete line folding is rejected (RFC 9112 §5.2)")]
    [TestCase("GET / HTTP/1.1\r\nHost: h\rX\r\n\r\n", TestName = "A bare CR is rejected (RFC 9112 §2.2)")]
    [TestCase("GET / HTTP/1.1\r\nHost: h\x01\r\n\r\n", TestName = "A control character in a value is rejected")]
    [TestCase("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n", TestName = "A Content-Length that is not digits is rejected (RFC 9110 §8.6)")]
    [TestCase("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", TestName = "Disagreeing Content-Lengths are rejected")]
    [TestCase("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", TestName = "Content-Length with Transfer-Encoding is rejected (RFC 9112 §6.3)")]
    [TestCase("GET / HTTP/1.1\r\nHost: h\r\n", TestName = "A head without its empty line is rejected")]
    [TestCase("", TestName = "An empty head is rejected")]
    public void Malformed_request(string head)
        => Assert.That(HttpRequestParser.TryParse(B(head), out _), Is.False);

    [TestCase("GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /next", 27)]
    [TestCase("GET / HTTP/1.1\nHost: h\n\nrest", 24)]
    [TestCase("GET / HTTP/1.1\r\nHost: h\r\n", -1)]
    [TestCase("GET / HTTP/1.1\r\nHost: h\r\n\r", -1)]
    public void The_end_of_a_head_is_its_empty_line(string data, int length)
    {
        bool found = HttpHeadReader.TryFindEnd(B(data), out int end);
        Assert.That(found, Is.EqualTo(length >= 0));
        if (found) Assert.That(end, Is.EqualTo(length));
    }

    [Test]
    public void A_response_head_gives_status_length_and_codings()
    {
        Assert.That(HttpResponseParser.TryParse(B("HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6\r\nContent-Length: 12345\r\n\r\n"), out var r), Is.True);
        Assert.That(r.Status, Is.EqualTo(200));
        Assert.That(r.MinorVersion, Is.EqualTo(0));
        Assert.That(r.Fields.ContentLength, Is.EqualTo(12345));
        Assert.That(HttpResponseParser.TryParse(B("HTTP/1.1 404 \r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), out r), Is.True);
        Assert.That(r.Status, Is.EqualTo(404));
        Assert.That(r.Fields.Chunked, Is.True);
    }

    [TestCase("HTTP/1.1 20 OK\r\n\r\n")]
    [TestCase("HTTP/1.1 2000 OK\r\n\r\n")]
    [TestCase("HTTP/1.1 abc OK\r\n\r\n")]
    [TestCase("ICY 200 OK\r\n\r\n")]
    [TestCase("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")]
    public void Malformed_response(string head)
        => Assert.That(HttpResponseParser.TryParse(B(head), out _), Is.False);

    // The server's head: status line, Content-Length and the persistence it decided on (RFC 9112 §4, §6.2, §9.6).
    [Test]
    public void The_response_head_carries_content_length_and_connection()
    {
        var buffer = new byte[256];
        Assert.That(HttpPages.TryWriteHead(buffer, 200, 20_000_000, html: false, keepAlive: false, out int n), Is.True);
        string head = Encoding.ASCII.GetString(buffer, 0, n);
        Assert.That(head, Does.StartWith("HTTP/1.1 200 OK\r\n").And.Contain("\r\nContent-Length: 20000000\r\n").And.EndWith("\r\nConnection: close\r\n\r\n"));
        Assert.That(HttpPages.TryWriteHead(new byte[20], 404, 5, html: false, keepAlive: true, out _), Is.False, "a head that does not fit is refused");
    }

    // RFC 864: 72 printable characters per line, each line one character further on, CR LF; period 95 lines.
    [Test]
    public void The_chargen_pattern_is_the_rfc_864_lines()
    {
        var bytes = new byte[ChargenPattern.Period + 74];
        ChargenPattern.Fill(0, bytes);
        string text = Encoding.ASCII.GetString(bytes);
        Assert.That(text[..74], Is.EqualTo(" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefg\r\n"));
        Assert.That(text[74..76], Is.EqualTo("!\""));
        Assert.That(text[ChargenPattern.Period..], Is.EqualTo(text[..74]), "the stream repeats after 95 lines");
    }
}
