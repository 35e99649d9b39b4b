using System;
using System.Buffers.Binary;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

public class ChecksumTests
{
    // Straight from RFC 1071's definition: big-endian words, end-around carry.
    private static ushort Reference(ReadOnlySpan<byte> data)
    {
        ulong sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length) sum += (ulong)data[i] << 8;
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    [Test]
    public void Vectorised_sum_matches_the_definition_at_every_length()
    {
        var rng = new Random(1071);
        var data = new byte[1_100_000];
        rng.NextBytes(data);
        for (int len = 0; len < 600; len++)
            Assert.That(Checksum.Compute(data.AsSpan(3, len)), Is.EqualTo(Reference(data.AsSpan(3, len))), $"length {len}");
        // Past the vector loops' chunks too: 128 KiB with 128-bit vectors, 256 KiB with 256-bit ones, 512 KiB with 512-bit ones.
        foreach (int len in new[] { 1500, 9000, 65535, 69_999, 131_072 + 17, 262_144 + 33, 299_999, 524_288 + 65, 1_048_576 + 3 })
            Assert.That(Checksum.Compute(data.AsSpan(1, len)), Is.EqualTo(Reference(data.AsSpan(1, len))), $"length {len}");
        Array.Fill(data, (byte)0xFF); // worst case for lane overflow
        Assert.That(Checksum.Compute(data), Is.EqualTo(Reference(data)));
    }

    // A sum alone first brings its loads to a vector boundary when an even number of bytes gets them there (summed alone):
    // every source alignment, at lengths around the one from which it does so.
    [Test]
    public void Sum_is_exact_at_every_source_alignment()
    {
        var rng = new Random(1072);
        var data = new byte[70_000];
        rng.NextBytes(data);
        foreach (int len in new[] { 63, 64, 255, 256, 511, 512, 513, 1024 + 7, 1480, 8980, 65_483 })
            for (int at = 0; at < 128; at++)
                Assert.That(Checksum.Compute(data.AsSpan(at, len)), Is.EqualTo(Reference(data.AsSpan(at, len))), $"length {len}, offset {at}");
    }

    [Test]
    public void Copy_and_sum_copies_exactly_and_sums_as_the_definition_at_every_length()
    {
        var rng = new Random(793);
        var source = new byte[1_100_000];
        rng.NextBytes(source);
        var destination = new byte[1_100_010];
        var lengths = new System.Collections.Generic.List<int>();
        for (int len = 0; len < 600; len++) lengths.Add(len);
        lengths.AddRange(new[] { 1448, 1500, 8948, 65535, 69_999, 262_144 + 127, 524_288 + 129, 1_048_576 + 5 });
        foreach (int len in lengths)
        {
            Array.Fill(destination, (byte)0xA5);
            AssertCopied(source.AsSpan(1, len), destination, 5, 0xA5, summing: true, $"length {len}");
        }
        Array.Fill(source, (byte)0xFF); // worst case for lane overflow
        Checksum.TryCopyAndSum(source, destination, out ushort ones);
        Assert.That((ushort)~ones, Is.EqualTo(Reference(source)));
    }

    // The same loop copies without summing (PayloadCopy), and then aligns the destination whatever the head's parity.
    [TestCase(true, TestName = "Copy_and_sum_is_exact_at_every_destination_alignment")]
    [TestCase(false, TestName = "Payload_copy_is_exact_at_every_destination_alignment")]
    public void Copy_is_exact_at_every_destination_alignment(bool summing)
    {
        // The copy first brings the destination to a vector boundary when an even number of bytes gets it there (the
        // head is copied and summed alone); every alignment and both parities of the source are checked, at lengths
        // around the one from which it does so, and below the vector loop's.
        var rng = new Random(1624);
        var source = new byte[66_000];
        rng.NextBytes(source);
        var destination = new byte[66_200];
        foreach (int len in new[] { 0, 1, 7, 63, 64, 255, 256, 257, 300, 511, 1448, 8948, 65_483 })
            for (int sourceOffset = 0; sourceOffset < 2; sourceOffset++)
                for (int at = 0; at < 64; at++)
                {
                    Array.Fill(destination, (byte)0x5A, 0, Math.Min(destination.Length, at + len + 64));
                    AssertCopied(source.AsSpan(sourceOffset, len), destination, at, 0x5A, summing,
                        $"length {len}, source offset {sourceOffset}, destination offset {at}");
                }
    }

    // Copies source to destination at offset at with TryCopyAndSum (checking the sum against the definition) or
    // PayloadCopy.TryCopy, and checks the copy and the filler bytes on either side of it.
    private static void AssertCopied(ReadOnlySpan<byte> source, byte[] destination, int at, byte filler, bool summing, string where)
    {
        if (summing)
        {
            Assert.That(Checksum.TryCopyAndSum(source, destination.AsSpan(at), out ushort sum), Is.True);
            Assert.That((ushort)~sum, Is.EqualTo(Reference(source)), "sum, " + where);
        }
        else Assert.That(PayloadCopy.TryCopy(source, destination.AsSpan(at)), Is.True);
        Assert.That(destination.AsSpan(at, source.Length).SequenceEqual(source), Is.True, "copy, " + where);
        Assert.That(destination[at + source.Length], Is.EqualTo(filler), "nothing written past the copy, " + where);
        if (at > 0) Assert.That(destination[at - 1], Is.EqualTo(filler), "nothing written before the copy, " + where);
    }

    [Test]
    public void Copies_refuse_a_short_destination_and_write_nothing()
    {
        var destination = new byte[9];
        Assert.That(Checksum.TryCopyAndSum(new byte[10], destination, out ushort sum), Is.False);
        Assert.That(sum, Is.Zero);
        Assert.That(PayloadCopy.TryCopy(new byte[10], destination), Is.False);
        Assert.That(destination, Is.All.Zero);
    }

