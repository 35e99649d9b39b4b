using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Ethox.Tests.Nic;
using Ethox.Tests.Tools;
using NUnit.Framework;

namespace Ethox.Tests.Appliance;

/// <summary>
/// The appliance against the Linux kernel: Ethox runs in this process on our end of a veth pair
/// (AF_PACKET), the kernel in a namespace of the test's own pings it, ARP-pings it, resolves it with ARP
/// and NDISC and exchanges UDP echo datagrams with it. Addresses: 198.18.0.0/24 and 2001:db8::/64 only.
/// </summary>
[Category("Kernel")]
[NonParallelizable]
public class ApplianceKernelTests
{
    private PeerNamespace? _peer;

    private PeerNamespace Peer => _peer!;
    private string Ns => _peer!.Namespace;

    [SetUp]
    public void SetUp()
    {
        Kernel.RequireRoot();
        _peer = PeerNamespace.Create("ap");
    }

    [TearDown]
    public void TearDown() => _peer?.Dispose();

    // RFC 792 echo at 100 requests per second: every one answered, with plain sockets and with PACKET_MMAP rings.
    [TestCase(false)]
    [TestCase(true)]
    public void Kernel_pings_200_times_at_10_ms_and_every_echo_request_is_answered(bool mmap)
    {
        using var app = InProcessAppliance.Start(Peer.ApplianceArgs(mmap ? ["--mmap"] : []));
        var (sent, received, output) = Shell.Ping(Ns, PeerNamespace.OurV4, 200, 0.01);
        Assert.That(sent, Is.EqualTo(200), output);
        Assert.That(received, Is.EqualTo(200), output);
        app.Stop();
        Assert.That(app.App.Ip.IcmpCounters.EchoRepliesSent, Is.EqualTo(200));
        Assert.That(app.App.Ip.ArpCounters.RepliesSent, Is.GreaterThanOrEqualTo(1));
    }

    // RFC 4443 §4.1 echo over IPv6, to an address that passed RFC 4862 DAD and was resolved with RFC 4861 NS/NA.
    [Test]
    public void Kernel_pings_our_ipv6_address_after_dad_and_every_echo_request_is_answered()
    {
        using var app = InProcessAppliance.Start(Peer.ApplianceArgs());
        app.WaitForDad();
        var (sent, received, output) = Shell.Ping(Ns, PeerNamespace.OurV6, 50, 0.02, v6: true);
        Assert.That(sent, Is.EqualTo(50), output);
        Assert.That(received, Is.EqualTo(50), output);
        app.Stop();
        Assert.That(app.App.Ip.NdiscCounters.AdvertisementsSent, Is.GreaterThanOrEqualTo(1));
        Assert.That(app.App.Ip.NdiscCounters.DuplicatesDetected, Is.Zero);
    }

    // RFC 826 requests answered; the kernel's own resolution (ARP, RFC 4861 NS) ends in REACHABLE entries for our MAC.
    [Test]
    public void Arping_is_answered_and_the_kernel_neighbour_entries_for_us_become_reachable()
    {
        using var app = InProcessAppliance.Start(Peer.ApplianceArgs());
        var (code, output, _) = Shell.InNamespace(Ns, 20, null, "arping", "-c", "3", "-w", "3", "-i", Peer.Veth.Inner, PeerNamespace.OurV4);
        Assert.That(code, Is.Zero, output);
        Assert.That(output, Does.Contain("3 packets received"));
        Assert.That(output, Does.Contain(PeerNamespace.OurMac));

        app.WaitForDad();
        Assert.That(Shell.Ping(Ns, PeerNamespace.OurV4, 2, 0.05).Received, Is.EqualTo(2));
        Assert.That(Shell.Ping(Ns, PeerNamespace.OurV6, 2, 0.05, v6: true).Received, Is.EqualTo(2));
        foreach (var address in new[] { PeerNamespace.OurV4, PeerNamespace.OurV6 })
        {
            string entry = Peer.Neighbour(address);
            Assert.That(entry, Does.Contain("lladdr " + PeerNamespace.OurMac).And.Contain("REACHABLE"), address);
        }
    }

