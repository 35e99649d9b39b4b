using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Ethox.Tests.Tools;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

/// <summary>
/// Every frame of every committed fixture (made by the Linux kernel and scapy) decoded by Ethox.Wire and by tshark,
/// compared field by field, layer by layer, as deep as our parsers go, checksum verdicts included; and the
/// pretty-printer's line for every frame checked against tshark's addresses and verdicts.
/// </summary>
/// <remarks>
/// tshark runs once per fixture file (its answer is shared by the tests of that file) with checksum verification on,
/// reassembly off (so every field belongs to the frame that carries it) and absolute sequence numbers (so SACK edges are
/// the raw values on the wire, like <c>tcp.seq_raw</c>). Our side is <see cref="EthoxFields"/>.
/// <para>Where the two legitimately differ, the difference is stated, not papered over:</para>
/// <list type="bullet">
/// <item>A header our parsers refuse (a length field past the frame, IHL or data offset too small) has no view, so its
/// fields and those above it are not compared; instead tshark must flag that same protocol with one of
/// <see cref="InvalidHeaderFlags"/>, and must flag nothing where we refuse nothing.</item>
/// <item>Checksums we cannot judge are "2" on both sides: the transport header of a first fragment or of a quote cut
/// short, and a zero UDP checksum over IPv4 (RFC 768: none computed). A UDP header whose length field covers more than
/// the bytes carried is refused by our view (it honours the length), so only that verdict is compared for it.</item>
/// <item>A TCP header quoted in an ICMP error is decoded by tshark only as far as it chooses, so beyond the ports its
/// fields must agree only where tshark reports them.</item>
/// <item>tshark lists End of Option List once in IPv4 and once per zero padding byte in TCP; tshark's IPv6 dissector also
/// fills <c>ip.version</c>; it names an 802.1ad S-tag <c>ieee8021ad</c>; it decodes a DHCP client identifier of
/// hardware type 1 with the chaddr fields. <see cref="EthoxFields"/> writes our values the same way.</item>
/// </list>
/// </remarks>
public class TsharkFixtureTests
{
    /// <summary>
    /// Every field compared. <see cref="EthoxFields"/> must only produce names from this list (checked), so a field we
    /// report cannot silently go unchecked.
    /// </summary>
    private static readonly string[] ComparedFields =
    [
        "eth.src", "eth.dst", "eth.type",
        "vlan.id", "vlan.priority", "vlan.dei", "vlan.etype", "ieee8021ad.id", "ieee8021ad.priority", "ieee8021ad.dei",
        "arp.hw.type", "arp.proto.type", "arp.hw.size", "arp.proto.size", "arp.opcode",
        "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4",
        "ip.version", "ip.hdr_len", "ip.dsfield.dscp", "ip.dsfield.ecn", "ip.len", "ip.id", "ip.flags.rb", "ip.flags.df",
        "ip.flags.mf", "ip.frag_offset", "ip.ttl", "ip.proto", "ip.checksum.status", "ip.src", "ip.dst",
        "ip.opt.type", "ip.opt.len", "ip.opt.ra",
        "ipv6.version", "ipv6.tclass", "ipv6.flow", "ipv6.plen", "ipv6.nxt", "ipv6.hlim", "ipv6.src", "ipv6.dst",
        "ipv6.hopopts.nxt", "ipv6.hopopts.len", "ipv6.dstopts.nxt", "ipv6.dstopts.len",
        "ipv6.routing.nxt", "ipv6.routing.len", "ipv6.routing.type", "ipv6.routing.segleft",
        "ipv6.fraghdr.nxt", "ipv6.fraghdr.offset", "ipv6.fraghdr.more", "ipv6.fraghdr.ident",
        "ipv6.opt.type", "ipv6.opt.length", "ipv6.opt.router_alert",
        "icmp.type", "icmp.code", "icmp.checksum.status", "icmp.ident", "icmp.seq", "icmp.mtu", "icmp.pointer", "icmp.redir_gw",
        "icmpv6.type", "icmpv6.code", "icmpv6.checksum.status", "icmpv6.echo.identifier", "icmpv6.echo.sequence_number",
        "icmpv6.mtu", "icmpv6.pointer",
        "icmpv6.nd.ra.cur_hop_limit", "icmpv6.nd.ra.flag", "icmpv6.nd.ra.router_lifetime", "icmpv6.nd.ra.reachable_time",
        "icmpv6.nd.ra.retrans_timer", "icmpv6.nd.ns.target_address", "icmpv6.nd.na.target_address",
        "icmpv6.nd.na.flag.r", "icmpv6.nd.na.flag.s", "icmpv6.nd.na.flag.o",
        "icmpv6.nd.rd.target_address", "icmpv6.rd.na.destination_address",
        "icmpv6.opt.type", "icmpv6.opt.length", "icmpv6.opt.linkaddr", "icmpv6.opt.mtu", "icmpv6.opt.prefix",
        "icmpv6.opt.prefix.length", "icmpv6.opt.prefix.flag.l", "icmpv6.opt.prefix.flag.a",
        "icmpv6.opt.prefix.valid_lifetime", "icmpv6.opt.prefix.preferred_lifetime",
        "icmpv6.mld.maximum_response_delay", "icmpv6.mld.maximum_response_code", "icmpv6.mld.multicast_address",
        "icmpv6.mld.flag.s", "icmpv6.mld.flag.qrv", "icmpv6.mld.qqi", "icmpv6.mld.nb_sources", "icmpv6.mld.source_address",
        "icmpv6.mldr.nb_mcast_records", "icmpv6.mldr.mar.record_type", "icmpv6.mldr.mar.aux_data_len",
        "icmpv6.mldr.mar.nb_sources", "icmpv6.mldr.mar.multicast_address", "icmpv6.mldr.mar.source_address",
        "udp.srcport", "udp.dstport", "udp.length", "udp.checksum.status",
        "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.flags", "tcp.window_size_value", "tcp.hdr_len",
        "tcp.len", "tcp.urgent_pointer", "tcp.checksum.status", "tcp.option_kind", "tcp.option_len",
        "tcp.options.mss_val", "tcp.options.wscale.shift", "tcp.options.sack_perm",
        "tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr", "tcp.options.sack_le", "tcp.options.sack_re",
        "dhcp.type", "dhcp.hw.type", "dhcp.hw.len", "dhcp.hops", "dhcp.id", "dhcp.secs", "dhcp.flags.bc", "dhcp.hw.mac_addr",
        "dhcp.ip.client", "dhcp.ip.your", "dhcp.ip.server", "dhcp.ip.relay", "dhcp.option.dhcp",
        "dhcp.option.dhcp_server_id", "dhcp.option.requested_ip_address", "dhcp.option.ip_address_lease_time",
        "dhcp.option.renewal_time_value", "dhcp.option.rebinding_time_value", "dhcp.option.subnet_mask",
        "dhcp.option.router", "dhcp.option.domain_name_server", "dhcp.option.dhcp_max_message_size",
        "dhcp.option.request_list_item",
        "igmp.version", "igmp.type", "igmp.checksum.status", "igmp.max_resp", "igmp.maddr", "igmp.s", "igmp.qrv", "igmp.qqic",
        "igmp.num_src", "igmp.saddr", "igmp.num_grp_recs", "igmp.record_type", "igmp.aux_data_len",
    ];

