using System;
using System.Buffers.Binary;
using Ethox.Wire;
using NUnit.Framework;
using static Ethox.Tests.Wire.IpTestSupport;

namespace Ethox.Tests.Wire;

public class MldTests
{
    private static readonly Ipv6Address Group3 = Ipv6Address.Parse("ff05::1:3");
    private static readonly Ipv6Address Group4 = Ipv6Address.Parse("ff05::1:4");
    private static readonly Ipv6Address S1 = Ipv6Address.Parse("2001:db8::1");
    private static readonly Ipv6Address S2 = Ipv6Address.Parse("2001:db8::2");

    private static (byte[] Message, Ipv6Address Source, Ipv6Address Destination) MessageOf(string vector) => Icmpv6Tests.MessageOf(vector);

    private static MldRepr ParseRepr(string vector)
    {
        var (message, source, destination) = MessageOf(vector);
        Assert.That(Icmpv6Packet.TryParse(message, out var packet, out var error), Is.True, error.Describe());
        Assert.That(MldRepr.TryParse(packet, source, destination, out var repr, out error), Is.True, error.Describe());
        return repr;
    }

    private static WireError ParseError(byte[] message, Ipv6Address source, Ipv6Address destination)
    {
        Icmpv6Packet.TryParse(message, out var packet, out var error);
        packet.FillChecksum(source, destination);
        MldRepr.TryParse(packet, source, destination, out _, out error);
        return error;
    }

    [Test]
    public void Mldv1_query_report_and_done_match_scapy()
    {
        var cases = new (MldRepr Repr, string Vector)[]
        {
            (MldRepr.Query(Ipv6Address.Unspecified, 10000), IpScapyVectors.MldV1Query),
            (MldRepr.Report(Ipv6Address.Parse("ff02::1:3")), IpScapyVectors.MldV1Report),
            (MldRepr.Done(Ipv6Address.Parse("ff02::1:3")), IpScapyVectors.MldV1Done),
        };
        foreach (var (repr, vector) in cases)
        {
            Assert.That(ParseRepr(vector), Is.EqualTo(repr), repr.Type.ToString());
            var (expected, source, destination) = MessageOf(vector);
            var buffer = new byte[repr.BufferLength];
            Assert.That(repr.TryEmit(buffer, source, destination), Is.True);
            Assert.That(buffer, Is.EqualTo(expected), repr.Type.ToString());
        }
        var (query, _, _) = MessageOf(IpScapyVectors.MldV1Query);
        Icmpv6Packet.TryParse(query, out var packet, out _);
        Assert.That(MldPacket.TryParse(packet, out var view, out _), Is.True);
        Assert.That((view.IsVersion2, view.MaximumResponseDelay, view.SourceCount, view.RecordCount), Is.EqualTo((false, 10000u, 0, 0)), "24 bytes: MLDv1 (RFC 3810 §8.1)");
    }

    [Test]
    public void Mldv2_query_fields_and_sources_match_scapy()
    {
        var (message, source, destination) = MessageOf(IpScapyVectors.MldV2Query);
        Icmpv6Packet.TryParse(message, out var packet, out _);
        Assert.That(MldPacket.TryParse(packet, out var view, out _), Is.True);
        Assert.That(view.IsVersion2, Is.True);
        Assert.That((view.MaximumResponseCode, view.MaximumResponseDelay), Is.EqualTo(((ushort)0x9234, 74560u)), "(0x234 | 0x1000) << (1 + 3)");
        Assert.That(view.MulticastAddress, Is.EqualTo(Group3));
        Assert.That((view.SuppressRouterSideProcessing, view.Robustness), Is.EqualTo((true, (byte)2)));
        Assert.That((view.QueryIntervalCode, view.QueryInterval), Is.EqualTo(((byte)0x8A, 208u)), "(0xA | 0x10) << 3");
        Assert.That(view.SourceCount, Is.EqualTo(2));
        Assert.That((view.Source(0), view.Source(1), view.Source(2), view.Source(-1)), Is.EqualTo((S1, S2, default(Ipv6Address), default(Ipv6Address))));

        var expected = MldRepr.QueryV2(Group3, 74560, 2, 208, 2, suppressRouterSideProcessing: true);
        var repr = ParseRepr(IpScapyVectors.MldV2Query);
        Assert.That(repr, Is.EqualTo(expected));
        var buffer = new byte[repr.BufferLength];
        Assert.That(repr.TryEmit(buffer, source, destination, new[] { S1, S2 }), Is.True);
        Assert.That(buffer, Is.EqualTo(message));
        Assert.That(repr.TryEmit(buffer, source, destination, new[] { S1 }), Is.False, "fewer sources than the count");
    }

