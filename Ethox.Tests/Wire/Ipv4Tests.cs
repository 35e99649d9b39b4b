using System;
using System.Buffers.Binary;
using Ethox.Wire;
using NUnit.Framework;
using static Ethox.Tests.Wire.IpTestSupport;

namespace Ethox.Tests.Wire;

public class Ipv4Tests
{
    private static readonly Ipv4Address A = Ipv4Address.Parse("198.18.0.1");
    private static readonly Ipv4Address B = Ipv4Address.Parse("198.18.0.2");

    [Test]
    public void Scapy_udp_datagram_parses_field_by_field()
    {
        var bytes = Hex(IpScapyVectors.Ipv4Udp);
        Assert.That(Ipv4Packet.TryParse(bytes, out var p, out var error), Is.True, error.Describe());
        Assert.That(p.Version, Is.EqualTo(4));
        Assert.That(p.HeaderLength, Is.EqualTo(20));
        Assert.That(p.Dscp, Is.EqualTo(46), "TOS 0xB9: DSCP EF");
        Assert.That(p.Ecn, Is.EqualTo(1), "TOS 0xB9: ECT(1)");
        Assert.That(p.TotalLength, Is.EqualTo(33));
        Assert.That(p.Identification, Is.EqualTo(0x1234));
        Assert.That(p.DontFragment, Is.True);
        Assert.That(p.MoreFragments, Is.False);
        Assert.That(p.ReservedFlag, Is.False);
        Assert.That(p.FragmentOffset, Is.EqualTo(0));
        Assert.That(p.IsFragment, Is.False);
        Assert.That(p.TimeToLive, Is.EqualTo(64));
        Assert.That(p.Protocol, Is.EqualTo(IpProtocol.Udp));
        Assert.That(p.HeaderChecksum, Is.EqualTo(0x9BB7));
        Assert.That(p.VerifyChecksum(), Is.True);
        Assert.That(p.Source, Is.EqualTo(A));
        Assert.That(p.Destination, Is.EqualTo(B));
        Assert.That(p.OptionBytes.Length, Is.EqualTo(0));
        Assert.That(p.Payload.ToArray(), Is.EqualTo(bytes[20..]));

        Assert.That(Ipv4Repr.TryParse(p, out var repr, out error), Is.True, error.Describe());
        Assert.That(repr, Is.EqualTo(new Ipv4Repr(A, B, IpProtocol.Udp, 13, 64) { Dscp = 46, Ecn = 1, Identification = 0x1234, DontFragment = true }));
    }

    [Test]
    public void Emitted_header_is_byte_identical_to_scapy()
    {
        var expected = Hex(IpScapyVectors.Ipv4Udp);
        var repr = new Ipv4Repr(A, B, IpProtocol.Udp, 13, 64) { Dscp = 46, Ecn = 1, Identification = 0x1234, DontFragment = true };
        var buffer = new byte[repr.TotalLength];
        Assert.That(repr.TryEmit(buffer), Is.True);
        expected.AsSpan(20).CopyTo(buffer.AsSpan(20));
        Assert.That(buffer, Is.EqualTo(expected));
    }

