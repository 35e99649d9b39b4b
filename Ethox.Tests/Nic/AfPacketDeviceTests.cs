using System;
using System.Diagnostics;
using System.IO;
using Ethox.Layer;
using Ethox.Nic;
using Ethox.Tests.Tools;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Nic;

public class AfPacketDeviceTests
{
    [Test]
    public void A_name_that_cannot_be_an_interface_is_a_one_line_error()
    {
        Assert.That(AfPacketDevice.TryOpen("a-name-longer-than-15", new AfPacketOptions(), out var dev, out string error), Is.False);
        Assert.That(dev, Is.Null);
        Assert.That(error, Is.EqualTo("interface name 'a-name-longer-than-15' is not valid (1 to 15 printable bytes, no '/' or ':')"));
        Assert.That(AfPacketDevice.TryOpen("", new AfPacketOptions(), out _, out error), Is.False);
        Assert.That(error, Does.StartWith("interface name '' is not valid"));
    }
}

/// <summary>AF_PACKET against the kernel of a namespace across a veth pair.</summary>
[Category("Kernel")]
[NonParallelizable]
public class AfPacketKernelTests
{
    private VethNamespace? _veth;
    private static readonly Ipv4Address Inner = TestFrames.Ip(VethNamespace.InnerAddress);
    private static readonly Ipv4Address Ours = TestFrames.Ip(VethNamespace.OurAddress);

    [SetUp]
    public void SetUp()
    {
        Kernel.RequireRoot();
        _veth = VethNamespace.Create("p");
    }

    [TearDown]
    public void TearDown() => _veth?.Dispose();

    private AfPacketDevice Open(AfPacketOptions options)
    {
        Assert.That(AfPacketDevice.TryOpen(_veth!.Outer, options, out var dev, out string error), Is.True, error);
        return dev!;
    }

    [Test]
    public void A_missing_interface_is_a_one_line_error()
    {
        string name = Kernel.Name("zz");
        Assert.That(AfPacketDevice.TryOpen(name, new AfPacketOptions(), out var dev, out string error), Is.False);
        Assert.That(dev, Is.Null);
        Assert.That(error, Is.EqualTo($"interface '{name}' does not exist"));
    }

    [Test]
    public void The_device_reports_the_interface_mtu_and_address()
    {
        using var dev = Open(new AfPacketOptions());
        string mac = File.ReadAllText($"/sys/class/net/{_veth!.Outer}/address").Trim();
        Assert.That(dev.HardwareAddress, Is.EqualTo(EthernetAddress.Parse(mac)));
        // Every offload by default: frames up to a 64 KiB super-segment plus the link header both ways.
        Assert.That(dev.Capabilities, Is.EqualTo(new DeviceCapabilities(Medium.Ethernet, 1500)
        {
            Offloads = DeviceOffloads.All, MaxReceiveFrameLength = 22 + 65535, MaxTransmitFrameLength = 22 + 65535,
        }));
        Assert.That(dev.InterfaceIndex, Is.EqualTo(int.Parse(File.ReadAllText($"/sys/class/net/{_veth.Outer}/ifindex"))));
        using var custom = Open(new AfPacketOptions { Mtu = 9000, UseMmapRings = true, RingFrames = 8, Offloads = DeviceOffloads.None });
        Assert.That(custom.Capabilities, Is.EqualTo(new DeviceCapabilities(Medium.Ethernet, 9000)));
        Assert.That(custom.Capabilities.MaxFrameLength, Is.EqualTo(9022));
    }

