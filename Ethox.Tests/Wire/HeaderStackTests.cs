using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Ethox.Fuzzing;
using Ethox.Tests.Robustness;
using Ethox.Tests.Tools;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

/// <summary>
/// <see cref="HeaderStack"/>, the receive fast path, against the views and reprs it must agree with: on every frame of
/// every fixture, every truncation of them (in memory followed by a page that cannot be read, so an unchecked read past
/// the end would crash the run), seeded mutations with and without checksums made right, and a few frames whose fields
/// are known. The comparison itself is <see cref="FuzzTargets.CompareHeaderStack"/> (also the "stack" fuzz target).
/// </summary>
public class HeaderStackTests
{
    // scapy: Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="198.18.0.1", dst="198.18.0.2", id=1, ttl=64)
    //   / TCP(sport=40000, dport=80, seq=1000, ack=2000, flags="SA", window=65535,
    //         options=[("MSS",1460), ("SAckOK",b""), ("Timestamp",(123456,654321)), ("NOP",None), ("WScale",7)])
    private const string SynAckV4 =
        "02000000000202000000000108004500003c000100004006ee93c6120001c61200029c400050000003e8000007d0a012ffff35430000"
        + "020405b40402080a0001e2400009fbf101030307";

    // The same TCP segment over IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=64).
    private const string SynAckV6 =
        "02000000000202000000000186dd600000000028064020010db800000000000000000000000120010db8000000000000000000000002"
        + "9c400050000003e8000007d0a012ffff65f60000020405b40402080a0001e2400009fbf101030307";

    private static readonly Ipv4Address V4A = new(198, 18, 0, 1);
    private static readonly Ipv4Address V4B = new(198, 18, 0, 2);
    private static readonly Ipv6Address V6A = Ipv6Address.Parse("2001:db8::1");
    private static readonly Ipv6Address V6B = Ipv6Address.Parse("2001:db8::2");

    private static List<byte[]> Frames => RobustnessTests.FixtureFrames();

    [Test]
    public void Every_fixture_frame_gives_the_statuses_fields_and_slices_of_the_views_and_reprs()
    {
        int tcp = 0, udp = 0, v6 = 0, fragments = 0, tagged = 0, notIp = 0, other = 0;
        foreach (var frame in Frames)
        {
            foreach (bool verify in (ReadOnlySpan<bool>)[true, false])
                FuzzTargets.CompareHeaderStack(frame, verify);
            if (!HeaderStack.TryParse(frame, out var stack, out var error)) continue;
            Assert.That(error, Is.EqualTo(WireError.None));
            if (stack.Transport == TransportKind.Tcp) tcp++;
            else if (stack.Transport == TransportKind.Udp) udp++;
            else if (stack.IsFragment) fragments++;
            else if (stack.IpVersion == IpVersion.Unspecified) notIp++;
            else other++;
            if (stack.IpVersion == IpVersion.V6) v6++;
            if (stack.TagCount > 0) tagged++;
        }
        // The fixtures reach every branch of the walk.
        Assert.That(new[] { tcp, udp, v6, fragments, tagged, notIp, other }, Is.All.GreaterThan(0),
            $"tcp {tcp}, udp {udp}, ipv6 {v6}, fragments {fragments}, tagged {tagged}, not ip {notIp}, other {other}");
    }

    [Test]
    public void Every_truncation_of_every_fixture_frame_gives_the_views_status_and_reads_nothing_past_the_end()
    {
        using var guarded = new GuardedBuffer(1 << 16);
        long calls = 0;
        foreach (var frame in Frames)
        {
            for (int length = 0; length <= frame.Length; length++)
            {
                var tail = guarded.Tail(length);
                frame.AsSpan(0, length).CopyTo(tail);
                FuzzTargets.CompareHeaderStack(tail, verifyChecksums: true);
                frame.AsSpan(0, length).CopyTo(tail);
                FuzzTargets.CompareHeaderStack(tail, verifyChecksums: false);
                calls++;
            }
        }
        Assert.That(calls, Is.GreaterThan(10_000));
    }

    [Test]
    public void Seeded_mutations_agree_with_the_views_and_reprs()
    {
        var seeds = Frames.ToArray();
        int accepted = PrefixAndMutation.Mutate(seeds, 200_000, 20260517, mutant =>
        {
            FuzzTargets.CompareHeaderStack(mutant, verifyChecksums: true);
            return FuzzTargets.CompareHeaderStack(mutant, verifyChecksums: false);
        });
        Assert.That(accepted, Is.GreaterThan(20_000), "mutants must reach the deep layers");
    }

