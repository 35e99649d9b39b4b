using System;
using System.Text;
using Ethox.Appliance;
using Ethox.Layer;
using Ethox.Nic;
using Ethox.Tests.Layer;
using Ethox.Tests.Tools;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Appliance;

/// <summary>
/// The appliance's iperf3 client (<c>--iperf-client</c>) against its iperf3 server (<c>--iperf</c>) over a <see cref="Pipe"/>
/// with simulated time: the control exchange from cookie to IPERF_DONE in both directions and with several streams, each
/// side's byte counts reaching the other, and a steady data phase that allocates nothing. The kernel tests check both
/// against a stock iperf3; this checks them against each other, deterministically.
/// </summary>
public class IperfPipeTests
{
    private static readonly Ipv4Address ServerV4 = TwoHosts.V4A, ClientV4 = TwoHosts.V4B;

    private Instant _now = Instant.FromMilliseconds(1000);
    private PipeEnd _a = null!, _b = null!;

    [SetUp]
    public void SetUp() => (_a, _b) = Pipe.CreatePair(512, 1500);

    private bool RunUntil(Func<bool> done, PipeAppliance server, PipeAppliance client, Duration limit)
    {
        var end = _now + limit;
        while (!done())
        {
            if (_now >= end) return false;
            int moved = server.Poll(ref _a, _now) + client.Poll(ref _b, _now);
            var next = Instant.Min(Instant.Min(server.Stack.NextDeadline(), client.Stack.NextDeadline()),
                Instant.Min(server.Services.NextWake(_now), client.Services.NextWake(_now)));
            _now = moved > 0 || next <= _now ? _now + Duration.FromMicroseconds(50) : Instant.Min(next, end);
        }
        return true;
    }

    private static (PipeAppliance Server, PipeAppliance Client) Pair(Instant now, params string[] clientArgs)
        => (new PipeAppliance(TwoHosts.MacA, ServerV4, TwoHosts.V6A, now, null, 1, "--iperf", "5201"),
            new PipeAppliance(TwoHosts.MacB, ClientV4, TwoHosts.V6B, now, null, 2, ["--iperf-client", ServerV4.ToString(), .. clientArgs]));

    // One test each way and with three streams: it runs its time, both sides agree on the bytes, and the server is free after.
    [TestCase(false, 1)]
    [TestCase(true, 1)]
    [TestCase(false, 3)]
    [TestCase(true, 3)]
    public void A_test_runs_its_time_and_both_sides_agree_on_the_bytes(bool reverse, int streams)
    {
        string[] args = ["--iperf-time", "1", "--iperf-parallel", streams.ToString()];
        var (server, client) = Pair(_now, reverse ? [.. args, "--iperf-reverse"] : args);
        var test = client.Services.IperfClient!;
        Assert.That(RunUntil(() => test.IsFinished(_now), server, client, Duration.FromSeconds(30)), Is.True, test.Report());

        Assert.That(test.Error, Is.Null);
        Assert.That(test.Succeeded, Is.True);
        Assert.That(test.Elapsed, Is.EqualTo(1).Within(0.01), "simulated seconds from TEST_RUNNING to TEST_END");
        var counters = server.Services.TcpServices.Counters;
        Assert.That(counters.IperfTests, Is.EqualTo(1));
        Assert.That(counters.IperfStreams, Is.EqualTo(streams));
        Assert.That(test.BytesSent, Is.GreaterThan(1 << 20));
        // The receiving side counts what arrived before the end; what was still in flight at TEST_END is not counted.
        Assert.That(test.BytesReceived, Is.GreaterThan(test.BytesSent / 2).And.LessThanOrEqualTo(test.BytesSent));
        Assert.That(reverse ? counters.IperfBytesSent : counters.IperfBytesReceived, Is.GreaterThanOrEqualTo(reverse ? test.BytesSent : test.BytesReceived));
        Assert.That(server.Services.TcpServices.Iperf!.Test.Phase, Is.EqualTo(IperfPhase.Idle));
        Assert.That(test.Report(), Does.StartWith($"iperf3 client: {ServerV4}:5201, {streams} stream"));
    }

    // The data path of both ends (a random block written into the send ring, what arrives thrown away and counted) allocates
    // nothing while 4 MiB move; only the control exchange at the start and the end does.
    [TestCase(false)]
    [TestCase(true)]
    public void The_data_phase_allocates_nothing_on_either_side(bool reverse)
    {
        string[] args = ["--iperf-time", "30", "--iperf-parallel", "2"];
        var (server, client) = Pair(_now, reverse ? [.. args, "--iperf-reverse"] : args);
        var counters = server.Services.TcpServices.Counters;
        Func<long> moved = reverse ? () => counters.IperfBytesSent : () => counters.IperfBytesReceived;
        long target = 8 << 20;
        Func<bool> reached = () => moved() >= target;
        Assert.That(RunUntil(reached, server, client, Duration.FromSeconds(30)), Is.True, client.Services.IperfClient!.Report());
        long least = Allocations.Least(() =>
        {
            target = moved() + (4 << 20);
            RunUntil(reached, server, client, Duration.FromSeconds(30));
        });
        Assert.That(moved(), Is.GreaterThanOrEqualTo((8 << 20) + (4 << 20)));
        Assert.That(server.Services.TcpServices.Iperf!.Test.Phase, Is.EqualTo(IperfPhase.Running));
        Assert.That(least, Is.Zero, "bytes allocated while 4 MiB moved");
    }
}

