using System;
using System.Buffers.Binary;
using System.Diagnostics;
using Ethox.Layer;
using Ethox.Nic;
using Ethox.Tests.Tools;
using Ethox.Wire;
using Ethox.Tests.Appliance;
using NUnit.Framework;

namespace Ethox.Tests.Nic;

public class TunTapDeviceTests
{
    [Test]
    public void A_name_that_cannot_be_an_interface_is_a_one_line_error()
    {
        Assert.That(TapDevice.TryOpen("bad/name", out var tap, out string error), Is.False);
        Assert.That(tap, Is.Null);
        Assert.That(error, Is.EqualTo("interface name 'bad/name' is not valid (1 to 15 printable bytes, no '/' or ':')"));
        Assert.That(TunDevice.TryOpen("sixteen-bytes-xx", out var tun, out error), Is.False);
        Assert.That(tun, Is.Null);
        Assert.That(error, Does.StartWith("interface name 'sixteen-bytes-xx' is not valid"));
    }
}

/// <summary>
/// TAP and TUN against the kernel of this process's namespace: the interface is created by opening it,
/// gets an address from 198.18.0.0/15, and the kernel answers what we write. Deleted by closing it.
/// </summary>
[Category("Kernel")]
[NonParallelizable]
public class TunTapKernelTests
{
    private static readonly Ipv4Address TapKernel = TestFrames.Ip("198.18.99.1");
    private static readonly Ipv4Address TapOurs = TestFrames.Ip("198.18.99.2");
    private static readonly Ipv4Address TunKernel = TestFrames.Ip("198.18.98.1");
    private static readonly Ipv4Address TunOurs = TestFrames.Ip("198.18.98.2");
    private string _name = "";

    [SetUp]
    public void SetUp() => Kernel.RequireRoot();

    [TearDown]
    public void TearDown()
    {
        if (_name.Length > 0) Tool.Try("ip", "link", "del", _name); // only if a failed test left it behind
    }

    private TapDevice OpenTap(DeviceOffloads offloads = DeviceOffloads.All)
    {
        _name = Kernel.Name("t");
        Assert.That(TapDevice.TryOpen(_name, offloads, out var tap, out string error), Is.True, error);
        return Configured(tap!, "198.18.99.1/30");
    }

    private TunDevice OpenTun(DeviceOffloads offloads = DeviceOffloads.All)
    {
        _name = Kernel.Name("u");
        Assert.That(TunDevice.TryOpen(_name, offloads, out var tun, out string error), Is.True, error);
        return Configured(tun!, "198.18.98.1/30");
    }

