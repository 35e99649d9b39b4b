using System;
using System.Text;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

public class TcpTests
{
    private static readonly IpAddress V4A = Ipv4Address.Parse("198.18.0.1");
    private static readonly IpAddress V4B = Ipv4Address.Parse("198.18.0.2");
    private static readonly IpAddress V6A = Ipv6Address.Parse("2001:db8::1");
    private static readonly IpAddress V6B = Ipv6Address.Parse("2001:db8::2");

    // scapy: IP(src='198.18.0.1', dst='198.18.0.2')/TCP(sport=40000, dport=80, seq=1000, flags='S', window=64240,
    //   options=[('MSS',1460),('SAckOK',b''),('Timestamp',(12345,0)),('NOP',None),('WScale',7)]) - the layout of a Linux SYN
    private static byte[] Syn => Convert.FromHexString("9c400050000003e800000000a002faf0f0350000020405b40402080a000030390000000001030307");
    // scapy: IP(src='198.18.0.2', dst='198.18.0.1')/TCP(sport=80, dport=40000, seq=5000, ack=1001, flags='PA', window=502,
    //   options=[('NOP',None),('NOP',None),('Timestamp',(777,12345)),('NOP',None),('NOP',None),('SAck',(2000,3000,4000,5000))])
    //   /Raw(b'GET / HTTP/1.0\r\n\r\n')
    private static byte[] SackData => Convert.FromHexString(
        "00509c4000001388000003e9d01801f695ca00000101080a000003090000303901010512000007d000000bb800000fa000001388474554202f20485454502f312e300d0a0d0a");
    // scapy: IPv6(src='2001:db8::1', dst='2001:db8::2')/TCP(sport=1, dport=2, seq=0xFFFFFFFF, ack=0x80000000, flags='FSRPAUECN',
    //   window=65535, urgptr=0x1234, options=[('MSS',1460),('SAckOK',b''),('Timestamp',(1,2)),('NOP',None),('WScale',7),('SAck',(1,2))])/Raw(b'xyz')
    private static byte[] V6AllFlags => Convert.FromHexString(
        "00010002ffffffff80000000d1ffffff30be1234020405b40402080a000000010000000201030307050a0000000100000002000078797a");
    // scapy: IP(src='198.18.0.1', dst='198.18.0.2')/TCP(sport=3, dport=4, flags='A', options=[(30, b'\x00\x81'), ('NOP',None), ('WScale',20), ('EOL',None)])
    private static byte[] UnknownOption => Convert.FromHexString("00030004000000000000000080102000b0fd00001e0400810103031400000000");

    private static TcpRepr SynRepr => new()
    {
        SourcePort = 40000, DestinationPort = 80, Flags = TcpFlags.Syn, SequenceNumber = new TcpSeqNumber(1000),
        WindowSize = 64240, MaxSegmentSize = 1460, SackPermitted = true, Timestamps = new TcpTimestamps(12345, 0), WindowScale = 7,
    };

    private static TcpRepr SackDataRepr => new()
    {
        SourcePort = 80, DestinationPort = 40000, Flags = TcpFlags.Psh | TcpFlags.Ack, SequenceNumber = new TcpSeqNumber(5000),
        AcknowledgmentNumber = new TcpSeqNumber(1001), WindowSize = 502, Timestamps = new TcpTimestamps(777, 12345),
        SackBlocks = new TcpSackBlocks([Block(2000, 3000), Block(4000, 5000)]), PayloadLength = 18,
    };

    private static TcpSackBlock Block(uint left, uint right) => new(new TcpSeqNumber(left), new TcpSeqNumber(right));

    [Test]
    public void Linux_style_syn_reads_field_by_field_rfc9293()
    {
        Assert.That(TcpSegment.TryParse(Syn, out var s, out var err), Is.True, err.Describe());
        Assert.That(s.SourcePort, Is.EqualTo(40000));
        Assert.That(s.DestinationPort, Is.EqualTo(80));
        Assert.That(s.SequenceNumber.Value, Is.EqualTo(1000u));
        Assert.That(s.AcknowledgmentNumber.Value, Is.EqualTo(0u));
        Assert.That(s.DataOffset, Is.EqualTo(10));
        Assert.That(s.HeaderLength, Is.EqualTo(40));
        Assert.That(s.Flags, Is.EqualTo(TcpFlags.Syn));
        Assert.That(s.WindowSize, Is.EqualTo(64240));
        Assert.That(s.Checksum, Is.EqualTo(0xf035));
        Assert.That(s.UrgentPointer, Is.EqualTo(0));
        Assert.That(s.Options.Length, Is.EqualTo(20));
        Assert.That(s.Payload.IsEmpty, Is.True);
        Assert.That(s.VerifyChecksum(V4A, V4B), Is.True);
        Assert.That(TcpRepr.TryParse(s, V4A, V4B, out var repr, out err), Is.True, err.Describe());
        Assert.That(repr, Is.EqualTo(SynRepr));
        Assert.That(repr.SequenceLength, Is.EqualTo(1), "SYN occupies one sequence number");
    }