    // RFC 862 echo over RFC 768 UDP: the same bytes come back from port 7. The kernel's veth keeps its default offloads,
    // so its datagrams arrive with their checksums left to the offload (the device's virtio-net header says so), and
    // the echoes leave theirs to it too.
    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void Udp_echo_sends_back_the_same_bytes(bool v6, bool mmap)
    {
        using var app = InProcessAppliance.Start(Peer.ApplianceArgs(mmap ? ["--mmap"] : []));
        if (v6) app.WaitForDad();
        string payload = $"ethox udp echo {(v6 ? "v6" : "v4")} {Guid.NewGuid():N}";
        string back = Shell.UdpEcho(Ns, v6 ? PeerNamespace.OurV6 : PeerNamespace.OurV4, payload, v6, tries: 2);
        Assert.That(back, Is.EqualTo(payload));
        app.Stop();
        Assert.That(app.App.Echo.Echoed, Is.GreaterThanOrEqualTo(1));
        Assert.That(app.App.Udp.Counters.Errors.Total, Is.Zero);
        var device = app.App.DeviceCounters;
        Assert.That(device.RxChecksumPartial, Is.GreaterThanOrEqualTo(1), device.ToString());
        Assert.That(device.TxChecksumPartial, Is.GreaterThanOrEqualTo(1), device.ToString());
    }

    // UDP GSO: a kernel sender with UDP_SEGMENT (setsockopt SOL_UDP 103, Linux 4.18) hands the veth one super-datagram of
    // up to 64 KiB, which reaches the packet socket whole (virtio-net GSO_UDP_L4). The device cuts it into the datagrams it
    // stands for (RFC 768 each), UDP echo answers each one, and the sender gets every one of them back, byte for byte.
    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void Udp_gso_super_datagrams_from_the_kernel_are_cut_and_every_datagram_is_echoed(bool v6, bool mmap)
    {
        const int Rounds = 10, Size = 20 * 1000 + 300, SegmentSize = 1000;
        using var app = InProcessAppliance.Start(Peer.ApplianceArgs(mmap ? ["--mmap"] : []));
        if (v6) app.WaitForDad();
        string address = v6 ? PeerNamespace.OurV6 : PeerNamespace.OurV4;
        Assert.That(Shell.Ping(Ns, address, 1, 0.05, v6: v6).Received, Is.EqualTo(1), "neighbours resolved first");
        var (code, output, all) = Shell.InNamespace(Ns, 60, null, "/usr/bin/python3", "-c", UdpSegmentSender,
            v6 ? "6" : "4", address, Rounds.ToString(), Size.ToString(), SegmentSize.ToString());
        app.Stop();
        var device = app.App.DeviceCounters;
        Assert.That(code, Is.Zero, all);
        int perRound = (Size + SegmentSize - 1) / SegmentSize;
        Assert.That(output.Trim(), Is.EqualTo($"{Rounds * perRound} {Rounds * perRound}"), "echoes received, and intact: " + all + "\n" + device);
        Assert.That(device.RxSegmented, Is.GreaterThanOrEqualTo(Rounds), "the datagrams came as super-datagrams: " + device);
        Assert.That(device.RxSplitDatagrams, Is.EqualTo(Rounds * perRound), device.ToString());
        Assert.That(device.RxUnsupportedOffload, Is.Zero, device.ToString());
        Assert.That(app.App.Echo.Echoed, Is.EqualTo(Rounds * perRound));
        Assert.That(app.App.Udp.Counters.Errors.Total, Is.Zero);
    }

