using System;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

public class IgmpTests
{
    private static readonly Ipv4Address Group = Ipv4Address.Parse("239.1.2.3");
    private static readonly Ipv4Address Source5 = Ipv4Address.Parse("198.18.0.5");
    private static readonly Ipv4Address Source6 = Ipv4Address.Parse("198.18.0.6");

    // scapy (load_contrib('igmp')): IGMP(type=0x16, gaddr='239.1.2.3') - scapy's default max resp time of 2 s in a report
    private static byte[] V2ReportScapyDefault => Convert.FromHexString("1614f8e6ef010203");
    // scapy: IGMP(type=0x16, mrcode=0, gaddr='239.1.2.3') - RFC 2236 §2.2: zero in non-query messages
    private static byte[] V2Report => Convert.FromHexString("1600f8faef010203");
    // scapy: IGMP(type=0x17, mrcode=0, gaddr='239.1.2.3')
    private static byte[] Leave => Convert.FromHexString("1700f7faef010203");
    // scapy: IGMP(type=0x12, mrcode=0, gaddr='224.1.1.1')
    private static byte[] V1Report => Convert.FromHexString("12000cfde0010101");
    // scapy: IGMP(type=0x11, mrcode=100, gaddr='0.0.0.0')
    private static byte[] V2Query => Convert.FromHexString("1164ee9b00000000");
    // scapy: IGMP(type=0x11, mrcode=0, gaddr='0.0.0.0')
    private static byte[] V1Query => Convert.FromHexString("1100eeff00000000");
    // scapy (load_contrib('igmpv3')): IGMPv3(type=0x11, mrcode=200)/IGMPv3mq(gaddr='239.1.2.3', s=1, qrv=2, qqic=125, srcaddrs=['198.18.0.5','198.18.0.6'])
    private static byte[] V3Query => Convert.FromHexString("11c86683ef0102030a7d0002c6120005c6120006");
    // scapy: IGMPv3(type=0x11, mrcode=0x8f)/IGMPv3mq(gaddr='0.0.0.0', qrv=7, qqic=0x9a)
    private static byte[] V3GeneralQuery => Convert.FromHexString("118fe6d600000000079a0000");
    // scapy: IGMPv3(type=0x22)/IGMPv3mr(records=[IGMPv3gr(rtype=1, maddr='239.1.1.1', srcaddrs=['198.18.0.5','198.18.0.6']),
    //   IGMPv3gr(rtype=4, maddr='239.2.2.2')])
    private static byte[] V3Report => Convert.FromHexString("22006bc30000000201000002ef010101c6120005c612000604000000ef020202");

    [Test]
    public void Version_2_report_leave_and_v1_messages_read_field_by_field_rfc2236()
    {
        Assert.That(IgmpRepr.TryParse(V2ReportScapyDefault, out var r, out var err), Is.True, err.Describe());
        Assert.That((r.Type, r.Version, r.Group, r.MaxResponseTime), Is.EqualTo((IgmpMessageType.V2MembershipReport, IgmpVersion.V2, Group, 0)),
            "max response time is ignored outside queries");
        Assert.That(IgmpRepr.TryParse(Leave, out r, out err), Is.True, err.Describe());
        Assert.That((r.Type, r.Version, r.Group), Is.EqualTo((IgmpMessageType.LeaveGroup, IgmpVersion.V2, Group)));
        Assert.That(IgmpRepr.TryParse(V1Report, out r, out err), Is.True, err.Describe());
        Assert.That((r.Type, r.Version, r.Group), Is.EqualTo((IgmpMessageType.V1MembershipReport, IgmpVersion.V1, Ipv4Address.Parse("224.1.1.1"))));
    }

    [Test]
    public void Query_version_follows_length_and_max_response_code_rfc3376_section_7_1()
    {
        Assert.That(IgmpPacket.TryParse(V1Query, out var p, out _), Is.True);
        Assert.That(p.Version, Is.EqualTo(IgmpVersion.V1));
        Assert.That(IgmpRepr.TryParse(V2Query, out var r, out var err), Is.True, err.Describe());
        Assert.That((r.Version, r.Group, r.MaxResponseTime), Is.EqualTo((IgmpVersion.V2, Ipv4Address.Unspecified, 100)));
        Assert.That(IgmpRepr.TryParse(V3Query, out r, out err), Is.True, err.Describe());
        Assert.That(r.Version, Is.EqualTo(IgmpVersion.V3));
        foreach (int length in new[] { 9, 10, 11 })
        {
            var odd = new byte[length];
            V2Query.CopyTo(odd, 0);
            Assert.That(IgmpPacket.TryParse(odd, out _, out err), Is.False);
            Assert.That(err, Is.EqualTo(WireError.Malformed), $"length {length} is ignored by RFC 3376 §7.1");
        }
    }

