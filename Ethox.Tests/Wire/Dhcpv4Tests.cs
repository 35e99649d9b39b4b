using System;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

public class Dhcpv4Tests
{
    private static readonly EthernetAddress Mac = EthernetAddress.Parse("02:00:00:00:00:01");
    private static readonly Ipv4Address Server = Ipv4Address.Parse("198.18.0.1");
    private static readonly Ipv4Address Offered = Ipv4Address.Parse("198.18.0.50");

    // Vectors are scapy's bytes written as: the first 44 bytes (op..chaddr), then the options after the cookie;
    // sname and file (192 zero bytes) and the cookie 63825363 are put back by Assemble.
    // scapy: BOOTP(op=1, chaddr=bytes.fromhex('020000000001'), xid=0x12345678, secs=3, flags=0x8000)/DHCP(options=[
    //   ('message-type','discover'), ('client_id', b'\x01'+chaddr), ('max_dhcp_size',1500), ('param_req_list',[1,3,6,15,51,54]), 'end'])
    private static byte[] Discover => Assemble(
        "0101060012345678000380000000000000000000000000000000000002000000000100000000000000000000",
        "3501013d0701020000000001390205dc37060103060f3336ff");
    // scapy: BOOTP(op=2, chaddr=..., xid=0x12345678, yiaddr='198.18.0.50', siaddr='198.18.0.1')/DHCP(options=[('message-type','offer'),
    //   ('server_id','198.18.0.1'), ('lease_time',3600), ('renewal_time',1800), ('rebinding_time',3150), ('subnet_mask','255.255.254.0'),
    //   ('router','198.18.0.1','198.18.0.254'), ('name_server','198.18.0.53','198.18.1.53','198.18.2.53'), 'end'])
    private static byte[] Offer => Assemble(
        "02010600123456780000000000000000c6120032c61200010000000002000000000100000000000000000000",
        "3501023604c6120001330400000e103a04000007083b0400000c4e0104fffffe000308c6120001c61200fe060cc6120035c6120135c6120235ff");
    // scapy: BOOTP(op=1, chaddr=..., xid=0xcafe)/DHCP(options=[('message-type','request'), ('client_id', b'\x01'+chaddr),
    //   ('requested_addr','198.18.0.50'), ('server_id','198.18.0.1'), ('param_req_list',[1,3,6]), 'end'])
    private static byte[] Request => Assemble(
        "010106000000cafe000000000000000000000000000000000000000002000000000100000000000000000000",
        "3501033d07010200000000013204c61200323604c61200013703010306ff");

    private static byte[] ClientId => Convert.FromHexString("01020000000001");

    private static byte[] Assemble(string fixedHex, string optionsHex)
    {
        var head = Convert.FromHexString(fixedHex);
        var options = Convert.FromHexString(optionsHex);
        var bytes = new byte[240 + options.Length];
        head.CopyTo(bytes, 0);
        bytes[236] = 0x63; bytes[237] = 0x82; bytes[238] = 0x53; bytes[239] = 0x63;
        options.CopyTo(bytes, 240);
        return bytes;
    }

    private static byte[] PadTo300(byte[] bytes)
    {
        var padded = new byte[Math.Max(300, bytes.Length)];
        bytes.CopyTo(padded, 0);
        return padded;
    }