    [Test]
    public void Syn_emit_matches_linux_option_layout_byte_for_byte()
    {
        var buf = new byte[40];
        Assert.That(SynRepr.HeaderLength, Is.EqualTo(40));
        Assert.That(SynRepr.TryEmit(buf, V4A, V4B), Is.True);
        Assert.That(buf, Is.EqualTo(Syn));
    }

    [Test]
    public void Timestamps_and_sack_blocks_read_and_emit_byte_for_byte_rfc2018_rfc7323()
    {
        var bytes = SackData;
        Assert.That(TcpSegment.TryParse(bytes, out var s, out var err), Is.True, err.Describe());
        Assert.That(Encoding.ASCII.GetString(s.Payload), Is.EqualTo("GET / HTTP/1.0\r\n\r\n"));
        Assert.That(TcpRepr.TryParse(s, V4B, V4A, out var repr, out err), Is.True, err.Describe());
        Assert.That(repr, Is.EqualTo(SackDataRepr));
        Assert.That(repr.SackBlocks[1], Is.EqualTo(Block(4000, 5000)));

        var buf = new byte[bytes.Length];
        "GET / HTTP/1.0\r\n\r\n"u8.CopyTo(buf.AsSpan(52));
        Assert.That(SackDataRepr.TryEmit(buf, V4B, V4A), Is.True);
        Assert.That(buf, Is.EqualTo(bytes));

        // The payload copied in and summed in one pass, the checksum then over the header only: the same bytes.
        var summed = new byte[bytes.Length];
        Assert.That(Checksum.TryCopyAndSum("GET / HTTP/1.0\r\n\r\n"u8, summed.AsSpan(52), out ushort payloadSum), Is.True);
        Assert.That(SackDataRepr.TryEmit(summed, V4B, V4A, payloadSum), Is.True);
        Assert.That(summed, Is.EqualTo(bytes));
    }

    [Test]
    public void All_nine_flags_and_every_option_kind_read_over_ipv6()
    {
        Assert.That(TcpSegment.TryParse(V6AllFlags, out var s, out var err), Is.True, err.Describe());
        Assert.That(s.Flags, Is.EqualTo(TcpFlags.Fin | TcpFlags.Syn | TcpFlags.Rst | TcpFlags.Psh | TcpFlags.Ack
                                        | TcpFlags.Urg | TcpFlags.Ece | TcpFlags.Cwr | TcpFlags.Ae));
        Assert.That(s.SequenceNumber.Value, Is.EqualTo(0xFFFFFFFFu));
        Assert.That(s.AcknowledgmentNumber.Value, Is.EqualTo(0x80000000u));
        Assert.That(s.UrgentPointer, Is.EqualTo(0x1234));
        Assert.That(s.WindowSize, Is.EqualTo(65535));
        Assert.That(s.HeaderLength, Is.EqualTo(52));
        Assert.That(s.Payload.ToArray(), Is.EqualTo("xyz"u8.ToArray()));

        var reader = s.OptionReader;
        Assert.That(reader.TryNext(out var o), Is.True);
        Assert.That((o.Kind, o.MaxSegmentSize), Is.EqualTo((TcpOptionKind.MaxSegmentSize, (ushort)1460)));
        Assert.That(reader.TryNext(out o), Is.True);
        Assert.That((o.Kind, o.Data.Length), Is.EqualTo((TcpOptionKind.SackPermitted, 0)));
        Assert.That(reader.TryNext(out o), Is.True);
        Assert.That((o.Kind, o.Timestamps), Is.EqualTo((TcpOptionKind.Timestamps, new TcpTimestamps(1, 2))));
        Assert.That(reader.TryNext(out o), Is.True);
        Assert.That(o.Kind, Is.EqualTo(TcpOptionKind.NoOperation));
        Assert.That(reader.TryNext(out o), Is.True);
        Assert.That((o.Kind, o.WindowScale), Is.EqualTo((TcpOptionKind.WindowScale, (byte)7)));
        Assert.That(o.MaxSegmentSize, Is.EqualTo(0), "typed accessors answer for their own kind only");
        Assert.That(reader.TryNext(out o), Is.True);
        Assert.That(o.Kind, Is.EqualTo(TcpOptionKind.Sack));
        Assert.That(o.SackBlocks.Count, Is.EqualTo(1));
        Assert.That(o.SackBlocks[0], Is.EqualTo(Block(1, 2)));
        Assert.That(reader.TryNext(out _), Is.False, "end of option list");
        Assert.That(reader.Error, Is.EqualTo(WireError.None));

        Assert.That(TcpRepr.TryParse(s, V6A, V6B, out var repr, out err), Is.True, err.Describe());
        Assert.That(repr.SequenceLength, Is.EqualTo(5), "3 bytes + SYN + FIN");
        // Our layout differs from scapy's here, but the meaning round-trips.
        var buf = new byte[repr.EmittedLength];
        "xyz"u8.CopyTo(buf.AsSpan(repr.HeaderLength));
        Assert.That(repr.TryEmit(buf, V6A, V6B), Is.True);
        Assert.That(TcpSegment.TryParse(buf, out var again, out _), Is.True);
        Assert.That(TcpRepr.TryParse(again, V6A, V6B, out var back, out err), Is.True, err.Describe());
        Assert.That(back, Is.EqualTo(repr));
    }