    /// <summary>
    /// tshark's expert items that say a header of a protocol we parse is invalid (a length or layout fault, not a
    /// remark about a valid packet such as "4 NOP in a row" or "RST"). The protocol is the part before the first dot.
    /// A frame carries one of these exactly when our parsers refuse a header or an option list of that protocol.
    /// </summary>
    private static readonly string[] InvalidHeaderFlags =
    [
        "eth.invalid_lentype.expert", "eth.len.past_end", "vlan.len.past_end", "vlan.too_many_tags",
        "ip.bogus_ip_length", "ip.bogus_header_length", "ip.bogus_ip_version", "ip.opt.len.invalid",
        "ipv6.plen_exceeds_framing", "ipv6.bogus_ipv6_version", "ipv6.invalid_header", "ipv6.opt.invalid_len",
        "ipv6.routing.invalid_length", "ipv6.hopopts.not_first",
        // tshark 4.0 files an option whose length runs past the options area under "Sequence/Note", but it is the
        // length fault our option reader reports as malformed.
        "tcp.bogus_header_length", "tcp.option.len.invalid", "tcp.short_segment",
        "udp.length.bad", "udp.length.bad_zero",
        "icmpv6.invalid_option_length",
    ];

    private const string Malformed = "_ws.malformed";
    private const string SourceColumn = "_ws.col.Source";
    private const string DestinationColumn = "_ws.col.Destination";

