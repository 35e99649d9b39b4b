using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using Ethox.Tests.Nic;
using Ethox.Tests.Tools;
using NUnit.Framework;

namespace Ethox.Tests.Appliance;

/// <summary>
/// The appliance's TCP services against the Linux kernel's TCP: Ethox runs in this process (or as the program)
/// on our end of a <see cref="BridgedNamespaces"/> rig with the kernel's default offloads (checksums left to the
/// offload, TSO/GSO super-segments of up to 64 KiB: the appliance's virtio-net header deals with them), or with every
/// offload off where a test says so; curl, socat and python3's http.server run in the peer namespace. The same rig
/// drops frames on the bridge for the loss tests. Addresses: 198.18.0.0/24 and 2001:db8::/64 only.
/// </summary>
[Category("Kernel")]
[NonParallelizable]
public class ApplianceTcpKernelTests
{
    private const string OurV4 = PeerNamespace.OurV4, OurV6 = PeerNamespace.OurV6;
    private BridgedNamespaces? _rig;
    private readonly List<string> _files = [];

    private BridgedNamespaces Rig => _rig!;

    [SetUp]
    public void SetUp()
    {
        Kernel.RequireRoot();
        _rig = BridgedNamespaces.Create("tk");
    }

    [TearDown]
    public void TearDown()
    {
        _rig?.Dispose();
        foreach (string f in _files)
        {
            if (Directory.Exists(f)) Directory.Delete(f, recursive: true);
            else File.Delete(f);
        }
        _files.Clear();
    }

    private string TempPath(string name)
    {
        string path = Path.Combine(Path.GetTempPath(), $"ethox-tcp-{Environment.ProcessId}-{Guid.NewGuid():N}-{name}");
        _files.Add(path);
        return path;
    }

    private InProcessAppliance StartAppliance(params string[] extra) => InProcessAppliance.Start(PeerNamespace.ApplianceArgsOn(Rig.Outer, extra));

    // The rig again with checksum and segmentation offloads off on every veth end (the kernel finishes and cuts everything).
    private void RebuildWithOffloadsOff()
    {
        _rig!.Dispose();
        _rig = null;
        _rig = BridgedNamespaces.Create("tk", offloadsOff: true);
    }

    private static string Url(bool v6, string path) => v6 ? $"http://[{OurV6}]{path}" : $"http://{OurV4}{path}";

