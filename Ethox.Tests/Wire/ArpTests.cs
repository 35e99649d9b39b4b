using System;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

public class ArpTests
{
    private static readonly EthernetAddress MacA = EthernetAddress.Parse("02:00:00:00:00:01");
    private static readonly EthernetAddress MacB = EthernetAddress.Parse("02:00:00:00:00:02");
    private static readonly Ipv4Address IpA = Ipv4Address.Parse("198.18.0.1");
    private static readonly Ipv4Address IpB = Ipv4Address.Parse("198.18.0.2");

    // scapy: ARP(op=1, hwsrc='02:00:00:00:00:01', psrc='198.18.0.1', hwdst='00:00:00:00:00:00', pdst='198.18.0.2')
    private static byte[] Request => Convert.FromHexString("0001080006040001020000000001c6120001000000000000c6120002");
    // scapy: ARP(op=2, hwsrc='02:00:00:00:00:02', psrc='198.18.0.2', hwdst='02:00:00:00:00:01', pdst='198.18.0.1')
    private static byte[] Reply => Convert.FromHexString("0001080006040002020000000002c6120002020000000001c6120001");
    // scapy: Ether(dst='ff:ff:ff:ff:ff:ff', src=...)/ARP(request as above)/Padding(18 zero bytes): a 60-byte frame
    private static byte[] PaddedFrame => Convert.FromHexString(
        "ffffffffffff02000000000108060001080006040001020000000001c6120001000000000000c6120002000000000000000000000000000000000000");

    [Test]
    public void Scapy_request_reads_field_by_field_rfc826()
    {
        Assert.That(ArpPacket.TryParse(Request, out var packet, out var err), Is.True, err.Describe());
        Assert.That(packet.HardwareType, Is.EqualTo(ArpHardwareType.Ethernet));
        Assert.That(packet.ProtocolType, Is.EqualTo(EtherType.Ipv4));
        Assert.That(packet.HardwareLength, Is.EqualTo(6));
        Assert.That(packet.ProtocolLength, Is.EqualTo(4));
        Assert.That(packet.Operation, Is.EqualTo(ArpOperation.Request));
        Assert.That(packet.IsEthernetIpv4, Is.True);
        Assert.That(packet.SenderHardwareAddress, Is.EqualTo(MacA));
        Assert.That(packet.SenderProtocolAddress, Is.EqualTo(IpA));
        Assert.That(packet.TargetHardwareAddress, Is.EqualTo(EthernetAddress.Unspecified));
        Assert.That(packet.TargetProtocolAddress, Is.EqualTo(IpB));
        Assert.That(ArpRepr.TryParse(packet, out var repr, out err), Is.True, err.Describe());
        Assert.That(repr, Is.EqualTo(new ArpRepr(ArpOperation.Request, MacA, IpA, EthernetAddress.Unspecified, IpB)));
    }

    [Test]
    public void Emit_is_byte_identical_to_scapy()
    {
        var buf = new byte[28];
        Assert.That(new ArpRepr(ArpOperation.Request, MacA, IpA, EthernetAddress.Unspecified, IpB).TryEmit(buf), Is.True);
        Assert.That(buf, Is.EqualTo(Request));
        Assert.That(new ArpRepr(ArpOperation.Reply, MacB, IpB, MacA, IpA).TryEmit(buf), Is.True);
        Assert.That(buf, Is.EqualTo(Reply));
        Assert.That(new ArpRepr(ArpOperation.Reply, MacB, IpB, MacA, IpA).TryEmit(new byte[27]), Is.False);
    }

    [Test]
    public void Ethernet_padding_is_not_part_of_the_packet()
    {
        var frameBytes = PaddedFrame;
        Assert.That(EthernetFrame.TryParse(frameBytes, out var frame, out _), Is.True);
        Assert.That(frame.Payload.Length, Is.EqualTo(46));
        Assert.That(ArpPacket.TryParse(frame.Payload, out var packet, out var err), Is.True, err.Describe());
        Assert.That(packet.Bytes.Length, Is.EqualTo(ArpPacket.EthernetIpv4Length));
    }

    [Test]
    public void Request_becomes_the_reply_in_place_rfc826_packet_reception()
    {
        var buf = Request;
        Assert.That(ArpPacket.TryParse(buf, out var packet, out _), Is.True);
        Assert.That(packet.TryMakeReply(MacB, out var err), Is.True, err.Describe());
        Assert.That(buf, Is.EqualTo(Reply));

        // A reply is not answered: it stays as it was.
        Assert.That(packet.TryMakeReply(MacB, out err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Unsupported));
        Assert.That(buf, Is.EqualTo(Reply));
    }

