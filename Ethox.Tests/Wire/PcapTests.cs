using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Ethox.Tests.Tools;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

/// <summary>
/// PcapReader and PcapWriter checked against tshark (libpcap's file format as Wireshark reads it) on the
/// committed fixtures, plus every truncation and a few hostile headers.
/// </summary>
public class PcapTests
{
    private const int MaxFrame = 262144;

    private static IEnumerable<string> FixtureNames() => Fixture.AllPcaps();

    private sealed record Frame(PcapRecord Record, byte[] Data);

    /// <summary>Reads every record of an in-memory file; returns the frames and the status that ended the loop.</summary>
    private static (List<Frame> Frames, PcapReadStatus End) ReadAll(byte[] file, int bufferSize = MaxFrame)
    {
        Assert.That(PcapReader.TryOpen(new MemoryStream(file), out var reader, out string reason), Is.True, reason);
        var frames = new List<Frame>();
        var buffer = new byte[bufferSize];
        PcapReadStatus status;
        while ((status = reader!.TryReadNext(buffer, out var record)) == PcapReadStatus.Record)
            frames.Add(new Frame(record, buffer.AsSpan(0, record.CapturedLength).ToArray()));
        return (frames, status);
    }

    /// <summary>tshark's frame.time_epoch ("seconds.fraction", up to 9 digits) as nanoseconds, exactly.</summary>
    private static long EpochNanoseconds(string text)
    {
        int dot = text.IndexOf('.');
        if (dot < 0) return long.Parse(text, CultureInfo.InvariantCulture) * 1_000_000_000;
        string frac = text[(dot + 1)..].PadRight(9, '0')[..9];
        return long.Parse(text[..dot], CultureInfo.InvariantCulture) * 1_000_000_000
             + long.Parse(frac, CultureInfo.InvariantCulture);
    }

    private static string Mac(ReadOnlySpan<byte> b) =>
        string.Create(CultureInfo.InvariantCulture, $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}");