    [Test]
    public void Version_3_query_reads_flags_codes_and_sources_rfc3376_section_4_1()
    {
        Assert.That(IgmpPacket.TryParse(V3Query, out var p, out var err), Is.True, err.Describe());
        Assert.That(p.MaxResponseCode, Is.EqualTo(0xC8));
        Assert.That(p.SuppressRouterProcessing, Is.True);
        Assert.That(p.QuerierRobustness, Is.EqualTo(2));
        Assert.That(p.QueryIntervalCode, Is.EqualTo(125));
        Assert.That(p.NumberOfSources, Is.EqualTo(2));
        Assert.That(IgmpRepr.TryParse(p, out var r, out err), Is.True, err.Describe());
        Assert.That(r.Group, Is.EqualTo(Group));
        Assert.That(r.MaxResponseTime, Is.EqualTo(3072), "0xC8: exp 4, mant 8 -> (8|16) << 7");
        Assert.That(r.QueryInterval, Is.EqualTo(125));
        Assert.That(r.SuppressRouterProcessing, Is.True);
        Assert.That(r.QuerierRobustness, Is.EqualTo(2));
        Assert.That(r.Sources.Count, Is.EqualTo(2));
        int i = 0;
        foreach (var source in r.Sources) Assert.That(source, Is.EqualTo(i++ == 0 ? Source5 : Source6));

        Assert.That(IgmpRepr.TryParse(V3GeneralQuery, out r, out err), Is.True, err.Describe());
        Assert.That((r.Group, r.MaxResponseTime, r.QueryInterval, r.QuerierRobustness, r.SuppressRouterProcessing, r.Sources.Count),
            Is.EqualTo((Ipv4Address.Unspecified, 248, 416, (byte)7, false, 0)));
    }