    [Test]
    public void Mldv2_report_records_are_read_and_written_like_scapy()
    {
        var (message, source, destination) = MessageOf(IpScapyVectors.MldV2Report);
        var repr = ParseRepr(IpScapyVectors.MldV2Report);
        Assert.That((repr.Type, repr.RecordCount), Is.EqualTo((Icmpv6Type.MulticastListenerReportV2, 2)));

        Icmpv6Packet.TryParse(message, out var packet, out _);
        MldPacket.TryParse(packet, out var view, out _);
        var records = view.Records;
        Assert.That(records.TryNext(out var first), Is.True);
        Assert.That((first.Type, first.MulticastAddress, first.SourceCount, first.AuxDataLength), Is.EqualTo((MldRecordType.ChangeToExclude, Group3, 0, 0)));
        Assert.That(records.TryNext(out var second), Is.True);
        Assert.That((second.Type, second.MulticastAddress, second.SourceCount), Is.EqualTo((MldRecordType.ModeIsInclude, Group4, 2)));
        Assert.That((second.Source(0), second.Source(1), second.AuxData.Length), Is.EqualTo((S1, S2, 0)));
        Assert.That(records.TryNext(out _), Is.False);
        Assert.That(records.Error, Is.EqualTo(WireError.None));

        var buffer = new byte[200];
        var writer = new MldReportWriter(buffer);
        Assert.That(writer.TryAdd(MldRecordType.ChangeToExclude, Group3, ReadOnlySpan<Ipv6Address>.Empty), Is.True);
        Assert.That(writer.TryAdd(MldRecordType.ModeIsInclude, Group4, new[] { S1, S2 }), Is.True);
        Assert.That(writer.TryFinish(source, destination, out int length), Is.True);
        Assert.That(buffer.AsSpan(0, length).ToArray(), Is.EqualTo(message));
    }

    [Test]
    public void Report_writer_stops_at_the_end_of_its_buffer()
    {
        var buffer = new byte[8 + 20 + 36];
        var writer = new MldReportWriter(buffer);
        Assert.That(writer.TryAdd(MldRecordType.AllowNewSources, Group3, new[] { S1 }), Is.True);
        Assert.That(writer.TryAdd(MldRecordType.BlockOldSources, Group4, new[] { S1 }), Is.False);
        Assert.That(writer.TryAdd(MldRecordType.BlockOldSources, Group4, ReadOnlySpan<Ipv6Address>.Empty), Is.True);
        Assert.That((writer.RecordCount, writer.Length), Is.EqualTo((2, 64)));
        Assert.That(writer.TryFinish(Ipv6Address.LinkLocalFromMac(default), Ipv6Address.LinkLocalAllMldRouters, out _), Is.True);
        Assert.That(new MldReportWriter(new byte[7]).TryFinish(default, default, out _), Is.False);
        Assert.That(new MldReportWriter(new byte[7]).TryAdd(MldRecordType.AllowNewSources, Group3, default), Is.False);
    }

    [Test]
    public void Maximum_response_code_and_qqic_use_the_RFC_3810_floating_point_form()
    {
        for (int code = 0; code <= ushort.MaxValue; code++)
            Assert.That(MldRepr.EncodeMaximumResponseCode(MldRepr.DecodeMaximumResponseCode((ushort)code)), Is.EqualTo(code));
        for (int code = 0; code <= byte.MaxValue; code++)
            Assert.That(MldRepr.EncodeQueryIntervalCode(MldRepr.DecodeQueryIntervalCode((byte)code)), Is.EqualTo(code));
        Assert.That(MldRepr.DecodeMaximumResponseCode(32767), Is.EqualTo(32767), "below 32768 the code is the delay");
        Assert.That(MldRepr.DecodeMaximumResponseCode(0xFFFF), Is.EqualTo(8_387_584u));
        Assert.That(MldRepr.EncodeMaximumResponseCode(uint.MaxValue), Is.EqualTo(0xFFFF), "saturates");
        Assert.That(MldRepr.DecodeMaximumResponseCode(MldRepr.EncodeMaximumResponseCode(100_001)), Is.EqualTo(100_000u), "rounds down");
        Assert.That(MldRepr.DecodeQueryIntervalCode(0xFF), Is.EqualTo(31744u));
        Assert.That(MldRepr.EncodeQueryIntervalCode(125), Is.EqualTo(125));
    }

    [Test]
    public void Bad_lengths_and_sources_are_statuses()
    {
        var v2 = MessageOf(IpScapyVectors.MldV2Query);
        Assert.That(ParseError(v2.Message[..26], v2.Source, v2.Destination), Is.EqualTo(WireError.Malformed), "25-27 bytes is no valid query (RFC 3810 §8.1)");
        Assert.That(ParseError(v2.Message[..^1], v2.Source, v2.Destination), Is.EqualTo(WireError.Truncated), "source list past the end");
        Assert.That(ParseError(v2.Message, S1, v2.Destination), Is.EqualTo(WireError.Malformed), "query from a global source (§5.1.14)");

        var report = MessageOf(IpScapyVectors.MldV2Report);
        Assert.That(ParseError(report.Message[..^16], report.Source, report.Destination), Is.EqualTo(WireError.Truncated), "record past the end");
        var copy = (byte[])report.Message.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(6), 3);
        Assert.That(ParseError(copy, report.Source, report.Destination), Is.EqualTo(WireError.Truncated), "more records counted than present");
        Assert.That(ParseError(report.Message, Ipv6Address.Unspecified, report.Destination), Is.EqualTo(WireError.None), "reports may come from :: (RFC 3590 §4)");