    [Test]
    public void Scapy_discover_reads_field_by_field_rfc2131()
    {
        Assert.That(Dhcpv4Message.TryParse(Discover, out var m, out var err), Is.True, err.Describe());
        Assert.That(m.Operation, Is.EqualTo(Dhcpv4Operation.BootRequest));
        Assert.That(m.HardwareType, Is.EqualTo(ArpHardwareType.Ethernet));
        Assert.That(m.HardwareLength, Is.EqualTo(6));
        Assert.That(m.Hops, Is.EqualTo(0));
        Assert.That(m.TransactionId, Is.EqualTo(0x12345678u));
        Assert.That(m.Seconds, Is.EqualTo(3));
        Assert.That(m.Flags, Is.EqualTo(0x8000));
        Assert.That(m.Broadcast, Is.True);
        Assert.That(m.ClientAddress, Is.EqualTo(Ipv4Address.Unspecified));
        Assert.That(m.YourAddress, Is.EqualTo(Ipv4Address.Unspecified));
        Assert.That(m.ClientHardwareAddress, Is.EqualTo(Mac));
        Assert.That(m.ClientHardwareAddressField.Length, Is.EqualTo(16));
        Assert.That(m.ServerName.Length + m.BootFileName.Length, Is.EqualTo(192));
        Assert.That(m.MagicCookie, Is.EqualTo(Dhcpv4Message.MagicCookieValue));

        Assert.That(Dhcpv4Repr.TryParse(m, out var repr, out err), Is.True, err.Describe());
        Assert.That(repr.MessageType, Is.EqualTo(Dhcpv4MessageType.Discover));
        Assert.That(repr.ClientIdentifier.ToArray(), Is.EqualTo(ClientId));
        Assert.That(repr.MaxMessageSize, Is.EqualTo((ushort)1500));
        Assert.That(repr.ParameterRequestList.ToArray(), Is.EqualTo(new byte[] { 1, 3, 6, 15, 51, 54 }));
        Assert.That(repr.ServerIdentifier, Is.Null);
        Assert.That(repr.LeaseTime, Is.Null);
        Assert.That(repr.Routers.IsEmpty, Is.True);
    }

    [Test]
    public void Scapy_offer_reads_address_lists_without_allocating_rfc2132()
    {
        Assert.That(Dhcpv4Repr.TryParse(Offer, out var repr, out var err), Is.True, err.Describe());
        Assert.That(repr.MessageType, Is.EqualTo(Dhcpv4MessageType.Offer));
        Assert.That(repr.Operation, Is.EqualTo(Dhcpv4Operation.BootReply));
        Assert.That(repr.YourAddress, Is.EqualTo(Offered));
        Assert.That(repr.ServerAddress, Is.EqualTo(Server));
        Assert.That(repr.ServerIdentifier, Is.EqualTo(Server));
        Assert.That(repr.LeaseTime, Is.EqualTo(3600u));
        Assert.That(repr.RenewalTime, Is.EqualTo(1800u));
        Assert.That(repr.RebindingTime, Is.EqualTo(3150u));
        Assert.That(repr.SubnetMask, Is.EqualTo(Ipv4Address.Parse("255.255.254.0")));
        Assert.That(repr.Routers.Count, Is.EqualTo(2));
        Assert.That(repr.Routers[1], Is.EqualTo(Ipv4Address.Parse("198.18.0.254")));
        Assert.That(repr.Routers[2], Is.EqualTo(Ipv4Address.Unspecified), "out of range reads nothing");

        var offer = Offer;
        long before = GC.GetAllocatedBytesForCurrentThread();
        uint sum = 0;
        bool parsed = Dhcpv4Repr.TryParse(offer, out repr, out _);
        foreach (var dns in repr.DnsServers) sum += dns.Value & 0xFFFF;
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(parsed, Is.True);
        Assert.That(sum, Is.EqualTo(0x0035u + 0x0135 + 0x0235));
    }

    [Test]
    public void Option_reader_walks_typed_options_in_order()
    {
        Dhcpv4Message.TryParse(Offer, out var m, out _);
        var reader = m.OptionReader;
        Assert.That(reader.TryNext(out var o), Is.True);
        Assert.That((o.Code, o.MessageType), Is.EqualTo((Dhcpv4OptionCode.MessageType, Dhcpv4MessageType.Offer)));
        Assert.That(reader.TryNext(out o), Is.True);
        Assert.That((o.Code, o.Address), Is.EqualTo((Dhcpv4OptionCode.ServerIdentifier, Server)));
        Assert.That(reader.TryNext(out o), Is.True);
        Assert.That((o.Code, o.Seconds), Is.EqualTo((Dhcpv4OptionCode.LeaseTime, 3600u)));
        Assert.That(o.Address, Is.EqualTo(Ipv4Address.Unspecified), "typed accessors answer for their own codes only");
        int count = 3;
        while (reader.TryNext(out o)) count++;
        Assert.That(count, Is.EqualTo(8));
        Assert.That(reader.Error, Is.EqualTo(WireError.None));
    }