    [Test]
    public void Sums_of_parts_combine_with_the_odd_part_shifted_rfc1071_2b()
    {
        var rng = new Random(2);
        var data = new byte[257];
        rng.NextBytes(data);
        for (int split = 0; split <= data.Length; split++)
        {
            ushort combined = Checksum.Add(Checksum.Sum(data.AsSpan(0, split)), Checksum.Shift(Checksum.Sum(data.AsSpan(split)), split));
            Assert.That((ushort)~combined, Is.EqualTo(Reference(data)), $"split at {split}");
        }
    }

    [Test]
    public void Rfc1071_example_sums_to_ddf2()
    {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        Assert.That(Checksum.Sum(new byte[] { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 }), Is.EqualTo(0xddf2));
    }

    [Test]
    public void Incremental_update_equals_recomputation_rfc1624()
    {
        var rng = new Random(1624);
        var data = new byte[40];
        for (int round = 0; round < 1000; round++)
        {
            rng.NextBytes(data);
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(10), 0);
            ushort ck = Checksum.Compute(data);
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(10), ck);
            int at = 2 * rng.Next(0, 5);
            uint oldV = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(12 + at)), newV = (uint)rng.Next();
            BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(12 + at), newV);
            ushort updated = Checksum.Update(ck, oldV, newV);
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(10), updated);
            Assert.That(Checksum.Verify(data), Is.True);
        }
    }

    [Test]
    public void Ipv4_header_check_agrees_with_the_definition_at_every_header_length_rfc791_3_1()
    {
        var rng = new Random(791);
        var header = new byte[60];
        for (int round = 0; round < 2000; round++)
        {
            int length = 4 * rng.Next(5, 16);
            var h = header.AsSpan(0, length);
            rng.NextBytes(h);
            if (round % 2 == 0)
            {
                BinaryPrimitives.WriteUInt16BigEndian(h[10..], 0);
                BinaryPrimitives.WriteUInt16BigEndian(h[10..], Reference(h));
            }
            Assert.That(Checksum.VerifyIpv4Header(ref h[0], length), Is.EqualTo(Reference(h) == 0), Convert.ToHexString(h));
        }
        // The extremes of the sum: all zeros (sum 0, never valid) and all ones (a multiple of 0xFFFF, valid).
        Array.Clear(header);
        Assert.That(Checksum.VerifyIpv4Header(ref header[0], 20), Is.False);
        Array.Fill(header, (byte)0xFF);
        Assert.That(Checksum.VerifyIpv4Header(ref header[0], 20), Is.True);
        Assert.That(Checksum.VerifyIpv4Header(ref header[0], 60), Is.True);
    }

    [Test]
    public void Transport_check_agrees_with_the_definition_over_both_pseudo_headers_rfc9293_3_1_rfc8200_8_1()
    {
        var rng = new Random(9293);
        var data = new byte[200];
        foreach (int addressLength in new[] { 8, 32 })
        {
            var addresses = new byte[addressLength];
            for (int length = 0; length <= data.Length; length++)
            {
                rng.NextBytes(addresses);
                var segment = data.AsSpan(0, length);
                rng.NextBytes(segment);
                byte protocol = (byte)(length % 2 == 0 ? 6 : 17);
                // The pseudo-header laid out as RFC 768/9293 (IPv4) or RFC 8200 §8.1 (IPv6) define it, then the data.
                var whole = new byte[(addressLength == 8 ? 12 : 40) + length];
                addresses.CopyTo(whole, 0);
                if (addressLength == 8)
                {
                    whole[9] = protocol;
                    BinaryPrimitives.WriteUInt16BigEndian(whole.AsSpan(10), (ushort)length);
                }
                else
                {
                    BinaryPrimitives.WriteUInt32BigEndian(whole.AsSpan(32), (uint)length);
                    whole[39] = protocol;
                }
                if (length >= 8 && length % 3 != 0) // most with a correct checksum, the rest as random
                {
                    BinaryPrimitives.WriteUInt16BigEndian(segment[6..], 0);
                    segment.CopyTo(whole.AsSpan(whole.Length - length));
                    BinaryPrimitives.WriteUInt16BigEndian(segment[6..], Reference(whole));
                }
                segment.CopyTo(whole.AsSpan(whole.Length - length));
                Assert.That(Checksum.VerifyWithPseudoHeader(addresses, protocol, length, segment), Is.EqualTo(Reference(whole) == 0),
                    $"addresses {addressLength}, length {length}");
            }
        }
    }

    [Test]
    public void Pseudo_header_sums_match_the_byte_layout()
    {
        var s4 = Ipv4Address.Parse("198.18.0.1"); var d4 = Ipv4Address.Parse("198.18.0.2");
        var ph4 = new byte[12];
        s4.WriteTo(ph4); d4.WriteTo(ph4.AsSpan(4)); ph4[9] = 6; BinaryPrimitives.WriteUInt16BigEndian(ph4.AsSpan(10), 1234);
        Assert.That(Checksum.PseudoHeaderSum(s4, d4, 6, 1234), Is.EqualTo(Checksum.Sum(ph4)));
        var s6 = Ipv6Address.Parse("2001:db8::1"); var d6 = Ipv6Address.Parse("fe80::abcd:1");
        var ph6 = new byte[40];
        s6.WriteTo(ph6); d6.WriteTo(ph6.AsSpan(16)); BinaryPrimitives.WriteUInt32BigEndian(ph6.AsSpan(32), 70000); ph6[39] = 17;
        Assert.That(Checksum.PseudoHeaderSum(s6, d6, 17, 70000), Is.EqualTo(Checksum.Sum(ph6)));
    }
}