        var v1 = MessageOf(IpScapyVectors.MldV1Report);
        Assert.That(ParseError(v1.Message[..23], v1.Source, v1.Destination), Is.EqualTo(WireError.Truncated));
        var echo = MessageOf(IpScapyVectors.Icmpv6EchoRequest);
        Assert.That(ParseError(echo.Message, Ipv6Address.Parse("fe80::1"), echo.Destination), Is.EqualTo(WireError.Unsupported));

        var query = MldRepr.Query(default, 1000);
        Assert.That(query.TryEmit(new byte[23], v1.Source, v1.Destination), Is.False);
        Assert.That((query with { Type = Icmpv6Type.MulticastListenerReportV2 }).TryEmit(new byte[64], v1.Source, v1.Destination), Is.False);
        Assert.That((MldRepr.Report(Group3) with { IsVersion2Query = true }).TryEmit(new byte[64], v1.Source, v1.Destination), Is.False);
    }

    [Test]
    public void Parse_and_emit_do_not_allocate()
    {
        var (message, source, destination) = MessageOf(IpScapyVectors.MldV2Report);
        var output = new byte[message.Length];
        var sources = new[] { S1, S2 };
        int parsed = 0, written = 0, length = 0;
        MldRepr last = default;
        long allocated = AllocatedBy(1000, () =>
        {
            if (Icmpv6Packet.TryParse(message, out var p, out _) && MldRepr.TryParse(p, source, destination, out last, out _)) parsed++;
            var writer = new MldReportWriter(output);
            if (writer.TryAdd(MldRecordType.ChangeToExclude, Group3, default) && writer.TryAdd(MldRecordType.ModeIsInclude, Group4, sources)
                && writer.TryFinish(source, destination, out length))
                written++;
        });
        Assert.That(allocated, Is.Zero);
        Assert.That((parsed, written), Is.EqualTo((1 + 1000, 1 + 1000)), "the warm-up and every measured run parsed and wrote");
        Assert.That((last.Type, last.RecordCount), Is.EqualTo((Icmpv6Type.MulticastListenerReportV2, 2)));
        Assert.That((length, output), Is.EqualTo((message.Length, message)), "written as scapy built it");
    }

    internal static void Exercise(byte[] data)
    {
        if (!Icmpv6Packet.TryParse(data, out var p, out _)) return;
        if (MldPacket.TryParse(p, out var view, out _))
        {
            _ = (view.IsVersion2, view.MaximumResponseCode, view.MaximumResponseDelay, view.MulticastAddress, view.SuppressRouterSideProcessing,
                view.Robustness, view.QueryInterval, view.Source(view.SourceCount - 1), view.RecordCount);
            var records = view.Records;
            int count = 0;
            while (records.TryNext(out var record))
            {
                Assert.That(++count, Is.LessThanOrEqualTo(view.RecordCount));
                _ = (record.Type, record.MulticastAddress, record.Source(record.SourceCount - 1), record.AuxData.Length);
            }
        }
        var source = Ipv6Address.Parse("fe80::1");
        for (int pass = 0; pass < 2; pass++, p.FillChecksum(source, Ipv6Address.LinkLocalAllMldRouters))
        {
            bool ok = MldRepr.TryParse(p, source, Ipv6Address.LinkLocalAllMldRouters, out var repr, out var error);
            Assert.That(ok, Is.EqualTo(error == WireError.None));
            if (!ok || repr.Type == Icmpv6Type.MulticastListenerReportV2) continue;
            MldPacket.TryParse(p, out view, out _);
            var sources = new Ipv6Address[repr.SourceCount];
            for (int i = 0; i < sources.Length; i++) sources[i] = view.Source(i);
            var output = new byte[repr.BufferLength];
            Assert.That(repr.TryEmit(output, source, Ipv6Address.LinkLocalAllMldRouters, sources), Is.True);
            Assert.That(Icmpv6Packet.TryParse(output, out var again, out _), Is.True);
            Assert.That(MldRepr.TryParse(again, source, Ipv6Address.LinkLocalAllMldRouters, out var back, out _), Is.True);
            Assert.That(back, Is.EqualTo(repr));
        }
    }

    private static byte[][] Seeds => new[]
    {
        MessageOf(IpScapyVectors.MldV1Query).Message, MessageOf(IpScapyVectors.MldV1Done).Message,
        MessageOf(IpScapyVectors.MldV2Query).Message, MessageOf(IpScapyVectors.MldV2Report).Message,
    };

    [Test]
    public void Every_prefix_of_every_vector_returns_a_status()
    {
        foreach (var seed in Seeds) EveryPrefix(seed, Exercise);
    }

    [Test]
    public void Random_mutations_never_throw() => Fuzz(3810, 35_000, Seeds, Exercise);
}