    [Test]
    public void Discover_offer_and_request_emit_byte_identical_to_scapy_padded_to_300_rfc1542()
    {
        var discover = new Dhcpv4Repr
        {
            MessageType = Dhcpv4MessageType.Discover, TransactionId = 0x12345678, Seconds = 3, Broadcast = true,
            ClientHardwareAddress = Mac, ClientIdentifier = ClientId, MaxMessageSize = 1500,
            ParameterRequestList = [1, 3, 6, 15, 51, 54],
        };
        AssertEmits(discover, Discover);

        ReadOnlySpan<Ipv4Address> routers = [Server, Ipv4Address.Parse("198.18.0.254")];
        ReadOnlySpan<Ipv4Address> dns = [Ipv4Address.Parse("198.18.0.53"), Ipv4Address.Parse("198.18.1.53"), Ipv4Address.Parse("198.18.2.53")];
        var offer = new Dhcpv4Repr
        {
            MessageType = Dhcpv4MessageType.Offer, TransactionId = 0x12345678, ClientHardwareAddress = Mac,
            YourAddress = Offered, ServerAddress = Server, ServerIdentifier = Server, LeaseTime = 3600, RenewalTime = 1800,
            RebindingTime = 3150, SubnetMask = Ipv4Address.Parse("255.255.254.0"),
            Routers = new Ipv4AddressList(routers), DnsServers = new Ipv4AddressList(dns),
        };
        AssertEmits(offer, Offer);

        var request = new Dhcpv4Repr
        {
            MessageType = Dhcpv4MessageType.Request, TransactionId = 0xcafe, ClientHardwareAddress = Mac, ClientIdentifier = ClientId,
            RequestedIpAddress = Offered, ServerIdentifier = Server, ParameterRequestList = [1, 3, 6],
        };
        AssertEmits(request, Request);
    }

    private static void AssertEmits(Dhcpv4Repr repr, byte[] scapy)
    {
        var expected = PadTo300(scapy);
        Assert.That(repr.EmittedLength, Is.EqualTo(expected.Length));
        var buf = new byte[expected.Length];
        Array.Fill(buf, (byte)0xEE); // everything must be written
        Assert.That(repr.TryEmit(buf), Is.True);
        Assert.That(buf, Is.EqualTo(expected));
        Assert.That(repr.TryEmit(new byte[expected.Length - 1]), Is.False);
    }

    [Test]
    public void Ack_round_trips_with_long_options()
    {
        Span<Ipv4Address> many = stackalloc Ipv4Address[63];
        for (int i = 0; i < many.Length; i++) many[i] = new Ipv4Address(0xC612_0000u + (uint)i);
        var ack = new Dhcpv4Repr
        {
            MessageType = Dhcpv4MessageType.Ack, TransactionId = 7, ClientHardwareAddress = Mac, ClientAddress = Offered,
            YourAddress = Offered, RelayAgentAddress = Ipv4Address.Parse("198.19.0.1"), DnsServers = new Ipv4AddressList(many), LeaseTime = uint.MaxValue,
        };
        var buf = new byte[ack.EmittedLength];
        Assert.That(buf.Length, Is.EqualTo(240 + 3 + 2 + 252 + 6 + 1));
        Assert.That(ack.TryEmit(buf), Is.True);
        Assert.That(Dhcpv4Repr.TryParse(buf, out var back, out var err), Is.True, err.Describe());
        Assert.That(back.DnsServers.Count, Is.EqualTo(63));
        Assert.That(back.DnsServers[62], Is.EqualTo(many[62]));
        Assert.That(back.RelayAgentAddress, Is.EqualTo(ack.RelayAgentAddress));
        Assert.That(back.ClientAddress, Is.EqualTo(Offered));
        Assert.That(back.LeaseTime, Is.EqualTo(uint.MaxValue), "infinite lease");

        Span<Ipv4Address> tooMany = stackalloc Ipv4Address[64];
        Assert.That((ack with { DnsServers = new Ipv4AddressList(tooMany) }).TryEmit(new byte[1000]), Is.False, "64 addresses do not fit one option");
    }

