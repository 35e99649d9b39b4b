using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Ethox.Layer;
using Ethox.Nic;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Nic;

/// <summary>
/// UDP super-datagrams (a sender's UDP_SEGMENT, virtio-net GSO_UDP_L4) cut by the devices into the datagrams they stand
/// for, in place: each with its own IP and UDP lengths, IPv4 Identification and header checksum, and a partial UDP checksum
/// that finishes to the right one.
/// </summary>
public class UdpSuperDatagramTests
{
    private static readonly Ipv4Address Source4 = new(198, 18, 0, 1), Destination4 = new(198, 18, 0, 2);
    private static readonly Ipv6Address Source6 = Ipv6Address.Parse("2001:db8::1"), Destination6 = Ipv6Address.Parse("2001:db8::2");
    private const ushort FirstId = 0xFFFE; // the Identification wraps within the super-datagram

    /// <summary>
    /// A super-datagram as the kernel hands it over: one set of headers whose lengths cover all the payload, the UDP checksum
    /// field holding the pseudo-header sum of the whole (partial). Returns the frame in a buffer of <paramref name="room"/> bytes.
    /// </summary>
    internal static byte[] Build(bool v4, Medium medium, byte[] payload, int room, out PacketOffload offload, int segmentSize)
    {
        int link = medium == Medium.Ethernet ? 14 : 0;
        int ipHeader = v4 ? 20 : 40;
        int udpLength = 8 + payload.Length;
        var buffer = new byte[Math.Max(room, link + ipHeader + udpLength)];
        var span = buffer.AsSpan();
        if (link > 0)
        {
            for (int i = 0; i < 12; i++) span[i] = (byte)(0x02 + i);
            BinaryPrimitives.WriteUInt16BigEndian(span[12..], v4 ? (ushort)0x0800 : (ushort)0x86DD);
        }
        var ip = span[link..];
        ushort pseudo;
        if (v4)
        {
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(ipHeader + udpLength));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], FirstId);
            ip[6] = 0x40; // Don't Fragment, as Linux sets it
            ip[8] = 64;
            ip[9] = 17;
            BinaryPrimitives.WriteUInt32BigEndian(ip[12..], Source4.Value);
            BinaryPrimitives.WriteUInt32BigEndian(ip[16..], Destination4.Value);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip[..20]));
            pseudo = Checksum.PseudoHeaderSum(Source4, Destination4, 17, udpLength);
        }
        else
        {
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)udpLength);
            ip[6] = 17;
            ip[7] = 64;
            Source6.WriteTo(ip[8..]);
            Destination6.WriteTo(ip[24..]);
            pseudo = Checksum.PseudoHeaderSum(Source6, Destination6, 17, udpLength);
        }
        var udp = ip[ipHeader..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 7);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], pseudo);
        payload.CopyTo(udp[8..]);
        offload = PacketOffload.PartialChecksum(link + ipHeader, 6) with
        {
            Segmentation = SegmentationKind.Udp, SegmentSize = (ushort)segmentSize, HeaderLength = (ushort)(link + ipHeader + 8),
        };
        return buffer;
    }

    private static byte[] Payload(int length)
    {
        var payload = new byte[length];
        new Random(length).NextBytes(payload);
        return payload;
    }

    private static int FrameLength(bool v4, Medium medium, int payload) => (medium == Medium.Ethernet ? 14 : 0) + (v4 ? 20 : 40) + 8 + payload;

    // Cuts the super-datagram and returns a copy of each datagram with its partial checksum finished (the layers skip the check
    // of a partial checksum; finishing it proves it is the right one), checking the offload and room of each on the way.
    private static List<byte[]> Split(byte[] buffer, int length, in PacketOffload offload, Medium medium)
    {
        Span<byte> headers = stackalloc byte[UdpSuperDatagram.MaxHeaderLength];
        Assert.That(UdpSuperDatagram.TryStart(buffer, length, offload, medium, headers, out var split), Is.True);
        var datagrams = new List<byte[]>();
        int end = 0;
        while (split.TryNext(out int start, out int datagramLength, out int capacity, out var datagramOffload))
        {
            Assert.That(start, Is.GreaterThanOrEqualTo(end - (offload.HeaderLength)), "each datagram's headers go over the datagram before");
            Assert.That(datagramOffload, Is.EqualTo(PacketOffload.PartialChecksum(offload.ChecksumStart, 6)));
            var copy = buffer.AsSpan(start, datagramLength).ToArray();
            Assert.That(datagramOffload.TryFinishChecksum(copy), Is.True);
            datagrams.Add(copy);
            end = start + datagramLength;
            Assert.That(capacity, Is.EqualTo(end == length ? buffer.Length - start : datagramLength),
                "a datagram may use its own bytes, the last one the rest of the buffer");
        }
        Assert.That(datagrams, Has.Count.EqualTo(split.Count));
        return datagrams;
    }

    // Builds a super-datagram of `count` datagrams, each with segmentSize bytes of payload but the last, which has `last`;
    // cuts it, and checks in each datagram what does not depend on the IP version: its length, the first one's link
    // header, its UDP length, checksum and payload. checkIp checks the IP header of the datagram: (frame, index, payload length).
    private static void CutsIntoItsDatagrams(bool v4, Medium medium, int segmentSize, int count, int last, Action<byte[], int, int> checkIp)
    {
        var payload = Payload((count - 1) * segmentSize + last);
        var buffer = Build(v4, medium, payload, 70_000, out var offload, segmentSize);
        var datagrams = Split(buffer, FrameLength(v4, medium, payload.Length), offload, medium);

        Assert.That(datagrams, Has.Count.EqualTo(count));
        int link = medium == Medium.Ethernet ? 14 : 0, ipHeader = v4 ? 20 : 40;
        IpAddress source = v4 ? Source4 : Source6, destination = v4 ? Destination4 : Destination6;
        for (int i = 0; i < datagrams.Count; i++)
        {
            var frame = datagrams[i];
            int expected = i < count - 1 ? segmentSize : last;
            Assert.That(frame.Length, Is.EqualTo(link + ipHeader + 8 + expected), $"datagram {i}: the last one is shorter");
            if (link > 0 && i == 0) Assert.That(frame.AsSpan(0, 14).SequenceEqual(buffer.AsSpan(0, 14)), Is.True, "the link header is kept");
            checkIp(frame, i, expected);
            Assert.That(UdpDatagram.TryParse(frame.AsSpan(link + ipHeader), out var udp, out var error), Is.True, $"datagram {i}: {error}");
            Assert.That(udp.Length, Is.EqualTo(8 + expected));
            Assert.That(udp.VerifyChecksum(source, destination), Is.True, $"datagram {i}: UDP checksum");
            Assert.That(udp.Payload.SequenceEqual(payload.AsSpan(i * segmentSize, expected)), Is.True, $"datagram {i}: payload");
        }
    }

    [TestCase(Medium.Ethernet)]
    [TestCase(Medium.Ip)]
    public void An_ipv4_super_datagram_becomes_its_datagrams_each_with_its_own_lengths_id_and_checksums_rfc768_rfc791(Medium medium)
    {
        int link = medium == Medium.Ethernet ? 14 : 0;
        CutsIntoItsDatagrams(true, medium, 1000, 4, 400, (frame, i, expected) =>
        {
            Assert.That(Ipv4Packet.TryParse(frame.AsSpan(link), out var ip, out var error), Is.True, $"datagram {i}: {error}");
            Assert.That(ip.TotalLength, Is.EqualTo(20 + 8 + expected));
            Assert.That(Checksum.Verify(frame.AsSpan(link, 20)), Is.True, $"datagram {i}: IPv4 header checksum");
            Assert.That(BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(link + 4)), Is.EqualTo((ushort)(FirstId + i)), "the Identification counts up and wraps");
            Assert.That(frame[link + 6], Is.EqualTo(0x40), "Don't Fragment kept");
        });
    }

    [TestCase(Medium.Ethernet)]
    [TestCase(Medium.Ip)]
    public void An_ipv6_super_datagram_becomes_its_datagrams_each_with_its_own_lengths_and_checksum_rfc8200_8_1(Medium medium)
    {
        int link = medium == Medium.Ethernet ? 14 : 0;
        CutsIntoItsDatagrams(false, medium, 1200, 3, 1, (frame, i, expected) =>
        {
            Assert.That(Ipv6Packet.TryParse(frame.AsSpan(link), out var ip, out var error), Is.True, $"datagram {i}: {error}");
            Assert.That(ip.PayloadLength, Is.EqualTo(8 + expected), $"datagram {i}: the last one carries one byte");
        });
    }

    [Test]
    public void A_payload_no_longer_than_the_segment_size_is_one_datagram()
    {
        var payload = Payload(500);
        var buffer = Build(true, Medium.Ethernet, payload, 2000, out var offload, 1472);
        var datagrams = Split(buffer, FrameLength(true, Medium.Ethernet, payload.Length), offload, Medium.Ethernet);
        Assert.That(datagrams, Has.Count.EqualTo(1));
        Assert.That(datagrams[0].AsSpan(42).SequenceEqual(payload), Is.True);
    }

    [Test]
    public void A_super_datagram_that_does_not_describe_itself_is_refused()
    {
        var payload = Payload(3000);
        int length = FrameLength(true, Medium.Ethernet, payload.Length);
        var good = Build(true, Medium.Ethernet, payload, 4000, out var offload, 1000);
        Span<byte> headers = stackalloc byte[UdpSuperDatagram.MaxHeaderLength];
        Assert.That(UdpSuperDatagram.TryStart(good, length, offload, Medium.Ethernet, headers, out _), Is.True, "the control");

        var cases = new List<(string, byte[], int, PacketOffload)>
        {
            ("a segment size of 0", good, length, offload with { SegmentSize = 0 }),
            ("more than 128 datagrams (segment size 1)", good, length, offload with { SegmentSize = 1 }),
            ("a checksum that is not partial", good, length, offload with { Checksum = ChecksumStatus.Verified }),
            ("the checksum mark not at the UDP header", good, length, offload with { ChecksumStart = 30 }),
            ("the checksum field not UDP's", good, length, offload with { ChecksumOffset = 16 }),
            ("not a UDP super-datagram", good, length, offload with { Segmentation = SegmentationKind.TcpV4 }),
            ("a frame shorter than its IP length", good, length - 1, offload),
            ("a length past the buffer", good, good.Length + 1, offload),
            ("a frame of no bytes", good, 0, offload),
        };
        var fragment = (byte[])good.Clone();
        fragment[14 + 6] = 0x20; // More Fragments
        cases.Add(("an IPv4 fragment", fragment, length, offload));
        var tcp = (byte[])good.Clone();
        tcp[14 + 9] = 6;
        cases.Add(("not UDP", tcp, length, offload));
        var arp = (byte[])good.Clone();
        arp[12] = 0x08; arp[13] = 0x06;
        cases.Add(("not IP", arp, length, offload));
        var v6 = Build(false, Medium.Ethernet, payload, 4000, out var offload6, 1000);
        v6[14 + 6] = 0; // a Hop-by-Hop Options header would come first
        cases.Add(("an IPv6 extension header", v6, FrameLength(false, Medium.Ethernet, payload.Length), offload6));
        var noPayload = Build(true, Medium.Ethernet, [], 100, out var offloadEmpty, 1000);
        cases.Add(("no payload", noPayload, FrameLength(true, Medium.Ethernet, 0), offloadEmpty));

        foreach (var (what, frame, frameLength, frameOffload) in cases)
            Assert.That(UdpSuperDatagram.TryStart(frame, frameLength, frameOffload, Medium.Ethernet, headers, out _), Is.False, what);
        Assert.That(UdpSuperDatagram.TryStart(good, length, offload, Medium.Ethernet, headers[..40], out _), Is.False, "no room for the headers");
    }

    [Test]
    public void Random_bytes_and_offloads_never_throw_and_never_reach_outside_the_buffer()
    {
        var rng = new Random(768);
        Span<byte> headers = stackalloc byte[UdpSuperDatagram.MaxHeaderLength];
        int made = 0;
        for (int round = 0; round < 20_000; round++)
        {
            var buffer = Build(rng.Next(2) == 0, Medium.Ethernet, Payload(rng.Next(1, 3000)), rng.Next(0, 4000), out var offload, rng.Next(1, 1500));
            for (int flips = rng.Next(0, 4); flips > 0; flips--) buffer[rng.Next(Math.Min(buffer.Length, 80))] = (byte)rng.Next(256);
            int length = rng.Next(0, buffer.Length + 1);
            if (rng.Next(4) == 0) offload = offload with { SegmentSize = (ushort)rng.Next(0, 65536), ChecksumStart = (ushort)rng.Next(0, 80) };
            var medium = rng.Next(4) == 0 ? Medium.Ip : Medium.Ethernet;
            if (!UdpSuperDatagram.TryStart(buffer, length, offload, medium, headers, out var split)) continue;
            while (split.TryNext(out int start, out int datagramLength, out int capacity, out _))
            {
                Assert.That(start + capacity, Is.LessThanOrEqualTo(buffer.Length));
                Assert.That(datagramLength, Is.LessThanOrEqualTo(capacity));
                made++;
            }
        }
        Assert.That(made, Is.GreaterThan(1000), "some of them split");
    }

    [Test]
    public void Cutting_allocates_nothing()
    {
        var buffer = Build(true, Medium.Ethernet, Payload(64 * 1000), 70_000, out var offload, 1000);
        int length = FrameLength(true, Medium.Ethernet, 64 * 1000);
        var pristine = (byte[])buffer.Clone();
        Span<byte> headers = stackalloc byte[UdpSuperDatagram.MaxHeaderLength];
        int made = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 100; round++)
        {
            pristine.CopyTo(buffer, 0);
            if (!UdpSuperDatagram.TryStart(buffer, length, offload, Medium.Ethernet, headers, out var split)) break;
            while (split.TryNext(out _, out _, out _, out _)) made++;
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(made, Is.EqualTo(100 * 64));
    }
}