    /// <summary>Asserts that tshark lists exactly our frames: count, lengths, times to the nanosecond, MACs.</summary>
    private static void AssertSameAsTshark(string path, List<Frame> ours)
    {
        var theirs = Tshark.Fields(path, "frame.len", "frame.cap_len", "frame.time_epoch", "eth.dst", "eth.src");
        Assert.That(ours, Has.Count.EqualTo(theirs.Count), "frame count");
        for (int i = 0; i < ours.Count; i++)
        {
            var (rec, data) = (ours[i].Record, ours[i].Data);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(rec.OriginalLength.ToString(CultureInfo.InvariantCulture), Is.EqualTo(theirs[i]["frame.len"]), $"frame {i + 1} len");
                Assert.That(rec.CapturedLength.ToString(CultureInfo.InvariantCulture), Is.EqualTo(theirs[i]["frame.cap_len"]), $"frame {i + 1} cap_len");
                Assert.That(rec.TimestampNanoseconds, Is.EqualTo(EpochNanoseconds(theirs[i]["frame.time_epoch"])), $"frame {i + 1} time");
                Assert.That(Mac(data.AsSpan(0, 6)), Is.EqualTo(theirs[i]["eth.dst"]), $"frame {i + 1} eth.dst");
                Assert.That(Mac(data.AsSpan(6, 6)), Is.EqualTo(theirs[i]["eth.src"]), $"frame {i + 1} eth.src");
            }
        }
    }

    // ------------------------------------------------------------------ fixtures vs tshark

    [Test]
    public void Every_documented_fixture_is_present()
    {
        string[] expected =
        [
            "kernel-ping4.pcap", "kernel-ping6-nd.pcap", "kernel-arp.pcap", "kernel-tcp-curl.pcap", "kernel-udp.pcap",
            "kernel-frag4.pcap", "kernel-frag6.pcap", "crafted-vlan.pcap", "crafted-ipv4.pcap", "crafted-ipv6.pcap",
            "crafted-tcp.pcap", "crafted-icmp.pcap", "crafted-ndisc-mld.pcap", "crafted-dhcp-igmp.pcap", "crafted-broken.pcap",
        ];
        Assert.That(Fixture.AllPcaps(), Is.SupersetOf(expected));
    }

    [TestCaseSource(nameof(FixtureNames))]
    public void Reader_yields_exactly_the_frames_tshark_lists(string name)
    {
        Tool.Require("tshark");
        string path = Fixture.Path(name);
        var (frames, end) = ReadAll(File.ReadAllBytes(path));
        Assert.That(end, Is.EqualTo(PcapReadStatus.EndOfFile));
        Assert.That(frames, Is.Not.Empty);
        AssertSameAsTshark(path, frames);
    }

    [TestCase("kernel-ping4.pcap", false)]
    [TestCase("kernel-tcp-curl.pcap", true)]
    public void Big_endian_files_read_the_same_as_little_endian(string name, bool nanosecond)
    {
        Tool.Require("tshark");
        byte[] little = File.ReadAllBytes(Fixture.Path(name));
        byte[] big = SwapByteOrder(little);
        string path = Path.Combine(Path.GetTempPath(), $"ethox-be-{Guid.NewGuid():N}.pcap");
        File.WriteAllBytes(path, big);
        try
        {
            Assert.That(PcapReader.TryOpen(new MemoryStream(big), out var reader, out string reason), Is.True, reason);
            Assert.That(reader!.IsNanosecond, Is.EqualTo(nanosecond));
            Assert.That(reader.LinkType, Is.EqualTo(PcapLinkType.Ethernet));
            var (swapped, end) = ReadAll(big);
            var (original, _) = ReadAll(little);
            Assert.That(end, Is.EqualTo(PcapReadStatus.EndOfFile));
            Assert.That(swapped, Is.EqualTo(original).Using<Frame>(SameFrame));
            AssertSameAsTshark(path, swapped);
        }
        finally { File.Delete(path); }
    }

    private static bool SameFrame(Frame a, Frame b) => a.Record == b.Record && a.Data.AsSpan().SequenceEqual(b.Data);

    /// <summary>Rewrites a little-endian pcap file in big-endian order (file header and every record header).</summary>
    private static byte[] SwapByteOrder(byte[] file)
    {
        byte[] o = (byte[])file.Clone();
        void Swap32(int at) => BinaryPrimitives.WriteUInt32BigEndian(o.AsSpan(at), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at)));
        void Swap16(int at) => BinaryPrimitives.WriteUInt16BigEndian(o.AsSpan(at), BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(at)));
        Swap32(0); Swap16(4); Swap16(6); Swap32(8); Swap32(12); Swap32(16); Swap32(20);
        for (int at = 24; at + 16 <= file.Length;)
        {
            int incl = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 8));
            for (int k = 0; k < 16; k += 4) Swap32(at + k);
            at += 16 + incl;
        }
        return o;
    }

    // ------------------------------------------------------------------ writer vs tshark

    [TestCase(false)]
    [TestCase(true)]
    public void Writer_output_is_read_by_tshark_with_the_same_frames_and_times(bool nanosecond)
    {
        Tool.Require("tshark");
        var (source, _) = ReadAll(File.ReadAllBytes(Fixture.Path("kernel-tcp-curl.pcap")));
        long[] times = [0, 1, 999, 1_000, 1_700_000_000_123_456_789, 1_700_000_000_999_999_999, 4_294_967_295_999_999_999];
        string path = Path.Combine(Path.GetTempPath(), $"ethox-w-{Guid.NewGuid():N}.pcap");
        try
        {
            using (var stream = File.Create(path))
            {
                var writer = new PcapWriter(stream, PcapLinkType.Ethernet, nanosecond);
                for (int i = 0; i < times.Length; i++)
                {
                    byte[] frame = source[i].Data;
                    // The last frame claims a longer original length, as a capture with a snap length would.
                    writer.Write(frame, times[i], i == times.Length - 1 ? frame.Length + 1000 : -1);
                }
                writer.Flush();
            }
            var (back, end) = ReadAll(File.ReadAllBytes(path));
            Assert.That(end, Is.EqualTo(PcapReadStatus.EndOfFile));
            Assert.That(back, Has.Count.EqualTo(times.Length));
            for (int i = 0; i < times.Length; i++)
            {
                long expected = nanosecond ? times[i] : times[i] / 1000 * 1000; // microseconds truncate
                Assert.That(back[i].Record.TimestampNanoseconds, Is.EqualTo(expected), $"frame {i + 1} time");
                Assert.That(back[i].Data, Is.EqualTo(source[i].Data), $"frame {i + 1} bytes");
            }
            Assert.That(back[^1].Record.OriginalLength, Is.EqualTo(back[^1].Record.CapturedLength + 1000));
            AssertSameAsTshark(path, back);
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Raw_ip_link_type_is_decoded_as_ipv4_and_ipv6_by_tshark()
    {
        Tool.Require("tshark");
        var (v4, _) = ReadAll(File.ReadAllBytes(Fixture.Path("kernel-ping4.pcap")));
        var (v6, _) = ReadAll(File.ReadAllBytes(Fixture.Path("kernel-ping6-nd.pcap")));
        // Frame 3 of each is the first echo request; drop the 14-byte Ethernet header.
        byte[][] packets = [v4[2].Data[14..], v6[2].Data[14..]];
        var rows = Tshark.Fields(packets, PcapLinkType.RawIp, "ip.src", "ipv6.src", "icmp.type", "icmpv6.type");
        Assert.That(rows, Has.Count.EqualTo(2));
        Assert.That(rows[0]["ip.src"], Is.EqualTo("198.18.0.1"));
        Assert.That(rows[0]["icmp.type"], Is.EqualTo("8"));
        Assert.That(rows[1]["ipv6.src"], Is.EqualTo("2001:db8::1"));
        Assert.That(rows[1]["icmpv6.type"], Is.EqualTo("128"));
        Assert.That(rows[1]["ip.src"], Is.Empty);
    }

    // ------------------------------------------------------------------ truncation and hostile files

    [TestCase("kernel-arp.pcap")]
    [TestCase("crafted-vlan.pcap")]
    public void A_file_cut_anywhere_yields_the_whole_records_then_truncated(string name)
    {
        byte[] file = File.ReadAllBytes(Fixture.Path(name));
        var recordEnds = new List<int>();
        for (int at = 24; at < file.Length;)
        {
            at += 16 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 8));
            recordEnds.Add(at);
        }
        Assert.That(recordEnds[^1], Is.EqualTo(file.Length));
        for (int cut = 24; cut <= file.Length; cut++)
        {
            int whole = recordEnds.FindAll(e => e <= cut).Count;
            bool onBoundary = cut == 24 || recordEnds.Contains(cut);
            var (frames, end) = ReadAll(file[..cut]);
            Assert.That(frames, Has.Count.EqualTo(whole), $"cut at {cut}");
            Assert.That(end, Is.EqualTo(onBoundary ? PcapReadStatus.EndOfFile : PcapReadStatus.Truncated), $"cut at {cut}");
        }
    }

    [Test]
    public void Every_truncation_of_the_file_header_fails_to_open_with_a_reason()
    {
        byte[] file = File.ReadAllBytes(Fixture.Path("kernel-ping4.pcap"));
        for (int n = 0; n < 24; n++)
        {
            Assert.That(PcapReader.TryOpen(new MemoryStream(file[..n]), out var reader, out string reason), Is.False, $"{n} bytes");
            Assert.That(reader, Is.Null);
            Assert.That(reason, Is.Not.Empty);
        }
        Assert.That(PcapReader.TryOpen(new MemoryStream(file[..24]), out var r, out _), Is.True);
        Assert.That(r!.TryReadNext(new byte[MaxFrame], out _), Is.EqualTo(PcapReadStatus.EndOfFile));
        Assert.That(r.LinkType, Is.EqualTo(PcapLinkType.Ethernet));
        Assert.That(r.SnapLength, Is.EqualTo(262144));
    }

    [Test]
    public void Non_pcap_files_fail_to_open_with_a_reason()
    {
        byte[] text = File.ReadAllBytes(Path.Combine(Fixture.Directory, "README.md"));
        Assert.That(PcapReader.TryOpen(new MemoryStream(text), out _, out string reason), Is.False);
        Assert.That(reason, Does.Contain("magic"));

        // A pcapng section header block (what dumpcap and Wireshark write by default).
        byte[] pcapng = new byte[28];
        BinaryPrimitives.WriteUInt32LittleEndian(pcapng, 0x0A0D0D0A);
        BinaryPrimitives.WriteUInt32LittleEndian(pcapng.AsSpan(8), 0x1A2B3C4D);
        Assert.That(PcapReader.TryOpen(new MemoryStream(pcapng), out _, out reason), Is.False);
        Assert.That(reason, Does.Contain("pcapng"));

        Assert.That(PcapReader.TryOpen(new MemoryStream(new byte[100]), out _, out reason), Is.False);
        Assert.That(reason, Is.Not.Empty);
    }

    [Test]
    public void Link_type_ignores_the_fcs_bits_in_the_upper_half()
    {
        byte[] file = File.ReadAllBytes(Fixture.Path("kernel-arp.pcap"));
        // pcap-savefile(5): bit 26 = FCS length present, bits 28..31 = FCS length in 16-bit words.
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(20), 0x2400_0000u | (uint)PcapLinkType.Ethernet);
        Assert.That(PcapReader.TryOpen(new MemoryStream(file), out var reader, out string reason), Is.True, reason);
        Assert.That(reader!.LinkType, Is.EqualTo(PcapLinkType.Ethernet));
    }

    [Test]
    public void A_record_longer_than_the_buffer_or_the_snap_length_is_malformed()
    {
        byte[] file = File.ReadAllBytes(Fixture.Path("kernel-ping4.pcap"));
        // Frame 3 is 98 bytes: a 64-byte buffer cannot hold it.
        var (frames, end) = ReadAll(file, bufferSize: 64);
        Assert.That(frames, Has.Count.EqualTo(2));
        Assert.That(end, Is.EqualTo(PcapReadStatus.Malformed));

        // A hostile captured length (4 GiB - 1) in the first record.
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(24 + 8), uint.MaxValue);
        (frames, end) = ReadAll(file);
        Assert.That(frames, Is.Empty);
        Assert.That(end, Is.EqualTo(PcapReadStatus.Malformed));
    }

    [Test]
    public void Random_bytes_after_a_valid_header_never_throw()
    {
        byte[] header = File.ReadAllBytes(Fixture.Path("kernel-arp.pcap"))[..24];
        var random = new Random(0x5EED);
        var buffer = new byte[4096];
        for (int round = 0; round < 500; round++)
        {
            byte[] file = new byte[24 + random.Next(0, 200)];
            header.CopyTo(file, 0);
            random.NextBytes(file.AsSpan(24));
            // Keep some captured lengths small so records are actually read, not only rejected.
            if (file.Length >= 40 && round % 2 == 0) BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(32), (uint)random.Next(0, 64));
            Assert.That(PcapReader.TryOpen(new MemoryStream(file), out var reader, out _), Is.True);
            int records = 0;
            PcapReadStatus status;
            while ((status = reader!.TryReadNext(buffer, out var record)) == PcapReadStatus.Record)
            {
                Assert.That(record.CapturedLength, Is.InRange(0, buffer.Length));
                records++;
            }
            Assert.That(records, Is.LessThanOrEqualTo(file.Length / 16));
            Assert.That(status, Is.Not.EqualTo(PcapReadStatus.Record));
        }
    }
}
