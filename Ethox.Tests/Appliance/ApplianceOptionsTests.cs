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

    [Test]
    public void Iperf_busy_poll_and_tcp_buffer_are_off_or_default_unless_given()
    {
        Assert.That(ApplianceOptions.TryParse(Base, out var o, out string error), Is.True, error);
        Assert.That((o.IperfPort, o.IperfClient, o.BusyPoll, o.TcpBuffer), Is.EqualTo(((ushort)0, (Ethox.Layer.TransportAddress?)null, Duration.Zero, 256 * 1024)));
        Assert.That(ApplianceOptions.TryParse([.. Base, "--iperf", "5201", "--busy-poll", "50", "--tcp-buffer", "1024"], out o, out error), Is.True, error);
        Assert.That((o.IperfPort, o.BusyPoll, o.TcpBuffer), Is.EqualTo(((ushort)5201, Duration.FromMicroseconds(50), 1 << 20)));
        Assert.That(ApplianceOptions.TryParse([.. Base, "--iperf-client", "[2001:db8::2]:5202", "--iperf-time", "3", "--iperf-parallel", "4", "--iperf-reverse"], out o, out error), Is.True, error);
        Assert.That((o.IperfClient!.Value.ToString(), o.IperfSeconds, o.IperfParallel, o.IperfReverse), Is.EqualTo(("[2001:db8::2]:5202", 3, 4, true)));
    }

    [TestCase(new[] { "--iperf", "5201", "--http", "5201" }, "two TCP services on port 5201")]
    [TestCase(new[] { "--busy-poll", "0" }, "--busy-poll '0' is not a number of microseconds from 1 to 1000000")]
    [TestCase(new[] { "--busy-poll", "2000000" }, "--busy-poll '2000000' is not a number of microseconds from 1 to 1000000")]
    [TestCase(new[] { "--tcp-buffer", "2" }, "--tcp-buffer '2' is not a number of KiB from 4 to 65536")]
    [TestCase(new[] { "--tcp-buffer", "65536", "--max-connections", "4096" }, "--max-connections 4096 with --tcp-buffer 65536 needs more than")]
    [TestCase(new[] { "--iperf-time", "5" }, "--iperf-time, --iperf-parallel and --iperf-reverse go with --iperf-client")]
    [TestCase(new[] { "--iperf-reverse" }, "--iperf-time, --iperf-parallel and --iperf-reverse go with --iperf-client")]
    [TestCase(new[] { "--iperf-client", "example.org" }, "--iperf-client 'example.org': 'example.org' is not a unicast IP address literal")]
    [TestCase(new[] { "--iperf-client", "198.18.0.2", "--iperf-parallel", "129" }, "--iperf-parallel '129' is not a number from 1 to 128")]
    [TestCase(new[] { "--iperf-client", "198.18.0.2", "--iperf-time", "0" }, "--iperf-time '0' is not a number of seconds from 1 to 86400")]
    [TestCase(new[] { "--iperf-client", "198.18.0.2", "--queues", "2" }, "--iperf-client needs --queues 1")]
    [TestCase(new[] { "--iperf-client", "198.18.0.2", "--fetch", "http://198.18.0.2/" }, "give --fetch or --iperf-client, not both")]
    [TestCase(new[] { "--iperf-client", "198.18.0.2", "--iperf-parallel", "8", "--max-connections", "8" }, "needs --max-connections above 8")]
    public void A_bad_iperf_busy_poll_or_buffer_option_is_one_line_naming_it(string[] extra, string message)
    {
        Assert.That(ApplianceOptions.TryParse([.. Base, .. extra], out _, out string error), Is.False);
        Assert.That(error, Does.Contain(message).And.Not.Contain("\n"));
    }

    [Test]
    public void Values_are_taken_after_the_option_or_after_an_equals_sign()
    {
        Assert.That(ApplianceOptions.TryParse([.. Base, "--mtu=1400", "--queues", "2", "--duration=2.5"], out var o, out string error), Is.True, error);
        Assert.That((o.Mtu, o.Queues, o.RunFor), Is.EqualTo((1400, 2, (Duration?)Duration.FromMilliseconds(2500))));
    }

    [TestCase(new[] { "--mtu", "575" }, "--mtu '575' is not a number from 576 to 65535")]
    [TestCase(new[] { "--queues=65" }, "--queues '65' is not a number from 1 to 64")]
    [TestCase(new[] { "--backlog", "+5" }, "--backlog '+5' is not a number from 1 to 65535")]
    [TestCase(new[] { "--duration", "soon" }, "--duration 'soon' is not a number of seconds")]
    [TestCase(new[] { "--pcap" }, "--pcap needs a value")]
    [TestCase(new[] { "--listen", "80" }, "unknown option '--listen' (see --help)")]
    [TestCase(new[] { "eth0" }, "unexpected argument 'eth0' (see --help)")]
    public void A_bad_value_or_argument_is_exactly_this_line(string[] extra, string message)
    {
        Assert.That(ApplianceOptions.TryParse([.. Base, .. extra], out _, out string error), Is.False);
        Assert.That(error, Is.EqualTo(message));
    }
}