/// <summary>
/// The cut inside a device: <see cref="FdPort"/> (behind TAP, TUN and AF_PACKET without rings) over one end of a datagram
/// socket pair, the test writing what the kernel would on the other, virtio-net header first.
/// </summary>
public partial class UdpSuperDatagramDeviceTests
{
    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int socketpair(int domain, int type, int protocol, int* fds);
    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint write(int fd, byte* buffer, nuint count);
    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint read(int fd, byte* buffer, nuint count);
    [LibraryImport("libc")]
    private static partial int close(int fd);
    private const int AF_UNIX = 1, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0x800;

    private sealed class IpHost
    {
        public readonly Ethox.Layer.Ip.IpEndpoint Ip = new(null, 1500, 4, new Ethox.Layer.Ip.RouteTable(4), null);
        public readonly Ethox.Layer.Udp.UdpEndpoint Udp = new();
        public readonly Ethox.Tests.Layer.UdpApp App = new() { Echo = true };
        public Ethox.Layer.Ip.IpLayer<Ethox.Layer.Udp.UdpLayer<Ethox.Tests.Layer.UdpAppHandler>> Stack;

        public IpHost()
        {
            Stack = new(Ip, new(Udp, new Ethox.Tests.Layer.UdpAppHandler(App)));
            Ip.AddAddress(new Ipv4Address(198, 18, 0, 2), 24, Instant.Zero);
            Ip.AddAddress(Ipv6Address.Parse("2001:db8::2"), 64, Instant.Zero);
            Udp.Bind(7);
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public unsafe void Each_datagram_of_a_super_datagram_reaches_udp_and_its_echo_leaves_in_place(bool v4)
    {
        int* fds = stackalloc int[2];
        Assert.That(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, fds), Is.Zero);
        try
        {
            var capabilities = VirtioOffload.Capabilities(Medium.Ip, 1500, VirtioOffload.Effective(DeviceOffloads.All));
            var port = new FdPort(fds[0], capabilities, filterOutgoing: false);
            var payload = new byte[4 * 1000 + 10];
            new Random(5).NextBytes(payload);
            var frame = UdpSuperDatagramTests.Build(v4, Medium.Ip, payload, 0, out var offload, 1000);
            var message = new byte[VirtioNetHeader.Length + frame.Length];
            Assert.That(new VirtioNetHeader(VirtioNetFlags.NeedsChecksum, VirtioGsoType.UdpL4, false, offload.HeaderLength, 1000, offload.ChecksumStart, 6).TryWrite(message), Is.True);
            frame.CopyTo(message, VirtioNetHeader.Length);
            // A second super-datagram whose segment size is 0: counted and dropped, and the receive loop goes on.
            var bad = (byte[])message.Clone();
            bad[4] = 0; bad[5] = 0; // gso_size
            fixed (byte* p = message) fixed (byte* q = bad)
            {
                Assert.That(write(fds[1], q, (nuint)bad.Length), Is.EqualTo((nint)bad.Length));
                Assert.That(write(fds[1], p, (nuint)message.Length), Is.EqualTo((nint)message.Length));
            }

            var host = new IpHost();
            var counters = new DeviceCounters();
            int handed = port.Receive(64, ref host.Stack, Instant.Zero, ref counters);

            Assert.That(handed, Is.EqualTo(5));
            Assert.That(host.App.Received, Is.EqualTo(5), "every datagram reached the UDP layer");
            Assert.That(host.App.LastPayload, Is.EqualTo(payload[4000..]), "the last one carries the last 10 bytes");
            Assert.That(counters.RxSplitDatagrams, Is.EqualTo(5));
            Assert.That(counters.RxSegmented, Is.EqualTo(1));
            Assert.That(counters.RxUnsupportedOffload, Is.EqualTo(1), "the super-datagram with a segment size of 0");
            Assert.That(counters.RxFrames, Is.EqualTo(5));

            // The echoes, written in place one by one before the next datagram was made over them, each with its header.
            var echo = new byte[2000];
            for (int i = 0; i < 5; i++)
            {
                nint got;
                fixed (byte* p = echo) got = read(fds[1], p, (nuint)echo.Length);
                int expected = i < 4 ? 1000 : 10;
                Assert.That((int)got, Is.EqualTo(VirtioNetHeader.Length + (v4 ? 20 : 40) + 8 + expected), $"echo {i}");
                Assert.That(VirtioNetHeader.TryRead(echo, out var header), Is.True);
                var reply = echo.AsSpan(VirtioNetHeader.Length, (int)got - VirtioNetHeader.Length);
                var replyOffload = header.Flags == VirtioNetFlags.NeedsChecksum ? PacketOffload.PartialChecksum(header.ChecksumStart, header.ChecksumOffset) : default;
                Assert.That(replyOffload.TryFinishChecksum(reply), Is.True);
                int ipHeader = v4 ? 20 : 40;
                Assert.That(UdpDatagram.TryParse(reply[ipHeader..], out var udp, out _), Is.True);
                IpAddress from = v4 ? new Ipv4Address(198, 18, 0, 2) : Ipv6Address.Parse("2001:db8::2");
                IpAddress to = v4 ? new Ipv4Address(198, 18, 0, 1) : Ipv6Address.Parse("2001:db8::1");
                Assert.That(udp.VerifyChecksum(from, to), Is.True, $"echo {i}: UDP checksum");
                Assert.That(udp.DestinationPort, Is.EqualTo(40000));
                Assert.That(udp.Payload.SequenceEqual(payload.AsSpan(i * 1000, expected)), Is.True, $"echo {i}: payload");
            }
        }
        finally
        {
            close(fds[0]);
            close(fds[1]);
        }
    }
}