    private static readonly string[] ChecksumStatusFields =
        ComparedFields.Where(f => f.EndsWith(".checksum.status", StringComparison.Ordinal)).ToArray();

    private static readonly ConcurrentDictionary<string, Lazy<Decoded>> Cache = new(StringComparer.Ordinal);

    private sealed record Decoded(List<byte[]> Frames, IReadOnlyList<Dictionary<string, string>> Tshark);

    private static IEnumerable<string> FixtureNames() => Fixture.AllPcaps();

    /// <summary>Reads the fixture's frames and runs tshark on it, once per file however many tests ask.</summary>
    private static Decoded Decode(string fixture)
    {
        Tool.Require("tshark");
        return Cache.GetOrAdd(fixture, name => new Lazy<Decoded>(() =>
        {
            string path = Fixture.Path(name);
            var frames = new List<byte[]>();
            using (var stream = File.OpenRead(path))
            {
                Assert.That(PcapReader.TryOpen(stream, out var reader, out string reason), Is.True, reason);
                Assert.That(reader!.LinkType, Is.EqualTo(PcapLinkType.Ethernet), "fixtures are Ethernet captures");
                var buffer = new byte[262144];
                PcapReadStatus status;
                while ((status = reader.TryReadNext(buffer, out var record)) == PcapReadStatus.Record)
                    frames.Add(buffer.AsSpan(0, record.CapturedLength).ToArray());
                Assert.That(status, Is.EqualTo(PcapReadStatus.EndOfFile), "the fixture reads to a clean end");
            }
            // Absolute sequence numbers: tshark's SACK edges (which have no raw twin) are then the values on the wire.
            string[] preferences = [.. Tshark.NoReassembly, "tcp.relative_sequence_numbers:FALSE"];
            string[] fields = [.. ComparedFields, .. InvalidHeaderFlags, Malformed, SourceColumn, DestinationColumn];
            var rows = Tshark.FieldsWithPreferences(path, preferences, fields);
            Assert.That(rows, Has.Count.EqualTo(frames.Count), "tshark and PcapReader see the same number of frames");
            return new Decoded(frames, rows);
        })).Value;
    }

    private static SortedSet<string> FlaggedLayers(Dictionary<string, string> row)
        => new(InvalidHeaderFlags.Where(f => row[f].Length > 0).Select(f => f[..f.IndexOf('.')]), StringComparer.Ordinal);

