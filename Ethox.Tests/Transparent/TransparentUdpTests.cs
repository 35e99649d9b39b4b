using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Transparent;

/// <summary>
/// Transparent mode for UDP (issue 11 §3): a datagram to any address and port reaches the application with its full
/// four-tuple, and answers leave from the original destination, in place or later.
/// </summary>
public class TransparentUdpTests
{
    private static readonly TransportAddress Client = new(IpScript.Client4, 5353);
    private static readonly TransportAddress Service = new(IpScript.Elsewhere4, 53);

    [Test]
    public void Udp_to_unconfigured_address_is_delivered_with_its_four_tuple_when_accept_any_is_on()
    {
        var s = new IpScript(IpFamilies.All);
        var seen = s.Inject(IpScript.Datagram(Client, Service, "query"u8));
        Assert.That(seen, Is.Empty, "the application only recorded it: no answer, and no port unreachable");
        var d = s.Host.App.Datagrams.Single();
        Assert.That(d.Source, Is.EqualTo(Client));
        Assert.That(d.Destination, Is.EqualTo(Service), "the original destination, though port 53 is bound nowhere");
        Assert.That(d.Data, Is.EqualTo("query"u8.ToArray()));
        Assert.That(d.Foreign, Is.True);
        Assert.That(s.Host.Udp.Counters.Delivered, Is.EqualTo(1));
        Assert.That(s.Host.Udp.Counters.NoPort, Is.Zero);
    }

    [Test]
    public void Udp_to_unconfigured_address_is_dropped_by_default()
    {
        var s = new IpScript(IpFamilies.None);
        var seen = s.Inject(IpScript.Datagram(Client, Service, "query"u8));
        Assert.That(seen, Is.Empty, "not for us: no port unreachable either (RFC 1122 §3.3.1, a host does not forward)");
        Assert.That(s.Host.App.Datagrams, Is.Empty);
        Assert.That(s.Host.Ip.Counters.DroppedNotForUs, Is.EqualTo(1));
        Assert.That(s.Host.Udp.Counters.DatagramsIn, Is.Zero);
    }

    [Test]
    public void Udp_reply_leaves_from_original_destination()
    {
        var s = new IpScript(IpFamilies.All);
        s.Host.App.ReplyInPlace = true;
        var seen = s.Inject(IpScript.Datagram(Client, Service, "in place"u8));
        AssertDatagram(seen.Single(), Service, Client, "in place");

        // Later, from a transmit turn: the source pinned to the original destination, not chosen by the host (it has none).
        s.Host.App.ReplyInPlace = false;
        s.Host.App.Pending = (Service, Client, "later"u8.ToArray());
        seen = s.Poll();
        Assert.That(s.Host.App.PendingSent, Is.True);
        AssertDatagram(seen.Single(), Service, Client, "later");
    }

    [Test]
    public void Udp_reply_leaves_from_original_destination_over_ipv6()
    {
        var s = new IpScript(IpFamilies.V6);
        s.Host.App.ReplyInPlace = true;
        var client = new TransportAddress(IpScript.Client6, 40_001);
        var service = new TransportAddress(IpScript.Elsewhere6, 4500);
        AssertDatagram(s.Inject(IpScript.Datagram(client, service, "six"u8)).Single(), service, client, "six");
    }

    [Test]
    public void Sending_from_an_unconfigured_address_is_refused_without_accept_any()
    {
        var s = new IpScript(IpFamilies.None);
        s.Host.App.Pending = (Service, Client, "spoof"u8.ToArray());
        Assert.That(s.Poll(), Is.Empty);
        Assert.That(s.Host.App.PendingSent, Is.False);
        Assert.That(s.Host.Ip.Counters.DroppedSourceUnusable, Is.EqualTo(1));
    }

    // RFC 1122 §4.1.3.1: a datagram nobody takes may be answered with port unreachable; for a foreign address that is the
    // application's call (a VPN drops silently), and the error then speaks for the original destination.
    [Test]
    public void Refused_udp_to_unconfigured_address_gets_port_unreachable_from_that_address()
    {
        var s = new IpScript(IpFamilies.All);
        s.Host.App.RefuseDatagrams = true;
        var seen = s.Inject(IpScript.Datagram(Client, Service, "nobody"u8)).Single();
        Assert.That(seen.Source, Is.EqualTo(Service.Address));
        Assert.That(seen.Destination, Is.EqualTo(Client.Address));
        Assert.That(seen.Protocol, Is.EqualTo(IpProtocol.Icmp));
        Assert.That(Icmpv4Packet.TryParse(seen.Payload, out var icmp, out _), Is.True);
        Assert.That(icmp.Type, Is.EqualTo(Icmpv4Type.DestinationUnreachable));
        Assert.That(icmp.Code, Is.EqualTo((byte)Icmpv4UnreachableCode.PortUnreachable));
        Assert.That(s.Host.Udp.Counters.NoPort, Is.EqualTo(1));
    }

    private static void AssertDatagram(SeenPacket packet, TransportAddress from, TransportAddress to, string text)
    {
        Assert.That(packet.Source, Is.EqualTo(from.Address), "IP source: the original destination");
        Assert.That(packet.Destination, Is.EqualTo(to.Address));
        Assert.That(packet.Protocol, Is.EqualTo(IpProtocol.Udp));
        Assert.That(UdpDatagram.TryParse(packet.Payload, out var udp, out _), Is.True);
        Assert.That(udp.VerifyChecksum(packet.Source, packet.Destination), Is.True, "checksum over the foreign source");
        Assert.That(udp.SourcePort, Is.EqualTo(from.Port));
        Assert.That(udp.DestinationPort, Is.EqualTo(to.Port));
        Assert.That(udp.Payload.ToArray(), Is.EqualTo(System.Text.Encoding.ASCII.GetBytes(text)));
    }
}