    [Test]
    public void Missing_magic_cookie_is_malformed_and_short_messages_truncated()
    {
        var plainBootp = Discover;
        plainBootp[239] = 0;
        Assert.That(Dhcpv4Message.TryParse(plainBootp, out _, out var err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Malformed));
        Assert.That(Dhcpv4Message.TryParse(Discover.AsSpan(0, 239), out _, out err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Truncated));
    }

    [TestCase("35020101ff", WireError.Malformed, TestName = "Message_type_of_wrong_length_is_malformed")]
    [TestCase("3501013604c612", WireError.Truncated, TestName = "Option_length_beyond_the_buffer_is_truncated")]
    [TestCase("35010135", WireError.Truncated, TestName = "Option_without_length_byte_is_truncated")]
    [TestCase("3501010303c61200ff", WireError.Malformed, TestName = "Router_list_not_whole_addresses_is_malformed")]
    [TestCase("3501013d0101ff", WireError.Malformed, TestName = "Client_identifier_shorter_than_2_is_malformed_rfc2132_9_14")]
    [TestCase("0c00ff", WireError.Malformed, TestName = "Empty_host_name_is_malformed")]
    [TestCase("ff", WireError.Unsupported, TestName = "No_message_type_is_plain_bootp_and_unsupported")]
    public void Bad_options_return_a_status(string optionsHex, WireError expected)
    {
        var bytes = Assemble("0101060012345678000380000000000000000000000000000000000002000000000100000000000000000000", optionsHex);
        Assert.That(Dhcpv4Repr.TryParse(bytes, out _, out var err), Is.False);
        Assert.That(err, Is.EqualTo(expected));
    }

    [Test]
    public void Pad_is_skipped_end_may_be_missing_and_unknown_options_pass()
    {
        var bytes = Assemble("0101060012345678000380000000000000000000000000000000000002000000000100000000000000000000",
            "0000350101" + "00" + "fa03616263" + "3204c6120032");
        Assert.That(Dhcpv4Repr.TryParse(bytes, out var repr, out var err), Is.True, err.Describe());
        Assert.That(repr.MessageType, Is.EqualTo(Dhcpv4MessageType.Discover));
        Assert.That(repr.RequestedIpAddress, Is.EqualTo(Offered));
        // Anything after End is ignored, even garbage.
        var withTrailer = Assemble("0101060012345678000380000000000000000000000000000000000002000000000100000000000000000000", "350101ff32");
        Assert.That(Dhcpv4Repr.TryParse(withTrailer, out _, out err), Is.True, err.Describe());
    }

