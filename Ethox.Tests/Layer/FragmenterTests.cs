using System;
using System.Collections.Generic;
using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Tests.Tools;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

public class FragmenterTests
{
    private static readonly Ipv4Address V4A = Ipv4Address.Parse("198.18.0.1");
    private static readonly Ipv4Address V4B = Ipv4Address.Parse("198.18.0.2");
    private static readonly Ipv6Address V6A = Ipv6Address.Parse("2001:db8::1");
    private static readonly Ipv6Address V6B = Ipv6Address.Parse("2001:db8::2");
    private static readonly Ipv6Address V6C = Ipv6Address.Parse("2001:db8:1::3");
    private static readonly EthernetAddress MacA = EthernetAddress.Parse("02:00:00:00:00:01");
    private static readonly EthernetAddress MacB = EthernetAddress.Parse("02:00:00:00:00:02");

    // Router Alert (type 148, copied) and Record Route (type 7, not copied) with one empty slot: 12 bytes of options.
    private static readonly byte[] Options = [148, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0, 1];

    private static byte[] Pattern(int n, int seed)
    {
        var b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte)(i * 13 + seed);
        return b;
    }

    // Writes an ICMP echo request of `data` bytes in an IPv4 datagram into `buffer`; returns its length.
    private static int WriteIcmpv4Echo(Span<byte> buffer, int data, ushort id, bool dontFragment = false, byte[]? options = null)
    {
        var icmp = Icmpv4Repr.EchoRequest(0x1234, 1, data);
        int optionsLength = options is null ? 0 : (options.Length + 3) / 4 * 4;
        var ip = new Ipv4Repr(V4A, V4B, IpProtocol.Icmp, icmp.BufferLength, 64)
        {
            Identification = id, DontFragment = dontFragment, OptionsLength = optionsLength,
        };
        if (buffer.Length < ip.TotalLength) return 0;
        Assert.That(ip.TryEmit(buffer, options ?? []), Is.True);
        Assert.That(icmp.TryEmit(buffer[ip.HeaderLength..], Pattern(data, data)), Is.True);
        return ip.TotalLength;
    }

    // Writes a UDP datagram in IPv6, after `extensions` (already-encoded extension headers whose first is `first`).
    private static int WriteUdpv6(Span<byte> buffer, int data, IpProtocol first = IpProtocol.Udp, byte[]? extensions = null)
    {
        extensions ??= [];
        var udp = new UdpRepr(4000, 5000, data);
        var ip = new Ipv6Repr(V6A, V6B, first, extensions.Length + udp.EmittedLength, 64);
        Assert.That(ip.TryEmit(buffer), Is.True);
        extensions.CopyTo(buffer[40..]);
        var u = buffer.Slice(40 + extensions.Length, udp.EmittedLength);
        Pattern(data, 3).CopyTo(u[8..]);
        Assert.That(udp.TryEmit(u, V6A, V6B), Is.True); // no segments left: the header's destination is final (RFC 8200 §8.1)
        return 40 + extensions.Length + udp.EmittedLength;
    }

    // Hop-by-Hop (PadN), a Segment Routing header (type 4, RFC 8754) with one segment and none left, Destination
    // Options (PadN) after it.
    private static byte[] ExtensionChain()
    {
        var chain = new byte[8 + 24 + 8];
        chain[0] = (byte)IpProtocol.Ipv6Route; chain[1] = 0; chain[2] = 1; chain[3] = 4;                       // Hop-by-Hop, PadN(4)
        chain[8] = (byte)IpProtocol.Ipv6Options; chain[9] = 2; chain[10] = 4; chain[11] = 0;                // SRH, segments left 0
        V6C.WriteTo(chain.AsSpan(16));
        chain[32] = (byte)IpProtocol.Udp; chain[33] = 0; chain[34] = 1; chain[35] = 4;                      // Destination Options, PadN(4)
        return chain;
    }

    private static List<byte[]> EmitAll(Fragmenter f, int mtu)
    {
        var fragments = new List<byte[]>();
        var tx = new byte[mtu];
        while (f.TryEmitNext(tx, out int length))
        {
            Assert.That(length, Is.LessThanOrEqualTo(mtu));
            fragments.Add(tx.AsSpan(0, length).ToArray());
            if (fragments.Count > 10000) Assert.Fail("never ends");
        }
        Assert.That(f.HasPending, Is.False);
        return fragments;
    }

    private static byte[] Frame(byte[] ip)
    {
        var frame = new byte[14 + ip.Length];
        var type = ip[0] >> 4 == 4 ? EtherType.Ipv4 : EtherType.Ipv6;
        Assert.That(new EthernetRepr(MacA, MacB, type).TryEmit(frame), Is.True);
        ip.CopyTo(frame, 14);
        return frame;
    }

    private static byte[] Reassemble(List<byte[]> fragments)
    {
        var r = FragmentPcap.NewReassembler();
        byte[]? result = null;
        // Backwards, so reassembly does not depend on arriving in order.
        for (int i = fragments.Count - 1; i >= 0; i--)
            if (FragmentPcap.Add(r, fragments[i], Instant.Zero, out var datagram) == ReassemblyStatus.Complete)
                result = datagram.ToArray();
        Assert.That(result, Is.Not.Null);
        return result!;
    }

    [Test]
    public void Tshark_reassembles_our_ipv4_fragments_into_an_icmp_echo_with_good_checksums()
    {
        var f = new Fragmenter(new byte[65535]);
        int length = WriteIcmpv4Echo(f.Reserve(8028), 8000, 0x0101);
        Assert.That(f.Commit(length, 0x4242, 1500), Is.EqualTo(FragmentationStatus.Ready));
        var fragments = EmitAll(f, 1500);
        Assert.That(fragments, Has.Count.EqualTo(6), "8008 bytes in 1480-byte pieces");
        var frames = fragments.ConvertAll(Frame);
        Tool.Require("tshark");
        var rows = Tshark.FieldsWithPreferences(frames, PcapLinkType.Ethernet, ["ip.defragment:TRUE"],
            "ip.checksum.status", "ip.id", "ip.flags.mf", "ip.frag_offset", "ip.reassembled.length", "icmp.type", "icmp.checksum.status", "_ws.expert");
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.That(rows[i]["ip.checksum.status"], Is.EqualTo("1"), $"fragment {i} header checksum");
            Assert.That(rows[i]["ip.id"], Is.EqualTo("0x4242"));
            Assert.That(rows[i]["ip.frag_offset"], Is.EqualTo((i * 1480 / 8).ToString()), "in 8-byte units");
            Assert.That(rows[i]["ip.flags.mf"], Is.EqualTo(i < rows.Count - 1 ? "True" : "False").Or.EqualTo(i < rows.Count - 1 ? "1" : "0"));
        }
        var last = rows[^1];
        Assert.That(last["ip.reassembled.length"], Is.EqualTo("8008"));
        Assert.That(last["icmp.type"], Is.EqualTo("8"));
        Assert.That(last["icmp.checksum.status"], Is.EqualTo("1"));
        Assert.That(last["_ws.expert"], Is.Empty);
    }

    [Test]
    public void Tshark_reassembles_our_ipv6_fragments_after_the_unfragmentable_extension_headers()
    {
        var f = new Fragmenter(new byte[65535]);
        byte[] chain = ExtensionChain();
        int length = WriteUdpv6(f.Reserve(40 + chain.Length + 8 + 5000), 5000, IpProtocol.HopByHop, chain);
        Assert.That(f.Commit(length, 0xDEADBEEF, 1280), Is.EqualTo(FragmentationStatus.Ready));
        var fragments = EmitAll(f, 1280);
        var frames = fragments.ConvertAll(Frame);
        Tool.Require("tshark");
        var rows = Tshark.FieldsWithPreferences(frames, PcapLinkType.Ethernet, ["ipv6.defragment:TRUE"],
            "ipv6.nxt", "ipv6.hopopts.nxt", "ipv6.routing.nxt", "ipv6.fraghdr.nxt", "ipv6.fraghdr.ident", "ipv6.reassembled.length", "udp.length", "udp.checksum.status", "_ws.expert");
        foreach (var row in rows)
        {
            // Hop-by-Hop, Routing, Fragment, then the Destination Options header that follows the Routing header.
            Assert.That(row["ipv6.nxt"], Is.EqualTo("0"));
            Assert.That(row["ipv6.hopopts.nxt"], Is.EqualTo("43"));
            Assert.That(row["ipv6.routing.nxt"], Is.EqualTo("44"));
            Assert.That(row["ipv6.fraghdr.nxt"], Is.EqualTo("60"));
            Assert.That(row["ipv6.fraghdr.ident"], Is.EqualTo("0xdeadbeef"));
        }
        var last = rows[^1];
        Assert.That(last["ipv6.reassembled.length"], Is.EqualTo((8 + 8 + 5000).ToString()), "Destination Options, UDP header, data");
        Assert.That(last["udp.length"], Is.EqualTo("5008"));
        Assert.That(last["udp.checksum.status"], Is.EqualTo("1"));
        Assert.That(last["_ws.expert"], Is.Empty);
    }

    [Test]
    public void Tshark_reassembles_our_ipv4_udp_fragments_with_a_good_udp_checksum()
    {
        var f = new Fragmenter(new byte[4000]);
        var span = f.Reserve(20 + 8 + 3000);
        var udp = new UdpRepr(1, 2, 3000);
        new Ipv4Repr(V4A, V4B, IpProtocol.Udp, udp.EmittedLength, 64).TryEmit(span);
        Pattern(3000, 9).CopyTo(span[28..]);
        udp.TryEmit(span[20..], V4A, V4B);
        Assert.That(f.Commit(span.Length, 77, 576), Is.EqualTo(FragmentationStatus.Ready));
        var frames = EmitAll(f, 576).ConvertAll(Frame);
        Tool.Require("tshark");
        var rows = Tshark.FieldsWithPreferences(frames, PcapLinkType.Ethernet, ["ip.defragment:TRUE"],
            "ip.reassembled.length", "udp.checksum.status", "_ws.expert");
        Assert.That(rows[^1]["ip.reassembled.length"], Is.EqualTo("3008"));
        Assert.That(rows[^1]["udp.checksum.status"], Is.EqualTo("1"));
        Assert.That(rows[^1]["_ws.expert"], Is.Empty);
    }

    [Test]
    public void Ipv4_fragments_carry_multiples_of_8_bytes_and_never_exceed_the_mtu()
    {
        var f = new Fragmenter(new byte[65535]);
        foreach (int size in new[] { 1, 7, 8, 9, 100, 1473, 1480, 1481, 5000, 65507 })
            foreach (int mtu in new[] { 68, 69, 75, 76, 576, 1006, 1500, 9000 })
            {
                int length = WriteIcmpv4Echo(f.Reserve(28 + size), size, 5);
                Assert.That(f.Commit(length, 9, mtu), Is.EqualTo(FragmentationStatus.Ready));
                var fragments = EmitAll(f, mtu);
                if (length <= mtu)
                {
                    Assert.That(fragments, Has.Count.EqualTo(1), "a datagram that fits is sent whole and unchanged");
                    Assert.That(fragments[0], Has.Length.EqualTo(length));
                    continue;
                }
                int expectedOffset = 0;
                for (int i = 0; i < fragments.Count; i++)
                {
                    Assert.That(Ipv4Packet.TryParse(fragments[i], out var ip, out _), Is.True);
                    Assert.That(ip.VerifyChecksum(), Is.True);
                    Assert.That(fragments[i].Length, Is.LessThanOrEqualTo(mtu));
                    Assert.That(ip.FragmentByteOffset, Is.EqualTo(expectedOffset));
                    Assert.That(ip.MoreFragments, Is.EqualTo(i < fragments.Count - 1));
                    if (ip.MoreFragments) Assert.That(ip.Payload.Length % 8, Is.Zero);
                    expectedOffset += ip.Payload.Length;
                }
                var expected = new byte[length];
                WriteIcmpv4Echo(expected, size, 9); // the caller's identification replaces the datagram's
                Assert.That(Reassemble(fragments), Is.EqualTo(expected), $"size {size}, mtu {mtu}");
            }
    }

    [Test]
    public void Only_options_with_the_copied_flag_go_into_fragments_after_the_first_RFC_791()
    {
        var f = new Fragmenter(new byte[4000]);
        int length = WriteIcmpv4Echo(f.Reserve(3000), 2000, 3, options: Options);
        Assert.That(f.Commit(length, 3, 1000), Is.EqualTo(FragmentationStatus.Ready));
        var fragments = EmitAll(f, 1000);
        Assert.That(fragments, Has.Count.GreaterThan(2));
        Assert.That(Ipv4Packet.TryParse(fragments[0], out var first, out _), Is.True);
        Assert.That(first.HeaderLength, Is.EqualTo(32), "the first fragment has every option");
        for (int i = 1; i < fragments.Count; i++)
        {
            Assert.That(Ipv4Packet.TryParse(fragments[i], out var later, out _), Is.True);
            Assert.That(later.HeaderLength, Is.EqualTo(24), "Router Alert only, padded to a word");
            var options = later.Options;
            Assert.That(options.TryNext(out var option), Is.True);
            Assert.That(option.Type, Is.EqualTo(Ipv4OptionType.RouterAlert));
            Assert.That(options.TryNext(out _), Is.False);
            Assert.That(options.Error, Is.EqualTo(WireError.None));
            Assert.That(later.VerifyChecksum(), Is.True);
        }
        byte[] original = new byte[length];
        WriteIcmpv4Echo(original, 2000, 3, options: Options);
        Assert.That(Reassemble(fragments), Is.EqualTo(original), "reassembly keeps the first fragment's header");
    }

    [Test]
    public void Uncopied_option_is_left_out_even_when_the_header_length_would_not_change()
    {
        // A 2-byte option with the copied flag (type 0x99) and a 2-byte one without (type 0x19): both headers are 24 bytes.
        byte[] options = [0x99, 2, 0x19, 2];
        var f = new Fragmenter(new byte[4000]);
        int length = WriteIcmpv4Echo(f.Reserve(2000), 1000, 3, options: options);
        Assert.That(f.Commit(length, 3, 600), Is.EqualTo(FragmentationStatus.Ready));
        var fragments = EmitAll(f, 600);
        Assert.That(fragments[0].AsSpan(20, 4).ToArray(), Is.EqualTo(options));
        for (int i = 1; i < fragments.Count; i++)
            Assert.That(fragments[i].AsSpan(20, 4).ToArray(), Is.EqualTo(new byte[] { 0x99, 2, 0, 0 }), "copied option, then End of Option List");
    }

    [Test]
    public void Ipv4_datagram_with_dont_fragment_is_refused_when_larger_than_the_mtu()
    {
        var f = new Fragmenter(new byte[4000]);
        int length = WriteIcmpv4Echo(f.Reserve(2028), 2000, 1, dontFragment: true);
        Assert.That(f.Commit(length, 1, 1500), Is.EqualTo(FragmentationStatus.DontFragment));
        Assert.That(f.HasPending, Is.False);
        Assert.That(f.TryEmitNext(new byte[1500], out _), Is.False);
        length = WriteIcmpv4Echo(f.Reserve(1028), 1000, 1, dontFragment: true);
        Assert.That(f.Commit(length, 1, 1500), Is.EqualTo(FragmentationStatus.Ready), "it fits: sent whole");
        var whole = EmitAll(f, 1500);
        Assert.That(whole, Has.Count.EqualTo(1));
        Assert.That(whole[0].Length, Is.EqualTo(length));
        Assert.That(f.DatagramsFragmented, Is.Zero);
    }

    [Test]
    public void Ipv6_fragments_respect_the_1280_byte_minimum_mtu_RFC_8200()
    {
        var f = new Fragmenter(new byte[10000]);
        int length = WriteUdpv6(f.Reserve(3048), 3000);
        Assert.That(f.Commit(length, 1, 1279), Is.EqualTo(FragmentationStatus.MtuTooSmall));
        Assert.That(f.HasPending, Is.False);
        Assert.That(f.Commit(length, 1, 1280), Is.EqualTo(FragmentationStatus.Ready));
        var fragments = EmitAll(f, 1280);
        Assert.That(fragments[0].Length, Is.EqualTo(1280), "40 + 8 + 1232: as much as fits, in 8-byte units");
        foreach (byte[] fragment in fragments) Assert.That(fragment.Length, Is.LessThanOrEqualTo(1280));
    }

    [Test]
    public void Ipv6_fragment_header_goes_after_hop_by_hop_and_routing_and_before_later_destination_options()
    {
        var f = new Fragmenter(new byte[10000]);
        byte[] chain = ExtensionChain();
        int length = WriteUdpv6(f.Reserve(3000), 2500, IpProtocol.HopByHop, chain);
        byte[] original = f.Reserve(length).ToArray();
        Assert.That(f.Commit(length, 0x01020304, 1400), Is.EqualTo(FragmentationStatus.Ready));
        var fragments = EmitAll(f, 1400);
        int expectedOffset = 0;
        for (int i = 0; i < fragments.Count; i++)
        {
            Assert.That(Ipv6Packet.TryParse(fragments[i], out var ip, out _), Is.True);
            Assert.That(ip.Bytes.Length, Is.EqualTo(fragments[i].Length), "Payload Length fixed");
            var reader = ip.ExtensionHeaders;
            Assert.That(reader.TryNext(out var h) && h.Type == IpProtocol.HopByHop, Is.True);
            Assert.That(reader.TryNext(out h) && h.Type == IpProtocol.Ipv6Route, Is.True);
            Assert.That(reader.TryNext(out h) && h.Type == IpProtocol.Ipv6Fragment, Is.True);
            Assert.That(Ipv6FragmentHeader.TryParse(h.Bytes, out var fh, out _), Is.True);
            Assert.That(fh.NextHeader, Is.EqualTo(IpProtocol.Ipv6Options), "the fragmentable part starts with the Destination Options header");
            Assert.That(fh.Identification, Is.EqualTo(0x01020304u));
            Assert.That(fh.FragmentByteOffset, Is.EqualTo(expectedOffset));
            Assert.That(fh.MoreFragments, Is.EqualTo(i < fragments.Count - 1));
            int data = fragments[i].Length - 40 - 32 - 8;
            if (fh.MoreFragments) Assert.That(data % 8, Is.Zero);
            expectedOffset += data;
        }
        Assert.That(expectedOffset, Is.EqualTo(8 + 8 + 2500));
        Assert.That(Reassemble(fragments), Is.EqualTo(original));
    }

    [Test]
    public void Pending_datagram_makes_the_fragmenter_busy_and_destination_too_short_consumes_nothing()
    {
        var f = new Fragmenter(new byte[4000]);
        int length = WriteIcmpv4Echo(f.Reserve(3028), 3000, 1);
        Assert.That(f.Commit(length, 1, 1500), Is.EqualTo(FragmentationStatus.Ready));
        Assert.That(f.HasPending, Is.True);
        Assert.That(f.Reserve(100).IsEmpty, Is.True);
        Assert.That(f.Commit(length, 1, 1500), Is.EqualTo(FragmentationStatus.Busy));
        Assert.That(f.TryEmitNext(new byte[1499], out int n), Is.False);
        Assert.That(n, Is.Zero);
        var fragments = EmitAll(f, 1500);
        Assert.That(fragments, Has.Count.EqualTo(3));
        Assert.That(f.FragmentsEmitted, Is.EqualTo(3));
        Assert.That(f.DatagramsFragmented, Is.EqualTo(1));
        f.Reserve(length);
        Assert.That(f.Commit(length, 2, 1500), Is.EqualTo(FragmentationStatus.Ready));
        f.Cancel();
        Assert.That(f.HasPending, Is.False);
    }

    [Test]
    public void Bad_lengths_malformed_datagrams_and_tiny_mtus_are_statuses()
    {
        var f = new Fragmenter(new byte[70000]);
        Assert.That(f.Capacity, Is.EqualTo(65535));
        Assert.That(f.Reserve(0).IsEmpty && f.Reserve(65536).IsEmpty, Is.True);
        Assert.That(f.Commit(0, 1, 1500), Is.EqualTo(FragmentationStatus.BadLength));
        Assert.That(f.Commit(65536, 1, 1500), Is.EqualTo(FragmentationStatus.BadLength));
        f.Reserve(100).Clear();
        Assert.That(f.Commit(100, 1, 1500), Is.EqualTo(FragmentationStatus.Malformed), "version 0");
        int length = WriteIcmpv4Echo(f.Reserve(1028), 1000, 1);
        Assert.That(f.Commit(length - 1, 1, 500), Is.EqualTo(FragmentationStatus.Malformed), "Total Length disagrees");
        Assert.That(f.Commit(length + 1, 1, 500), Is.EqualTo(FragmentationStatus.Malformed), "Total Length disagrees");
        Assert.That(f.Commit(length, 1, 27), Is.EqualTo(FragmentationStatus.MtuTooSmall), "no room for 8 bytes of data");
        var ip = f.Reserve(length);
        Ipv4Packet.TryParse(ip, out var packet, out _);
        packet.MoreFragments = true;
        Assert.That(f.Commit(length, 1, 500), Is.EqualTo(FragmentationStatus.Malformed), "already a fragment");
        // An options area whose option runs past it.
        length = WriteIcmpv4Echo(f.Reserve(1040), 1000, 1, options: [7, 40, 4, 0]);
        Assert.That(f.Commit(length, 1, 500), Is.EqualTo(FragmentationStatus.Malformed));
        Assert.That(f.HasPending, Is.False);
    }

    [Test]
    public void Every_truncation_of_a_datagram_is_a_status_and_never_throws()
    {
        var f = new Fragmenter(new byte[6000]);
        var tx = new byte[1500];
        byte[] v4 = new byte[5100];
        int v4Length = WriteIcmpv4Echo(v4, 5000, 1, options: Options);
        byte[] v6 = new byte[5100];
        int v6Length = WriteUdpv6(v6, 5000, IpProtocol.HopByHop, ExtensionChain());
        foreach (byte[] datagram in new[] { v4[..v4Length], v6[..v6Length] })
            for (int n = 0; n <= datagram.Length; n++)
            {
                datagram.AsSpan(0, n).CopyTo(f.Reserve(Math.Max(n, 1)));
                var status = f.Commit(n, 1, 1280);
                Assert.That(status, Is.EqualTo(n == datagram.Length ? FragmentationStatus.Ready : n == 0 ? FragmentationStatus.BadLength : FragmentationStatus.Malformed));
                while (f.TryEmitNext(tx, out int length)) Assert.That(length, Is.LessThanOrEqualTo(1280));
            }
    }

    [Test]
    public void Fragmenting_thousands_of_datagrams_allocates_nothing()
    {
        var f = new Fragmenter(new byte[10000]);
        var tx = new byte[1500];
        byte[] v4 = new byte[9100];
        int v4Length = WriteIcmpv4Echo(v4, 9000, 1, options: Options);
        byte[] v6 = new byte[9100];
        int v6Length = WriteUdpv6(v6, 9000, IpProtocol.HopByHop, ExtensionChain());
        long fragments = 0;
        void Run(int rounds, ref long count)
        {
            for (int k = 0; k < rounds; k++)
            {
                v4.AsSpan(0, v4Length).CopyTo(f.Reserve(v4Length));
                f.Commit(v4Length, (uint)k, 1500);
                while (f.TryEmitNext(tx, out _)) count++;
                v6.AsSpan(0, v6Length).CopyTo(f.Reserve(v6Length));
                f.Commit(v6Length, (uint)k, 1280);
                while (f.TryEmitNext(tx, out _)) count++;
            }
        }
        Run(50, ref fragments);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(2000, ref fragments);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(fragments, Is.EqualTo(2050 * (7 + 8)), "7 IPv4 and 8 IPv6 fragments a round");
    }
}
