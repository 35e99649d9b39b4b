using Ethox.Appliance;
using Ethox.Layer;
using NUnit.Framework;

namespace Ethox.Tests.Appliance;

/// <summary>The appliance's TCP options: defaults, values, and one-line errors for bad ones.</summary>
public class ApplianceOptionsTests
{
    private static readonly string[] Base = ["--tap", "t0", "--ip", "198.18.0.1/24"];

    [Test]
    public void Tcp_services_default_to_their_well_known_ports()
    {
        Assert.That(ApplianceOptions.TryParse(Base, out var o, out string error), Is.True, error);
        Assert.That((o.TcpEchoPort, o.TcpDiscardPort, o.TcpChargenPort, o.HttpPort), Is.EqualTo(((ushort)7, (ushort)9, (ushort)19, (ushort)80)));
        Assert.That(o.MaxConnections, Is.EqualTo(64));
        Assert.That(o.Backlog, Is.EqualTo(128));
        Assert.That(o.Fetch, Is.Null);
    }

    [Test]
    public void Ports_connection_limits_and_fetch_are_taken()
    {
        Assert.That(ApplianceOptions.TryParse([.. Base, "--tcp-echo", "0", "--tcp-discard", "0", "--tcp-chargen=1900", "--http", "8080",
            "--max-connections", "200", "--backlog", "16", "--fetch", "http://[2001:db8::2]:8000/a/b?c", "--output", "/tmp/x"], out var o, out string error), Is.True, error);
        Assert.That((o.TcpEchoPort, o.TcpDiscardPort, o.TcpChargenPort, o.HttpPort), Is.EqualTo(((ushort)0, (ushort)0, (ushort)1900, (ushort)8080)));
        Assert.That((o.MaxConnections, o.Backlog), Is.EqualTo((200, 16)));
        Assert.That(o.Fetch!.Address.ToString(), Is.EqualTo("2001:db8::2"));
        Assert.That(o.Fetch.Port, Is.EqualTo(8000));
        Assert.That(o.Fetch.Path, Is.EqualTo("/a/b?c"));
        Assert.That(o.Fetch.HostHeader, Is.EqualTo("[2001:db8::2]:8000"));
        Assert.That(o.OutputFile, Is.EqualTo("/tmp/x"));
    }

    [TestCase("--http", "65536", "not a port number")]
    [TestCase("--tcp-echo", "-1", "not a port number")]
    [TestCase("--max-connections", "0", "from 1 to")]
    [TestCase("--max-connections", "100000", "from 1 to")]
    [TestCase("--backlog", "x", "from 1 to 65535")]
    [TestCase("--fetch", "https://198.18.0.2/", "only http://")]
    [TestCase("--fetch", "http://example.org/", "not an IP address literal")]
    [TestCase("--fetch", "http://2001:db8::2/", "brackets")]
    [TestCase("--fetch", "http://198.18.0.2:0/", "not a port number")]
    [TestCase("--fetch", "http://[2001:db8::2/", "unclosed")]
    [TestCase("--output", "/tmp/x", "--output goes with --fetch only")]
    [TestCase("--tcp-discard", "7", "two TCP services on port 7")]
    public void A_bad_tcp_option_is_one_line_naming_it(string option, string value, string message)
    {
        Assert.That(ApplianceOptions.TryParse([.. Base, option, value], out _, out string error), Is.False);
        Assert.That(error, Does.Contain(message).And.Not.Contain("\n"));
    }

    [Test]
    public void Queues_default_to_one_and_take_1_to_64()
    {
        Assert.That(ApplianceOptions.TryParse(Base, out var o, out string error), Is.True, error);
        Assert.That(o.Queues, Is.EqualTo(1));
        Assert.That(ApplianceOptions.TryParse([.. Base, "--queues", "64"], out o, out error), Is.True, error);
        Assert.That(o.Queues, Is.EqualTo(64));
    }

    [TestCase(new[] { "--queues", "0" }, "--queues '0' is not a number from 1 to 64")]
    [TestCase(new[] { "--queues", "65" }, "--queues '65' is not a number from 1 to 64")]
    [TestCase(new[] { "--queues", "two" }, "--queues 'two' is not a number from 1 to 64")]
    [TestCase(new[] { "--queues", "2", "--fetch", "http://198.18.0.2/" }, "--fetch needs --queues 1 (the server's answers may reach another queue's stack)")]
    [TestCase(new[] { "--queues", "2", "--pcap", "/tmp/x" }, "--pcap needs --queues 1")]
    public void A_bad_queue_count_or_a_single_queue_option_is_one_line(string[] extra, string message)
    {
        Assert.That(ApplianceOptions.TryParse([.. Base, .. extra], out _, out string error), Is.False);
        Assert.That(error, Is.EqualTo(message));
        Assert.That(ApplianceOptions.TryParse(["--tun", "t0", "--ip", "198.18.0.1/24", "--queues", "2"], out _, out error), Is.False);
        Assert.That(error, Is.EqualTo("--queues goes with --iface or --tap only"));
    }

    [TestCase(null, DeviceOffloads.All)]
    [TestCase("on", DeviceOffloads.All)]
    [TestCase("rx", DeviceOffloads.Receive)]
    [TestCase("off", DeviceOffloads.None)]
    public void Offloads_are_on_unless_asked_otherwise(string? mode, DeviceOffloads expected)
    {
        string[] args = mode is null ? Base : [.. Base, "--offloads", mode];
        Assert.That(ApplianceOptions.TryParse(args, out var o, out string error), Is.True, error);
        Assert.That(o.Offloads, Is.EqualTo(expected));
    }

    [Test]
    public void Bad_offload_and_qdisc_options_are_one_line_naming_them()
    {
        Assert.That(ApplianceOptions.TryParse([.. Base, "--offloads", "tso"], out _, out string error), Is.False);
        Assert.That(error, Is.EqualTo("--offloads 'tso' is not on, rx or off"));
        Assert.That(ApplianceOptions.TryParse([.. Base, "--qdisc-bypass"], out _, out error), Is.False);
        Assert.That(error, Is.EqualTo("--qdisc-bypass goes with --iface only"));
        Assert.That(ApplianceOptions.TryParse(["--iface", "eth0", "--ip", "198.18.0.1/24", "--qdisc-bypass"], out var o, out error), Is.True, error);
        Assert.That(o.QdiscBypass, Is.True);
    }
}