    [Test]
    public void Unknown_options_are_skipped_and_window_scale_is_clamped_to_14_rfc7323_section_2_3()
    {
        Assert.That(TcpSegment.TryParse(UnknownOption, out var s, out _), Is.True);
        var reader = s.OptionReader;
        Assert.That(reader.TryNext(out var o), Is.True);
        Assert.That((byte)o.Kind, Is.EqualTo(30));
        Assert.That(o.Data.ToArray(), Is.EqualTo(new byte[] { 0x00, 0x81 }));
        Assert.That(TcpRepr.TryParse(s, V4A, V4B, out var repr, out var err), Is.True, err.Describe());
        Assert.That(repr.WindowScale, Is.EqualTo(TcpRepr.MaxWindowScale));
        Assert.That(repr.MaxSegmentSize, Is.Null);
        Assert.That(repr.Flags, Is.EqualTo(TcpFlags.Ack));
    }

    [TestCase("02000000", TestName = "Option_length_0_is_malformed")]
    [TestCase("02010000", TestName = "Option_length_1_is_malformed")]
    [TestCase("1e080000", TestName = "Option_running_past_the_area_is_malformed")]
    [TestCase("0205000000000000", TestName = "Mss_of_wrong_size_is_malformed")]
    [TestCase("03040000", TestName = "Window_scale_of_wrong_size_is_malformed")]
    [TestCase("04030000", TestName = "Sack_permitted_of_wrong_size_is_malformed")]
    [TestCase("0808000000000000", TestName = "Timestamps_of_wrong_size_is_malformed")]
    [TestCase("050c000000000000000000000000", TestName = "Sack_not_a_whole_number_of_blocks_is_malformed")]
    [TestCase("05020000", TestName = "Sack_without_blocks_is_malformed")]
    [TestCase("0101011e", TestName = "Kind_without_a_length_byte_is_malformed")]
    public void Bad_option_lengths_are_malformed(string optionsHex)
    {
        var options = Convert.FromHexString(optionsHex);
        int headerLength = 20 + (options.Length + 3) / 4 * 4;
        var buf = new byte[headerLength];
        buf[12] = (byte)(headerLength / 4 << 4);
        options.CopyTo(buf, 20);
        Assert.That(TcpSegment.TryParse(buf, out var s, out _), Is.True);
        s.FillChecksum(V4A, V4B);
        Assert.That(TcpRepr.TryParse(s, V4A, V4B, out _, out var err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Malformed));
        var reader = s.OptionReader;
        while (reader.TryNext(out _)) { }
        Assert.That(reader.Error, Is.EqualTo(WireError.Malformed));
        Assert.That(reader.TryNext(out _), Is.False, "a failed reader stays stopped");
    }