    [Test]
    public void Version_3_report_records_and_sources_are_read_without_allocating_rfc3376_section_4_2()
    {
        var bytes = V3Report;
        Assert.That(IgmpPacket.TryParse(bytes, out var p, out var err), Is.True, err.Describe());
        Assert.That(p.NumberOfGroupRecords, Is.EqualTo(2));
        Assert.That(IgmpRepr.TryParse(p, out var r, out err), Is.True, err.Describe());
        Assert.That((r.Type, r.Version), Is.EqualTo((IgmpMessageType.V3MembershipReport, IgmpVersion.V3)));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var records = p.GroupRecords;
        bool first = records.TryNext(out var rec1);
        var type1 = rec1.RecordType;
        var group1 = rec1.MulticastAddress;
        int sources1 = rec1.Sources.Count;
        var source1 = rec1.Sources[1];
        bool second = records.TryNext(out var rec2);
        var type2 = rec2.RecordType;
        var group2 = rec2.MulticastAddress;
        int sources2 = rec2.Sources.Count;
        bool third = records.TryNext(out _);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That((first, second, third, records.Error), Is.EqualTo((true, true, false, WireError.None)));
        Assert.That((type1, group1, sources1, source1), Is.EqualTo((IgmpGroupRecordType.ModeIsInclude, Ipv4Address.Parse("239.1.1.1"), 2, Source6)));
        Assert.That((type2, group2, sources2), Is.EqualTo((IgmpGroupRecordType.ChangeToExcludeMode, Ipv4Address.Parse("239.2.2.2"), 0)));
        Assert.That(rec2.AuxData.IsEmpty, Is.True);
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void Version_1_and_2_messages_emit_byte_identical_to_scapy()
    {
        AssertEmits(new IgmpRepr { Type = IgmpMessageType.V2MembershipReport, Version = IgmpVersion.V2, Group = Group }, V2Report);
        AssertEmits(new IgmpRepr { Type = IgmpMessageType.LeaveGroup, Version = IgmpVersion.V2, Group = Group }, Leave);
        AssertEmits(new IgmpRepr { Type = IgmpMessageType.V1MembershipReport, Version = IgmpVersion.V1, Group = Ipv4Address.Parse("224.1.1.1") }, V1Report);
        AssertEmits(new IgmpRepr { Type = IgmpMessageType.MembershipQuery, Version = IgmpVersion.V2, MaxResponseTime = 100 }, V2Query);
        AssertEmits(new IgmpRepr { Type = IgmpMessageType.MembershipQuery, Version = IgmpVersion.V1, MaxResponseTime = 100 }, V1Query);
    }

    [Test]
    public void Version_3_query_emits_byte_identical_to_scapy()
    {
        ReadOnlySpan<Ipv4Address> sources = [Source5, Source6];
        AssertEmits(new IgmpRepr
        {
            Type = IgmpMessageType.MembershipQuery, Version = IgmpVersion.V3, Group = Group, MaxResponseTime = 3072,
            SuppressRouterProcessing = true, QuerierRobustness = 2, QueryInterval = 125, Sources = new Ipv4AddressList(sources),
        }, V3Query);
        AssertEmits(new IgmpRepr
        {
            Type = IgmpMessageType.MembershipQuery, Version = IgmpVersion.V3, MaxResponseTime = 250, QuerierRobustness = 7, QueryInterval = 420,
        }, V3GeneralQuery); // 250 and 420 round down to 248 and 416
    }

    private static void AssertEmits(IgmpRepr repr, byte[] expected)
    {
        Assert.That(repr.EmittedLength, Is.EqualTo(expected.Length));
        var buf = new byte[expected.Length];
        Array.Fill(buf, (byte)0xEE);
        Assert.That(repr.TryEmit(buf), Is.True);
        Assert.That(buf, Is.EqualTo(expected));
        Assert.That(repr.TryEmit(new byte[expected.Length - 1]), Is.False);
    }

    [Test]
    public void Version_3_report_writer_emits_byte_identical_to_scapy()
    {
        var buf = new byte[V3Report.Length];
        Array.Fill(buf, (byte)0xEE);
        var writer = new IgmpV3ReportWriter(buf);
        Assert.That(writer.TryAddRecord(IgmpGroupRecordType.ModeIsInclude, Ipv4Address.Parse("239.1.1.1"), [Source5, Source6]), Is.True);
        Assert.That(writer.TryAddRecord(IgmpGroupRecordType.ChangeToExcludeMode, Ipv4Address.Parse("239.2.2.2"), []), Is.True);
        Assert.That(writer.TryAddRecord(IgmpGroupRecordType.AllowNewSources, Group, []), Is.False, "buffer full");
        Assert.That(writer.TryFinish(out int length), Is.True);
        Assert.That(length, Is.EqualTo(V3Report.Length));
        Assert.That(buf, Is.EqualTo(V3Report));

        Assert.That(new IgmpV3ReportWriter(new byte[7]).TryFinish(out _), Is.False);
        var empty = new byte[8];
        Assert.That(new IgmpRepr { Type = IgmpMessageType.V3MembershipReport, Version = IgmpVersion.V3 }.TryEmit(empty), Is.True);
        Assert.That(IgmpPacket.TryParse(empty, out var p, out _) && p.NumberOfGroupRecords == 0 && p.VerifyChecksum(), Is.True);
    }

    [Test]
    public void Bad_checksum_and_unknown_types_return_a_status()
    {
        var bytes = V3Report;
        bytes[^1] ^= 1;
        Assert.That(IgmpRepr.TryParse(bytes, out _, out var err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.BadChecksum));
        var unknown = V2Report;
        unknown[0] = 0x30;
        IgmpPacket.TryParse(unknown, out var p, out _);
        p.FillChecksum();
        Assert.That(IgmpRepr.TryParse(p, out _, out err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Unsupported));
        Assert.That(new IgmpRepr { Type = (IgmpMessageType)0x30 }.TryEmit(new byte[8]), Is.False);
    }

    [Test]
    public void Hostile_source_and_record_counts_are_truncated()
    {
        var query = V3Query;
        query[11] = 3; // three sources, two present
        Assert.That(IgmpPacket.TryParse(query, out _, out var err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Truncated));

        var report = V3Report;
        report[7] = 3; // three records, two present
        Assert.That(IgmpPacket.TryParse(report, out _, out err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Truncated));
        report = V3Report;
        report[11] = 3; // first record claims three sources
        Assert.That(IgmpPacket.TryParse(report, out _, out err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Truncated));
        report = V3Report;
        report[9] = 0xFF; // aux data length of 255 words
        Assert.That(IgmpPacket.TryParse(report, out _, out err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Truncated));
        report = V3Report;
        report[6] = 0xFF; report[7] = 0xFF; // 65535 records: the walk stops at the buffer end
        Assert.That(IgmpPacket.TryParse(report, out _, out err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Truncated));
    }

    [Test]
    public void Time_codes_round_trip_and_round_down_rfc3376_section_4_1_1()
    {
        for (int code = 0; code < 256; code++)
            Assert.That(IgmpPacket.EncodeTime(IgmpPacket.DecodeTime((byte)code)), Is.EqualTo(code), $"code {code}");
        Assert.That(IgmpPacket.DecodeTime(0xFF), Is.EqualTo(31744));
        Assert.That(IgmpPacket.EncodeTime(100_000), Is.EqualTo(0xFF));
        Assert.That(IgmpPacket.EncodeTime(-5), Is.EqualTo(0));
        for (int value = 0; value < 40_000; value += 7)
        {
            int decoded = IgmpPacket.DecodeTime(IgmpPacket.EncodeTime(value));
            Assert.That(decoded, Is.LessThanOrEqualTo(value));
            Assert.That(decoded, Is.GreaterThan(Math.Min(value, 31744) * 15 / 16 - 1));
        }
    }

    [Test]
    public void Every_prefix_returns_a_status()
    {
        Assert.That(PrefixAndMutation.EveryPrefix(V2Report, ParseEverything), Is.All.EqualTo(WireError.Truncated));
        var query = PrefixAndMutation.EveryPrefix(V3Query, ParseEverything);
        Assert.That(query[..8], Is.All.EqualTo(WireError.Truncated));
        Assert.That(query[8], Is.EqualTo(WireError.BadChecksum), "an 8-byte cut reads as a v2 query");
        Assert.That(query[9..12], Is.All.EqualTo(WireError.Malformed));
        Assert.That(query[12..], Is.All.EqualTo(WireError.Truncated));
        var report = PrefixAndMutation.EveryPrefix(V3Report, ParseEverything);
        Assert.That(report, Is.All.EqualTo(WireError.Truncated));
    }

    [Test]
    public void Random_mutations_never_throw()
    {
        int accepted = PrefixAndMutation.Mutate([V2Report, Leave, V1Query, V3Query, V3GeneralQuery, V3Report], 50_000, 3376, ParseEverything);
        Assert.That(accepted, Is.GreaterThan(100));
    }

    [Test]
    public void Parse_and_emit_allocate_nothing()
    {
        var buf = V3Query;
        ParseEverything(buf);
        int done = 0, sources = 0;
        var group = Ipv4Address.Unspecified;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            if (IgmpRepr.TryParse(buf, out var repr, out _) && repr.TryEmit(buf))
            {
                done++;
                group = repr.Group;
                sources = repr.Sources.Count;
            }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(done, Is.EqualTo(1000));
        Assert.That((group, sources), Is.EqualTo((Ipv4Address.Parse("239.1.2.3"), 2)));
        Assert.That(buf, Is.EqualTo(V3Query), "the query emitted over itself is the one parsed");
    }

    private static WireError ParseEverything(Span<byte> buffer)
    {
        if (!IgmpPacket.TryParse(buffer, out var p, out var err)) return err;
        _ = (int)p.Version + p.QueryIntervalCode + p.QuerierRobustness + (p.SuppressRouterProcessing ? 1 : 0) + p.GroupAddress.Value;
        foreach (var s in p.Sources) _ = s.Value;
        var records = p.GroupRecords;
        while (records.TryNext(out var record))
        {
            _ = (int)record.RecordType + record.MulticastAddress.Value + record.AuxData.Length + record.Length;
            foreach (var s in record.Sources) _ = s.Value;
        }
        if (!IgmpRepr.TryParse(p, out var repr, out err)) return err;
        if (repr.Type != IgmpMessageType.V3MembershipReport)
        {
            Span<byte> scratch = stackalloc byte[repr.EmittedLength];
            Assert.That(repr.TryEmit(scratch), Is.True);
            Assert.That(IgmpRepr.TryParse(scratch, out _, out err), Is.True, err.Describe());
        }
        return WireError.None;
    }
}