    [Test]
    public void Other_address_spaces_expose_generic_fields_but_are_unsupported()
    {
        // Hardware type 6 (IEEE 802) with 8-byte hardware and 16-byte protocol addresses (IPv6-sized).
        var buf = new byte[8 + 2 * (8 + 16)];
        buf[1] = 6; buf[2] = 0x86; buf[3] = 0xDD; buf[4] = 8; buf[5] = 16; buf[7] = 1;
        for (int i = 8; i < buf.Length; i++) buf[i] = (byte)i;
        Assert.That(ArpPacket.TryParse(buf, out var packet, out var err), Is.True, err.Describe());
        Assert.That((ushort)packet.HardwareType, Is.EqualTo(6));
        Assert.That(packet.ProtocolType, Is.EqualTo(EtherType.Ipv6));
        Assert.That(packet.SenderHardwareAddressBytes.ToArray(), Is.EqualTo(new byte[] { 8, 9, 10, 11, 12, 13, 14, 15 }));
        Assert.That(packet.SenderProtocolAddressBytes.Length, Is.EqualTo(16));
        Assert.That(packet.SenderProtocolAddressBytes[0], Is.EqualTo(16));
        Assert.That(packet.TargetHardwareAddressBytes[0], Is.EqualTo(32));
        Assert.That(packet.TargetProtocolAddressBytes[0], Is.EqualTo(40));
        Assert.That(packet.TargetProtocolAddressBytes.Length, Is.EqualTo(16));
        Assert.That(packet.IsEthernetIpv4, Is.False);
        Assert.That(packet.SenderHardwareAddress, Is.EqualTo(EthernetAddress.Unspecified), "typed accessors do not misread other layouts");
        packet.TargetProtocolAddress = IpA; // ignored: no IPv4 address to write
        Assert.That(packet.TargetProtocolAddressBytes[0], Is.EqualTo(40));
        Assert.That(ArpRepr.TryParse(packet, out _, out err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Unsupported));
        Assert.That(packet.TryMakeReply(MacA, out err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Unsupported));

        // Ethernet/IPv4 layout but another hardware type, and an unknown opcode (RARP).
        var ieee = Request;
        ieee[1] = 6;
        Assert.That(ArpRepr.TryParse(ieee, out _, out err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Unsupported));
        var rarp = Request;
        rarp[7] = 3;
        Assert.That(ArpRepr.TryParse(rarp, out _, out err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Unsupported));
    }

    [Test]
    public void Hostile_address_lengths_are_truncated_not_overread()
    {
        var buf = Request;
        buf[4] = 255; buf[5] = 255;
        Assert.That(ArpPacket.TryParse(buf, out _, out var err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Truncated));
        buf[4] = 0; buf[5] = 0; // zero-length addresses fit: a generic 8-byte packet
        Assert.That(ArpPacket.TryParse(buf, out var packet, out _), Is.True);
        Assert.That(packet.Bytes.Length, Is.EqualTo(8));
        Assert.That(packet.SenderProtocolAddress, Is.EqualTo(Ipv4Address.Unspecified));
    }

    [Test]
    public void Every_prefix_is_truncated()
    {
        var statuses = PrefixAndMutation.EveryPrefix(Request, ParseEverything);
        Assert.That(statuses, Is.All.EqualTo(WireError.Truncated));
    }

    [Test]
    public void Random_mutations_never_throw()
    {
        int accepted = PrefixAndMutation.Mutate([Request, Reply, PaddedFrame[14..]], 30_000, 826, ParseEverything);
        Assert.That(accepted, Is.GreaterThan(1000));
    }

    [Test]
    public void Parse_and_emit_allocate_nothing()
    {
        var buf = Request;
        ParseEverything(buf);
        int done = 0;
        ArpRepr last = default;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            if (ArpRepr.TryParse(buf, out var repr, out _) && repr.TryEmit(buf))
            {
                done++;
                last = repr;
            }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(done, Is.EqualTo(1000));
        Assert.That((last.Operation, last.SenderProtocolAddress, last.TargetProtocolAddress),
            Is.EqualTo((ArpOperation.Request, Ipv4Address.Parse("198.18.0.1"), Ipv4Address.Parse("198.18.0.2"))));
        Assert.That(buf, Is.EqualTo(Request), "the packet emitted over itself is the one parsed");
    }

    private static WireError ParseEverything(Span<byte> buffer)
    {
        if (!ArpPacket.TryParse(buffer, out var packet, out var err)) return err;
        _ = packet.SenderHardwareAddressBytes.Length + packet.TargetProtocolAddressBytes.Length;
        _ = packet.SenderHardwareAddress.Value + packet.TargetHardwareAddress.Value + packet.SenderProtocolAddress.Value + packet.TargetProtocolAddress.Value;
        if (!ArpRepr.TryParse(packet, out var repr, out err)) return err;
        Span<byte> scratch = stackalloc byte[28];
        Assert.That(repr.TryEmit(scratch), Is.True);
        Span<byte> copy = stackalloc byte[packet.Bytes.Length];
        packet.Bytes.CopyTo(copy);
        ArpPacket.TryParse(copy, out var again, out _);
        again.TryMakeReply(MacA, out _);
        return WireError.None;
    }
}
