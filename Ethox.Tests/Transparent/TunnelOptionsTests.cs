using System.Net;
using Ethox.Layer;
using Ethox.Tunnel;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Transparent;

/// <summary>The tunnel sample's command line: what it takes, and the one line it says about what it does not.</summary>
public class TunnelOptionsTests
{
    [Test]
    public void A_full_command_line_is_taken()
    {
        Assert.That(TunnelOptions.TryParse(["--tun", "tun7", "--to", "[2001:db8::1]:8080", "--accept", "198.18.200.0/24", "--accept=2001:db8:200::/64",
            "--max-connections", "10", "--buffer", "65536", "--offloads", "off", "--verbose", "--duration", "1.5"], out var o, out string error), Is.True, error);
        Assert.That(o.TunName, Is.EqualTo("tun7"));
        Assert.That(o.Server, Is.EqualTo(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 8080)));
        Assert.That(o.Accept, Has.Count.EqualTo(2));
        Assert.That(o.Accept[0].Contains(new Ipv4Address(198, 18, 200, 9)), Is.True);
        Assert.That(o.Accept[0].Contains(new Ipv4Address(198, 18, 201, 9)), Is.False);
        Assert.That(o.Accept[1].Contains(Ipv6Address.Parse("2001:db8:200::5")), Is.True);
        Assert.That(o.Accept[1].Contains(new Ipv4Address(198, 18, 200, 9)), Is.False);
        Assert.That(o.MaxConnections, Is.EqualTo(10));
        Assert.That(o.BufferBytes, Is.EqualTo(65536));
        Assert.That(o.Offloads, Is.EqualTo(DeviceOffloads.None));
        Assert.That(o.Verbose, Is.True);
        Assert.That(o.RunFor, Is.EqualTo(Duration.FromMilliseconds(1500)));
    }

    [Test]
    public void Without_a_port_the_server_takes_each_connections_own()
    {
        Assert.That(TunnelOptions.TryParse(["--tun", "t", "--to", "198.18.1.1"], out var o, out _), Is.True);
        Assert.That(o.Server!.Port, Is.Zero);
        Assert.That(o.Accept, Is.Empty, "every address by default");
    }

    [TestCase(new[] { "--to", "198.18.1.1" }, "give the TUN interface to create with --tun NAME (see --help)")]
    [TestCase(new[] { "--tun", "t" }, "give the server to relay to with --to ADDRESS[:PORT] (see --help)")]
    [TestCase(new[] { "--tun", "t", "--to", "example.org:80" }, "--to 'example.org:80' is not an IPv4 or IPv6 address with an optional port (198.18.1.1:8000, [2001:db8::1]:8000)")]
    [TestCase(new[] { "--tun", "t", "--to", "0.0.0.0:80" }, "--to '0.0.0.0:80' is not an IPv4 or IPv6 address with an optional port (198.18.1.1:8000, [2001:db8::1]:8000)")]
    [TestCase(new[] { "--tun", "a/b", "--to", "198.18.1.1" }, "--tun 'a/b' is not a valid interface name (1 to 15 characters, no '/' or ':')")]
    [TestCase(new[] { "--tun", "t", "--to", "198.18.1.1", "--accept", "198.18.200.0" }, "--accept '198.18.200.0' is not an IPv4 or IPv6 prefix (198.18.200.0/24, 2001:db8:200::/64)")]
    [TestCase(new[] { "--tun", "t", "--to", "198.18.1.1", "--buffer", "100" }, "--buffer '100' is not a number of bytes from 4096 to 16777216")]
    [TestCase(new[] { "--tun", "t", "--to", "198.18.1.1", "--max-connections", "0" }, "--max-connections '0' is not a number from 1 to 4096")]
    [TestCase(new[] { "--tun", "t", "--to", "198.18.1.1", "--offloads", "rx" }, "--offloads 'rx' is not on or off")]
    [TestCase(new[] { "--tun", "t", "--to", "198.18.1.1", "--duration=-1" }, "--duration '-1' is not a number of seconds")]
    [TestCase(new[] { "--tun", "t", "--to" }, "--to needs a value")]
    [TestCase(new[] { "--tun", "t", "--to", "198.18.1.1", "--listen" }, "unknown option '--listen' (see --help)")]
    [TestCase(new[] { "tun0" }, "unexpected argument 'tun0' (see --help)")]
    public void A_bad_command_line_is_one_line(string[] args, string expected)
    {
        Assert.That(TunnelOptions.TryParse(args, out _, out string error), Is.False);
        Assert.That(error, Is.EqualTo(expected));
    }
}