    // Sends ROUNDS buffers of SIZE bytes with UDP_SEGMENT at SEG to port 7 and reads the echoes; prints "received intact".
    private const string UdpSegmentSender = """
        import socket, sys
        family = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
        rounds, size, seg = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_UDP, 103, seg)  # UDP_SEGMENT
        s.connect((sys.argv[2], 7))
        s.settimeout(2)
        got = intact = 0
        for r in range(rounds):
            data = bytes((r * 7 + i * 13) & 255 for i in range(size))
            s.send(data)
            for at in range(0, size, seg):
                try:
                    echo = s.recv(65536)
                except socket.timeout:
                    break
                got += 1
                intact += echo == data[at:at + seg]
        print(got, intact)
        """;

    // Offloads off on both sides, as before the virtio-net header: the kernel finishes its checksums (ethtool tx off on its
    // veth) and the appliance reads frames without a header and finishes its own. Ping and UDP echo over both families.
    [TestCase(false)]
    [TestCase(true)]
    public void With_offloads_off_on_both_sides_ping_and_udp_echo_still_work(bool mmap)
    {
        Peer.Veth.Exec("ethtool", "-K", Peer.Veth.Inner, "tx", "off");
        using var app = InProcessAppliance.Start(Peer.ApplianceArgs(mmap ? ["--mmap", "--offloads", "off"] : ["--offloads", "off"]));
        app.WaitForDad();
        Assert.That(Shell.Ping(Ns, PeerNamespace.OurV4, 10, 0.01).Received, Is.EqualTo(10));
        Assert.That(Shell.Ping(Ns, PeerNamespace.OurV6, 10, 0.01, v6: true).Received, Is.EqualTo(10));
        Assert.That(Shell.UdpEcho(Ns, PeerNamespace.OurV4, "offloads off v4", tries: 2), Is.EqualTo("offloads off v4"));
        Assert.That(Shell.UdpEcho(Ns, PeerNamespace.OurV6, "offloads off v6", v6: true, tries: 2), Is.EqualTo("offloads off v6"));
        app.Stop();
        var device = app.App.DeviceCounters;
        Assert.That(device.RxChecksumPartial + device.RxChecksumVerified + device.TxChecksumPartial, Is.Zero, device.ToString());
        Assert.That(app.App.Udp.Counters.Errors.Total, Is.Zero);
    }

    // 8000-byte echoes need reassembly of the request (RFC 815 / RFC 8200 §4.5) and fragmentation of the
    // reply (RFC 791 §3.2 / RFC 8200 §5). One request at a time: the fragmenter holds one datagram, and a request
    // reassembled while the previous reply is still pending in it has its reply dropped (counted as DroppedTooBig).
    // Five requests 100 ms apart did meet so on a loaded machine: one reply took 135 ms (ping: "pipe 2"), the next request
    // came in the same receive batch, and its reply was dropped.
    [TestCase(false)]
    [TestCase(true)]
    public void Large_pings_of_8000_bytes_are_reassembled_and_answered_in_fragments(bool v6)
    {
        using var app = InProcessAppliance.Start(Peer.ApplianceArgs());
        if (v6) app.WaitForDad();
        int received = 0;
        var outputs = new StringBuilder();
        for (int i = 0; i < 5; i++)
        {
            var (_, got, output) = Shell.Ping(Ns, v6 ? PeerNamespace.OurV6 : PeerNamespace.OurV4, 1, 0.1, size: 8000, v6: v6);
            received += got;
            outputs.Append(output);
        }
        app.Stop();
        var ip = app.App.Ip.Counters;
        Assert.That(received, Is.EqualTo(5),
            $"{outputs}\nfragments in {ip.FragmentsIn}, dropped {ip.FragmentsDropped}, reassembled {ip.Reassembled}, out {ip.FragmentsOut}, dropped too big {ip.DroppedTooBig}");
        Assert.That(ip.Reassembled, Is.GreaterThanOrEqualTo(5));
        Assert.That(ip.FragmentsOut, Is.GreaterThanOrEqualTo(30)); // 8028 bytes over a 1500 MTU: 6 fragments per reply
    }