    [Test]
    public void Overloaded_file_and_sname_fields_carry_options_rfc2131_section_4_1()
    {
        var bytes = Offer;
        // Replace the options with: message type, overload = 3 (both), end; put server id in file and lease time in sname.
        var options = Convert.FromHexString("350102340103ff");
        Array.Resize(ref bytes, 240 + options.Length);
        options.CopyTo(bytes, 240);
        Convert.FromHexString("3604c6120001ff").CopyTo(bytes, 108);
        Convert.FromHexString("330400000e10ff").CopyTo(bytes, 44);
        Assert.That(Dhcpv4Repr.TryParse(bytes, out var repr, out var err), Is.True, err.Describe());
        Assert.That(repr.ServerIdentifier, Is.EqualTo(Server));
        Assert.That(repr.LeaseTime, Is.EqualTo(3600u));
        Assert.That(repr.Routers.IsEmpty, Is.True);

        // Without the overload option the same fields are names, not options.
        bytes[243] = 0; bytes[244] = 0; bytes[245] = 0; // the overload option becomes Pad
        Assert.That(Dhcpv4Repr.TryParse(bytes, out repr, out _), Is.True);
        Assert.That(repr.ServerIdentifier, Is.Null);
    }

    [Test]
    public void Op_must_agree_with_message_type_and_hardware_must_be_ethernet()
    {
        var bytes = Offer;
        bytes[0] = 1;
        Assert.That(Dhcpv4Repr.TryParse(bytes, out _, out var err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Malformed));
        bytes[0] = 3;
        Assert.That(Dhcpv4Repr.TryParse(bytes, out _, out err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Malformed));
        bytes = Offer;
        bytes[1] = 6;
        Assert.That(Dhcpv4Repr.TryParse(bytes, out _, out err), Is.False);
        Assert.That(err, Is.EqualTo(WireError.Unsupported));
    }

    [Test]
    public void Every_prefix_returns_a_status()
    {
        var statuses = PrefixAndMutation.EveryPrefix(Offer, ParseEverything);
        Assert.That(statuses[..240], Is.All.EqualTo(WireError.Truncated));
        // Cuts between options parse (End is optional); cuts inside an option are truncated.
        Assert.That(statuses[240], Is.EqualTo(WireError.Unsupported), "no message type yet");
        Assert.That(statuses[241], Is.EqualTo(WireError.Truncated));
        Assert.That(statuses[243], Is.EqualTo(WireError.None));
    }

    [Test]
    public void Random_mutations_never_throw()
    {
        int accepted = PrefixAndMutation.Mutate([Discover, Offer, Request], 40_000, 2131, ParseEverything);
        Assert.That(accepted, Is.GreaterThan(5000));
    }

    [Test]
    public void Parse_and_emit_allocate_nothing()
    {
        var buf = Request;
        var scratch = new byte[400];
        ParseEverything(buf);
        int done = 0;
        var type = Dhcpv4MessageType.Discover;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            if (Dhcpv4Repr.TryParse(buf, out var repr, out _) && repr.TryEmit(scratch))
            {
                done++;
                type = repr.MessageType;
            }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(done, Is.EqualTo(1000));
        Assert.That(type, Is.EqualTo(Dhcpv4MessageType.Request));
        Assert.That(Dhcpv4Repr.TryParse(scratch, out var emitted, out var error), Is.True, error.Describe());
        Assert.That(emitted.MessageType, Is.EqualTo(Dhcpv4MessageType.Request), "what was emitted reads back");
    }

    private static WireError ParseEverything(Span<byte> buffer)
    {
        if (!Dhcpv4Message.TryParse(buffer, out var m, out var err)) return err;
        var reader = m.OptionReader;
        while (reader.TryNext(out var o))
            _ = (uint)o.MessageType + o.Address.Value + o.Addresses[0].Value + o.Seconds + o.MaxMessageSize + o.Overload + o.Data.Length;
        if (!Dhcpv4Repr.TryParse(m, out var repr, out err)) return err;
        foreach (var r in repr.Routers) _ = r.Value;
        Span<byte> scratch = stackalloc byte[1200];
        Assert.That(repr.TryEmit(scratch), Is.True);
        Assert.That(Dhcpv4Repr.TryParse(scratch[..repr.EmittedLength], out var back, out err), Is.True, err.Describe());
        Assert.That(back.DnsServers.Count, Is.EqualTo(repr.DnsServers.Count));
        return WireError.None;
    }
}