    [Test]
    public void Seeded_mutations_with_their_checksums_made_right_agree_when_verifying()
    {
        // A mutant rarely keeps a valid checksum, so without this the verifying walk would stop at the first checksum.
        var seeds = Frames.ToArray();
        int transports = 0;
        int accepted = PrefixAndMutation.Mutate(seeds, 200_000, 20260518, mutant =>
        {
            FillChecksums(mutant);
            var status = FuzzTargets.CompareHeaderStack(mutant, verifyChecksums: true);
            if (status == WireError.None && HeaderStack.TryParse(mutant, out var stack, out _) && stack.Transport != TransportKind.None)
                transports++;
            return status;
        });
        Assert.That(accepted, Is.GreaterThan(20_000));
        Assert.That(transports, Is.GreaterThan(10_000), "verified TCP and UDP headers must be reached");
    }

    [Test]
    public void Parsing_and_reading_every_field_allocates_nothing()
    {
        var frames = Frames;
        int parsed = 0;
        ulong sink = 0;
        void ParseAll()
        {
            foreach (var frame in frames)
            {
                if (!HeaderStack.TryParse(frame, out var s, out _)) continue;
                parsed++;
                sink += s.EthernetSource.Value + (ulong)s.EtherType + (ulong)s.TagCount + s.Ipv4Source.Value + s.Ipv6Destination.Low
                      + s.HopLimit + (ulong)s.IpPayloadLength + s.SourcePort + s.DestinationPort + s.SequenceNumber.Value
                      + (ulong)s.TcpFlags + s.WindowSize + (ulong)s.TcpSackBlocks.Count + (ulong)s.Payload.Length
                      + (s.TcpOptions.Timestamps?.Value ?? 0) + (ulong)s.Tcp.Bytes.Length + (ulong)s.IpSource.Version;
            }
        }
        ParseAll(); // warm up: JIT, statics
        (int parsedOnce, ulong sinkOnce) = (parsed, sink);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) ParseAll();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero, $"{allocated} bytes over {20 * frames.Count} frames");
        int broken = RobustnessTests.EthernetFramesOf(Fixture.Path("crafted-broken.pcap")).Count;
        Assert.That(parsedOnce, Is.InRange(frames.Count - broken, frames.Count - 1), "every frame parses but the deliberately broken");
        Assert.That((parsed, sink), Is.EqualTo((21 * parsedOnce, unchecked(21 * sinkOnce))), "each measured round parsed and read what the warm-up did");
    }

    [Test]
    public void Scapy_syn_ack_over_ipv4_reads_every_field_rfc791_rfc9293()
    {
        var frame = Convert.FromHexString(SynAckV4);
        Assert.That(HeaderStack.TryParse(frame, out var s, out var error), Is.True, error.Describe());
        Assert.That(s.EthernetSource, Is.EqualTo(new EthernetAddress(2, 0, 0, 0, 0, 1)));
        Assert.That(s.EthernetDestination, Is.EqualTo(new EthernetAddress(2, 0, 0, 0, 0, 2)));
        Assert.That(s.EtherType, Is.EqualTo(EtherType.Ipv4));
        Assert.That(s.IpVersion, Is.EqualTo(IpVersion.V4));
        Assert.That(s.Ipv4Source, Is.EqualTo(V4A));
        Assert.That(s.Ipv4Destination, Is.EqualTo(V4B));
        Assert.That(s.IpSource, Is.EqualTo(new IpAddress(V4A)));
        Assert.That(s.HopLimit, Is.EqualTo(64));
        Assert.That(s.Protocol, Is.EqualTo(IpProtocol.Tcp));
        Assert.That(s.IpPayloadLength, Is.EqualTo(40));
        Assert.That(s.Transport, Is.EqualTo(TransportKind.Tcp));
        Assert.That(s.SourcePort, Is.EqualTo(40000));
        Assert.That(s.DestinationPort, Is.EqualTo(80));
        Assert.That(s.SequenceNumber.Value, Is.EqualTo(1000));
        Assert.That(s.AcknowledgmentNumber.Value, Is.EqualTo(2000));
        Assert.That(s.TcpFlags, Is.EqualTo(TcpFlags.Syn | TcpFlags.Ack));
        Assert.That(s.WindowSize, Is.EqualTo(65535));
        Assert.That(s.TcpOptions.MaxSegmentSize, Is.EqualTo(1460));
        Assert.That(s.TcpOptions.WindowScale, Is.EqualTo(7));
        Assert.That(s.TcpOptions.SackPermitted, Is.True);
        Assert.That(s.TcpOptions.Timestamps, Is.EqualTo(new TcpTimestamps(123456, 654321)));
        Assert.That(s.Payload.IsEmpty, Is.True);
        Assert.That(s.Tcp.HeaderLength, Is.EqualTo(40));
    }

    [Test]
    public void Scapy_syn_ack_over_ipv6_reads_every_field_rfc8200()
    {
        var frame = Convert.FromHexString(SynAckV6);
        Assert.That(HeaderStack.TryParse(frame, out var s, out var error), Is.True, error.Describe());
        Assert.That(s.IpVersion, Is.EqualTo(IpVersion.V6));
        Assert.That(s.Ipv6Source, Is.EqualTo(V6A));
        Assert.That(s.Ipv6Destination, Is.EqualTo(V6B));
        Assert.That(s.Ipv4Source, Is.EqualTo(default(Ipv4Address)), "the other version's getters read zeros");
        Assert.That(s.HopLimit, Is.EqualTo(64));
        Assert.That(s.IpPayloadLength, Is.EqualTo(40));
        Assert.That(s.Transport, Is.EqualTo(TransportKind.Tcp));
        Assert.That(s.SourcePort, Is.EqualTo(40000));
        Assert.That(s.TcpOptions.Timestamps, Is.EqualTo(new TcpTimestamps(123456, 654321)));
    }

    [Test]
    public void A_bit_flipped_in_the_ttl_or_the_options_is_a_bad_checksum_unless_checksums_are_left_to_the_nic()
    {
        foreach (int offset in (ReadOnlySpan<int>)[EthernetFrame.HeaderLengthUntagged + 8, 14 + 20 + 39])
        {
            var frame = Convert.FromHexString(SynAckV4);
            frame[offset] ^= 1;
            Assert.That(HeaderStack.TryParse(frame, out var s, out var error), Is.False, $"byte {offset}");
            Assert.That(error, Is.EqualTo(WireError.BadChecksum));
            Assert.That(s.Bytes.IsEmpty, Is.True, "a failed walk leaves an empty stack");
            Assert.That(HeaderStack.TryParse(frame, out _, out error, verifyChecksums: false), Is.True, error.Describe());
        }
    }

    [Test]
    public void An_arp_frame_stops_after_ethernet_and_every_upper_getter_reads_zero()
    {
        var frame = new byte[42];
        new EthernetRepr(new EthernetAddress(2, 0, 0, 0, 0, 1), EthernetAddress.Broadcast, EtherType.Arp).TryEmit(frame);
        frame.AsSpan(14).Fill(0xAB);
        Assert.That(HeaderStack.TryParse(frame, out var s, out var error), Is.True, error.Describe());
        Assert.That(s.EtherType, Is.EqualTo(EtherType.Arp));
        Assert.That(s.NetworkBytes.Length, Is.EqualTo(28));
        Assert.That(s.IpVersion, Is.EqualTo(IpVersion.Unspecified));
        Assert.That(s.Transport, Is.EqualTo(TransportKind.None));
        Assert.That(s.Ipv4Source, Is.EqualTo(default(Ipv4Address)));
        Assert.That(s.Ipv6Source, Is.EqualTo(default(Ipv6Address)));
        Assert.That(s.HopLimit, Is.Zero);
        Assert.That(s.SourcePort, Is.Zero);
        Assert.That(s.SequenceNumber.Value, Is.Zero);
        Assert.That(s.IpPayload.IsEmpty && s.TransportBytes.IsEmpty && s.Payload.IsEmpty, Is.True);
    }

    [Test]
    public void A_zero_udp_checksum_means_none_over_ipv4_and_is_refused_over_ipv6_rfc768_rfc8200()
    {
        var v4 = UdpFrame(new IpAddress(V4A), new IpAddress(V4B));
        var v6 = UdpFrame(new IpAddress(V6A), new IpAddress(V6B));
        Assert.That(HeaderStack.TryParse(v4, out var s, out var error), Is.True, error.Describe());
        Assert.That(s.Transport, Is.EqualTo(TransportKind.Udp));
        Assert.That(s.Payload.ToArray(), Is.EqualTo("hello"u8.ToArray()));
        Assert.That(HeaderStack.TryParse(v6, out _, out error), Is.True, error.Describe());

        foreach (var frame in new[] { v4, v6 })
        {
            Assert.That(HeaderStack.TryParse(frame, out s, out _), Is.True);
            var udp = s.Udp; // the view writes into the frame
            udp.Checksum = 0;
        }
        Assert.That(HeaderStack.TryParse(v4, out _, out error), Is.True, error.Describe());
        Assert.That(HeaderStack.TryParse(v6, out _, out error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.BadChecksum));
        FuzzTargets.CompareHeaderStack(v4, verifyChecksums: true);
        FuzzTargets.CompareHeaderStack(v6, verifyChecksums: true);
    }

    [Test]
    public void Udp_payload_ends_at_the_udp_length_not_at_the_link_padding_rfc768()
    {
        var frame = UdpFrame(new IpAddress(V4A), new IpAddress(V4B));
        var padded = new byte[EthernetFrame.MinimumLength];
        frame.CopyTo(padded, 0);
        Assert.That(HeaderStack.TryParse(padded, out var s, out var error), Is.True, error.Describe());
        Assert.That(s.Payload.Length, Is.EqualTo(5));
        Assert.That(s.IpPayloadLength, Is.EqualTo(13));
        Assert.That(s.Bytes.Length, Is.EqualTo(60));
    }

    [Test]
    public void The_checksum_of_a_segment_behind_a_routing_header_covers_the_final_destination_rfc8200_8_1()
    {
        // IPv6 fixed header, a type 2 routing header (RFC 6275 §6.4) with one segment left naming the final
        // destination, then a TCP header whose checksum is over that destination, not the fixed header's.
        var final = Ipv6Address.Parse("2001:db8::99");
        var frame = new byte[14 + 40 + 24 + 20];
        new EthernetRepr(new EthernetAddress(2, 0, 0, 0, 0, 1), new EthernetAddress(2, 0, 0, 0, 0, 2), EtherType.Ipv6).TryEmit(frame);
        new Ipv6Repr(V6A, V6B, IpProtocol.Ipv6Route, 24 + 20, 64).TryEmit(frame.AsSpan(14));
        var routing = frame.AsSpan(14 + 40, 24);
        routing[0] = (byte)IpProtocol.Tcp;
        routing[1] = 2; // (2 + 1) × 8 = 24 bytes
        routing[2] = 2;
        routing[3] = 1; // segments left
        final.WriteTo(routing[8..]);
        var tcp = new TcpRepr { SourcePort = 1, DestinationPort = 2, Flags = TcpFlags.Syn, WindowSize = 1000 };
        Assert.That(tcp.TryEmit(frame.AsSpan(14 + 40 + 24), new IpAddress(V6A), new IpAddress(final)), Is.True);

        Assert.That(HeaderStack.TryParse(frame, out var s, out var error), Is.True, error.Describe());
        Assert.That(s.Transport, Is.EqualTo(TransportKind.Tcp));
        Assert.That(s.Ipv6Destination, Is.EqualTo(V6B), "the getter reads the fixed header");
        Assert.That(s.TransportBytes.Length, Is.EqualTo(20));
        FuzzTargets.CompareHeaderStack(frame, verifyChecksums: true);

        routing[3] = 0; // no segment left: the fixed header's destination is final, and the checksum no longer verifies
        Assert.That(HeaderStack.TryParse(frame, out _, out error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.BadChecksum));
    }

    [Test]
    public void An_atomic_ipv6_fragment_is_parsed_to_its_transport_and_a_real_fragment_is_not_rfc6946()
    {
        var frame = new byte[14 + 40 + 8 + 20];
        new EthernetRepr(new EthernetAddress(2, 0, 0, 0, 0, 1), new EthernetAddress(2, 0, 0, 0, 0, 2), EtherType.Ipv6).TryEmit(frame);
        new Ipv6Repr(V6A, V6B, IpProtocol.Ipv6Fragment, 8 + 20, 64).TryEmit(frame.AsSpan(14));
        new Ipv6FragmentInfo(0, false, 7).TryEmit(frame.AsSpan(14 + 40), IpProtocol.Tcp);
        new TcpRepr { SourcePort = 1, DestinationPort = 2, Flags = TcpFlags.Syn }.TryEmit(frame.AsSpan(14 + 48), new IpAddress(V6A), new IpAddress(V6B));
        Assert.That(HeaderStack.TryParse(frame, out var s, out var error), Is.True, error.Describe());
        Assert.That(s.IsFragment, Is.False);
        Assert.That(s.Transport, Is.EqualTo(TransportKind.Tcp));

        new Ipv6FragmentInfo(0, true, 7).TryEmit(frame.AsSpan(14 + 40), IpProtocol.Tcp);
        Assert.That(HeaderStack.TryParse(frame, out s, out error), Is.True, error.Describe());
        Assert.That(s.IsFragment, Is.True);
        Assert.That(s.Transport, Is.EqualTo(TransportKind.None));
        Assert.That(s.Protocol, Is.EqualTo(IpProtocol.Tcp));
        Assert.That(s.TransportBytes.Length, Is.EqualTo(20), "the fragment's data");
        FuzzTargets.CompareHeaderStack(frame, verifyChecksums: true);
    }

    [Test]
    public void Tcp_option_set_refuses_exactly_what_the_option_reader_refuses_and_keeps_the_last_of_each_rfc9293_3_2()
    {
        var rng = new Random(20260519);
        var area = new byte[40];
        ReadOnlySpan<byte> kinds = [0, 1, 2, 3, 4, 5, 8, 30, 254];
        ReadOnlySpan<byte> lengths = [0, 1, 2, 3, 4, 10, 18, 26, 34, 41];
        for (int i = 0; i < 200_000; i++)
        {
            int length = rng.Next(41);
            // Mostly plausible options, so that long walks happen, with random bytes mixed in.
            for (int at = 0; at < length; at++)
                area[at] = rng.Next(4) switch
                {
                    0 => (byte)rng.Next(256),
                    1 => lengths[rng.Next(lengths.Length)],
                    _ => kinds[rng.Next(kinds.Length)],
                };
            AssertAgreesWithReader(area.AsSpan(0, length));
        }
    }

    // The layouts TcpOptionSet predicts (RFC 7323 Appendix A, Linux's SACK and SYN layouts), with values that vary.
    private static readonly string[] PredictedLayouts =
    [
        "",
        "0101080a0001e2400009fbf1",                                                  // NOP NOP TS
        "0101080a0001e2400009fbf10101050a0000006400000190",                          // + 1 SACK block
        "0101080a0001e2400009fbf10101051200000064000001900000032000000384",          // + 2 SACK blocks
        "0101080affffffff000000000101051a000000640000019000000320000003840000044c00000514", // + 3 SACK blocks
        "020405b40402080a0001e2400009fbf101030307",                                  // MSS SACKOK TS NOP WS
        "0204ffff0402080a000000000000000001030309",                                  // same, scale above 14 (clamped)
    ];

    [Test]
    public void Predicted_option_layouts_decode_as_the_walk_does_and_any_changed_byte_falls_back_rfc7323_appendix_a()
    {
        // Each predicted layout, every byte of it set to every value, every prefix of it and it followed by padding:
        // the option set must be exactly what the reader finds (or refuse exactly what the reader refuses).
        int cases = 0;
        foreach (string hex in PredictedLayouts)
        {
            var layout = Convert.FromHexString(hex);
            AssertAgreesWithReader(layout);
            for (int at = 0; at < layout.Length; at++)
            {
                var mutant = (byte[])layout.Clone();
                for (int value = 0; value < 256; value++)
                {
                    mutant[at] = (byte)value;
                    AssertAgreesWithReader(mutant);
                    cases++;
                }
            }
            for (int length = 0; length < layout.Length; length++) AssertAgreesWithReader(layout.AsSpan(0, length));
            if (layout.Length <= 36)
            {
                AssertAgreesWithReader([.. layout, 0, 0, 0, 0]);
                AssertAgreesWithReader([.. layout, 1, 1, 1, 1]);
            }
        }
        Assert.That(cases, Is.GreaterThan(30_000));
    }

    // The comparison is the tcp fuzz target's: refused exactly where the option reader refuses, else the same values.
    private static void AssertAgreesWithReader(ReadOnlySpan<byte> options)
    {
        var copy = options.ToArray();
        Assert.DoesNotThrow(() => FuzzTargets.TcpOptionSetAgreesWithReader(copy), Convert.ToHexString(copy));
    }

    private static byte[] UdpFrame(IpAddress source, IpAddress destination)
    {
        bool v6 = source.IsV6;
        int ipHeader = v6 ? Ipv6Packet.HeaderLength : Ipv4Packet.MinHeaderLength;
        var frame = new byte[14 + ipHeader + 8 + 5];
        new EthernetRepr(new EthernetAddress(2, 0, 0, 0, 0, 1), new EthernetAddress(2, 0, 0, 0, 0, 2), v6 ? EtherType.Ipv6 : EtherType.Ipv4)
            .TryEmit(frame);
        var ip = frame.AsSpan(14);
        Assert.That(v6
            ? new Ipv6Repr(source.V6, destination.V6, IpProtocol.Udp, 13, 64).TryEmit(ip)
            : new Ipv4Repr(source.V4, destination.V4, IpProtocol.Udp, 13, 64).TryEmit(ip), Is.True);
        var udp = ip[ipHeader..];
        "hello"u8.CopyTo(udp[8..]);
        Assert.That(new UdpRepr(5353, 53, 5).TryEmit(udp, source, destination), Is.True);
        return frame;
    }

    // Fills the IPv4 header checksum and the TCP or UDP checksum of a frame as far as the views can read it, so that a
    // mutant's later layers are reached by the verifying walk.
    private static void FillChecksums(Span<byte> frame)
    {
        if (!EthernetFrame.TryParse(frame, out var eth, out _)) return;
        IpProtocol protocol;
        Span<byte> upper;
        IpAddress source, destination;
        if (eth.EtherType == EtherType.Ipv4 && Ipv4Packet.TryParse(eth.Payload, out var v4, out _))
        {
            v4.FillChecksum();
            if (v4.IsFragment) return;
            (protocol, source, destination) = (v4.Protocol, v4.Source, v4.Destination);
            upper = v4.Payload;
        }
        else if (eth.EtherType == EtherType.Ipv6 && Ipv6Packet.TryParse(eth.Payload, out var v6, out _)
                 && v6.TryGetUpperLayer(out var found, out _))
        {
            (protocol, source, destination) = (found.Protocol, v6.Source, found.FinalDestination);
            upper = v6.Payload[found.Offset..];
        }
        else return;
        if (protocol == IpProtocol.Tcp && TcpSegment.TryParse(upper, out var segment, out _)) segment.FillChecksum(source, destination);
        else if (protocol == IpProtocol.Udp && UdpDatagram.TryParse(upper, out var datagram, out _)) datagram.FillChecksum(source, destination);
    }

    /// <summary>
    /// Memory whose last byte is followed by a page that cannot be read or written: a read one byte past a span placed
    /// at its end faults at once, instead of reading whatever lies next to an array on the heap.
    /// </summary>
    private sealed unsafe class GuardedBuffer : IDisposable
    {
        private const int ProtNone = 0, ProtReadWrite = 3, MapPrivateAnonymous = 0x22;
        private readonly nint _base;
        private readonly nuint _mapped;
        private readonly int _size;

        public GuardedBuffer(int size)
        {
            int page = Environment.SystemPageSize;
            _size = (size + page - 1) / page * page;
            _mapped = (nuint)(_size + page);
            _base = Mmap(0, _mapped, ProtReadWrite, MapPrivateAnonymous, -1, 0);
            Assert.That(_base, Is.Not.EqualTo((nint)(-1)), "mmap");
            Assert.That(Mprotect(_base + _size, (nuint)page, ProtNone), Is.Zero, "mprotect");
        }

        /// <summary>The last <paramref name="length"/> bytes before the guard page.</summary>
        public Span<byte> Tail(int length) => new((void*)(_base + _size - length), length);

        public void Dispose() => Munmap(_base, _mapped);

        [DllImport("libc", EntryPoint = "mmap")]
        private static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

        [DllImport("libc", EntryPoint = "mprotect")]
        private static extern int Mprotect(nint address, nuint length, int protection);

        [DllImport("libc", EntryPoint = "munmap")]
        private static extern int Munmap(nint address, nuint length);
    }
}