    [Test]
    public void Data_offset_below_5_is_malformed_and_beyond_the_buffer_truncated()
    {
        var buf = Syn;
        foreach (int doff in new[] { 0, 4 })
        {
            buf[12] = (byte)(doff << 4);
            Assert.That(TcpSegment.TryParse(buf, out _, out var err), Is.False);
            Assert.That(err, Is.EqualTo(WireError.Malformed), $"doff {doff}");
        }
        buf[12] = 11 << 4;
        Assert.That(TcpSegment.TryParse(buf, out _, out var e), Is.False);
        Assert.That(e, Is.EqualTo(WireError.Truncated));
        buf[12] = 5 << 4; // options become payload
        Assert.That(TcpSegment.TryParse(buf, out var s, out _), Is.True);
        Assert.That(s.Options.IsEmpty, Is.True);
        Assert.That(s.Payload.Length, Is.EqualTo(20));
    }

    [Test]
    public void Bad_checksum_is_reported_unless_verification_is_offloaded()
    {
        var buf = SackData;
        buf[^1] ^= 0x40;
        TcpSegment.TryParse(buf, out var s, out _);
        Assert.That(TcpRepr.TryParse(s, V4B, V4A, out _, out var err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.BadChecksum));
        Assert.That(TcpRepr.TryParse(s, V4B, V4A, out var repr, out err, verifyChecksum: false), Is.True, err.Describe());
        Assert.That(repr.PayloadLength, Is.EqualTo(18));
        Assert.That(TcpRepr.TryParse(s, V6B, V6A, out _, out err), Is.False, "pseudo-header of the wrong family");
    }

    [Test]
    public void Flags_setter_keeps_data_offset_and_reserved_bits()
    {
        var buf = Syn;
        buf[12] |= 0x0E;
        TcpSegment.TryParse(buf, out var s, out _);
        s.Flags = TcpFlags.Ae | TcpFlags.Cwr | TcpFlags.Fin;
        Assert.That(s.Flags, Is.EqualTo(TcpFlags.Ae | TcpFlags.Cwr | TcpFlags.Fin));
        Assert.That(s.DataOffset, Is.EqualTo(10));
        Assert.That(buf[12] & 0x0F, Is.EqualTo(0x0F));
        Assert.That(buf[13], Is.EqualTo(0x81));
    }

    [Test]
    public void Only_the_sack_blocks_that_fit_40_option_bytes_are_emitted_rfc2018_section_3()
    {
        var four = new TcpSackBlocks([Block(10, 20), Block(30, 40), Block(50, 60), Block(70, 80)]);
        var plain = new TcpRepr { SourcePort = 1, DestinationPort = 2, Flags = TcpFlags.Ack, SackBlocks = four };
        Assert.That((plain.EmittedSackBlockCount, plain.HeaderLength), Is.EqualTo((4, 56)));
        var withTs = plain with { Timestamps = new TcpTimestamps(5, 6) };
        Assert.That((withTs.EmittedSackBlockCount, withTs.HeaderLength), Is.EqualTo((3, 60)));
        var crowded = withTs with { MaxSegmentSize = 1400, WindowScale = 3, SackPermitted = true };
        Assert.That((crowded.EmittedSackBlockCount, crowded.HeaderLength), Is.EqualTo((2, 60)));

        foreach (var repr in new[] { plain, withTs, crowded })
        {
            var buf = new byte[repr.HeaderLength];
            Assert.That(repr.TryEmit(buf, V4A, V4B), Is.True);
            Assert.That(TcpSegment.TryParse(buf, out var s, out _), Is.True);
            Assert.That(TcpRepr.TryParse(s, V4A, V4B, out var back, out var err), Is.True, err.Describe());
            Span<TcpSackBlock> kept = [four[0], four[1], four[2], four[3]];
            Assert.That(back, Is.EqualTo(repr with { SackBlocks = new TcpSackBlocks(kept[..repr.EmittedSackBlockCount]) }));
        }
    }