    // The fault injector drops 10% of the frames each way: an exchange survives with p = 0.81, so about
    // 19% of pings are lost; 35% is far outside what a seeded 10% loss gives over 100 pings. UDP echo gets
    // through when retried, as any datagram protocol must be.
    [Test]
    public void With_10_percent_loss_each_way_most_pings_and_retried_udp_echoes_get_through()
    {
        using var app = InProcessAppliance.Start(Peer.ApplianceArgs("--drop", "0.1", "--seed", "20241123"));
        var (sent, received, output) = Shell.Ping(Ns, PeerNamespace.OurV4, 100, 0.01);
        Assert.That(sent, Is.EqualTo(100), output);
        Assert.That(received, Is.GreaterThanOrEqualTo(65), output);
        Assert.That(received, Is.LessThan(100), output);
        string payload = "echo through a lossy link " + Guid.NewGuid().ToString("N");
        Assert.That(Shell.UdpEcho(Ns, PeerNamespace.OurV4, payload, tries: 10), Is.EqualTo(payload));
        app.Stop();
        Assert.That(app.App.ReceiveFaults.Dropped, Is.GreaterThan(0));
        Assert.That(app.App.TransmitFaults.Dropped, Is.GreaterThan(0));
    }

    // tshark, which nobody here wrote, decodes every frame Ethox sent during ping and UDP echo over both
    // families: none is malformed, no IP/ICMP/UDP checksum is bad, no expert warning. The appliance's own
    // pcap (--pcap) is checked the same way. --offloads rx: the checksums Ethox sends are finished by Ethox, so
    // the capture shows them (with "on" the kernel's offload would finish them past the capture point, as it does
    // the kernel's own).
    [Test]
    public void A_capture_of_ping_and_udp_echo_shows_no_malformed_frame_and_no_bad_checksum()
    {
        using var peerCapture = new TempFile();
        using var ownCapture = new TempFile();
        var app = InProcessAppliance.Start(Peer.ApplianceArgs("--pcap", ownCapture.Path, "--offloads", "rx"));
        try
        {
            app.WaitForDad();
            using (var tcpdump = Capture.Start(Ns, Peer.Veth.Inner, peerCapture.Path))
            {
                Assert.That(Shell.Ping(Ns, PeerNamespace.OurV4, 5, 0.05).Received, Is.EqualTo(5));
                Assert.That(Shell.Ping(Ns, PeerNamespace.OurV6, 5, 0.05, v6: true).Received, Is.EqualTo(5));
                Assert.That(Shell.UdpEcho(Ns, PeerNamespace.OurV4, "capture v4", tries: 2), Is.EqualTo("capture v4"));
                Assert.That(Shell.UdpEcho(Ns, PeerNamespace.OurV6, "capture v6", v6: true, tries: 2), Is.EqualTo("capture v6"));
            }
        }
        finally
        {
            app.Dispose();
        }
        foreach (var file in new[] { peerCapture.Path, ownCapture.Path })
        {
            string ours = $"eth.src == {PeerNamespace.OurMac}";
            Assert.That(Capture.Count(file, ours + " && (icmp.type == 0 || icmpv6.type == 129)"), Is.EqualTo(10), file);
            Assert.That(Capture.Count(file, ours + " && arp.opcode == 2"), Is.GreaterThanOrEqualTo(1), file);
            Assert.That(Capture.Count(file, ours + " && icmpv6.type == 136"), Is.GreaterThanOrEqualTo(1), file);
            Assert.That(Capture.Count(file, ours + " && udp.checksum.status == 1"), Is.EqualTo(2), file);
            Assert.That(Capture.Count(file, ours + " && icmp.checksum.status == 1"), Is.EqualTo(5), file);
            string bad = ours + " && (_ws.malformed || _ws.expert.severity >= 0x00600000 || ip.checksum.status == 0"
                + " || udp.checksum.status == 0 || icmp.checksum.status == 0 || icmpv6.checksum.status == 0)";
            Assert.That(Capture.Lines(file, bad), Is.Empty, file);
        }
    }