    [TestCaseSource(nameof(FixtureNames))]
    public void Every_frame_parses_to_the_fields_tshark_reports(string fixture)
    {
        var decoded = Decode(fixture);
        var known = new HashSet<string>(ComparedFields, StringComparer.Ordinal);
        var problems = new List<string>();
        int compared = 0, skipped = 0;
        for (int i = 0; i < decoded.Frames.Count; i++)
        {
            int number = i + 1;
            var row = decoded.Tshark[i];
            var ours = EthoxFields.Describe(decoded.Frames[i]);

            foreach (string key in ours.Keys)
                if (!known.Contains(key)) problems.Add($"frame {number}: we report {key}, which is not in the compared field list");

            foreach (string field in ComparedFields)
            {
                if (ours.SkipReason(field) is not null)
                {
                    if (row[field].Length > 0) skipped++;
                    continue;
                }
                string theirs = TsharkText.Normalize(field, row[field]);
                string mine = ours.Value(field);
                if (mine.Length > 0) compared++;
                if (theirs == mine || (theirs.Length == 0 && ours.IsLenient(field))) continue;
                problems.Add($"frame {number}: {field}: ours '{mine}', tshark '{theirs}'");
            }

            // Structural faults: we refuse a header or option list of a protocol exactly where tshark flags that protocol.
            var ourLayers = new SortedSet<string>(ours.Rejections.Select(r => r.Layer), StringComparer.Ordinal);
            var theirLayers = FlaggedLayers(row);
            if (!ourLayers.SetEquals(theirLayers))
                problems.Add($"frame {number}: invalid headers: ours [{Describe(ours.Rejections)}], tshark flags [{string.Join(", ", theirLayers)}]");
            if (row[Malformed].Length > 0 && ourLayers.Count == 0)
                problems.Add($"frame {number}: tshark says malformed ({row[Malformed]}), our parsers accept every header");
        }
        TestContext.Out.WriteLine($"{fixture}: {decoded.Frames.Count} frames, {compared} fields with a value compared, {skipped} tshark fields not comparable");
        Assert.That(problems, Is.Empty, $"{fixture}: Ethox and tshark disagree:\n  " + string.Join("\n  ", problems));
    }

    [TestCaseSource(nameof(FixtureNames))]
    public void Printer_line_has_tshark_addresses_and_names_an_error_exactly_where_tshark_flags_one(string fixture)
    {
        var decoded = Decode(fixture);
        var problems = new List<string>();
        var line = new char[1024];
        int flaggedFrames = 0;
        for (int i = 0; i < decoded.Frames.Count; i++)
        {
            int number = i + 1;
            var row = decoded.Tshark[i];
            string text = new(line, 0, PacketPrinter.Format(decoded.Frames[i], PcapLinkType.Ethernet, line));

            foreach (string column in (string[])[SourceColumn, DestinationColumn])
                if (!ContainsAddress(text, row[column]))
                    problems.Add($"frame {number}: line does not name {row[column]} ({column}): {text}");

            bool flagged = row[Malformed].Length > 0 || FlaggedLayers(row).Count > 0
                || ChecksumStatusFields.Any(f => TsharkText.Occurrences(row[f]).Contains("0"));
            if (flagged) flaggedFrames++;
            if (flagged != NamesAnError(text))
                problems.Add($"frame {number}: tshark {(flagged ? "flags" : "does not flag")} the frame, the line {(flagged ? "names no error" : "names an error")}: {text}");
        }
        // The broken fixture has one defect per frame: tshark must still see every one, or this test would prove less.
        if (fixture == "crafted-broken.pcap") Assert.That(flaggedFrames, Is.EqualTo(decoded.Frames.Count), "tshark flags every broken frame");
        Assert.That(problems, Is.Empty, $"{fixture}:\n  " + string.Join("\n  ", problems));
    }

    /// <summary>True when the address appears in the line as a whole token (so 198.18.0.1 does not match 198.18.0.10).</summary>
    private static bool ContainsAddress(string line, string address)
    {
        for (int at = line.IndexOf(address, StringComparison.Ordinal); at >= 0; at = line.IndexOf(address, at + 1, StringComparison.Ordinal))
        {
            int end = at + address.Length;
            bool startOk = at == 0 || !IsAddressChar(line[at - 1]);
            bool endOk = end == line.Length || !IsAddressChar(line[end]);
            if (startOk && endOk) return true;
        }
        return false;

        static bool IsAddressChar(char c) => char.IsAsciiHexDigit(c) || c is '.' or ':';
    }

    /// <summary>True when the printer named an error: " [layer &lt;error words&gt;]" with the words of a <see cref="WireError"/>.</summary>
    private static bool NamesAnError(string line)
        => Enum.GetValues<WireError>().Where(e => e != WireError.None).Any(e => line.Contains($" {e.Describe()}]", StringComparison.Ordinal));

    private static string Describe(IReadOnlyList<Rejection> rejections)
        => string.Join(", ", rejections.Select(r => $"{r.Layer} {r.Error.Describe()}{(r.HeaderRefused ? " (header)" : "")}"));
}