    private static string Sha256Of(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    private static string PatternSha256(long length) => Convert.ToHexString(ApplianceTcpPipeTests.PatternHash(length));

    // A deterministic file of pseudo-random bytes (nothing a compressor or a pattern-aware bug could shortcut).
    private static void WriteRandomFile(string path, long length, int seed)
    {
        var random = new Random(seed);
        var chunk = new byte[1 << 20];
        using var file = File.Create(path);
        for (long done = 0; done < length; done += chunk.Length)
        {
            random.NextBytes(chunk);
            file.Write(chunk, 0, (int)Math.Min(chunk.Length, length - done));
        }
    }

    private (int Code, string Output) Curl(double timeout, params string[] args)
    {
        var (code, output, all) = Shell.InNamespace(Rig.PeerNamespace, timeout, null, ["curl", "--silent", "--show-error", .. args]);
        return (code, code == 0 ? output : all);
    }

    // What both TCPs think of their connections, for a failure message: the appliance's, and the kernel's (ss).
    private string BothEnds(InProcessAppliance? app)
    {
        var (_, kernel, _) = Shell.InNamespace(Rig.PeerNamespace, 10, null, "ss", "-tino");
        return $"ethox:\n{app?.App.Tcp.DescribeConnections()}kernel:\n{kernel}";
    }

    private void CurlBytes(bool v6, long size, double timeout, InProcessAppliance? app = null)
    {
        string output = TempPath("curl.out");
        var clock = Stopwatch.StartNew();
        var (code, text) = Curl(timeout, "--max-time", timeout.ToString(CultureInfo.InvariantCulture), "--fail", "-o", output, Url(v6, $"/bytes/{size}"));
        Assert.That(code, Is.Zero, () => $"{text}\n{BothEnds(app)}");
        TestContext.Out.WriteLine($"curl: {size} bytes in {clock.Elapsed.TotalSeconds:F2} s");
        Assert.That(new FileInfo(output).Length, Is.EqualTo(size));
        Assert.That(Sha256Of(output), Is.EqualTo(PatternSha256(size)));
    }

    private void SocatEcho(long size, double timeout, InProcessAppliance? app = null)
    {
        Tool.Require("socat"); // run through sh
        string input = TempPath("echo.in"), output = TempPath("echo.out");
        WriteRandomFile(input, size, 862);
        var clock = Stopwatch.StartNew();
        // -t: after our FIN on stdin's end, wait this long for the echo to finish and the appliance to close its side.
        var (code, _, all) = Shell.InNamespace(Rig.PeerNamespace, timeout, null, "sh", "-c",
            $"socat -t {timeout} -T {timeout} - TCP4:{OurV4}:7 < '{input}' > '{output}'");
        Assert.That(code, Is.Zero, () => $"{all}\n{new FileInfo(output).Length} of {size} bytes back\n{BothEnds(app)}");
        TestContext.Out.WriteLine($"socat echo: {size} bytes each way in {clock.Elapsed.TotalSeconds:F2} s");
        Assert.That(new FileInfo(output).Length, Is.EqualTo(size));
        Assert.That(Sha256Of(output), Is.EqualTo(Sha256Of(input)));
    }

    // RFC 9112 §6.2: curl gets exactly Content-Length bytes of the RFC 864 pattern, over both families, through a plain
    // socket and through the PACKET_MMAP rings.
    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void Curl_fetches_20_MB_from_the_http_server_and_the_sha256_matches(bool v6, bool mmap)
    {
        using var app = StartAppliance(mmap ? ["--mmap"] : []);
        if (v6) app.WaitForDad();
        CurlBytes(v6, 20_000_000, 60);
        app.Stop();
        var counters = app.App.Services.TcpServices.Counters;
        Assert.That(counters.Http2xx, Is.EqualTo(1));
        Assert.That(counters.HttpBodyBytes, Is.EqualTo(20_000_000));
        Assert.That(app.App.Tcp.Counters.Errors.Total, Is.Zero);
    }

    // 50 connections at once, each with its own buffer set from the arena: every one gets its bytes.
    [Test]
    public void Fifty_parallel_curls_all_get_their_bytes()
    {
        using var app = StartAppliance();
        var args = new List<string> { "--parallel", "--parallel-immediate", "--parallel-max", "50", "--max-time", "60", "-w", "%{http_code} %{size_download}\\n" };
        for (int i = 0; i < 50; i++) args.AddRange(["-o", "/dev/null", Url(false, $"/bytes/{100_000 + i}")]);
        var (code, output) = Curl(90, [.. args]);
        Assert.That(code, Is.Zero, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(50), output);
        var sizes = new SortedSet<long>();
        foreach (string line in lines)
        {
            Assert.That(line, Does.StartWith("200 "), output);
            sizes.Add(long.Parse(line[4..], CultureInfo.InvariantCulture));
        }
        Assert.That(sizes, Has.Count.EqualTo(50), "each transfer its own size: " + output);
        Assert.That(sizes.Min, Is.EqualTo(100_000));
        Assert.That(sizes.Max, Is.EqualTo(100_049));
        app.Stop();
        Assert.That(app.App.Services.TcpServices.Counters.HttpConnections, Is.EqualTo(50));
    }

    // Issue 10 §2, one stack per queue: the kernel's PACKET_FANOUT hash gives each connection (both directions of its 4-tuple)
    // to one of the two stacks, which serves it alone; ARP goes to one queue only, the other learns the kernel's address from its
    // packets. Thirty connections from thirty source ports all get their bytes, and both queues served some.
    [Test]
    public void With_two_fanout_queues_parallel_curls_are_spread_over_both_stacks_and_all_get_their_bytes()
    {
        const int transfers = 30;
        using var app = InProcessQueues.Start(PeerNamespace.ApplianceArgsOn(Rig.Outer, "--queues", "2"));
        var args = new List<string> { "--parallel", "--parallel-immediate", "--parallel-max", "30", "--max-time", "60", "--fail" };
        var files = new string[transfers];
        for (int i = 0; i < transfers; i++)
        {
            files[i] = TempPath($"q{i}.out");
            args.AddRange(["-o", files[i], Url(false, $"/bytes/{200_000 + i}")]);
        }
        var (code, output) = Curl(90, [.. args]);
        Assert.That(code, Is.Zero, () => $"{output}\n{DescribeQueues(app)}");
        for (int i = 0; i < transfers; i++)
        {
            Assert.That(new FileInfo(files[i]).Length, Is.EqualTo(200_000 + i), files[i]);
            Assert.That(Sha256Of(files[i]), Is.EqualTo(PatternSha256(200_000 + i)), files[i]);
        }
        app.Stop();
        var queues = app.App.Queues;
        long served = 0;
        for (int q = 0; q < queues.Count; q++)
        {
            long connections = queues[q].Services.TcpServices.Counters.HttpConnections;
            TestContext.Out.WriteLine($"queue {q}: {connections} connections");
            Assert.That(connections, Is.GreaterThan(0), $"queue {q} served no connection");
            Assert.That(queues[q].Tcp.Counters.Errors.Total, Is.Zero);
            served += connections;
        }
        Assert.That(served, Is.EqualTo(transfers));
    }

    private static string DescribeQueues(InProcessQueues app)
    {
        var s = new StringBuilder();
        foreach (var q in app.App.Queues) s.Append($"queue {q.Queue}:\n{q.Tcp.DescribeConnections()}");
        return s.ToString();
    }

    // RFC 9112 §9.3: HTTP/1.1 connections persist; curl reuses its one connection for every URL, 404 included.
    [Test]
    public void Keep_alive_serves_several_requests_on_one_connection()
    {
        using var app = StartAppliance();
        var (code, output) = Curl(30, "--max-time", "20", "-w", "%{http_code} %{num_connects} %{size_download}\\n",
            "-o", "/dev/null", Url(false, "/bytes/300000"), "-o", "/dev/null", Url(false, "/"),
            "-o", "/dev/null", Url(false, "/missing"), "-o", "/dev/null", Url(false, "/bytes/7"));
        Assert.That(code, Is.Zero, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(4), output);
        Assert.That(lines[0], Is.EqualTo("200 1 300000"), output);
        Assert.That(lines[1], Does.StartWith("200 0 "), output);
        Assert.That(lines[2], Does.StartWith("404 0 "), output);
        Assert.That(lines[3], Is.EqualTo("200 0 7"), output);
        app.Stop();
        var counters = app.App.Services.TcpServices.Counters;
        Assert.That(counters.HttpConnections, Is.EqualTo(1));
        Assert.That(counters.HttpRequests, Is.EqualTo(4));
    }

    // RFC 862 over TCP: 50 MB of random bytes through the echo service, and back intact. The kernel sends TSO/GSO
    // super-segments of many MSS with their checksums left partial; the appliance takes each whole.
    [TestCase(false)]
    [TestCase(true)]
    public void Socat_sends_50_MB_through_tcp_echo_and_the_sha256_of_the_echo_matches(bool mmap)
    {
        using var app = StartAppliance(mmap ? ["--mmap"] : []);
        SocatEcho(50_000_000, 90);
        app.Stop();
        Assert.That(app.App.Services.TcpServices.Counters.EchoBytes, Is.EqualTo(50_000_000));
        var device = app.App.DeviceCounters;
        TestContext.Out.WriteLine($"device: {device}");
        Assert.That(device.RxSegmented, Is.GreaterThan(0), "the kernel's super-segments came whole");
        Assert.That(device.RxChecksumPartial, Is.GreaterThan(0));
        Assert.That(app.App.Tcp.Counters.Errors.Total, Is.Zero);
    }

    // Every offload off on the rig: the kernel finishes the checksums Ethox leaves partial in software as they leave our
    // veth, and the peer's TCP, with receive checksumming off, checks every one of them (a wrong partial checksum would
    // stop the transfer). Then Ethox without its offloads too (--offloads off), as before the virtio-net header.
    [TestCase(false, "on")]
    [TestCase(true, "on")]
    [TestCase(false, "off")]
    [TestCase(true, "off")]
    public void With_offloads_off_on_every_veth_end_curl_and_socat_transfers_arrive_intact(bool mmap, string ethoxOffloads)
    {
        RebuildWithOffloadsOff();
        using var app = StartAppliance(mmap ? ["--mmap", "--offloads", ethoxOffloads] : ["--offloads", ethoxOffloads]);
        CurlBytes(false, 20_000_000, 60, app);
        SocatEcho(50_000_000, 90, app);
        app.Stop();
        var device = app.App.DeviceCounters;
        TestContext.Out.WriteLine($"device: {device}");
        Assert.That(device.RxSegmented, Is.Zero, "nothing is segmented by the kernel's offloads here");
        Assert.That(device.TxChecksumPartial > 0, Is.EqualTo(ethoxOffloads == "on"));
        Assert.That(app.App.Tcp.Counters.Errors.Total, Is.Zero);
    }

    // The appliance program as an HTTP client: --fetch from python3's http.server in the peer namespace, exit 0
    // and the file intact; a missing file is exit 1 and one line on stderr.
    [Test]
    public void The_fetch_option_downloads_a_file_from_python_http_server_and_the_sha256_matches()
    {
        string dir = TempPath("www");
        Directory.CreateDirectory(dir);
        string served = Path.Combine(dir, "file.bin");
        WriteRandomFile(served, 20_000_000, 9110);
        const string Python = "/usr/bin/python3";
        Tool.Require(Python);
        var server = Rig.Exec(Python, "-m", "http.server", "8000", "--bind", BridgedNamespaces.PeerV4, "--directory", dir);
        Shell.WaitUntil(() => Rig.Run("ss", "-ltnH", "sport = :8000").Contains("8000"), 10, "http.server did not start listening");

        string output = TempPath("fetched.bin");
        var (code, stdout, stderr) = RunApplianceProgram(60, "--fetch", $"http://{BridgedNamespaces.PeerV4}:8000/file.bin", "--output", output);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(Sha256Of(output), Is.EqualTo(Sha256Of(served)));
        Assert.That(stdout, Is.Empty, "with --output the body goes to the file, the report to stderr");
        Assert.That(stderr, Does.Contain("\nfetch.status 200\n"));

        (code, _, stderr) = RunApplianceProgram(30, "--fetch", $"http://{BridgedNamespaces.PeerV4}:8000/missing.bin");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(stderr.TrimEnd().Split('\n')[^1], Does.StartWith("ethox-appliance: error: fetch: ").And.Contain("404"));
        Assert.That(server.HasExited, Is.False, "http.server still runs");
    }

    private (int Code, string Stdout, string Stderr) RunApplianceProgram(double timeout, params string[] extra)
    {
        string dll = Path.Combine(TestContext.CurrentContext.TestDirectory, "ethox-appliance.dll");
        Assert.That(File.Exists(dll), Is.True, dll);
        var clock = Stopwatch.StartNew();
        var (code, stdout, all) = Shell.Run(timeout, null, "dotnet", [dll, .. PeerNamespace.ApplianceArgsOn(Rig.Outer, extra)]);
        TestContext.Out.WriteLine($"ethox-appliance {string.Join(' ', extra)}: exit {code} after {clock.Elapsed.TotalSeconds:F2} s");
        return (code, stdout, all[stdout.Length..]);
    }

    // Real loss on the wire, both ways (the bridge drops one frame in 20 in each direction): RFC 6675 SACK recovery,
    // RFC 6298 timeouts and the kernel's own recovery still deliver every byte; the rule's counter proves drops happened.
    // The veth ends segment and checksum in software here, so that the bridge drops wire-sized frames: with segmentation
    // offloads a super-segment crosses it whole, and one drop would take tens of segments at once. Ethox keeps its
    // offloads (the kernel cuts its super-segments as they leave our end).
    [Test]
    public void With_5_percent_loss_each_way_curl_and_socat_transfers_arrive_intact()
    {
        RebuildWithOffloadsOff();
        using var app = StartAppliance();
        Assert.That(Shell.Ping(Rig.PeerNamespace, OurV4, 2, 0.05).Received, Is.EqualTo(2));
        Rig.SetLoss(20);
        // About 10 s and 7 s here (tail loss and recovery probes instead of most RFC 6298 timeouts); the limits
        // leave room for a slower CI machine.
        CurlBytes(false, 20_000_000, 150, app);
        SocatEcho(50_000_000, 180, app);
        long dropped = Rig.DroppedFrames();
        app.Stop();
        TestContext.Out.WriteLine($"{dropped} frames dropped; ethox retransmits {app.App.Tcp.Counters.Retransmits}, timeouts {app.App.Tcp.Counters.Timeouts}");
        Assert.That(dropped, Is.GreaterThan(0));
        Assert.That(app.App.Tcp.Counters.Retransmits, Is.GreaterThan(0));
    }

    // The fault injector inside the appliance reorders and duplicates frames both ways (and drops a few): the
    // kernel's TCP sees reordering and duplicates from us, ours from it; D-SACK, reordering tolerance and recovery
    // on both sides still deliver every byte.
    [Test]
    public void With_the_fault_injector_reordering_and_duplicating_curl_and_socat_transfers_arrive_intact()
    {
        using var app = StartAppliance("--reorder", "0.05", "--duplicate", "0.05", "--drop", "0.01");
        CurlBytes(false, 20_000_000, 150);
        SocatEcho(50_000_000, 180);
        app.Stop();
        var (rx, tx) = (app.App.ReceiveFaults, app.App.TransmitFaults);
        TestContext.Out.WriteLine($"faults in: {rx}; out: {tx}; ethox retransmits {app.App.Tcp.Counters.Retransmits}, timeouts {app.App.Tcp.Counters.Timeouts}");
        Assert.That(rx.Reordered, Is.GreaterThan(0));
        Assert.That(tx.Reordered, Is.GreaterThan(0));
        Assert.That(rx.Duplicated, Is.GreaterThan(0));
        Assert.That(tx.Duplicated, Is.GreaterThan(0));
    }

    // tshark, which nobody here wrote, on a capture at the kernel's interface of one HTTP transfer (Ethox sends)
    // and one echo (both send): no malformed frame, no bad checksum, no expert warning or analysis flag on a frame
    // of Ethox's (retransmission, out-of-order, lost segment…) nor a duplicate ACK from the kernel, which on a
    // lossless link would mean Ethox sent data out of order; and no byte of Ethox's beyond the window the kernel
    // offered (RFC 9293 §3.8.6: a zero-window probe of one byte excepted). --offloads rx: Ethox finishes its own
    // checksums and segments, so that the capture shows them.
    [Test]
    public void A_capture_of_http_and_echo_transfers_shows_no_bad_checksum_and_no_analysis_flag_blaming_ethox()
    {
        string capture = TempPath("tcp.pcap");
        int droppedByCapture;
        using (var app = StartAppliance("--offloads", "rx"))
        {
            var tcpdump = Capture.Start(Rig.PeerNamespace, BridgedNamespaces.PeerInterface, capture);
            using (tcpdump)
            {
                CurlBytes(false, 2_000_000, 30);
                SocatEcho(2_000_000, 30);
            }
            droppedByCapture = tcpdump.DroppedByKernel;
            app.Stop();
        }
        string ours = $"eth.src == {PeerNamespace.OurMac}", theirs = $"eth.dst == {PeerNamespace.OurMac}";
        Assert.That(Capture.Count(capture, ours + " && tcp.len > 0"), Is.GreaterThan(2000), "the capture holds the transfers");
        Assert.That(Capture.Count(capture, ours + " && tcp.checksum.status == 1"), Is.GreaterThan(2000), "tshark verified our checksums");
        // Not blamed on Ethox: a zero window it advertises (the echo's send ring is full, so it stops reading) and
        // the D-SACK it answers the kernel's tail loss probes with (RFC 2883), both expert warnings to tshark.
        // A segment the capture lacks ("previous segment not captured") is Ethox's fault only if the capture itself lost
        // nothing: on a loaded machine tcpdump can fall behind, and then only a retransmission would show a real gap.
        Assert.That(droppedByCapture, Is.GreaterThanOrEqualTo(0), "tcpdump reported its drops");
        string lost = droppedByCapture == 0 ? " || tcp.analysis.lost_segment" : "";
        if (droppedByCapture > 0) TestContext.Out.WriteLine($"tcpdump: {droppedByCapture} frames dropped by the kernel; a missing segment is not counted against Ethox");
        string bad = ours + " && (_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || tcp.analysis.retransmission"
            + " || tcp.analysis.out_of_order" + lost + " || tcp.analysis.zero_window_probe || tcp.analysis.keep_alive)";
        Assert.That(Capture.Lines(capture, bad), Is.Empty);
        Assert.That(Capture.Lines(capture, theirs + " && ((tcp.analysis.duplicate_ack && !tcp.options.sack.dsack) || tcp.analysis.ack_lost_segment)"), Is.Empty);
        Assert.That(OutOfWindow(capture), Is.Empty);
    }

    // Every data segment of Ethox's against the right edge of the kernel's window (last ACK + scaled window) on its stream.
    private static List<string> OutOfWindow(string capture)
    {
        var (code, output, all) = Shell.Run(60, null, "tshark", "-n", "-r", capture, "-Y", "tcp", "-T", "fields", "-E", "separator=,",
            "-e", "frame.number", "-e", "eth.src", "-e", "tcp.stream", "-e", "tcp.seq", "-e", "tcp.len", "-e", "tcp.ack", "-e", "tcp.window_size");
        Assert.That(code, Is.Zero, all);
        var edge = new Dictionary<string, (long Ack, long Window)>();
        var violations = new List<string>();
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(',');
            if (f.Length < 7 || f[5].Length == 0) continue;
            long seq = long.Parse(f[3], CultureInfo.InvariantCulture), len = long.Parse(f[4], CultureInfo.InvariantCulture);
            long ack = long.Parse(f[5], CultureInfo.InvariantCulture), window = long.Parse(f[6], CultureInfo.InvariantCulture);
            if (!string.Equals(f[1], PeerNamespace.OurMac, StringComparison.OrdinalIgnoreCase))
            {
                edge[f[2]] = (ack, window);
                continue;
            }
            if (len == 0 || !edge.TryGetValue(f[2], out var offered)) continue;
            bool probe = offered.Window == 0 && len == 1;
            if (seq + len > offered.Ack + offered.Window && !probe)
                violations.Add($"frame {f[0]}: seq {seq} + {len} beyond the kernel's ack {offered.Ack} + window {offered.Window}");
        }
        return violations;
    }
}