    // The kernel's side of the interface just opened: quiet, with the address, up. A failure closes the device (and
    // with it the interface) before it goes on.
    private T Configured<T>(T device, string address) where T : IDisposable
    {
        try
        {
            Kernel.Quiet(_name);
            Tool.Must("ip", "addr", "add", address, "dev", _name);
            Tool.Must("ip", "link", "set", _name, "up");
            return device;
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    [Test]
    public void A_tap_interface_exists_while_open_and_the_kernel_answers_arp_and_ping()
    {
        using (var tap = OpenTap())
        {
            Assert.That(tap.Name, Is.EqualTo(_name));
            Assert.That(tap.Capabilities, Is.EqualTo(new DeviceCapabilities(Medium.Ethernet, 1500)
            {
                Offloads = DeviceOffloads.All, MaxReceiveFrameLength = 22 + 65535, MaxTransmitFrameLength = 22 + 65535,
            }));
            Assert.That(tap.KernelHardwareAddress, Is.EqualTo(EthernetAddress.Parse(System.IO.File.ReadAllText($"/sys/class/net/{_name}/address").Trim())));

            var request = new ArpRequester(Kernel.OurMac, TapOurs, TapKernel, 1);
            Assert.That(tap.Transmit(4, ref request, Instant.Now), Is.EqualTo(1));
            var replies = new ArpReplyCounter(TapKernel, TapOurs);
            Kernel.ReceiveUntil(tap, tap.WaitReadable, ref replies, r => r.Replies >= 1);
            Assert.That(replies.Replies, Is.EqualTo(1));

            // The ARP request taught the kernel our address, so it can answer an echo request directly.
            var ping = new EchoSender(Kernel.OurMac, tap.KernelHardwareAddress, TapOurs, TapKernel, 3);
            Assert.That(tap.Transmit(4, ref ping, Instant.Now), Is.EqualTo(3));
            var echoes = new EchoReplyCounter(TapKernel, TapOurs, ethernet: true);
            Kernel.ReceiveUntil(tap, tap.WaitReadable, ref echoes, r => r.Replies >= 3);
            Assert.That(echoes.Replies, Is.EqualTo(3));
            Assert.That(tap.Counters.TxFrames, Is.EqualTo(4));
            Assert.That(tap.Counters.Drops, Is.Zero);
        }
        Assert.That(Tool.Run("ip", "link", "show", _name).ExitCode, Is.Not.Zero, "closing the device deletes the interface");
    }

    [Test]
    public void A_tun_interface_carries_bare_ip_packets_and_the_kernel_answers_ping()
    {
        using (var tun = OpenTun())
        {
            Assert.That(tun.Name, Is.EqualTo(_name));
            Assert.That(tun.Capabilities, Is.EqualTo(new DeviceCapabilities(Medium.Ip, 1500)
            {
                Offloads = DeviceOffloads.All, MaxReceiveFrameLength = 65535, MaxTransmitFrameLength = 65535,
            }));
            var ping = new EchoSender(default, default, TunOurs, TunKernel, 3) { Bare = true };
            Assert.That(tun.Transmit(4, ref ping, Instant.Now), Is.EqualTo(3));
            var echoes = new EchoReplyCounter(TunKernel, TunOurs, ethernet: false);
            Kernel.ReceiveUntil(tun, tun.WaitReadable, ref echoes, r => r.Replies >= 3);
            Assert.That(echoes.Replies, Is.EqualTo(3));
            Assert.That(echoes.Sequences, Is.EqualTo(0b111), "sequence numbers 0, 1 and 2 came back");
        }
        Assert.That(Tool.Run("ip", "link", "show", _name).ExitCode, Is.Not.Zero, "closing the device deletes the interface");
    }

    // With TUNSETOFFLOAD(TUN_F_CSUM) the kernel leaves its UDP checksum to us and the virtio-net header says so
    // (partial, at the UDP header: 14 + 20 bytes in on TAP, 20 on TUN); without offloads the kernel finishes it itself.
    [TestCase(true, true)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(false, false)]
    public void The_kernels_udp_checksum_is_left_partial_only_when_the_device_takes_offloads(bool tap, bool offloads)
    {
        var asked = offloads ? DeviceOffloads.All : DeviceOffloads.None;
        using TunTapDevice dev = tap ? OpenTap(asked) : OpenTun(asked);
        var ours = tap ? TapOurs : TunOurs;
        if (tap) Tool.Must("ip", "neigh", "replace", ours.ToString(), "lladdr", Kernel.OurMac.ToString(), "dev", _name, "nud", "permanent");
        Shell.WaitForLink(null, _name);
        var (code, _, all) = Shell.Run(10, "kernel datagram", "socat", "-u", "-", $"UDP4:{ours}:7");
        Assert.That(code, Is.Zero, all);
        var got = new UdpCatcher { Ethernet = tap };
        Kernel.ReceiveUntil(dev, dev.WaitReadable, ref got, g => g.Frame is not null);
        Assert.That(got.Frame, Is.Not.Null, "the datagram arrived");
        int ip = tap ? 14 : 0;
        var frame = got.Frame!;
        if (offloads)
        {
            Assert.That(got.Offload, Is.EqualTo(PacketOffload.PartialChecksum(ip + 20, 6)));
            Assert.That(got.Offload.TryFinishChecksum(frame), Is.True);
            Assert.That(dev.Counters.RxChecksumPartial, Is.EqualTo(1));
        }
        else Assert.That(got.Offload, Is.EqualTo(default(PacketOffload)));
        Assert.That(Ipv4Packet.TryParse(frame.AsSpan(ip), out var packet, out _) && UdpDatagram.TryParse(packet.Payload, out var udp, out _)
            && udp.VerifyChecksum(packet.Source, packet.Destination), Is.True);
    }

    /// <summary>Keeps the first IPv4 UDP packet (in an Ethernet frame on TAP) and what the device said about it.</summary>
    private struct UdpCatcher : IRecv<RawPacket>
    {
        public bool Ethernet;
        public byte[]? Frame;
        public PacketOffload Offload;

        public void Receive(RawPacket packet)
        {
            var f = packet.Frame;
            int ip = Ethernet ? 14 : 0;
            if (Frame is not null || f.Length < ip + 28 || (Ethernet && BinaryPrimitives.ReadUInt16BigEndian(f[12..]) != (ushort)EtherType.Ipv4)
                || f[ip] >> 4 != 4 || f[ip + 9] != (byte)IpProtocol.Udp) return;
            Frame = f.ToArray();
            Offload = packet.Offload;
        }
    }

    [Test]
    public void Opening_errors_are_one_line_reasons()
    {
        Assert.That(TapDevice.TryOpen("lo", out var tap, out string error), Is.False);
        Assert.That(tap, Is.Null);
        Assert.That(error, Is.EqualTo("interface 'lo' exists and is not a TAP interface"));

        using var tun = OpenTun();
        Assert.That(TunDevice.TryOpen(_name, out var again, out error), Is.False);
        Assert.That(again, Is.Null);
        Assert.That(error, Is.EqualTo($"interface '{_name}' is already open (a TUN/TAP interface has one owner)"));
        Assert.That(TapDevice.TryOpen(_name, out tap, out error), Is.False);
        Assert.That(error, Is.EqualTo($"interface '{_name}' exists and is not a TAP interface"));
        Assert.That(AfPacketDevice.TryOpen(_name, new AfPacketOptions(), out var raw, out error), Is.False);
        Assert.That(raw, Is.Null);
        Assert.That(error, Does.StartWith($"interface '{_name}' is not an Ethernet interface"));
    }

    [Test]
    public void A_multi_queue_tap_opens_once_per_queue_and_refuses_a_single_queue_opener()
    {
        _name = Kernel.Name("t");
        Assert.That(TapDevice.TryOpen(_name, DeviceOffloads.All, multiQueue: true, out var first, out string error), Is.True, error);
        using (first)
        {
            Assert.That(TapDevice.TryOpen(_name, DeviceOffloads.All, multiQueue: true, out var second, out error), Is.True, error);
            using (second)
            {
                Assert.That(second!.Name, Is.EqualTo(first!.Name));
                Assert.That(second.FileDescriptor, Is.Not.EqualTo(first.FileDescriptor));
                Assert.That(TapDevice.TryOpen(_name, out var single, out error), Is.False);
                Assert.That(single, Is.Null);
                Assert.That(error, Is.EqualTo($"interface '{_name}' exists and is not a TAP interface"));
            }
        }
        Assert.That(TapDevice.TryOpen(_name, out var alone, out error), Is.True, "closing every queue deletes the interface: " + error);
        alone!.Dispose();
    }

    [Test]
    public void Thousands_of_tap_exchanges_allocate_nothing()
    {
        using var tap = OpenTap();
        var replies = new ArpReplyCounter(TapKernel, TapOurs);
        long allocated = ExchangeTwice(tap, tap.WaitReadable, ref replies, static (dev, n) =>
        {
            var request = new ArpRequester(Kernel.OurMac, TapOurs, TapKernel, n);
            return dev.Transmit(n, ref request, Instant.Now);
        }, static r => r.Replies);
        Assert.That(allocated, Is.Zero);
        Assert.That(replies.Replies, Is.EqualTo(2 * 100 * 16));
    }

    [Test]
    public void Thousands_of_tun_exchanges_allocate_nothing()
    {
        using var tun = OpenTun();
        var echoes = new EchoReplyCounter(TunKernel, TunOurs, ethernet: false);
        long allocated = ExchangeTwice(tun, tun.WaitReadable, ref echoes, static (dev, n) =>
        {
            var ping = new EchoSender(default, default, TunOurs, TunKernel, n) { Bare = true };
            return dev.Transmit(n, ref ping, Instant.Now);
        }, static r => r.Replies);
        Assert.That(allocated, Is.Zero);
        Assert.That(echoes.Replies, Is.EqualTo(2 * 100 * 16));
    }

    // Runs 100 rounds of 16 requests and their answers as a warm-up, then 100 more measured; returns the bytes the second run allocated.
    private static long ExchangeTwice<TDevice, TRecv>(TDevice dev, Func<Duration, bool> waitReadable, ref TRecv receiver,
        Func<TDevice, int, int> send, Func<TRecv, int> answered)
        where TDevice : IDevice where TRecv : struct, IRecv<RawPacket>
    {
        long allocated = 0;
        int sent = 0;
        for (int run = 0; run < 2; run++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int round = 0; round < 100; round++)
            {
                sent += send(dev, 16);
                int target = answered(receiver) + 16;
                long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 5;
                while (answered(receiver) < target && Stopwatch.GetTimestamp() < deadline)
                    if (waitReadable(Duration.FromMilliseconds(100))) dev.Receive(32, ref receiver, Instant.Now);
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.That(sent, Is.EqualTo(2 * 100 * 16));
        return allocated;
    }

    /// <summary>Sends ICMP echo requests numbered from 0, in Ethernet frames or bare (TUN).</summary>
    private struct EchoSender(EthernetAddress from, EthernetAddress to, Ipv4Address source, Ipv4Address destination, int count) : ISend<RawPacket>
    {
        public bool Bare;
        private int _sent;

        public void Send(RawPacket packet)
        {
            if (_sent == count) return;
            ushort sequence = (ushort)_sent++;
            packet.Send(Bare
                ? TestFrames.EchoRequest(packet.Capacity, source, destination, 0x4554, sequence)
                : TestFrames.EchoRequestFrame(packet.Capacity, from, to, source, destination, 0x4554, sequence));
        }
    }

    /// <summary>Counts ICMP echo replies; remembers which of the first 32 sequence numbers came back.</summary>
    private struct EchoReplyCounter(Ipv4Address from, Ipv4Address to, bool ethernet) : IRecv<RawPacket>
    {
        public int Replies;
        public uint Sequences;

        public void Receive(RawPacket packet)
        {
            var p = packet.Frame;
            if (ethernet)
            {
                if (p.Length < 14 || BinaryPrimitives.ReadUInt16BigEndian(p[12..]) != (ushort)EtherType.Ipv4
                    || EthernetAddress.Read(p) != Kernel.OurMac) return;
                p = p[14..];
            }
            if (!TestFrames.IsIcmp(p, 0, from, to, out ushort sequence)) return;
            Replies++;
            if (sequence < 32) Sequences |= 1u << sequence;
        }
    }
}