    [Test]
    public void Options_between_20_and_IHL_times_4_bytes_are_walked_and_emitted_like_scapy()
    {
        var bytes = Hex(IpScapyVectors.Ipv4Options);
        Assert.That(Ipv4Packet.TryParse(bytes, out var p, out var error), Is.True, error.Describe());
        Assert.That(p.HeaderLength, Is.EqualTo(32));
        Assert.That(p.Payload.Length, Is.EqualTo(8), "the payload starts at IHL*4, not at 20");
        Assert.That(p.Payload[0], Is.EqualTo(8), "ICMP echo request type");

        var reader = p.Options;
        Assert.That(reader.TryNext(out var rr), Is.True);
        Assert.That(rr.Type, Is.EqualTo(Ipv4OptionType.RecordRoute));
        Assert.That((rr.Copied, rr.Class, rr.Number), Is.EqualTo((false, (byte)0, (byte)7)));
        Assert.That(rr.Data.ToArray(), Is.EqualTo(new byte[] { 4, 198, 18, 0, 9 }), "pointer then one recorded route");
        Assert.That(reader.TryNext(out var ra), Is.True);
        Assert.That(ra.Type, Is.EqualTo(Ipv4OptionType.RouterAlert));
        Assert.That((ra.Copied, ra.Class, ra.Number), Is.EqualTo((true, (byte)0, (byte)20)), "RFC 2113: copied, control, 20");
        Assert.That(ra.Data.ToArray(), Is.EqualTo(new byte[] { 0, 0 }));
        Assert.That(reader.TryNext(out _), Is.False, "End of Option List ends the walk");
        Assert.That(reader.Error, Is.EqualTo(WireError.None));

        Assert.That(Ipv4Repr.TryParse(p, out var repr, out error), Is.True, error.Describe());
        Assert.That(repr.OptionsLength, Is.EqualTo(12));
        var buffer = new byte[repr.TotalLength];
        Assert.That(repr.TryEmit(buffer, bytes.AsSpan(20, 11)), Is.True, "11 option bytes, padded with End of Option List");
        bytes.AsSpan(32).CopyTo(buffer.AsSpan(32));
        Assert.That(buffer, Is.EqualTo(bytes));
    }

    [Test]
    public void No_operation_is_yielded_and_bad_option_lengths_are_malformed()
    {
        var reader = new Ipv4OptionReader(new byte[] { 1, 1, 148, 4, 0, 0, 1, 1 });
        int count = 0;
        while (reader.TryNext(out _)) count++;
        Assert.That((count, reader.Error), Is.EqualTo((5, WireError.None)));

        foreach (var options in new[] { new byte[] { 7, 0, 0, 0 }, new byte[] { 7, 1, 0, 0 }, new byte[] { 7, 9, 4, 0 }, new byte[] { 1, 1, 1, 7 } })
        {
            reader = new Ipv4OptionReader(options);
            while (reader.TryNext(out _)) { }
            Assert.That(reader.Error, Is.EqualTo(WireError.Malformed), Convert.ToHexString(options));
        }
    }

    [Test]
    public void Fragment_offset_is_in_8_byte_units()
    {
        var bytes = Hex(IpScapyVectors.Ipv4Fragment);
        Assert.That(Ipv4Packet.TryParse(bytes, out var p, out _), Is.True);
        Assert.That(p.FragmentOffset, Is.EqualTo(185));
        Assert.That(p.FragmentByteOffset, Is.EqualTo(1480));
        Assert.That(p.MoreFragments, Is.True);
        Assert.That(p.DontFragment, Is.False);
        Assert.That(p.IsFragment, Is.True);
        Assert.That(Ipv4Repr.TryParse(p, out var repr, out _), Is.True);
        Assert.That(repr.FragmentByteOffset, Is.EqualTo(1480));
        var buffer = new byte[bytes.Length];
        Assert.That(repr.TryEmit(buffer), Is.True);
        Assert.That(buffer.AsSpan(0, 20).ToArray(), Is.EqualTo(bytes[..20]));

        p.FragmentOffset = 0x1FFF;
        p.DontFragment = true;
        Assert.That((p.FragmentOffset, p.MoreFragments, p.DontFragment), Is.EqualTo(((ushort)0x1FFF, true, true)), "setters keep the other bits");
    }

    [Test]
    public void Ethernet_padding_after_total_length_is_not_payload()
    {
        var bytes = Hex(IpScapyVectors.Ipv4Udp);
        var padded = new byte[46];
        bytes.CopyTo(padded);
        Assert.That(Ipv4Packet.TryParse(padded, out var p, out _), Is.True);
        Assert.That(p.Bytes.Length, Is.EqualTo(33));
        Assert.That(p.Payload.Length, Is.EqualTo(13));
    }

    [Test]
    public void Length_fields_are_checked_against_the_buffer()
    {
        var bytes = Hex(IpScapyVectors.Ipv4Options);
        Assert.That(Ipv4Packet.TryParse(bytes.AsSpan(0, bytes.Length - 1), out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Truncated), "shorter than Total Length");
        Assert.That(Ipv4Packet.TryParse(bytes.AsSpan(0, 25), out _, out error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Truncated), "shorter than IHL");

        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(2), 31);
        Assert.That(Ipv4Packet.TryParse(copy, out _, out error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Malformed), "Total Length below IHL*4");

