using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Tests.Tools;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

/// <summary>Reads the IP packets out of an Ethernet pcap, and feeds packets of either family to a reassembler.</summary>
internal static class FragmentPcap
{
    public static List<byte[]> ReadIpPackets(string path)
    {
        var packets = new List<byte[]>();
        using var stream = File.OpenRead(path);
        Assert.That(PcapReader.TryOpen(stream, out var reader, out string reason), Is.True, reason);
        var buffer = new byte[262144];
        while (reader!.TryReadNext(buffer, out var record) == PcapReadStatus.Record)
        {
            Assert.That(EthernetFrame.TryParse(buffer.AsSpan(0, record.CapturedLength), out var frame, out _), Is.True);
            packets.Add(frame.Payload.ToArray());
        }
        return packets;
    }

    public static ReassemblyStatus Add(Reassembler reassembler, Span<byte> packet, Instant now, out Span<byte> datagram)
    {
        datagram = default;
        if (packet.Length > 0 && packet[0] >> 4 == 4)
            return Ipv4Packet.TryParse(packet, out var v4, out _) ? reassembler.TryAddIpv4(v4, now, out datagram) : ReassemblyStatus.Invalid;
        return Ipv6Packet.TryParse(packet, out var v6, out _) ? reassembler.TryAddIpv6(v6, now, out datagram) : ReassemblyStatus.Invalid;
    }

    public static Reassembler NewReassembler(int slots = 4, int slotSize = Reassembler.LargestUsefulSlot)
        => new(new byte[slots * slotSize], slotSize);
}

public class ReassemblyTests
{
    private static readonly Ipv4Address V4A = Ipv4Address.Parse("198.18.0.1");
    private static readonly Ipv4Address V4B = Ipv4Address.Parse("198.18.0.2");
    private static readonly Ipv6Address V6A = Ipv6Address.Parse("2001:db8::1");
    private static readonly Ipv6Address V6B = Ipv6Address.Parse("2001:db8::2");

    private static string FragFixture(string name) => Path.Combine(Fixture.Directory, "frag", name);

    // An IPv4 fragment: 20-byte header and `data` bytes of pattern, at byte offset `offset`.
    private static byte[] V4Fragment(int offset, int data, bool more, ushort id = 7, IpProtocol protocol = IpProtocol.Udp, byte ecn = 0,
        Ipv4Address? source = null)
    {
        var bytes = new byte[20 + data];
        var repr = new Ipv4Repr(source ?? V4A, V4B, protocol, data, 64)
        {
            Identification = id, MoreFragments = more, FragmentOffset = (ushort)(offset / 8), Ecn = ecn,
        };
        Assert.That(repr.TryEmit(bytes), Is.True);
        for (int i = 0; i < data; i++) bytes[20 + i] = (byte)(offset + i);
        return bytes;
    }

    // An IPv6 fragment: fixed header, Fragment header, `data` bytes of pattern.
    private static byte[] V6Fragment(int offset, int data, bool more, uint id = 7, byte ecn = 0)
    {
        var bytes = new byte[48 + data];
        Assert.That(new Ipv6Repr(V6A, V6B, IpProtocol.Ipv6Fragment, 8 + data, 64) { Ecn = ecn }.TryEmit(bytes), Is.True);
        Assert.That(new Ipv6FragmentInfo((ushort)(offset / 8), more, id).TryEmit(bytes.AsSpan(40), IpProtocol.Udp), Is.True);
        for (int i = 0; i < data; i++) bytes[48 + i] = (byte)(offset + i);
        return bytes;
    }

    private static ReassemblyStatus Add(Reassembler r, byte[] packet, Instant now) => FragmentPcap.Add(r, packet, now, out _);

    private static Instant Seconds(double s) => new((long)(s * 1_000_000));