    // The same stack on a TAP interface: Ethernet frames with the kernel on the other side of the file descriptor; with
    // offloads (TUNSETOFFLOAD) the kernel leaves its checksums to us, without them it finishes them.
    [TestCase("on")]
    [TestCase("off")]
    public void Over_tap_the_kernel_pings_and_gets_udp_echo(string offloads)
    {
        using var ns = BareNamespace.Create("tp");
        string tap = Kernel.Name("tp");
        using var app = InProcessAppliance.Start("--tap", tap, "--ip", PeerNamespace.OurV4 + "/24", "--offloads", offloads);
        ns.Adopt(tap);
        var (sent, received, output) = Shell.Ping(ns.Name, PeerNamespace.OurV4, 20, 0.01);
        Assert.That(received, Is.EqualTo(sent), output);
        Assert.That(Shell.UdpEcho(ns.Name, PeerNamespace.OurV4, "over tap", tries: 2), Is.EqualTo("over tap"));
        app.Stop();
        Assert.That(app.App.Ip.ArpCounters.RepliesSent, Is.GreaterThanOrEqualTo(1));
        Assert.That(app.App.Udp.Counters.Errors.Total, Is.Zero);
        Assert.That(app.App.DeviceCounters.RxChecksumPartial > 0, Is.EqualTo(offloads == "on"), app.App.DeviceCounters.ToString());
    }

    // The IP layer straight on a TUN interface: bare IP packets, no Ethernet, no ARP; offloads as on TAP.
    [TestCase("on")]
    [TestCase("off")]
    public void Over_tun_the_kernel_pings_and_gets_udp_echo(string offloads)
    {
        using var ns = BareNamespace.Create("tn");
        string tun = Kernel.Name("tn");
        using var app = InProcessAppliance.Start("--tun", tun, "--ip", PeerNamespace.OurV4 + "/24", "--offloads", offloads);
        Assert.That(app.App.Ethernet, Is.Null);
        ns.Adopt(tun);
        var (sent, received, output) = Shell.Ping(ns.Name, PeerNamespace.OurV4, 20, 0.01);
        Assert.That(received, Is.EqualTo(sent), output);
        Assert.That(Shell.UdpEcho(ns.Name, PeerNamespace.OurV4, "over tun", tries: 2), Is.EqualTo("over tun"));
        app.Stop();
        Assert.That(app.App.Udp.Counters.Errors.Total, Is.Zero);
        Assert.That(app.App.DeviceCounters.RxChecksumPartial > 0, Is.EqualTo(offloads == "on"), app.App.DeviceCounters.ToString());
        Assert.That(app.App.Ip.IcmpCounters.EchoRepliesSent, Is.EqualTo(20));
    }