        copy = (byte[])bytes.Clone();
        copy[0] = 0x44;
        Assert.That(Ipv4Packet.TryParse(copy, out _, out error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Malformed), "IHL below 5");

        copy = (byte[])bytes.Clone();
        copy[0] = 0x68;
        Assert.That(Ipv4Packet.TryParse(copy, out _, out error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Malformed), "version 6 in an IPv4 header");
    }

    [Test]
    public void Header_checksum_that_does_not_verify_is_bad_checksum()
    {
        var bytes = Hex(IpScapyVectors.Ipv4Udp);
        bytes[8] ^= 1;
        Assert.That(Ipv4Repr.TryParse(bytes, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.BadChecksum));
        Assert.That(Ipv4Packet.TryParse(bytes, out var p, out _), Is.True);
        p.FillChecksum();
        Assert.That(Ipv4Repr.TryParse(bytes, out _, out error), Is.True, error.Describe());
    }

    [Test]
    public void Ttl_decrement_patches_the_checksum_as_RFC_1624_does()
    {
        var rng = new Random(1624);
        var bytes = new byte[20];
        for (int i = 0; i < 2000; i++)
        {
            var repr = new Ipv4Repr(new Ipv4Address((uint)rng.Next()), new Ipv4Address((uint)rng.Next()), (IpProtocol)rng.Next(256), 0, (byte)rng.Next(256))
            { Identification = (ushort)rng.Next(65536) };
            Assert.That(repr.TryEmit(bytes), Is.True);
            Ipv4Packet.TryParse(bytes, out var p, out _);
            byte ttl = p.TimeToLive;
            bool ok = p.TryDecrementTimeToLive();
            Assert.That(ok, Is.EqualTo(ttl > 1));
            Assert.That(p.TimeToLive, Is.EqualTo(ok ? ttl - 1 : ttl));
            Assert.That(p.VerifyChecksum(), Is.True, $"ttl {ttl}");
            ushort incremental = p.HeaderChecksum;
            p.FillChecksum();
            Assert.That(PlusZero(incremental), Is.EqualTo(PlusZero(p.HeaderChecksum)), "the patched checksum equals a full recomputation");
        }
    }

    // One's complement has two zeros (RFC 1624 §3): 0x0000 and 0xFFFF.
    private static ushort PlusZero(ushort c) => c == 0xFFFF ? (ushort)0 : c;

    [Test]
    public void Quoted_datagram_header_is_readable_when_cut_short_of_its_total_length()
    {
        var bytes = Hex(IpScapyVectors.Offending4).AsSpan(0, 28).ToArray();
        Assert.That(Ipv4Packet.TryParse(bytes, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Truncated));
        Assert.That(Ipv4Packet.TryParseQuoted(bytes, out var p, out error), Is.True, error.Describe());
        Assert.That(p.TotalLength, Is.EqualTo(628));
        Assert.That(p.IsTruncated, Is.True);
        Assert.That(p.Payload.Length, Is.EqualTo(8));
        Assert.That((p.Source, p.Destination, p.Protocol, p.TimeToLive), Is.EqualTo((B, A, IpProtocol.Udp, (byte)1)));
        Assert.That(Ipv4Packet.TryParseQuoted(bytes.AsSpan(0, 19), out _, out error), Is.False);
        Assert.That(error, Is.EqualTo(WireError.Truncated), "the quoted header itself must be whole");
    }

    [Test]
    public void Emit_refuses_small_buffers_and_fields_that_do_not_fit()
    {
        var repr = new Ipv4Repr(A, B, IpProtocol.Tcp, 100, 64);
        Assert.That(repr.TryEmit(new byte[119]), Is.False);
        Assert.That(repr.TryEmit(new byte[120]), Is.True);
        Assert.That((repr with { PayloadLength = 65516 }).TryEmit(new byte[70000]), Is.False, "Total Length over 65535");
        Assert.That((repr with { OptionsLength = 44 }).TryEmit(new byte[200]), Is.False);
        Assert.That((repr with { OptionsLength = 6 }).TryEmit(new byte[200]), Is.False);
        Assert.That((repr with { OptionsLength = 4 }).TryEmit(new byte[200], new byte[5]), Is.False);
        Assert.That((repr with { FragmentOffset = 0x2000 }).TryEmit(new byte[200]), Is.False);
        Assert.That((repr with { Dscp = 64 }).TryEmit(new byte[200]), Is.False);
        Assert.That((repr with { PayloadLength = -1 }).TryEmit(new byte[200]), Is.False);
        Assert.That((repr with { PayloadLength = int.MaxValue }).TryEmit(new byte[200]), Is.False, "no overflow into a small Total Length");
    }

    [Test]
    public void Parse_and_emit_do_not_allocate()
    {
        var bytes = Hex(IpScapyVectors.Ipv4Options);
        var output = new byte[bytes.Length];
        int done = 0, options = 0;
        Ipv4Repr last = default;
        long allocated = AllocatedBy(1000, () =>
        {
            if (!Ipv4Repr.TryParse(bytes, out var repr, out _) || !Ipv4Packet.TryParse(bytes, out var p, out _)) return;
            var reader = p.Options;
            while (reader.TryNext(out _)) options++;
            if (repr.TryEmit(output, p.OptionBytes))
            {
                done++;
                last = repr;
            }
        });
        Assert.That(allocated, Is.Zero);
        const int Runs = 1 + 1000; // the warm-up and the measured runs
        Assert.That(done, Is.EqualTo(Runs));
        Assert.That(options, Is.EqualTo(Runs * 2), "record route, router alert");
        Assert.That((last.Protocol, last.OptionsLength, last.PayloadLength), Is.EqualTo((IpProtocol.Icmp, 12, 8)));
        Assert.That(output.AsSpan(0, 32).ToArray(), Is.EqualTo(bytes[..32]), "the header emitted as scapy built it");
    }

    internal static void Exercise(byte[] data)
    {
        foreach (bool quoted in new[] { false, true })
        {
            bool ok = quoted ? Ipv4Packet.TryParseQuoted(data, out var p, out var error) : Ipv4Packet.TryParse(data, out p, out error);
            Assert.That(ok, Is.EqualTo(error == WireError.None));
            if (!ok) continue;
            _ = (p.Version, p.HeaderLength, p.Dscp, p.Ecn, p.TotalLength, p.IsTruncated, p.Identification, p.DontFragment, p.MoreFragments,
                p.FragmentOffset, p.FragmentByteOffset, p.TimeToLive, p.Protocol, p.HeaderChecksum, p.Source, p.Destination, p.VerifyChecksum());
            Assert.That(p.Payload.Length, Is.LessThanOrEqualTo(data.Length - p.HeaderLength));
            var reader = p.Options;
            int steps = 0;
            while (reader.TryNext(out var option)) { _ = (option.Type, option.Data.Length, option.Copied); Assert.That(++steps, Is.LessThanOrEqualTo(40)); }
            if (data.Length % 3 == 0) p.FillChecksum(); // mend a mutated checksum now and then to reach the repr
            if (Ipv4Repr.TryParse(p, out var repr, out _))
            {
                var output = new byte[repr.TotalLength];
                Assert.That(repr.TryEmit(output, p.OptionBytes), Is.True, "a parsed header can be emitted again");
                Assert.That(Ipv4Repr.TryParse(output, out var again, out _) && again == repr, Is.True, "and reads back the same");
            }
            p.TryDecrementTimeToLive();
        }
    }

    [Test]
    public void Every_prefix_of_every_vector_returns_a_status()
    {
        foreach (var v in new[] { IpScapyVectors.Ipv4Udp, IpScapyVectors.Ipv4Options, IpScapyVectors.Ipv4Fragment, IpScapyVectors.Icmpv4PortUnreachable })
            EveryPrefix(Hex(v), Exercise);
    }

    [Test]
    public void Random_mutations_never_throw()
        => Fuzz(791, 35_000, new[] { Hex(IpScapyVectors.Ipv4Udp), Hex(IpScapyVectors.Ipv4Options), Hex(IpScapyVectors.Ipv4Fragment) }, Exercise);
}
