using System.Diagnostics;
using System.Text.Json;
using Ethox.Tests.Nic;
using Ethox.Tests.Tools;
using NUnit.Framework;

namespace Ethox.Tests.Appliance;

/// <summary>
/// The appliance's iperf3 server (<c>--iperf 5201</c>) against a stock <c>iperf3 -c</c> in the peer namespace of a veth pair
/// with the kernel's default offloads: two-second TCP tests in both directions, with parallel streams, across two
/// fanout queues, and the refusals (UDP, a second client while a test runs). The client's <c>-J</c> report is read
/// back: its "sum_received" in a normal test and its "sum_sent" in a reverse one come from the results the appliance
/// sent, so a positive figure there proves the whole control exchange. Addresses: 198.18.0.0/24 only.
/// </summary>
[Category("Kernel")]
[NonParallelizable]
public class ApplianceIperfKernelTests
{
    private const string Port = "5201";
    private PeerNamespace? _peer;

    private PeerNamespace Peer => _peer!;

    [SetUp]
    public void SetUp()
    {
        Kernel.RequireRoot();
        _peer = PeerNamespace.Create("if");
    }

    [TearDown]
    public void TearDown() => _peer?.Dispose();

    private string[] IperfArgs(params string[] extra) => Peer.ApplianceArgs(["--iperf", Port, .. extra]);

    // iperf3 -c with -J for two seconds; the report, after checking that it holds no error.
    private JsonElement RunClient(params string[] options)
    {
        var (code, output, all) = Shell.InNamespace(Peer.Namespace, 30, null, ["iperf3", "-c", PeerNamespace.OurV4, "-p", Port, "-t", "2", "-J", .. options]);
        Assert.That(code, Is.Zero, all);
        using var report = JsonDocument.Parse(output);
        var root = report.RootElement.Clone();
        Assert.That(root.TryGetProperty("error", out var error), Is.False, () => $"iperf3 reported: {error}");
        return root;
    }

    private static long Bytes(JsonElement report, string sum) => report.GetProperty("end").GetProperty(sum).GetProperty("bytes").GetInt64();

    // The client sends for two seconds; the appliance counts what it received and reports it back (sum_received).
    [Test]
    public void Iperf3_client_sends_for_two_seconds_and_the_appliance_reports_the_bytes_it_received()
    {
        using var app = InProcessAppliance.Start(IperfArgs());
        var report = RunClient();
        long sent = Bytes(report, "sum_sent"), received = Bytes(report, "sum_received");
        TestContext.Out.WriteLine($"iperf3 -c: sent {sent} bytes, the appliance received {received}");
        app.Stop();
        var counters = app.App.Services.TcpServices.Counters;
        Assert.That(sent, Is.GreaterThan(0));
        Assert.That(received, Is.GreaterThan(0).And.LessThanOrEqualTo(sent));
        Assert.That(counters.IperfTests, Is.EqualTo(1));
        Assert.That(counters.IperfStreams, Is.EqualTo(1));
        Assert.That(counters.IperfBytesReceived, Is.GreaterThanOrEqualTo(received));
        Assert.That(counters.IperfErrors + counters.IperfDenied, Is.Zero);
        Assert.That(app.App.Services.TcpServices.Iperf!.Test.Phase, Is.EqualTo(Ethox.Appliance.IperfPhase.Idle));
    }

    // -R: the appliance sends for two seconds (its results give sum_sent), the client counts what arrived.
    [TestCase(false)]
    [TestCase(true)]
    public void Iperf3_reverse_test_has_the_appliance_send_and_the_client_receive(bool mmap)
    {
        using var app = InProcessAppliance.Start(IperfArgs(mmap ? ["--mmap"] : []));
        var report = RunClient("-R");
        long sent = Bytes(report, "sum_sent"), received = Bytes(report, "sum_received");
        TestContext.Out.WriteLine($"iperf3 -c -R: the appliance sent {sent} bytes, the client received {received}");
        app.Stop();
        Assert.That(sent, Is.GreaterThan(0));
        Assert.That(received, Is.GreaterThan(0).And.LessThanOrEqualTo(sent));
        Assert.That(app.App.Services.TcpServices.Counters.IperfBytesSent, Is.GreaterThanOrEqualTo(sent));
    }

    // -P 3 and --bidir: every stream is reported under the id the client gave it, and each moved bytes.
    [TestCase("-P", "3")]
    [TestCase("-P", "2", "--bidir")]
    public void Iperf3_parallel_streams_each_move_bytes_under_their_ids(params string[] options)
    {
        using var app = InProcessAppliance.Start(IperfArgs());
        var report = RunClient(options);
        var streams = report.GetProperty("end").GetProperty("streams");
        int expected = int.Parse(options[1]) * (options.Length > 2 ? 2 : 1);
        Assert.That(streams.GetArrayLength(), Is.EqualTo(expected));
        foreach (var stream in streams.EnumerateArray())
        {
            Assert.That(stream.GetProperty("sender").GetProperty("bytes").GetInt64(), Is.GreaterThan(0), stream.ToString());
            Assert.That(stream.GetProperty("receiver").GetProperty("bytes").GetInt64(), Is.GreaterThan(0), stream.ToString());
        }
        app.Stop();
        Assert.That(app.App.Services.TcpServices.Counters.IperfStreams, Is.EqualTo(expected));
    }