    [Test]
    public void Linux_ipv4_fragments_of_8000_byte_pings_reassemble_into_valid_icmp_echoes()
    {
        var packets = FragmentPcap.ReadIpPackets(Fixture.Path("kernel-frag4.pcap"));
        var r = FragmentPcap.NewReassembler();
        int complete = 0;
        foreach (byte[] p in packets)
        {
            if (FragmentPcap.Add(r, p, Instant.Zero, out var datagram) != ReassemblyStatus.Complete) continue;
            complete++;
            Assert.That(Ipv4Packet.TryParse(datagram, out var ip, out _), Is.True);
            Assert.That(ip.IsFragment, Is.False);
            Assert.That(ip.VerifyChecksum(), Is.True, "header checksum refilled");
            Assert.That(ip.TotalLength, Is.EqualTo(20 + 8 + 8000));
            Assert.That(Icmpv4Packet.TryParse(ip.Payload, out var icmp, out _), Is.True);
            Assert.That(icmp.VerifyChecksum(), Is.True, "ICMP checksum over the whole reassembled message");
            Assert.That(icmp.Type, Is.AnyOf(Icmpv4Type.EchoRequest, Icmpv4Type.EchoReply));
        }
        Assert.That(complete, Is.EqualTo(2), "one request and one reply");
        Assert.That(r.FragmentsReceived, Is.EqualTo(packets.Count));
        Assert.That(r.DatagramsReassembled, Is.EqualTo(2));
        Assert.That(r.InProgress, Is.Zero);
    }

    [Test]
    public void Linux_ipv6_fragments_of_large_pings_reassemble_into_valid_icmpv6_echoes_without_fragment_header()
    {
        var packets = FragmentPcap.ReadIpPackets(Fixture.Path("kernel-frag6.pcap"));
        var r = FragmentPcap.NewReassembler();
        int complete = 0;
        foreach (byte[] p in packets)
        {
            if (FragmentPcap.Add(r, p, Instant.Zero, out var datagram) != ReassemblyStatus.Complete) continue;
            complete++;
            Assert.That(Ipv6Packet.TryParse(datagram, out var ip, out _), Is.True);
            Assert.That(ip.NextHeader, Is.EqualTo(IpProtocol.Icmpv6), "the Fragment header's Next Header moved into the fixed header");
            Assert.That(ip.Bytes.Length, Is.EqualTo(datagram.Length));
            Assert.That(Icmpv6Packet.TryParse(ip.Payload, out var icmp, out _), Is.True);
            Assert.That(icmp.VerifyChecksum(ip.Source, ip.Destination), Is.True);
            Assert.That(icmp.Type, Is.AnyOf(Icmpv6Type.EchoRequest, Icmpv6Type.EchoReply));
            // The kernel's fragments carried 1448 + 1448 + 1112 bytes: the ICMPv6 header and 4000 bytes of data.
            Assert.That(ip.PayloadLength, Is.EqualTo(8 + 4000));
        }
        Assert.That(complete, Is.EqualTo(2));
    }

    [TestCase("v4-in-order.pcap")]
    [TestCase("v4-reversed.pcap")]
    [TestCase("v4-shuffled-duplicates.pcap")]
    [TestCase("v4-tiny.pcap")]
    [TestCase("v4-options.pcap")]
    [TestCase("v6-in-order.pcap")]
    [TestCase("v6-reversed.pcap")]
    [TestCase("v6-shuffled-duplicates.pcap")]
    [TestCase("v6-tiny.pcap")]
    [TestCase("v6-extension-headers.pcap")]
    public void Scapy_fragments_in_any_order_with_exact_duplicates_reassemble_to_the_original_bytes(string name)
    {
        var packets = FragmentPcap.ReadIpPackets(FragFixture(name));
        byte[] original = packets[0];
        var r = FragmentPcap.NewReassembler();
        byte[]? result = null;
        int duplicates = 0;
        for (int i = 1; i < packets.Count; i++)
        {
            var status = FragmentPcap.Add(r, packets[i], Instant.Zero, out var datagram);
            if (status == ReassemblyStatus.Duplicate) { duplicates++; continue; }
            if (status == ReassemblyStatus.Complete)
            {
                Assert.That(result, Is.Null, "completes once");
                Assert.That(i, Is.EqualTo(LastNewFragment(packets)), "completes on the last missing fragment");
                result = datagram.ToArray();
                continue;
            }
            Assert.That(status, Is.EqualTo(ReassemblyStatus.Incomplete), $"fragment {i}");
        }
        Assert.That(result, Is.EqualTo(original), "scapy's unfragmented datagram, byte for byte");
        Assert.That(r.Duplicates, Is.EqualTo(duplicates));
        Assert.That(r.DroppedOverlap + r.DroppedInvalid + r.DroppedTooLarge, Is.Zero);
    }