    // TCP over TAP and TUN with the offloads the kernel allows there (TUNSETOFFLOAD: partial checksums, TSO4/6): the
    // kernel's super-segments come whole, Ethox's leave whole for the kernel to take as they are. curl fetches 20 MB and
    // socat pushes 5 MB through the echo service; both arrive intact. With offloads off the same holds, MTU-sized.
    [TestCase("--tap", "on")]
    [TestCase("--tun", "on")]
    [TestCase("--tap", "off")]
    public void Over_tap_and_tun_curl_and_socat_transfers_arrive_intact(string device, string offloads)
    {
        Tool.Require("curl");
        Tool.Require("socat"); // run through sh, whose pipeline would otherwise hash socat's missing output
        using var ns = BareNamespace.Create("tt");
        string name = Kernel.Name("tt");
        using var app = InProcessAppliance.Start(device, name, "--ip", PeerNamespace.OurV4 + "/24", "--offloads", offloads);
        ns.Adopt(name);
        var (code, output, all) = Shell.InNamespace(ns.Name, 60, null, "curl", "--silent", "--fail", "--max-time", "30", "-o", "/dev/null",
            "-w", "%{size_download}", $"http://{PeerNamespace.OurV4}/bytes/20000000");
        Assert.That(code, Is.Zero, all);
        Assert.That(output, Is.EqualTo("20000000"));
        string input = Path.Combine(Path.GetTempPath(), $"ethox-tap-echo-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            var data = new byte[5_000_000];
            new Random(862).NextBytes(data);
            File.WriteAllBytes(input, data);
            (code, output, all) = Shell.InNamespace(ns.Name, 60, null, "sh", "-c",
                $"socat -t 30 -T 30 - TCP4:{PeerNamespace.OurV4}:7 < '{input}' | sha256sum | cut -c1-64");
            Assert.That(code, Is.Zero, all);
            Assert.That(output.Trim(), Is.EqualTo(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(data)).ToLowerInvariant()));
        }
        finally
        {
            File.Delete(input);
        }
        app.Stop();
        var counters = app.App.DeviceCounters;
        TestContext.Out.WriteLine($"device: {counters}");
        Assert.That(app.App.Tcp.Counters.Errors.Total, Is.Zero);
        Assert.That(counters.RxSegmented > 0 && counters.TxSegmented > 0, Is.EqualTo(offloads == "on"), counters.ToString());
    }

    // Issue 10 §2 on a multi-queue TAP (IFF_MULTI_QUEUE): the kernel steers each flow to one queue, one stack serves it. Thirty
    // parallel curls all get their bytes (length and SHA-256), both queues served connections, and the counter report gives
    // the sums first, then each queue's own.
    [Test]
    public void With_two_tap_queues_parallel_curls_are_spread_over_both_stacks_and_all_get_their_bytes()
    {
        Tool.Require("curl"); // run through sh
        const int transfers = 30;
        using var ns = BareNamespace.Create("tq");
        string tap = Kernel.Name("tq");
        using var app = InProcessQueues.Start("--tap", tap, "--ip", PeerNamespace.OurV4 + "/24", "--queues", "2");
        ns.Adopt(tap);
        var files = new string[transfers];
        var command = new StringBuilder("curl --silent --show-error --fail --parallel --parallel-immediate --parallel-max 30 --max-time 60");
        for (int i = 0; i < transfers; i++)
        {
            files[i] = Path.Combine(Path.GetTempPath(), $"ethox-tapq-{Environment.ProcessId}-{Guid.NewGuid():N}");
            command.Append($" -o '{files[i]}' http://{PeerNamespace.OurV4}/bytes/{200_000 + i}");
        }
        try
        {
            var (code, _, all) = Shell.InNamespace(ns.Name, 90, null, "sh", "-c", command.ToString());
            Assert.That(code, Is.Zero, all);
            for (int i = 0; i < transfers; i++)
            {
                Assert.That(new FileInfo(files[i]).Length, Is.EqualTo(200_000 + i), files[i]);
                Assert.That(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(files[i]))),
                    Is.EqualTo(Convert.ToHexString(ApplianceTcpPipeTests.PatternHash(200_000 + i))), files[i]);
            }
        }
        finally
        {
            foreach (string f in files) File.Delete(f);
        }
        app.Stop();
        var queues = app.App.Queues;
        for (int q = 0; q < queues.Count; q++)
        {
            TestContext.Out.WriteLine($"queue {q}: {queues[q].Services.TcpServices.Counters.HttpConnections} connections");
            Assert.That(queues[q].Services.TcpServices.Counters.HttpConnections, Is.GreaterThan(0), $"queue {q} served no connection");
            Assert.That(queues[q].Tcp.Counters.Errors.Total, Is.Zero);
        }
        var report = new StringWriter();
        Ethox.Appliance.CounterReport.Write(queues, report);
        string text = report.ToString();
        Assert.That(text, Does.Contain($"\nhttp.connections {transfers}\n"));
        Assert.That(text, Does.Contain($"\nqueue0.http.connections {queues[0].Services.TcpServices.Counters.HttpConnections}\n"));
        Assert.That(text, Does.Contain($"\nqueue1.http.connections {queues[1].Services.TcpServices.Counters.HttpConnections}\n"));
    }

    // The program itself: started with dotnet, pinged, stopped by --duration; exit status 0 and counters on stdout. With two
    // queues, a start-up line per queue, and the counters summed over the queues, then per queue.
    [TestCase(1)]
    [TestCase(2)]
    public void The_appliance_binary_answers_pings_and_prints_its_counters_when_it_stops(int queues)
    {
        (int Sent, int Received, string Output) ping = default;
        string text = RunApplianceBinary(["--duration", "3", "--queues", queues.ToString()],
            () => ping = Shell.Ping(Ns, PeerNamespace.OurV4, 5, 0.05));
        Assert.That(ping.Received, Is.EqualTo(5), ping.Output + text);
        Assert.That(text, Does.StartWith(queues == 1 ? "ethox-appliance: running on af-packet " + Peer.Veth.Outer : "ethox-appliance: queue 0 running on af-packet " + Peer.Veth.Outer));
        if (queues > 1)
        {
            Assert.That(text, Does.Contain($"{Environment.NewLine}ethox-appliance: queue 1 running on af-packet {Peer.Veth.Outer} (fanout group "));
            Assert.That(text, Does.Contain($"{Environment.NewLine}queue0.icmp.echo_replies_sent "));
            Assert.That(text, Does.Contain($"{Environment.NewLine}queue1.device.rx_frames "));
        }
        else Assert.That(text, Does.Not.Contain("queue0."));
        Assert.That(text, Does.Contain($"{Environment.NewLine}icmp.echo_replies_sent 5{Environment.NewLine}"));
        Assert.That(text, Does.Contain($"{Environment.NewLine}arp.replies_sent "));
        Assert.That(text, Does.Contain($"{Environment.NewLine}device.rx_frames "));
    }

    // The issue's first try, as a new user makes it: the program on a veth with the kernel's default offloads and
    // --verbose, UDP echo from the kernel. The echo comes back, and the log shows the kernel's datagram with its checksum
    // left to the offload (finished for printing, never "[udp bad checksum]") and our echo leaving ours to it.
    [Test]
    public void The_verbose_log_shows_partial_checksums_as_such_and_no_bad_checksum()
    {
        string text = RunApplianceBinary(["--verbose", "--duration", "4"],
            () => Assert.That(Shell.UdpEcho(Ns, PeerNamespace.OurV4, "verbose echo", tries: 2), Is.EqualTo("verbose echo")));
        Assert.That(text, Does.Contain(", offloads on"));
        Assert.That(text, Does.Not.Contain("bad checksum"));
        var lines = text.Split('\n');
        Assert.That(lines.Count(l => l.Contains(" rx ") && l.Contains("UDP") && l.Contains("{csum partial}")), Is.GreaterThanOrEqualTo(1), text);
        Assert.That(lines.Count(l => l.Contains(" tx ") && l.Contains("UDP") && l.Contains("{csum partial}")), Is.GreaterThanOrEqualTo(1), text);
    }

    // Runs the published appliance with the peer's arguments and these, does what the test wants once its start-up line
    // is out, and returns its standard output after it stopped by itself (--duration) with exit code 0 and nothing on
    // standard error.
    private string RunApplianceBinary(string[] args, Action whileRunning)
    {
        string dll = Path.Combine(TestContext.CurrentContext.TestDirectory, "ethox-appliance.dll");
        Assert.That(File.Exists(dll), Is.True, dll);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[dll, .. Peer.ApplianceArgs(args)]) psi.ArgumentList.Add(a);
        var stdout = new StringBuilder();
        var started = new ManualResetEventSlim();
        using var p = Process.Start(psi)!;
        try
        {
            p.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (stdout) stdout.AppendLine(e.Data);
                if (e.Data.Contains("running on")) started.Set();
            };
            p.BeginOutputReadLine();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!started.Wait(TimeSpan.FromSeconds(15))) Assert.Fail("no start-up line within 15 s");
            whileRunning();
            Assert.That(p.WaitForExit(TimeSpan.FromSeconds(15)), Is.True, "did not stop after --duration");
            p.WaitForExit();
            Assert.That(p.ExitCode, Is.Zero, stderr.Result);
            Assert.That(stderr.Result, Is.Empty);
            lock (stdout) return stdout.ToString();
        }
        finally
        {
            if (!p.HasExited) p.Kill();
        }
    }
}