    // Two fanout queues: the control connection and the four streams are spread by the kernel's flow hash, the test runs
    // across the stacks (the shared test state) and both directions complete.
    [TestCase(false)]
    [TestCase(true)]
    public void Iperf3_with_four_streams_over_two_queues_completes(bool reverse)
    {
        using var app = InProcessQueues.Start(IperfArgs("--queues", "2"));
        var report = reverse ? RunClient("-P", "4", "-R") : RunClient("-P", "4");
        Assert.That(Bytes(report, "sum_sent"), Is.GreaterThan(0));
        Assert.That(Bytes(report, "sum_received"), Is.GreaterThan(0));
        app.Stop();
        long streams = 0;
        foreach (var queue in app.App.Queues)
        {
            var counters = queue.Services.TcpServices.Counters;
            TestContext.Out.WriteLine($"queue {queue.Queue}: {counters.IperfTests} control, {counters.IperfStreams} streams, {counters.IperfBytesReceived} bytes in, {counters.IperfBytesSent} out");
            streams += counters.IperfStreams;
        }
        Assert.That(streams, Is.EqualTo(4));
    }

    // UDP is not served: SERVER_ERROR with iperf3's "not implemented" code, and the server is free again afterwards.
    [Test]
    public void Iperf3_udp_test_is_refused_with_a_server_error_and_the_next_tcp_test_runs()
    {
        using var app = InProcessAppliance.Start(IperfArgs());
        var (code, output, all) = Shell.InNamespace(Peer.Namespace, 30, null, "iperf3", "-c", PeerNamespace.OurV4, "-p", Port, "-t", "1", "-u");
        Assert.That(code, Is.Not.Zero, output);
        Assert.That(all, Does.Contain("not implemented"));
        Assert.That(Bytes(RunClient(), "sum_received"), Is.GreaterThan(0));
        app.Stop();
        Assert.That(app.App.Services.TcpServices.Counters.IperfErrors, Is.EqualTo(1));
    }

    // One test at a time: a second client while a test runs is told ACCESS_DENIED ("the server is busy"), as by iperf3 -s.
    [Test]
    public void A_second_iperf3_client_during_a_test_is_told_the_server_is_busy()
    {
        using var app = InProcessAppliance.Start(IperfArgs());
        using var first = new BackgroundProcess("ip", "netns", "exec", Peer.Namespace, "iperf3", "-c", PeerNamespace.OurV4, "-p", Port, "-t", "3", "-J");
        Shell.WaitUntil(() => app.App.Services.TcpServices.Iperf!.Test.Phase == Ethox.Appliance.IperfPhase.Running, 10, "the first test did not start");
        var (code, _, all) = Shell.InNamespace(Peer.Namespace, 30, null, "iperf3", "-c", PeerNamespace.OurV4, "-p", Port, "-t", "1");
        Assert.That(code, Is.Not.Zero, all);
        Assert.That(all, Does.Contain("busy"));
        using (var report = JsonDocument.Parse(first.WaitForOutput(30)))
            Assert.That(report.RootElement.TryGetProperty("error", out var error), Is.False, () => $"the first test failed: {error}");
        app.Stop();
        Assert.That(app.App.Services.TcpServices.Counters.IperfDenied, Is.EqualTo(1));
    }

    // The appliance as the client (--iperf-client) of a stock "iperf3 -s -1": both directions complete, and the kernel's own
    // report (-J) counts the bytes the appliance says moved.
    [TestCase(false)]
    [TestCase(true)]
    public void The_appliance_as_iperf3_client_runs_a_test_against_a_stock_iperf3_server(bool reverse)
    {
        using var server = new BackgroundProcess("ip", "netns", "exec", Peer.Namespace, "iperf3", "-s", "-1", "-J", "-p", Port);
        Shell.WaitUntil(() => Shell.InNamespace(Peer.Namespace, 5, null, "ss", "-Hltn", $"sport = :{Port}").Output.Contains(Port), 10, "iperf3 -s did not listen");
        using var app = InProcessAppliance.Start(Peer.ApplianceArgs(["--iperf-client", PeerNamespace.PeerV4, "--iperf-time", "2", .. (reverse ? new[] { "--iperf-reverse" } : [])]));
        var client = app.App.Services.IperfClient!;
        Shell.WaitUntil(() => client.IsFinished(Ethox.Layer.Instant.Now), 30, "the iperf3 test did not finish");
        TestContext.Out.WriteLine(client.Report());
        Assert.That(client.Error, Is.Null);
        Assert.That(client.Succeeded, Is.True);
        Assert.That(client.BytesSent, Is.GreaterThan(0));
        Assert.That(client.BytesReceived, Is.GreaterThan(0).And.LessThanOrEqualTo(client.BytesSent));
        string output = server.WaitForOutput(30);
        using var report = JsonDocument.Parse(output);
        var end = report.RootElement.GetProperty("end");
        // The kernel server's own count: what it received, or (reverse) what it sent.
        long kernel = end.GetProperty(reverse ? "sum_sent" : "sum_received").GetProperty("bytes").GetInt64();
        Assert.That(kernel, Is.EqualTo(reverse ? client.BytesSent : client.BytesReceived));
    }
}

/// <summary>A program started in the background whose output is collected; killed by Dispose if still running.</summary>
internal sealed class BackgroundProcess : System.IDisposable
{
    private readonly Process _process;
    private readonly System.Threading.Tasks.Task<string> _output;

    public BackgroundProcess(string file, params string[] args)
    {
        Tool.Require(file);
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _output = _process.StandardOutput.ReadToEndAsync();
        _ = _process.StandardError.ReadToEndAsync();
    }

    /// <summary>Waits for the program to exit and returns its standard output.</summary>
    public string WaitForOutput(double seconds)
    {
        Assert.That(_process.WaitForExit(System.TimeSpan.FromSeconds(seconds)), Is.True, "the program did not exit");
        return _output.Result;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }
}