    // The kernel in the namespace pings our address; the echo requests arrive through the device and are
    // answered in place; ping counts the replies.
    [TestCase(false)]
    [TestCase(true)]
    public void Echo_requests_from_the_kernel_arrive_and_answers_in_place_reach_it(bool mmap)
    {
        using var dev = Open(new AfPacketOptions { UseMmapRings = mmap });
        Assert.That(dev.UsesMmapRings, Is.EqualTo(mmap));
        _veth!.Exec("ip", "neigh", "replace", VethNamespace.OurAddress, "lladdr", Kernel.OurMac.ToString(), "dev", _veth.Inner, "nud", "permanent");
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in Tool.InNamespace(_veth.Namespace, ["ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", VethNamespace.OurAddress]))
            psi.ArgumentList.Add(a);
        using var ping = Process.Start(psi)!;
        var answerer = new EchoAnswerer();
        var clock = Stopwatch.StartNew();
        while (!ping.HasExited && clock.Elapsed.TotalSeconds < 20)
            if (dev.WaitReadable(Duration.FromMilliseconds(50))) dev.Receive(16, ref answerer, Instant.Now);
        string output = ping.StandardOutput.ReadToEnd();
        ping.WaitForExit();
        Assert.That(ping.ExitCode, Is.Zero, output);
        Assert.That(output, Does.Contain("5 received"));
        Assert.That(answerer.Answered, Is.EqualTo(5));
        Assert.That(dev.Counters.RxFrames, Is.GreaterThanOrEqualTo(5));
        Assert.That(dev.Counters.TxFrames, Is.EqualTo(5));
    }

    // Hand-made ARP requests go out, from the device and from a second socket on the same interface; the
    // kernel's replies come back. The kernel never loops a frame back to the socket that sent it, but it
    // does show every other socket's transmissions (packet type PACKET_OUTGOING) to packet sockets: the
    // device must not receive the second socket's requests (PACKET_IGNORE_OUTGOING, or the fallback filter).
    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void Arp_requests_are_answered_by_the_kernel_and_outgoing_frames_are_not_received(bool mmap, bool filterInUserSpace)
    {
        using var dev = Open(new AfPacketOptions { UseMmapRings = mmap, ForceOutgoingFilter = filterInUserSpace });
        using var other = Open(new AfPacketOptions());
        var request = new ArpRequester(Kernel.OurMac, Ours, Inner, 3);
        Assert.That(dev.Transmit(10, ref request, Instant.Now), Is.EqualTo(3));
        request = new ArpRequester(Kernel.OurMac, Ours, Inner, 3);
        Assert.That(other.Transmit(10, ref request, Instant.Now), Is.EqualTo(3));
        var replies = new ArpReplyCounter(Inner, Ours);
        Kernel.ReceiveUntil(dev, dev.WaitReadable, ref replies, r => r.Replies >= 6);
        Assert.That(replies.Replies, Is.EqualTo(6));
        dev.WaitReadable(Duration.FromMilliseconds(100));
        dev.Receive(100, ref replies, Instant.Now);
        Assert.That(replies.OwnFrames, Is.Zero, "transmissions on the interface are not received");
        Assert.That(replies.Others, Is.Zero);
        Assert.That(dev.Counters.TxFrames, Is.EqualTo(3));
        Assert.That(dev.Counters.RxFrames, Is.EqualTo(6));
        Assert.That(dev.Counters.Drops, Is.Zero);
        Assert.That(dev.ReadKernelDrops(), Is.Zero);
    }

    // The kernel in the namespace pings our address, a second one whose neighbour entry names another station, and the
    // broadcast address. With the filter only the frames to our MAC and the broadcasts reach the device; a second socket
    // without it shows that the other station's frames were on the wire.
    [TestCase(false)]
    [TestCase(true)]
    public void A_destination_filter_keeps_frames_to_our_address_and_group_frames_and_the_kernel_drops_the_rest(bool mmap)
    {
        var stranger = new EthernetAddress(0x02, 0x00, 0x5E, 0x10, 0x00, 0x99);
        using var filtered = Open(new AfPacketOptions { UseMmapRings = mmap, DestinationFilter = Kernel.OurMac });
        using var everything = Open(new AfPacketOptions { UseMmapRings = mmap });
        _veth!.Exec("ip", "neigh", "replace", VethNamespace.OurAddress, "lladdr", Kernel.OurMac.ToString(), "dev", _veth.Inner, "nud", "permanent");
        _veth.Exec("ip", "neigh", "replace", "198.18.0.4", "lladdr", stranger.ToString(), "dev", _veth.Inner, "nud", "permanent");
        _veth.Exec("sysctl", "-q", "-w", "net.ipv4.icmp_echo_ignore_broadcasts=0");
        // Nobody answers these pings: ping fails, the frames went out all the same.
        foreach (var target in new[] { VethNamespace.OurAddress, "198.18.0.4" })
            Tool.Try("ip", Tool.InNamespace(_veth.Namespace, ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", target]));
        Tool.Try("ip", Tool.InNamespace(_veth.Namespace, ["ping", "-n", "-b", "-c", "2", "-i", "0.2", "-W", "1", "198.18.0.255"]));

        var kept = new DestinationCounter(Kernel.OurMac, stranger);
        Kernel.ReceiveUntil(filtered, filtered.WaitReadable, ref kept, c => c.Ours >= 3 && c.Group >= 2, seconds: 2);
        var all = new DestinationCounter(Kernel.OurMac, stranger);
        Kernel.ReceiveUntil(everything, everything.WaitReadable, ref all, c => c.Stranger >= 3 && c.Ours >= 3, seconds: 2);
        Assert.That((kept.Ours, kept.Group, kept.Stranger), Is.EqualTo((3, 2, 0)));
        Assert.That((all.Ours, all.Stranger), Is.EqualTo((3, 3)));
        Assert.That(filtered.ReadKernelDrops(), Is.Zero, "frames filtered out are not drops");
    }

    // With a 100-byte MTU (and no offloads, whose super-segments would need 64 KiB buffers) the largest frame is
    // 122 bytes: a 342-byte echo request is counted and dropped, never handed over cut short; a 62-byte one passes.
    [TestCase(false)]
    [TestCase(true)]
    public void A_frame_longer_than_the_maximum_is_dropped_as_truncated(bool mmap)
    {
        using var dev = Open(new AfPacketOptions { UseMmapRings = mmap, Mtu = 100, RingFrames = 8, Offloads = DeviceOffloads.None });
        _veth!.Exec("ip", "neigh", "replace", VethNamespace.OurAddress, "lladdr", Kernel.OurMac.ToString(), "dev", _veth.Inner, "nud", "permanent");
        Tool.Run("ip", Tool.InNamespace(_veth.Namespace, ["ping", "-n", "-c", "1", "-W", "0.2", "-s", "300", VethNamespace.OurAddress]));
        Tool.Run("ip", Tool.InNamespace(_veth.Namespace, ["ping", "-n", "-c", "1", "-W", "0.2", "-s", "20", VethNamespace.OurAddress]));
        var got = Collector.Create();
        var clock = Stopwatch.StartNew();
        while (got.Lengths.Count == 0 && clock.Elapsed.TotalSeconds < 5)
            if (dev.WaitReadable(Duration.FromMilliseconds(50))) dev.Receive(16, ref got, Instant.Now);
        Assert.That(dev.Counters.RxTruncated, Is.EqualTo(1));
        Assert.That(got.Lengths, Is.EqualTo(new[] { 62 }));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Thousands_of_exchanges_with_the_kernel_allocate_nothing(bool mmap)
    {
        using var dev = Open(new AfPacketOptions { UseMmapRings = mmap, RingFrames = 64 });
        var replies = new ArpReplyCounter(Inner, Ours);
        void Exchange(int rounds)
        {
            for (int i = 0; i < rounds; i++)
            {
                var request = new ArpRequester(Kernel.OurMac, Ours, Inner, 16);
                dev.Transmit(16, ref request, Instant.Now);
                int target = replies.Replies + 16;
                long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 5;
                while (replies.Replies < target && Stopwatch.GetTimestamp() < deadline)
                    if (dev.WaitReadable(Duration.FromMilliseconds(100))) dev.Receive(32, ref replies, Instant.Now);
            }
        }
        Exchange(20);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Exchange(150);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(replies.Replies, Is.EqualTo(170 * 16));
        Assert.That(dev.Counters.TxFrames, Is.EqualTo(170 * 16));
    }

    [Test]
    public void Sockets_join_a_fanout_group_and_a_mismatched_mode_is_a_clear_error()
    {
        ushort group = (ushort)(Environment.ProcessId & 0xFFFF);
        using var first = Open(new AfPacketOptions { FanoutGroup = group, FanoutMode = FanoutMode.Hash });
        using var second = Open(new AfPacketOptions { FanoutGroup = group, FanoutMode = FanoutMode.Hash, UseMmapRings = true, RingFrames = 8 });
        Assert.That(AfPacketDevice.TryOpen(_veth!.Outer, new AfPacketOptions { FanoutGroup = group, FanoutMode = FanoutMode.LoadBalance }, out var third, out string error), Is.False);
        Assert.That(third, Is.Null);
        Assert.That(error, Is.EqualTo($"cannot join fanout group {group} on '{_veth.Outer}' with mode LoadBalance: the group exists with another mode"));

        // The group shares the kernel's replies: each arrives at exactly one of the two sockets.
        var request = new ArpRequester(Kernel.OurMac, Ours, Inner, 8);
        first.Transmit(8, ref request, Instant.Now);
        var a = new ArpReplyCounter(Inner, Ours);
        var b = new ArpReplyCounter(Inner, Ours);
        var clock = Stopwatch.StartNew();
        while (a.Replies + b.Replies < 8 && clock.Elapsed.TotalSeconds < 5)
        {
            first.WaitReadable(Duration.FromMilliseconds(20));
            first.Receive(16, ref a, Instant.Now);
            second.Receive(16, ref b, Instant.Now);
        }
        Assert.That(a.Replies + b.Replies, Is.EqualTo(8));
    }

    [Test]
    public void A_fanout_group_with_a_kernel_chosen_id_is_joined_by_that_id()
    {
        using var plain = Open(new AfPacketOptions());
        Assert.That(plain.FanoutGroup, Is.Null);
        using var first = Open(new AfPacketOptions { FanoutUniqueGroup = true });
        Assert.That(first.FanoutGroup, Is.Not.Null);
        ushort group = first.FanoutGroup!.Value;
        using var second = Open(new AfPacketOptions { FanoutGroup = group });
        Assert.That(second.FanoutGroup, Is.EqualTo(group));
        Assert.That(AfPacketDevice.TryOpen(_veth!.Outer, new AfPacketOptions { FanoutGroup = group, FanoutUniqueGroup = true }, out var both, out string error), Is.False);
        Assert.That(both, Is.Null);
        Assert.That(error, Is.EqualTo("give FanoutGroup or FanoutUniqueGroup, not both"));
    }

    [Test]
    public void Promiscuous_mode_and_qdisc_bypass_can_be_asked_for()
    {
        using var dev = Open(new AfPacketOptions { Promiscuous = true, BypassQdisc = true });
        // Socket-level promiscuity shows as a count, not as the PROMISC flag an administrator sets.
        Assert.That(Tool.Must("ip", "-d", "link", "show", _veth!.Outer), Does.Contain("promiscuity 1"));
        var request = new ArpRequester(Kernel.OurMac, Ours, Inner, 1);
        dev.Transmit(1, ref request, Instant.Now);
        var replies = new ArpReplyCounter(Inner, Ours);
        Kernel.ReceiveUntil(dev, dev.WaitReadable, ref replies, r => r.Replies >= 1);
        Assert.That(replies.Replies, Is.EqualTo(1));
        dev.Dispose();
        Assert.That(Tool.Must("ip", "-d", "link", "show", _veth.Outer), Does.Contain("promiscuity 0"), "closing the socket leaves promiscuous mode");
    }

    // socket(7) SO_RCVBUF: the kernel doubles the value asked for (for its bookkeeping) and ss shows it as "rb"; as root,
    // SO_RCVBUFFORCE passes net.core.rmem_max.
    [Test]
    public void A_receive_buffer_asked_for_is_the_sockets_and_may_pass_rmem_max()
    {
        const int Asked = 24 << 20;
        using var dev = Open(new AfPacketOptions { ReceiveBufferBytes = Asked });
        string line = Array.Find(Tool.Must("ss", "-0", "-m", "-p").Split('\n'), l => l.Contains($":{_veth!.Outer} ") && l.Contains($"pid={Environment.ProcessId},")) ?? "";
        Assert.That(line, Does.Contain($"rb{2 * Asked},"), "ss -0 -m for our socket");
        Assert.That(int.Parse(Tool.Must("sysctl", "-n", "net.core.rmem_max").Trim()), Is.LessThan(Asked), "the test asks for more than rmem_max");
    }

    [Test]
    public void After_dispose_every_call_does_nothing()
    {
        var dev = Open(new AfPacketOptions { UseMmapRings = true, RingFrames = 8 });
        dev.Dispose();
        var request = new ArpRequester(Kernel.OurMac, Ours, Inner, 1);
        Assert.That(dev.Transmit(1, ref request, Instant.Now), Is.Zero);
        var replies = new ArpReplyCounter(Inner, Ours);
        Assert.That(dev.Receive(1, ref replies, Instant.Now), Is.Zero);
        Assert.That(dev.WaitReadable(Duration.FromMilliseconds(1)), Is.False);
        dev.Dispose();
    }

    // The kernel's UDP with the veth's checksum offload on (its default) reaches a packet socket with only the
    // pseudo-header sum in the checksum field. With the virtio-net header the device says so (NEEDS_CSUM at the UDP
    // header, Linux's CHECKSUM_PARTIAL), and finished as the offload would finish it the checksum is right; without the
    // header nothing tells the frame apart from a corrupted one.
    [TestCase(false, true)]
    [TestCase(true, true)]
    [TestCase(false, false)]
    [TestCase(true, false)]
    public void The_kernels_udp_checksum_left_to_the_offload_is_reported_partial_by_the_device(bool mmap, bool offloads)
    {
        using var dev = Open(new AfPacketOptions { UseMmapRings = mmap, RingFrames = 8, Offloads = offloads ? DeviceOffloads.All : DeviceOffloads.None });
        _veth!.Exec("ip", "neigh", "replace", VethNamespace.OurAddress, "lladdr", Kernel.OurMac.ToString(), "dev", _veth.Inner, "nud", "permanent");
        var (code, _, all) = Ethox.Tests.Appliance.Shell.InNamespace(_veth.Namespace, 10, "left to the offload", "socat", "-u", "-", $"UDP4:{VethNamespace.OurAddress}:7");
        Assert.That(code, Is.Zero, all);
        var got = new UdpCatcher();
        Kernel.ReceiveUntil(dev, dev.WaitReadable, ref got, g => g.Frame is not null);
        Assert.That(got.Frame, Is.Not.Null, "the datagram arrived");
        var frame = got.Frame!;
        Assert.That(UdpChecksumVerifies(frame), Is.False, "the checksum is unfinished on the wire of a veth");
        if (!offloads)
        {
            Assert.That(got.Offload, Is.EqualTo(default(PacketOffload)));
            return;
        }
        Assert.That(got.Offload, Is.EqualTo(PacketOffload.PartialChecksum(34, 6)));
        Assert.That(got.Offload.TryFinishChecksum(frame), Is.True);
        Assert.That(UdpChecksumVerifies(frame), Is.True);
        Assert.That(dev.Counters.RxChecksumPartial, Is.EqualTo(1));
    }

    // What the device sends with a partial checksum the kernel finishes: with checksum offload off on our end (tx) the
    // kernel computes it in software as the frame leaves, and with receive checksumming off on the peer's end the peer's
    // UDP checks it (InCsumErrors counts a failure). A datagram whose partial sum is wrong on purpose is the control.
    [TestCase(false)]
    [TestCase(true)]
    public void A_udp_checksum_sent_partial_is_finished_by_the_kernel_and_passes_the_peers_check(bool mmap)
    {
        using var dev = Open(new AfPacketOptions { UseMmapRings = mmap, RingFrames = 8 });
        Tool.Must("ethtool", "-K", _veth!.Outer, "tx", "off");
        _veth.Exec("ethtool", "-K", _veth.Inner, "rx", "off");
        var peerMac = EthernetAddress.Parse(_veth.Exec("cat", $"/sys/class/net/{_veth.Inner}/address").Trim());
        const string Receive = "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('198.18.0.2', 5555)); s.settimeout(5); print(s.recv(100).decode())";
        foreach (bool right in new[] { false, true })
        {
            long errorsBefore = UdpInCsumErrors();
            var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in Tool.InNamespace(_veth.Namespace, ["python3", "-c", Receive])) psi.ArgumentList.Add(a);
            using var receiver = Process.Start(psi)!;
            Ethox.Tests.Appliance.Shell.WaitUntil(() => _veth.Exec("ss", "-lunH", "sport = :5555").Contains("5555"), 5, "the receiver did not bind");
            var send = new PartialUdpSender(Kernel.OurMac, peerMac, Ours, Inner, right ? "finished by the kernel" : "wrong on purpose", corrupt: !right);
            Assert.That(dev.Transmit(1, ref send, Instant.Now), Is.EqualTo(1));
            Assert.That(receiver.WaitForExit(10_000), Is.True);
            string output = receiver.StandardOutput.ReadToEnd().Trim();
            if (right)
            {
                Assert.That(output, Is.EqualTo("finished by the kernel"), receiver.StandardError.ReadToEnd());
                Assert.That(UdpInCsumErrors(), Is.EqualTo(errorsBefore));
            }
            else
            {
                Assert.That(output, Is.Empty, "the control must not arrive");
                Assert.That(UdpInCsumErrors(), Is.EqualTo(errorsBefore + 1), "the peer checked the checksum");
            }
        }
        Assert.That(dev.Counters.TxChecksumPartial, Is.EqualTo(2));
    }

    // The Udp InCsumErrors counter of the peer's namespace (/proc/net/snmp: a header line, then a value line).
    private long UdpInCsumErrors()
    {
        var lines = _veth!.Exec("cat", "/proc/net/snmp").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i + 1 < lines.Length; i++)
        {
            if (!lines[i].StartsWith("Udp: ", StringComparison.Ordinal) || !lines[i + 1].StartsWith("Udp: ", StringComparison.Ordinal)) continue;
            int column = Array.IndexOf(lines[i].Split(' '), "InCsumErrors");
            return long.Parse(lines[i + 1].Split(' ')[column]);
        }
        Assert.Fail("no Udp line in /proc/net/snmp");
        return -1;
    }

    private static bool UdpChecksumVerifies(byte[] frame)
        => Ipv4Packet.TryParse(frame.AsSpan(14), out var ip, out _) && UdpDatagram.TryParse(ip.Payload, out var udp, out _)
           && udp.VerifyChecksum(ip.Source, ip.Destination);

    /// <summary>Keeps the first IPv4 UDP frame and what the device said about it.</summary>
    private struct UdpCatcher : IRecv<RawPacket>
    {
        public byte[]? Frame;
        public PacketOffload Offload;

        public void Receive(RawPacket packet)
        {
            var f = packet.Frame;
            if (Frame is not null || f.Length < 34 || f[12] != 0x08 || f[13] != 0x00 || f[23] != (byte)IpProtocol.Udp) return;
            Frame = f.ToArray();
            Offload = packet.Offload;
        }
    }

    /// <summary>One UDP datagram to port 5555 whose checksum is left for the device to finish (or whose partial sum is wrong).</summary>
    private struct PartialUdpSender(EthernetAddress from, EthernetAddress to, Ipv4Address source, Ipv4Address destination, string text, bool corrupt) : ISend<RawPacket>
    {
        private bool _sent;

        public void Send(RawPacket packet)
        {
            if (_sent) return;
            var f = packet.Capacity;
            int length = System.Text.Encoding.ASCII.GetBytes(text, f[42..]);
            new UdpRepr(40000, 5555, length).TryEmit(f[34..], source, destination, partialChecksum: true);
            if (corrupt) f[40] ^= 0x10;
            new Ipv4Repr(source, destination, IpProtocol.Udp, 8 + length, 64).TryEmit(f[14..]);
            new EthernetRepr(from, to, EtherType.Ipv4).TryEmit(f);
            _sent = packet.Send(42 + length, PacketOffload.PartialChecksum(34, 6));
        }
    }

    /// <summary>Counts IPv4 frames by destination: ours, the other station's, broadcast or multicast.</summary>
    private struct DestinationCounter(EthernetAddress ours, EthernetAddress stranger) : IRecv<RawPacket>
    {
        public int Ours, Stranger, Group;

        public void Receive(RawPacket packet)
        {
            var f = packet.Frame;
            if (f.Length < 14 || f[12] != 0x08 || f[13] != 0x00) return;
            var destination = EthernetAddress.Read(f);
            if (destination == ours) Ours++;
            else if (destination == stranger) Stranger++;
            else if (destination.IsMulticast) Group++;
        }
    }

    private struct EchoAnswerer : IRecv<RawPacket>
    {
        public int Answered;

        public void Receive(RawPacket packet)
        {
            if (TestFrames.AnswerEcho(packet.Frame, Kernel.OurMac) && packet.Send(packet.Frame.Length)) Answered++;
        }
    }
}