/// <summary>The pieces of the iperf3 protocol that need no network: the client's parameters, the results both sides send, the address of a server.</summary>
public class IperfProtocolTests
{
    // iperf3 3.12's parameters for "iperf3 -c X -R -P 4 -t 5" (cJSON_PrintUnformatted, as the client sends them).
    [Test]
    public void Parameters_of_a_stock_client_are_read_and_unknown_members_skipped()
    {
        var text = """{"tcp":true,"omit":0,"time":5,"num":0,"blockcount":0,"parallel":4,"reverse":true,"len":131072,"pacing_timer":1000,"client_version":"3.12","extra":{"a":[1,{"b":null}]}}"""u8;
        Assert.That(IperfParameters.TryParse(text, out var p), Is.True);
        Assert.That((p.Parallel, p.Reverse, p.Bidirectional, p.Udp, p.Seconds, p.BlockSize), Is.EqualTo((4, true, false, false, 5, 131072)));
        Assert.That((p.ReceiveStreams, p.SendStreams, p.SendLimit), Is.EqualTo((0, 4, 0L)));
    }

    [Test]
    public void Bidirectional_parameters_receive_on_the_first_streams_and_send_on_the_rest()
    {
        Assert.That(IperfParameters.TryParse("""{"tcp":true,"parallel":2,"bidirectional":true,"num":1000000}"""u8, out var p), Is.True);
        Assert.That((p.ReceiveStreams, p.SendStreams, p.SendLimit), Is.EqualTo((2, 2, 1000000L)));
        Assert.That(IperfParameters.TryParse("""{"udp":true,"parallel":1,"blockcount":10,"len":1000}"""u8, out p), Is.True);
        Assert.That((p.Udp, p.SendLimit), Is.EqualTo((true, 10000L)));
    }

    // Anything that is not one JSON object with numbers where numbers belong is refused, without an exception.
    [TestCase("")]
    [TestCase("[]")]
    [TestCase("{")]
    [TestCase("{\"parallel\":\"4\"}")]
    [TestCase("{\"parallel\":99999999999}")]
    [TestCase("{\"tcp\":true}{}")]
    [TestCase("{\"tcp\":true} x")]
    [TestCase("\u0000")]
    public void Malformed_parameters_are_refused(string text)
        => Assert.That(IperfParameters.TryParse(Encoding.UTF8.GetBytes(text), out _), Is.False);

    // iperf3 numbers its streams 1, 3, 4, 5… on both sides; the results carry every stream's bytes under that id.
    [Test]
    public void Results_carry_each_stream_under_iperf3s_id_and_read_back()
    {
        Assert.That(new[] { IperfResults.StreamId(0), IperfResults.StreamId(1), IperfResults.StreamId(2) }, Is.EqualTo(new[] { 1, 3, 4 }));
        var json = IperfResults.Write([10, 20, 30], 2.5, default);
        string text = Encoding.UTF8.GetString(json);
        Assert.That(text, Does.StartWith("{\"cpu_util_total\":0,\"cpu_util_user\":0,\"cpu_util_system\":0,\"sender_has_retransmits\":0,\"streams\":[{\"id\":1,\"bytes\":10,"));
        Assert.That(text, Does.Contain("{\"id\":4,\"bytes\":30,\"retransmits\":0,\"jitter\":0,\"errors\":0,\"packets\":0,\"start_time\":0,\"end_time\":2.5}"));
        var back = new long[3];
        Assert.That(IperfResults.TryReadBytes(json, back), Is.True);
        Assert.That(back, Is.EqualTo(new long[] { 10, 20, 30 }));
        Assert.That(IperfResults.TryReadBytes(json, new long[2]), Is.False, "a stream id the test does not have");
        Assert.That(IperfResults.TryReadBytes("{\"streams\":[{\"id\":1}]}"u8, back), Is.False);
    }

    [TestCase("198.18.0.2", "198.18.0.2", 5201)]
    [TestCase("198.18.0.2:5202", "198.18.0.2", 5202)]
    [TestCase("[2001:db8::2]:7", "2001:db8::2", 7)]
    [TestCase("2001:db8::2", "2001:db8::2", 5201)]
    [TestCase("[2001:db8::2]", "2001:db8::2", 5201)]
    public void A_server_address_is_an_ip_literal_with_an_optional_port(string text, string address, int port)
    {
        Assert.That(IperfClient.TryParseTarget(text, out var a, out ushort p, out string error), Is.True, error);
        Assert.That((a.ToString(), (int)p), Is.EqualTo((address, port)));
    }

    [TestCase("example.org", "not a unicast IP address literal")]
    [TestCase("198.18.0.2:0", "not a port number")]
    [TestCase("198.18.0.2:x", "not a port number")]
    [TestCase("[2001:db8::2", "is not [IPV6]")]
    [TestCase("224.0.0.1", "not a unicast")]
    public void A_bad_server_address_is_one_line(string text, string message)
    {
        Assert.That(IperfClient.TryParseTarget(text, out _, out _, out string error), Is.False);
        Assert.That(error, Does.Contain(message).And.Not.Contain("\n"));
    }
}