    [Test]
    public void Sack_block_storage_is_inline_and_bounded()
    {
        var blocks = new TcpSackBlocks([Block(1, 2), Block(3, 4), Block(5, 6), Block(7, 8), Block(9, 10)]);
        Assert.That(blocks.Count, Is.EqualTo(TcpSackBlocks.Capacity), "the first (most recent) four are kept");
        Assert.That(blocks[3], Is.EqualTo(Block(7, 8)));
        Assert.That(blocks[4], Is.EqualTo(default(TcpSackBlock)));
        Assert.That(blocks[-1], Is.EqualTo(default(TcpSackBlock)));
        Assert.That(blocks.TryAdd(Block(11, 12), out var same), Is.False);
        Assert.That(same, Is.EqualTo(blocks));
        Assert.That(new TcpSackBlocks().TryAdd(Block(1, 2), out var one), Is.True);
        Assert.That(one, Is.EqualTo(new TcpSackBlocks([Block(1, 2)])));
        Assert.That(one, Is.Not.EqualTo(blocks));
    }

    [Test]
    public void Emit_refuses_small_buffers()
    {
        Assert.That(SynRepr.TryEmit(new byte[39], V4A, V4B), Is.False);
        Assert.That((SynRepr with { PayloadLength = 10 }).TryEmit(new byte[49], V4A, V4B), Is.False);
        Assert.That((SynRepr with { PayloadLength = -1 }).TryEmit(new byte[100], V4A, V4B), Is.False);
    }

    [Test]
    public void Every_prefix_returns_a_status()
    {
        var syn = PrefixAndMutation.EveryPrefix(Syn, ParseV4Forward);
        Assert.That(syn, Is.All.EqualTo(WireError.Truncated));
        var data = PrefixAndMutation.EveryPrefix(SackData, ParseV4Backward);
        Assert.That(data[..52], Is.All.EqualTo(WireError.Truncated));
        Assert.That(data[52..], Is.All.EqualTo(WireError.BadChecksum), "a cut payload no longer matches the checksum");
        Assert.That(PrefixAndMutation.EveryPrefix(V6AllFlags, ParseV6), Is.All.Not.EqualTo(WireError.None));
    }

    [Test]
    public void Random_mutations_never_throw()
    {
        // Checksums are skipped so that mutants reach the option reader.
        int accepted = PrefixAndMutation.Mutate([Syn, SackData, UnknownOption, V6AllFlags], 50_000, 9293, ParseUnverified);
        Assert.That(accepted, Is.GreaterThan(10_000));
    }

    [Test]
    public void Parse_and_emit_allocate_nothing()
    {
        var buf = SackData;
        ParseV4Backward(buf);
        int done = 0;
        TcpRepr last = default;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            if (TcpSegment.TryParse(buf, out var s, out _) && TcpRepr.TryParse(s, V4B, V4A, out var repr, out _) && repr.TryEmit(buf, V4B, V4A))
            {
                done++;
                last = repr;
            }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(done, Is.EqualTo(1000));
        Assert.That((last.SackBlocks.Count, last.PayloadLength), Is.EqualTo((2, 18)));
        Assert.That(buf, Is.EqualTo(SackData), "the segment emitted over itself, checksum included, is the one parsed");
    }

    private static WireError ParseV4Forward(Span<byte> b) => ParseEverything(b, V4A, V4B, true);
    private static WireError ParseV4Backward(Span<byte> b) => ParseEverything(b, V4B, V4A, true);
    private static WireError ParseV6(Span<byte> b) => ParseEverything(b, V6A, V6B, true);
    private static WireError ParseUnverified(Span<byte> b) => ParseEverything(b, V4A, V4B, false);

    private static WireError ParseEverything(Span<byte> buffer, IpAddress source, IpAddress destination, bool verify)
    {
        if (!TcpSegment.TryParse(buffer, out var s, out var err)) return err;
        _ = s.Payload.Length + s.Options.Length + (int)s.Flags;
        var reader = s.OptionReader;
        while (reader.TryNext(out var o))
            _ = o.MaxSegmentSize + o.WindowScale + o.Timestamps.Value + o.SackBlocks[3].Right.Value + o.Data.Length;
        if (!TcpRepr.TryParse(s, source, destination, out var repr, out err, verify)) return err;
        Span<byte> scratch = stackalloc byte[repr.EmittedLength];
        Assert.That(repr.TryEmit(scratch, source, destination), Is.True);
        Assert.That(TcpSegment.TryParse(scratch, out var again, out _), Is.True);
        Assert.That(TcpRepr.TryParse(again, source, destination, out _, out err), Is.True, err.Describe());
        return WireError.None;
    }
}