/// <summary>A network namespace of a test's own with nothing in it but loopback; takes over an interface with <see cref="Adopt"/>.</summary>
internal sealed class BareNamespace : IDisposable
{
    public string Name { get; }

    private BareNamespace(string name) => Name = name;

    public static BareNamespace Create(string tag)
    {
        var ns = new BareNamespace(Kernel.NamespacePrefix + "bare-" + tag);
        Tool.Must("ip", "netns", "add", ns.Name);
        ns.Exec("ip", "link", "set", "lo", "up");
        return ns;
    }

    public string Exec(params string[] command) => Tool.Must("ip", Tool.InNamespace(Name, command));

    /// <summary>Moves <paramref name="iface"/> (the kernel's side of a TAP or TUN device) here with 198.18.0.2/24, IPv6 off, up.</summary>
    public void Adopt(string iface)
    {
        Tool.Must("ip", "link", "set", iface, "netns", Name);
        Exec("sysctl", "-q", "-w", $"net.ipv6.conf.{iface}.disable_ipv6=1");
        Exec("ip", "addr", "add", PeerNamespace.PeerV4 + "/24", "dev", iface);
        Exec("ip", "link", "set", iface, "up");
        Shell.WaitForLink(Name, iface);
    }

    public void Dispose() => Tool.Try("ip", "netns", "del", Name);
}