    // The index of the last packet that is not an exact copy of an earlier one.
    private static int LastNewFragment(List<byte[]> packets)
    {
        int last = 0;
        for (int i = 1; i < packets.Count; i++)
        {
            bool seen = false;
            for (int j = 1; j < i; j++) seen |= packets[j].AsSpan().SequenceEqual(packets[i]);
            if (!seen) last = i;
        }
        return last;
    }

    [TestCase("v4-overlap.pcap")]
    [TestCase("v6-overlap.pcap")]
    public void Overlapping_fragment_drops_the_whole_datagram_RFC_5722(string name)
    {
        var packets = FragmentPcap.ReadIpPackets(FragFixture(name));
        var r = FragmentPcap.NewReassembler();
        Assert.That(Add(r, packets[1], Instant.Zero), Is.EqualTo(ReassemblyStatus.Incomplete));
        Assert.That(Add(r, packets[2], Instant.Zero), Is.EqualTo(ReassemblyStatus.Overlap));
        Assert.That(r.InProgress, Is.Zero, "the datagram is gone");
        for (int i = 3; i < packets.Count; i++)
            Assert.That(Add(r, packets[i], Instant.Zero), Is.Not.EqualTo(ReassemblyStatus.Complete), "the first fragment was dropped with it");
        Assert.That(r.DroppedOverlap, Is.EqualTo(1));
        Assert.That(r.DatagramsReassembled, Is.Zero);
    }

