using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using Ethox.Layer;
using Ethox.Nic;
using Ethox.Tests.Tools;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Nic;

public class PcapRecorderTests
{
    private string _path = "";

    [SetUp]
    public void SetUp() => _path = Path.Combine(Path.GetTempPath(), $"ethox-nic-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap");

    [TearDown]
    public void TearDown() => File.Delete(_path);

    // tshark (Debian's wireshark) reads the file: an outside check of the format, not our own reader.
    private static string[][] Tshark(string path, params string[] fields)
    {
        var args = new[] { "-r", path, "-T", "fields", "-E", "separator=;" }.Concat(fields.SelectMany(f => new[] { "-e", f })).ToArray();
        var (code, output, error) = Tool.Run("tshark", args);
        Assert.That(code, Is.Zero, error);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(';')).ToArray();
    }

    [Test]
    public void Both_directions_and_answers_in_place_are_recorded_in_order_as_tshark_reads_them()
    {
        var (a, b) = Pipe.CreatePair(8);
        using (var file = File.Create(_path))
        {
            var recorder = new PcapRecorder<PipeEnd>(a, file);
            int second = 1;
            foreach (int length in new[] { 60, 100, 1514 })
            {
                var sender = new NumberedSender(1, length);
                recorder.Transmit(1, ref sender, Instant.FromMilliseconds(1000 * second++));
            }
            var peer = new Answerer { AnswerLength = 70 };
            b.Receive(10, ref peer, Instant.Zero);
            var answerer = new Answerer { AnswerLength = 80 };
            Assert.That(recorder.Receive(10, ref answerer, Instant.FromMilliseconds(4500)), Is.EqualTo(3));
            Assert.That(answerer.Answered, Is.EqualTo(3), "the wrapped receiver's state is kept across the call");
            recorder.Flush();
        }
        Assert.That(b.Pending, Is.EqualTo(3), "the answers in place were still sent");
        var rows = Tshark(_path, "frame.len", "frame.time_epoch");
        Assert.That(rows.Select(r => int.Parse(r[0])), Is.EqualTo(new[] { 60, 100, 1514, 70, 80, 70, 80, 70, 80 }));
        Assert.That(rows.Select(r => decimal.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture)).Take(4),
            Is.EqualTo(new[] { 1.0m, 2.0m, 3.0m, 4.5m }));
    }

    [Test]
    public void An_ip_medium_is_recorded_as_raw_ip()
    {
        var (a, b) = Pipe.CreatePair(4, mtu: 1500, medium: Medium.Ip);
        using (var file = File.Create(_path))
        {
            var recorder = new PcapRecorder<PipeEnd>(a, file);
            var sender = new Ipv4Sender();
            recorder.Transmit(1, ref sender, Instant.Zero);
            recorder.Flush();
        }
        Assert.That(b.Pending, Is.EqualTo(1));
        var rows = Tshark(_path, "ip.src", "ip.dst", "udp.dstport");
        Assert.That(rows, Has.Length.EqualTo(1));
        Assert.That(rows[0], Is.EqualTo(new[] { "198.18.0.1", "198.18.0.2", "9" }));
        using var read = File.OpenRead(_path);
        Assert.That(PcapReader.TryOpen(read, out var reader, out _), Is.True);
        Assert.That(reader!.LinkType, Is.EqualTo(PcapLinkType.RawIp));
    }

    [Test]
    public void Only_the_chosen_direction_is_recorded()
    {
        var (a, b) = Pipe.CreatePair(4);
        using (var file = File.Create(_path))
        {
            var recorder = new PcapRecorder<PipeEnd>(a, file, PcapDirections.Receive);
            var sender = new NumberedSender(2, 90);
            recorder.Transmit(2, ref sender, Instant.Zero);
            var echo = new NumberedSender(1, 64);
            b.Transmit(1, ref echo, Instant.Zero);
            var counter = new Counter();
            recorder.Receive(4, ref counter, Instant.Zero);
            recorder.Flush();
        }
        Assert.That(Tshark(_path, "frame.len").Select(r => r[0]), Is.EqualTo(new[] { "64" }));
    }

    [Test]
    public void Recording_to_a_file_allocates_nothing_per_frame()
    {
        var (a, b) = Pipe.CreatePair(64);
        using var file = new FileStream(_path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16);
        var recorder = new PcapRecorder<PipeEnd>(a, file);
        long answered = 0, received = 0;
        long bytes = Allocation.Measure(() =>
        {
            for (int round = 0; round < 500; round++)
            {
                var sender = new NumberedSender(32, 300);
                recorder.Transmit(32, ref sender, Instant.Zero);
                var answerer = new Answerer();
                b.Receive(64, ref answerer, Instant.Zero);
                var counter = new Counter();
                recorder.Receive(64, ref counter, Instant.Zero);
                answered += answerer.Answered;
                received += counter.Frames;
            }
        });
        Assert.That(bytes, Is.Zero);
        // Measure runs the loop twice (warm-up, measured): 32,000 frames out, 32,000 answers in, every one recorded.
        Assert.That((answered, received), Is.EqualTo((32_000L, 32_000L)));
        Assert.That(a.Counters.RxFrames, Is.EqualTo(32_000));
        recorder.Flush();
        Assert.That(file.Length, Is.EqualTo(24 + 64_000L * (16 + 300)), "the pcap header and 64,000 records of 300 bytes");
    }

    // One IPv4/UDP datagram 198.18.0.1:7 -> 198.18.0.2:9 with four bytes of data.
    private struct Ipv4Sender : ISend<RawPacket>
    {
        public void Send(RawPacket packet)
        {
            var p = packet.Capacity[..32];
            p.Clear();
            p[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(p[2..], 32);
            p[8] = 64;
            p[9] = 17;
            new byte[] { 198, 18, 0, 1, 198, 18, 0, 2 }.CopyTo(p[12..]);
            BinaryPrimitives.WriteUInt16BigEndian(p[10..], Checksum.Compute(p[..20]));
            BinaryPrimitives.WriteUInt16BigEndian(p[20..], 7);
            BinaryPrimitives.WriteUInt16BigEndian(p[22..], 9);
            BinaryPrimitives.WriteUInt16BigEndian(p[24..], 12);
            packet.Send(32);
        }
    }
}