/// <summary>tcpdump in a namespace, writing every frame to a file; stopped (and flushed) by Dispose; and tshark queries on the file.</summary>
internal sealed class Capture : IDisposable
{
    private readonly Process _process;
    private int _droppedByKernel = -1;

    private Capture(Process process) => _process = process;

    /// <summary>The frames tcpdump said the kernel dropped before it could read them (its exit report; −1 before <see cref="Dispose"/> or without one).</summary>
    public int DroppedByKernel => Volatile.Read(ref _droppedByKernel);

    public static Capture Start(string ns, string iface, string file)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // --immediate-mode: without it libpcap hands frames over a block at a time (or after a 1 s timeout), and the
        // frames of the last moments before the SIGTERM of Dispose, still in an unfinished block, never reach the file.
        foreach (var a in Tool.InNamespace(ns, ["tcpdump", "-i", iface, "--immediate-mode", "-B", "65536", "-U", "-n", "-Z", "root", "-w", file]))
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        var listening = new ManualResetEventSlim();
        var capture = new Capture(p);
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("listening on") == true) listening.Set();
            // "N packets dropped by kernel": a frame the capture lacks was not necessarily missing on the wire.
            if (e.Data is { } line && line.EndsWith(" packets dropped by kernel", StringComparison.Ordinal)
                && int.TryParse(line.AsSpan(0, line.IndexOf(' ')), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                Volatile.Write(ref capture._droppedByKernel, n);
        };
        p.BeginErrorReadLine();
        if (!listening.Wait(TimeSpan.FromSeconds(10)))
        {
            p.Kill();
            Assert.Fail("tcpdump did not start");
        }
        return capture;
    }

    public void Dispose()
    {
        // SIGTERM lets tcpdump close the file; ip netns exec has exec'd it, so this is tcpdump's own pid.
        Tool.Try("kill", "-TERM", _process.Id.ToString());
        if (!_process.WaitForExit(TimeSpan.FromSeconds(5))) _process.Kill();
        else _process.WaitForExit(); // and the asynchronous reads of its last lines
        _process.Dispose();
    }

    private static readonly string[] Checks = ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"];

    /// <summary>The frames of <paramref name="file"/> matching a display filter, one summary line each.</summary>
    public static string[] Lines(string file, string filter)
    {
        var (code, output, all) = Shell.Run(30, null, "tshark", ["-n", "-r", file, .. Checks, "-Y", filter]);
        Assert.That(code, Is.Zero, all);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public static int Count(string file, string filter) => Lines(file, filter).Length;
}