    [Test]
    public void Fragment_covering_two_earlier_fragments_is_an_overlap_not_a_duplicate()
    {
        var r = FragmentPcap.NewReassembler();
        Assert.That(Add(r, V4Fragment(0, 8, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.Incomplete));
        Assert.That(Add(r, V4Fragment(8, 8, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.Incomplete));
        Assert.That(Add(r, V4Fragment(0, 16, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.Overlap), "same bytes, different boundaries");
        Assert.That(Add(r, V4Fragment(0, 8, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.Incomplete), "a new datagram started");
        Assert.That(Add(r, V4Fragment(8, 16, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.Incomplete));
        Assert.That(Add(r, V4Fragment(8, 8, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.Overlap), "a prefix of an earlier fragment");
    }

    [Test]
    public void Retransmitted_fragment_with_different_bytes_is_an_overlap()
    {
        var r = FragmentPcap.NewReassembler();
        Add(r, V6Fragment(0, 16, true), Instant.Zero);
        var changed = V6Fragment(0, 16, true);
        changed[^1] ^= 1;
        Assert.That(Add(r, changed, Instant.Zero), Is.EqualTo(ReassemblyStatus.Overlap));
    }

    [Test]
    public void Fragment_with_more_fragments_set_and_length_not_a_multiple_of_8_is_discarded()
    {
        var r = FragmentPcap.NewReassembler();
        Assert.That(Add(r, V4Fragment(0, 12, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.BadLength));
        Assert.That(Add(r, V6Fragment(8, 100, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.BadLength));
        Assert.That(r.InProgress, Is.Zero);
        Assert.That(r.DroppedInvalid, Is.EqualTo(2));
    }

    [Test]
    public void Zero_length_fragment_is_discarded()
    {
        var r = FragmentPcap.NewReassembler();
        Assert.That(Add(r, V4Fragment(8, 0, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.Invalid));
        Assert.That(Add(r, V4Fragment(64, 0, false), Instant.Zero), Is.EqualTo(ReassemblyStatus.Invalid));
        Assert.That(Add(r, V6Fragment(16, 0, false), Instant.Zero), Is.EqualTo(ReassemblyStatus.Invalid));
        Assert.That(r.InProgress, Is.Zero);
    }

    [Test]
    public void Fragment_reaching_past_65535_bytes_is_discarded_ping_of_death_and_RFC_8200()
    {
        var r = FragmentPcap.NewReassembler();
        // Offset 65528 (the largest) plus 16 bytes: the datagram would be 20 + 65544 bytes.
        Assert.That(Add(r, V4Fragment(65528, 16, false), Instant.Zero), Is.EqualTo(ReassemblyStatus.TooLarge));
        Assert.That(Add(r, V6Fragment(65528, 16, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.TooLarge));
        // Exactly 65535 with the 20-byte header is fine for IPv4: 65512 + 3 + 20.
        Assert.That(Add(r, V4Fragment(65512, 3, false), Instant.Zero), Is.EqualTo(ReassemblyStatus.Incomplete));
        Assert.That(r.DroppedTooLarge, Is.EqualTo(2));
    }

    [Test]
    public void Ipv4_datagram_of_exactly_65535_bytes_reassembles()
    {
        var r = FragmentPcap.NewReassembler();
        const int payload = 65535 - 20;
        Span<byte> datagram = default;
        var status = ReassemblyStatus.Incomplete;
        for (int offset = 0; offset < payload; offset += 8000)
            status = FragmentPcap.Add(r, V4Fragment(offset, Math.Min(8000, payload - offset), offset + 8000 < payload), Instant.Zero, out datagram);
        Assert.That(status, Is.EqualTo(ReassemblyStatus.Complete));
        Assert.That(datagram.Length, Is.EqualTo(65535));
        Assert.That(Ipv4Packet.TryParse(datagram, out var ip, out _) && ip.VerifyChecksum(), Is.True);
    }

    [Test]
    public void Datagram_larger_than_a_slot_is_dropped_with_no_room()
    {
        var r = FragmentPcap.NewReassembler(slots: 2, slotSize: Reassembler.HeaderRoom + 1024);
        Assert.That(r.MaxPayloadLength, Is.EqualTo(1024));
        Assert.That(Add(r, V4Fragment(0, 512, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.Incomplete));
        Assert.That(Add(r, V4Fragment(512, 520, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.NoRoom));
        Assert.That(r.InProgress, Is.Zero, "it can never complete, so it is dropped");
        Assert.That(Add(r, V4Fragment(2048, 8, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.NoRoom));
        Assert.That(r.InProgress, Is.Zero, "no slot was taken for it");
        Assert.That(r.DroppedTooLarge, Is.EqualTo(2));
    }

    [Test]
    public void Conflicting_last_fragments_drop_the_datagram()
    {
        var r = FragmentPcap.NewReassembler();
        Assert.That(Add(r, V4Fragment(1000 - 200, 200, false), Instant.Zero), Is.EqualTo(ReassemblyStatus.Incomplete));
        Assert.That(Add(r, V4Fragment(400, 100, false), Instant.Zero), Is.EqualTo(ReassemblyStatus.Conflict), "second, shorter end");
        Assert.That(r.InProgress, Is.Zero);

        Assert.That(Add(r, V6Fragment(800, 200, false), Instant.Zero), Is.EqualTo(ReassemblyStatus.Incomplete));
        Assert.That(Add(r, V6Fragment(1000, 16, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.Conflict), "data past the end");
        Assert.That(Add(r, V6Fragment(800, 16, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.Incomplete));
        Assert.That(Add(r, V6Fragment(400, 200, false), Instant.Zero), Is.EqualTo(ReassemblyStatus.Conflict), "a last fragment ending before data already held");
        Assert.That(r.DroppedInvalid, Is.EqualTo(3));
    }

    [Test]
    public void Ipv4_fragments_are_keyed_by_source_destination_identification_and_protocol()
    {
        var r = FragmentPcap.NewReassembler(slots: 8);
        Assert.That(Add(r, V4Fragment(0, 8, true), Instant.Zero), Is.EqualTo(ReassemblyStatus.Incomplete));
        Assert.That(Add(r, V4Fragment(8, 8, false, protocol: IpProtocol.Tcp), Instant.Zero), Is.EqualTo(ReassemblyStatus.Incomplete));
        Assert.That(Add(r, V4Fragment(8, 8, false, id: 8), Instant.Zero), Is.EqualTo(ReassemblyStatus.Incomplete));
        Assert.That(Add(r, V4Fragment(8, 8, false, source: Ipv4Address.Parse("198.18.0.3")), Instant.Zero), Is.EqualTo(ReassemblyStatus.Incomplete));
        Assert.That(Add(r, V6Fragment(8, 8, false), Instant.Zero), Is.EqualTo(ReassemblyStatus.Incomplete));
        Assert.That(r.InProgress, Is.EqualTo(5), "five different datagrams");
        Assert.That(Add(r, V4Fragment(8, 8, false), Instant.Zero), Is.EqualTo(ReassemblyStatus.Complete));
    }

    [Test]
    public void Whole_packets_and_ipv6_atomic_fragments_are_not_reassembled_RFC_6946()
    {
        var r = FragmentPcap.NewReassembler();
        Assert.That(Add(r, V4Fragment(0, 40, false), Instant.Zero), Is.EqualTo(ReassemblyStatus.NotFragment));
        Assert.That(Add(r, V6Fragment(0, 40, false), Instant.Zero), Is.EqualTo(ReassemblyStatus.NotFragment));
        var plain = new byte[60];
        new Ipv6Repr(V6A, V6B, IpProtocol.Udp, 20, 64).TryEmit(plain);
        Assert.That(Add(r, plain, Instant.Zero), Is.EqualTo(ReassemblyStatus.NotFragment));
        Assert.That(r.FragmentsReceived, Is.Zero);
        Assert.That(r.InProgress, Is.Zero);
    }

    [Test]
    public void Ipv6_first_fragment_without_the_whole_header_chain_is_discarded_RFC_8200_and_RFC_7112()
    {
        // The first fragment's data starts with a Destination Options header that claims 64 bytes but carries 16.
        var bytes = V6Fragment(0, 16, true);
        bytes[40] = (byte)IpProtocol.Ipv6Options;
        bytes[48] = (byte)IpProtocol.Udp;
        bytes[49] = 7;
        var r = FragmentPcap.NewReassembler();
        Assert.That(Add(r, bytes, Instant.Zero), Is.EqualTo(ReassemblyStatus.IncompleteHeaderChain));
        Assert.That(r.InProgress, Is.Zero);
    }

    [Test]
    public void Reassembled_ipv4_header_has_total_length_and_checksum_fixed_and_no_fragment_fields()
    {
        var r = FragmentPcap.NewReassembler();
        var first = V4Fragment(0, 16, true, ecn: 1);
        Add(r, V4Fragment(16, 5, false, ecn: 3), Instant.Zero);
        Assert.That(FragmentPcap.Add(r, first, Instant.Zero, out var datagram), Is.EqualTo(ReassemblyStatus.Complete));
        Assert.That(Ipv4Packet.TryParse(datagram, out var ip, out _), Is.True);
        Assert.That(ip.TotalLength, Is.EqualTo(20 + 21));
        Assert.That(ip.MoreFragments, Is.False);
        Assert.That(ip.FragmentOffset, Is.Zero);
        Assert.That(ip.Identification, Is.EqualTo(7));
        Assert.That(ip.Ecn, Is.EqualTo(3), "CE on any fragment is kept (RFC 3168 §5.3)");
        Assert.That(ip.VerifyChecksum(), Is.True);
        for (int i = 0; i < 21; i++) Assert.That(ip.Payload[i], Is.EqualTo((byte)i));
    }

    [Test]
    public void Fragments_mixing_not_ect_and_ect_are_dropped_RFC_3168()
    {
        var r = FragmentPcap.NewReassembler();
        Add(r, V6Fragment(0, 16, true, ecn: 0), Instant.Zero);
        Assert.That(Add(r, V6Fragment(16, 16, false, ecn: 2), Instant.Zero), Is.EqualTo(ReassemblyStatus.Conflict));
        Assert.That(r.InProgress, Is.Zero);
    }

    [Test]
    public void Reassembled_ipv6_packet_keeps_the_first_fragments_unfragmentable_part()
    {
        var packets = FragmentPcap.ReadIpPackets(FragFixture("v6-extension-headers.pcap"));
        var r = FragmentPcap.NewReassembler();
        Span<byte> datagram = default;
        for (int i = packets.Count - 1; i >= 1; i--) FragmentPcap.Add(r, packets[i], Instant.Zero, out datagram);
        Assert.That(Ipv6Packet.TryParse(datagram, out var ip, out _), Is.True);
        Assert.That(ip.TryGetUpperLayer(out var upper, out _), Is.True);
        Assert.That(upper.Protocol, Is.EqualTo(IpProtocol.Icmpv6));
        Assert.That(upper.Fragment, Is.Null, "no Fragment header is left");
        var chain = ip.ExtensionHeaders;
        var types = new List<IpProtocol>();
        while (chain.TryNext(out var h)) types.Add(h.Type);
        Assert.That(types, Is.EqualTo(new[] { IpProtocol.HopByHop, IpProtocol.Ipv6Options, IpProtocol.Ipv6Route }));
    }

    [Test]
    public void Datagram_times_out_after_60_seconds_and_hands_back_fragment_zero_for_time_exceeded()
    {
        var r = FragmentPcap.NewReassembler();
        Assert.That(r.Timeout, Is.EqualTo(Duration.FromSeconds(60)));
        var first = V4Fragment(0, 64, true);
        var v6First = V6Fragment(0, 32, true);
        Add(r, first, Seconds(10));
        Add(r, v6First, Seconds(20));
        Add(r, V4Fragment(128, 8, false), Seconds(30)); // a hole at 64..128 remains
        Assert.That(r.NextDeadline(), Is.EqualTo(Seconds(70)), "60 s after the first fragment, not the last");
        Assert.That(r.TryTakeExpired(Seconds(69.999), out _), Is.False);
        Assert.That(r.TryTakeExpired(Seconds(70), out var expired), Is.True);
        Assert.That(expired.Version, Is.EqualTo(IpVersion.V4));
        Assert.That(expired.FirstFragment.ToArray(), Is.EqualTo(first), "the invoking packet: header and data of fragment zero");
        Assert.That(r.TryTakeExpired(Seconds(70), out _), Is.False);
        Assert.That(r.NextDeadline(), Is.EqualTo(Seconds(80)));
        Assert.That(r.TryTakeExpired(Seconds(1000), out expired), Is.True);
        Assert.That(expired.Version, Is.EqualTo(IpVersion.V6));
        Assert.That(expired.FirstFragment.ToArray(), Is.EqualTo(v6First), "fixed header, Fragment header and data");
        Assert.That(Ipv6Packet.TryParse(expired.FirstFragment, out _, out _), Is.True);
        Assert.That(r.TryTakeExpired(Seconds(1000), out _), Is.False);
        Assert.That(r.DatagramsTimedOut, Is.EqualTo(2));
        Assert.That(r.NextDeadline(), Is.EqualTo(Instant.Never));
        Assert.That(r.InProgress, Is.Zero);
    }

    [Test]
    public void Timeout_without_fragment_zero_sends_no_time_exceeded_RFC_792_and_RFC_4443()
    {
        var r = FragmentPcap.NewReassembler();
        Add(r, V4Fragment(64, 64, true), Instant.Zero);
        Add(r, V6Fragment(64, 64, false), Instant.Zero);
        Assert.That(r.TryTakeExpired(Seconds(60), out _), Is.False);
        Assert.That(r.DatagramsTimedOut, Is.EqualTo(2));
        Assert.That(r.InProgress, Is.Zero);
    }

    [Test]
    public void Timeout_is_configurable()
    {
        var r = FragmentPcap.NewReassembler();
        r.Timeout = Duration.FromSeconds(15);
        Add(r, V4Fragment(0, 64, true), Seconds(1));
        Assert.That(r.NextDeadline(), Is.EqualTo(Seconds(16)));
        Assert.That(r.TryTakeExpired(Seconds(16), out _), Is.True);
    }

    [Test]
    public void Full_table_evicts_the_oldest_datagram_and_counts_it()
    {
        var r = FragmentPcap.NewReassembler(slots: 2);
        Add(r, V4Fragment(0, 8, true, id: 1), Seconds(1));
        Add(r, V4Fragment(0, 8, true, id: 2), Seconds(2));
        Assert.That(Add(r, V4Fragment(0, 8, true, id: 3), Seconds(3)), Is.EqualTo(ReassemblyStatus.Incomplete));
        Assert.That(r.DroppedTableFull, Is.EqualTo(1));
        Assert.That(r.InProgress, Is.EqualTo(2));
        Assert.That(Add(r, V4Fragment(8, 8, false, id: 2), Seconds(4)), Is.EqualTo(ReassemblyStatus.Complete));
        Assert.That(Add(r, V4Fragment(8, 8, false, id: 3), Seconds(4)), Is.EqualTo(ReassemblyStatus.Complete));
        Assert.That(Add(r, V4Fragment(8, 8, false, id: 1), Seconds(4)), Is.EqualTo(ReassemblyStatus.Incomplete), "datagram 1 was evicted");
    }

    [Test]
    public void Completed_datagram_stays_in_its_slot_until_release_or_the_next_call()
    {
        var r = FragmentPcap.NewReassembler(slots: 1);
        Add(r, V4Fragment(0, 8, true), Instant.Zero);
        Assert.That(FragmentPcap.Add(r, V4Fragment(8, 8, false), Instant.Zero, out var datagram), Is.EqualTo(ReassemblyStatus.Complete));
        byte[] copy = datagram.ToArray();
        Assert.That(r.TryTakeExpired(Instant.Never, out _), Is.False, "not a datagram in progress: never expires");
        Add(r, V4Fragment(0, 8, true, id: 9), Instant.Zero);
        Assert.That(r.DroppedTableFull, Is.Zero, "the handed-out slot was freed by the next call, not evicted");
        Assert.That(copy.Length, Is.EqualTo(36));
        r.Release();
        Assert.That(r.InProgress, Is.EqualTo(1), "release frees only a handed-out slot");
    }

    [Test]
    public void Every_truncation_and_mutation_of_fragments_never_throws()
    {
        var r = FragmentPcap.NewReassembler(slots: 3, slotSize: Reassembler.HeaderRoom + 4096);
        var rng = new Random(815);
        var sources = new List<byte[]>();
        foreach (string name in new[] { "v4-tiny.pcap", "v4-options.pcap", "v6-tiny.pcap", "v6-extension-headers.pcap", "v6-overlap.pcap" })
            sources.AddRange(FragmentPcap.ReadIpPackets(FragFixture(name)));
        var t = Instant.Zero;
        foreach (byte[] packet in sources)
        {
            // Every prefix, with the length field rewritten to match so it still parses as a (shorter) packet.
            for (int n = 0; n <= packet.Length; n++)
            {
                byte[] cut = packet.AsSpan(0, n).ToArray();
                if (n >= 4 && cut[0] >> 4 == 4) BinaryPrimitives.WriteUInt16BigEndian(cut.AsSpan(2), (ushort)n);
                if (n >= 6 && cut[0] >> 4 == 6) BinaryPrimitives.WriteUInt16BigEndian(cut.AsSpan(4), (ushort)Math.Max(0, n - 40));
                Add(r, cut, t);
                t += Duration.FromMilliseconds(100);
                while (r.TryTakeExpired(t, out _)) { }
            }
        }
        for (int k = 0; k < 20000; k++)
        {
            byte[] m = (byte[])sources[rng.Next(sources.Count)].Clone();
            for (int flips = rng.Next(1, 6); flips > 0; flips--) m[rng.Next(Math.Min(m.Length, 64))] = (byte)rng.Next(256);
            Add(r, m, t);
            t += Duration.FromMilliseconds(rng.Next(0, 3000));
            while (r.TryTakeExpired(t, out var e)) Assert.That(e.FirstFragment.Length, Is.GreaterThan(0));
        }
        Assert.That(r.InProgress, Is.LessThanOrEqualTo(r.Capacity));
    }

    [Test]
    public void Thousands_of_reassemblies_allocate_nothing()
    {
        var packets = new List<byte[]>();
        packets.AddRange(FragmentPcap.ReadIpPackets(Fixture.Path("kernel-frag4.pcap")));
        packets.AddRange(FragmentPcap.ReadIpPackets(Fixture.Path("kernel-frag6.pcap")));
        packets.AddRange(FragmentPcap.ReadIpPackets(FragFixture("v4-shuffled-duplicates.pcap"))[1..]);
        packets.AddRange(FragmentPcap.ReadIpPackets(FragFixture("v6-overlap.pcap"))[1..]);
        var r = FragmentPcap.NewReassembler();
        long completed = 0;
        void Round(int rounds, ref long done)
        {
            var t = Instant.Zero;
            for (int k = 0; k < rounds; k++)
            {
                foreach (byte[] p in packets)
                    if (FragmentPcap.Add(r, p, t, out _) == ReassemblyStatus.Complete) done++;
                t += Duration.FromSeconds(61);
                while (r.TryTakeExpired(t, out _)) { }
                r.NextDeadline();
            }
        }
        Round(50, ref completed);
        long allocated = Allocations.Least(() => { completed = 0; Round(1000, ref completed); });
        Assert.That(allocated, Is.Zero);
        Assert.That(completed, Is.EqualTo(1000 * 5), "2 IPv4 pings, 2 IPv6 pings, 1 scapy datagram per round");
    }
}
