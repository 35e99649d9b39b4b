using System;
using System.Net;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Wire;

public class AddressTests
{
    [TestCase("2001:db8::1")]
    [TestCase("::")]
    [TestCase("::1")]
    [TestCase("fe80::1:2:3:4")]
    [TestCase("2001:db8:0:1:1:1:1:1")]
    [TestCase("2001:0:0:1::1")]
    [TestCase("1::")]
    [TestCase("ff02::1:ff00:1234")]
    [TestCase("::ffff:198.18.0.1")]
    [TestCase("2001:db8:1:2:3:4:5:6")]
    public void Ipv6_text_matches_the_BCL_in_both_directions(string text)
    {
        var bcl = IPAddress.Parse(text);
        Assert.That(Ipv6Address.TryParse(text, out var ours), Is.True);
        Assert.That(ours, Is.EqualTo(Ipv6Address.FromIPAddress(bcl)));
        // RFC 5952 canonical form; the BCL prints mapped addresses in dotted form, so compare via round trip.
        Assert.That(Ipv6Address.Parse(ours.ToString()), Is.EqualTo(ours));
        if (!ours.IsIpv4Mapped) Assert.That(ours.ToString(), Is.EqualTo(bcl.ToString()));
    }

    [TestCase("")]
    [TestCase(":")]
    [TestCase(":::")]
    [TestCase("1:2:3:4:5:6:7:8:9")]
    [TestCase("1::2::3")]
    [TestCase("12345::")]
    [TestCase("1:2:3:4:5:6:7")]
    [TestCase("g::")]
    [TestCase("1:")]
    public void Ipv6_rejects_malformed_text(string text) => Assert.That(Ipv6Address.TryParse(text, out _), Is.False);

    [TestCase("198.18.0.1", true)]
    [TestCase("255.255.255.255", true)]
    [TestCase("0.0.0.0", true)]
    [TestCase("256.0.0.1", false)]
    [TestCase("1.2.3", false)]
    [TestCase("1.2.3.4.", false)]
    [TestCase("01.2.3.4", false)]
    [TestCase("1..3.4", false)]
    public void Ipv4_parses_strict_dotted_quads(string text, bool valid)
    {
        Assert.That(Ipv4Address.TryParse(text, out var a), Is.EqualTo(valid));
        if (valid) Assert.That(a.ToString(), Is.EqualTo(text));
    }

    [Test]
    public void Ethernet_address_round_trips_and_classifies()
    {
        var a = EthernetAddress.Parse("02:00:5e:10:00:01");
        Assert.That(a.ToString(), Is.EqualTo("02:00:5e:10:00:01"));
        Assert.That(a.IsLocallyAdministered && a.IsUnicast, Is.True);
        Assert.That(EthernetAddress.Broadcast.IsBroadcast && EthernetAddress.Broadcast.IsMulticast, Is.True);
        Assert.That(EthernetAddress.FromIpv4Multicast(Ipv4Address.Parse("224.0.0.251")).ToString(), Is.EqualTo("01:00:5e:00:00:fb"));
        Assert.That(EthernetAddress.FromIpv6Multicast(Ipv6Address.Parse("ff02::1:ff00:1234")).ToString(), Is.EqualTo("33:33:ff:00:12:34"));
    }

    [Test]
    public void Modified_eui64_and_solicited_node_follow_rfc4291()
    {
        var mac = EthernetAddress.Parse("52:54:00:12:34:56");
        Assert.That(Ipv6Address.LinkLocalFromMac(mac).ToString(), Is.EqualTo("fe80::5054:ff:fe12:3456"));
        Assert.That(Ipv6Address.Parse("2001:db8::aa:bbcc:ddee").SolicitedNode.ToString(), Is.EqualTo("ff02::1:ffcc:ddee"));
    }

    [Test]
    public void Cidr_contains_and_formats()
    {
        var c = Ipv4Cidr.Parse("198.18.5.7/16");
        Assert.That(c.Contains(Ipv4Address.Parse("198.18.200.1")), Is.True);
        Assert.That(c.Contains(Ipv4Address.Parse("198.19.0.1")), Is.False);
        Assert.That(c.Network.ToString(), Is.EqualTo("198.18.0.0"));
        Assert.That(c.BroadcastAddress.ToString(), Is.EqualTo("198.18.255.255"));
        var v6 = Ipv6Cidr.Parse("2001:db8:1::5/48");
        Assert.That(v6.Contains(Ipv6Address.Parse("2001:db8:1:ffff::1")), Is.True);
        Assert.That(v6.Contains(Ipv6Address.Parse("2001:db8:2::1")), Is.False);
        Assert.That(v6.ToString(), Is.EqualTo("2001:db8:1::5/48"));
        Assert.That(Ipv6Cidr.Parse("::/0").Contains(Ipv6Address.Parse("2001:db8::1")), Is.True);
        Assert.That(Ipv4Cidr.TryParse("1.2.3.4/33", null, out _), Is.False);
    }
}
