using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

/// <summary>Sending with a pinned source address, the Don't Fragment option, and datagram sizes that follow the path MTU.</summary>
public class IpSendTests
{
    private static readonly Ipv4Address SecondV4 = new(198, 18, 0, 3);

    private static MuxAndPeer Sender(IpAddress destination, int length, IpAddress? source = null, IpSendOptions options = IpSendOptions.None)
    {
        var net = new MuxAndPeer();
        var tcp = net.Host.Tcp;
        tcp.Destination = destination;
        tcp.Length = length;
        tcp.Source = source;
        tcp.Options = options;
        tcp.ToSend = 1;
        return net;
    }

    private static Ipv4Packet Parse4(byte[] frame)
    {
        Assert.That(Ipv4Packet.TryParse(IcmpErrors.IpOf(frame), out var packet, out var error), Is.True, error.ToString());
        return packet;
    }

    [Test]
    public void A_pinned_source_is_used_even_when_source_selection_would_choose_another_address()
    {
        var net = Sender(RawPeer.V4, 100, source: SecondV4);
        net.Host.Ip.AddAddress(SecondV4, 24, net.Now); // announced by a gratuitous ARP first (RFC 5227 §3)
        var frames = net.Transmit();
        net.Host.Tcp.Source = null;
        net.Host.Tcp.ToSend = 1;
        frames.AddRange(net.Transmit());
        var sources = frames.Where(f => IcmpErrors.ProtocolOf(f) == IpProtocol.Tcp).Select(f => Parse4(f).Source).ToList();
        Assert.That(sources, Is.EqualTo(new[] { SecondV4, TwoHosts.V4A }), "pinned, then chosen (the first address ties win)");
    }

    [Test]
    public void A_pinned_source_that_is_tentative_not_ours_or_of_the_other_family_is_refused_and_counted()
    {
        var tentative = Ipv6Address.Parse("2001:db8::c");
        var net = Sender(RawPeer.V6, 100, source: tentative);
        net.Host.Ip.AddAddress(tentative, 64, net.Now); // DAD runs first (RFC 4862 §5.4)
        var frames = net.Transmit();
        Assert.That(frames.Any(f => IcmpErrors.ProtocolOf(f) == IpProtocol.Tcp), Is.False);
        Assert.That(net.Host.Ip.Counters.DroppedSourceUnusable, Is.EqualTo(1));
        net.Host.Tcp.Source = Ipv6Address.Parse("2001:db8::99");
        net.Transmit();
        net.Host.Tcp.Source = TwoHosts.V4A;
        net.Transmit();
        Assert.That(net.Host.Ip.Counters.DroppedSourceUnusable, Is.EqualTo(3));
        Assert.That(net.Host.Tcp.PrepareFailures, Is.EqualTo(3));

        net.Host.Tcp.Source = tentative;
        net.Now += Duration.FromSeconds(2);
        frames = net.Transmit();
        var sent = frames.Where(f => IcmpErrors.ProtocolOf(f) == IpProtocol.Tcp).ToList();
        Assert.That(sent, Has.Count.EqualTo(1), "usable once DAD passed");
        Assert.That(Ipv6Packet.TryParse(IcmpErrors.IpOf(sent[0]), out var packet, out _) && packet.Source == tentative, Is.True);
    }

    [Test]
    public void Dont_fragment_sets_the_ipv4_df_bit_and_no_option_leaves_it_clear_rfc791()
    {
        var net = Sender(RawPeer.V4, 100, source: TwoHosts.V4A, options: IpSendOptions.DontFragment);
        var df = Parse4(net.Transmit().Single());
        Assert.That(df.DontFragment, Is.True);
        Assert.That(df.VerifyChecksum(), Is.True);
        net.Host.Tcp.Options = IpSendOptions.None;
        net.Host.Tcp.ToSend = 1;
        Assert.That(Parse4(net.Transmit().Single()).DontFragment, Is.False);
    }

    [TestCase(4, 1480)]
    [TestCase(6, 1460)]
    public void Dont_fragment_refuses_a_datagram_larger_than_the_mtu_instead_of_fragmenting_it(int version, int fits)
    {
        IpAddress peer = version == 4 ? RawPeer.V4 : RawPeer.V6;
        IpAddress source = version == 4 ? TwoHosts.V4A : TwoHosts.V6A;
        var net = Sender(peer, fits + 1, source, IpSendOptions.DontFragment);
        Assert.That(net.Transmit(), Is.Empty);
        Assert.That(net.Host.Ip.Counters.DroppedTooBig, Is.EqualTo(1));
        Assert.That(net.Host.Ip.Fragmenter!.DatagramsFragmented, Is.Zero);
        Assert.That(net.Host.Ip.Counters.FragmentsOut, Is.Zero);
        net.Host.Tcp.Length = fits;
        var frames = net.Transmit();
        Assert.That(frames.Single().Length, Is.EqualTo(14 + 1500));
        Assert.That(net.Host.Tcp.MaxPayload, Is.EqualTo(fits));
    }

    [Test]
    public void Dont_fragment_follows_the_path_mtu_rfc1191()
    {
        var net = Sender(RawPeer.V4, 1261, TwoHosts.V4A, IpSendOptions.DontFragment);
        Assert.That(net.Host.Ip.TryLowerPathMtu(RawPeer.V4, 1280, net.Now), Is.True);
        Assert.That(net.Transmit(), Is.Empty);
        Assert.That(net.Host.Tcp.MaxPayload, Is.EqualTo(1260));
        net.Host.Tcp.Length = 1260;
        Assert.That(net.Transmit().Single().Length, Is.EqualTo(14 + 1280));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Without_dont_fragment_a_large_datagram_is_fragmented_at_the_path_mtu(bool pinned)
    {
        var net = Sender(RawPeer.V4, 2000, pinned ? TwoHosts.V4A : null);
        net.Host.Ip.TryLowerPathMtu(RawPeer.V4, 1000, net.Now);
        var frames = net.Transmit();
        Assert.That(frames, Has.Count.EqualTo(3));
        Assert.That(frames.Select(f => f.Length - 14), Has.All.LessThanOrEqualTo(1000));
        Assert.That(frames.Select(f => Parse4(f).DontFragment), Has.All.False);
        Assert.That(net.Host.Ip.Counters.FragmentsOut, Is.EqualTo(3));
    }

    [Test]
    public void Max_payload_follows_the_path_mtu_of_each_destination_and_family()
    {
        var net = Sender(RawPeer.V6, 0);
        net.Host.Tcp.ToSend = 0;
        net.Transmit();
        Assert.That(net.Host.Tcp.MaxPayload, Is.EqualTo(1460));
        net.Host.Ip.TryLowerPathMtu(RawPeer.V6, 1280, net.Now);
        net.Transmit();
        Assert.That(net.Host.Tcp.MaxPayload, Is.EqualTo(1240));
        net.Host.Tcp.Destination = RawPeer.V4;
        net.Transmit();
        Assert.That(net.Host.Tcp.MaxPayload, Is.EqualTo(1480));
        net.Now += Duration.FromSeconds(601); // the report aged out (RFC 8201 §4)
        net.Host.Tcp.Destination = RawPeer.V6;
        net.Transmit();
        Assert.That(net.Host.Tcp.MaxPayload, Is.EqualTo(1460));
    }
}
