using System;
using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Nic;
using Ethox.Tests.Layer;
using Ethox.Tests.Tools;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Transparent;

/// <summary>
/// Transparent mode at the layer API (issue 11 §3): with <see cref="IpEndpoint.AcceptAny"/> a SYN to an address the host
/// does not have reaches the user as a <see cref="TcpStray"/>, an accepted connection speaks from the original
/// destination, and everything RFC 9293 says about segments without a connection still holds, from that address.
/// </summary>
public class TransparentTcpTests
{
    private static readonly TcpSeqNumber ClientIss = new(1_000_000);

    private static IpAddress Elsewhere(string family) => family == "v4" ? IpScript.Elsewhere4 : IpScript.Elsewhere6;

    [TestCase("v4")]
    [TestCase("v6")]
    public void Syn_to_unconfigured_address_is_dropped_by_default(string family)
    {
        var s = new IpScript(IpFamilies.None);
        var to = new TransportAddress(Elsewhere(family), 80);
        var seen = s.Inject(IpScript.Segment(IpScript.ClientFor(to.Address), to, IpScript.Syn(ClientIss)));
        Assert.That(seen, Is.Empty, "a host does not answer for an address it does not have (RFC 1122 §3.3.1)");
        Assert.That(s.Host.Ip.Counters.DroppedNotForUs, Is.EqualTo(1));
        Assert.That(s.Host.Ip.Counters.ForeignIn, Is.Zero);
        Assert.That(s.Host.Tcp.Counters.SegmentsIn, Is.Zero, "TCP never saw it");
        Assert.That(s.Host.App.Strays, Is.Empty);
    }

    [TestCase("v4")]
    [TestCase("v6")]
    public void Syn_to_unconfigured_address_is_offered_when_accept_any_is_on(string family)
    {
        var s = new IpScript(IpFamilies.All);
        s.Host.App.AcceptStrays = false;
        s.Host.App.IgnoreStrays = true;
        var to = new TransportAddress(Elsewhere(family), 443);
        var client = IpScript.ClientFor(to.Address);
        s.Inject(IpScript.Segment(client, to, IpScript.Syn(ClientIss)));
        Assert.That(s.Host.App.Strays, Has.Count.EqualTo(1));
        var (tuple, foreign, flags) = s.Host.App.Strays[0];
        Assert.That(foreign, Is.True);
        Assert.That(flags, Is.EqualTo(TcpFlags.Syn));
        Assert.That(tuple.Local, Is.EqualTo(to), "local end: the original destination address and port");
        Assert.That(tuple.Remote, Is.EqualTo(new TransportAddress(client, IpScript.ClientPort)));
        Assert.That(s.Host.Ip.Counters.ForeignIn, Is.EqualTo(1));
        Assert.That(s.Host.Ip.Counters.Delivered, Is.EqualTo(1));
    }

    [TestCase("v4")]
    [TestCase("v6")]
    public void Accepted_connection_answers_from_original_destination(string family)
    {
        var s = new IpScript(IpFamilies.All);
        var to = new TransportAddress(Elsewhere(family), 80);
        var client = IpScript.ClientFor(to.Address);

        // RFC 9293 §3.10.7.2 as for a listener: the SYN-ACK acknowledges the SYN, from the address and port it went to.
        var seen = s.Inject(IpScript.Segment(client, to, IpScript.Syn(ClientIss)));
        Assert.That(seen, Has.Count.EqualTo(1));
        AssertFrom(seen[0], to, client);
        var synAck = seen[0].Tcp(out _);
        Assert.That(synAck.Flags, Is.EqualTo(TcpFlags.Syn | TcpFlags.Ack));
        Assert.That(synAck.AcknowledgmentNumber, Is.EqualTo(ClientIss + 1));
        Assert.That(s.Host.Tcp.StateOf(s.Host.App.LastKey), Is.EqualTo(TcpState.SynReceived));

        var ack = new TcpRepr { Flags = TcpFlags.Ack, SequenceNumber = ClientIss + 1, AcknowledgmentNumber = synAck.SequenceNumber + 1, WindowSize = 65535 };
        seen = s.Inject(IpScript.Segment(client, to, ack with { Flags = TcpFlags.Ack | TcpFlags.Psh }, "hello"u8));
        Assert.That(s.Host.Tcp.StateOf(s.Host.App.LastKey), Is.EqualTo(TcpState.Established));
        // The echo rides on the ACK written over the segment (an answer in place)…
        Assert.That(seen, Has.Count.EqualTo(1));
        AssertFrom(seen[0], to, client);
        seen[0].Tcp(out var echoed);
        Assert.That(echoed, Is.EqualTo("hello"u8.ToArray()));

        // …and, once the client acknowledged it (Nagle holds a small segment while data is outstanding), data the
        // application writes on its own leaves on a transmit turn, prepared with the foreign source.
        Assert.That(s.Inject(IpScript.Segment(client, to, ack with { SequenceNumber = ClientIss + 6, AcknowledgmentNumber = synAck.SequenceNumber + 6 })), Is.Empty);
        Assert.That(s.Host.Tcp.Write(s.Host.App.LastKey, "later"u8, out int written), Is.EqualTo(TcpStatus.Ok));
        Assert.That(written, Is.EqualTo(5));
        seen = s.Poll();
        Assert.That(seen, Has.Count.EqualTo(1));
        AssertFrom(seen[0], to, client);
        var later = seen[0].Tcp(out var data);
        Assert.That(data, Is.EqualTo("later"u8.ToArray()));
        Assert.That(later.SequenceNumber, Is.EqualTo(synAck.SequenceNumber + 1 + 5));
        Assert.That(s.Host.Tcp.GetInfo(s.Host.App.LastKey, out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.Tuple.Local, Is.EqualTo(to));
        Assert.That(s.Host.Ip.Counters.DroppedSourceUnusable, Is.Zero);
    }

    [Test]
    public void Declined_syn_to_unconfigured_address_is_reset_from_that_address()
    {
        var s = new IpScript(IpFamilies.All);
        s.Host.App.AcceptStrays = false;
        var to = new TransportAddress(IpScript.Elsewhere4, 8080);
        var seen = s.Inject(IpScript.Segment(IpScript.Client4, to, IpScript.Syn(ClientIss)));
        // RFC 9293 §3.10.7.1: no ACK in the segment, so <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; the SYN counts one.
        Assert.That(seen, Has.Count.EqualTo(1));
        AssertFrom(seen[0], to, IpScript.Client4);
        var rst = seen[0].Tcp(out _);
        Assert.That(rst.Flags, Is.EqualTo(TcpFlags.Rst | TcpFlags.Ack));
        Assert.That(rst.SequenceNumber, Is.EqualTo(new TcpSeqNumber(0)));
        Assert.That(rst.AcknowledgmentNumber, Is.EqualTo(ClientIss + 1));
        Assert.That(s.Host.Tcp.Count, Is.Zero, "no state kept");
    }

    [Test]
    public void Ignored_syn_to_unconfigured_address_gets_no_answer()
    {
        var s = new IpScript(IpFamilies.All);
        s.Host.App.IgnoreStrays = true;
        var seen = s.Inject(IpScript.Segment(IpScript.Client4, new TransportAddress(IpScript.Elsewhere4, 80), IpScript.Syn(ClientIss)));
        Assert.That(seen, Is.Empty);
        Assert.That(s.Host.App.Strays, Has.Count.EqualTo(1));
        Assert.That(s.Host.Tcp.Count, Is.Zero);
    }

    [Test]
    public void Segment_to_unconfigured_address_without_a_connection_is_reset_with_its_acknowledgment_number()
    {
        var s = new IpScript(IpFamilies.All);
        var to = new TransportAddress(IpScript.Elsewhere4, 80);
        var stale = new TcpRepr { Flags = TcpFlags.Ack, SequenceNumber = ClientIss, AcknowledgmentNumber = new TcpSeqNumber(777), WindowSize = 1000 };
        var seen = s.Inject(IpScript.Segment(IpScript.Client4, to, stale, "x"u8));
        // RFC 9293 §3.10.7.1: with an ACK, <SEQ=SEG.ACK><CTL=RST>, and the user's accept does not apply to it.
        Assert.That(seen, Has.Count.EqualTo(1));
        AssertFrom(seen[0], to, IpScript.Client4);
        var rst = seen[0].Tcp(out _);
        Assert.That(rst.Flags, Is.EqualTo(TcpFlags.Rst));
        Assert.That(rst.SequenceNumber, Is.EqualTo(new TcpSeqNumber(777)));
        Assert.That(s.Host.Tcp.Count, Is.Zero);

        // A RST is never answered (RFC 9293 §3.10.7.1).
        seen = s.Inject(IpScript.Segment(IpScript.Client4, to, stale with { Flags = TcpFlags.Rst }));
        Assert.That(seen, Is.Empty);
    }

    [Test]
    public void Syn_to_an_address_of_the_hosts_own_is_not_foreign()
    {
        var s = new IpScript(IpFamilies.All);
        var own = new Ipv4Address(198, 18, 0, 1);
        s.Host.Ip.AddAddress(own, 24, s.Now);
        s.Host.App.IgnoreStrays = true;
        s.Inject(IpScript.Segment(IpScript.Client4, new TransportAddress(own, 81), IpScript.Syn(ClientIss)));
        s.Inject(IpScript.Segment(IpScript.Client4, new TransportAddress(IpScript.Elsewhere4, 81), IpScript.Syn(ClientIss)));
        Assert.That(s.Host.App.Strays.Select(x => x.Foreign), Is.EqualTo(new[] { false, true }));
        Assert.That(s.Host.Ip.Counters.ForeignIn, Is.EqualTo(1));
    }

    [Test]
    public void Accept_any_is_per_family()
    {
        var s = new IpScript(IpFamilies.V4);
        s.Host.App.IgnoreStrays = true;
        s.Inject(IpScript.Segment(IpScript.Client6, new TransportAddress(IpScript.Elsewhere6, 80), IpScript.Syn(ClientIss)));
        Assert.That(s.Host.App.Strays, Is.Empty);
        Assert.That(s.Host.Ip.Counters.DroppedNotForUs, Is.EqualTo(1));
        s.Inject(IpScript.Segment(IpScript.Client4, new TransportAddress(IpScript.Elsewhere4, 80), IpScript.Syn(ClientIss)));
        Assert.That(s.Host.App.Strays, Has.Count.EqualTo(1));
    }

    // Broadcast, multicast, unspecified and loopback destinations are not host addresses anybody could be transparent for
    // (RFC 1122 §3.2.1.3, RFC 9293 §3.9.1: TCP is unicast).
    [TestCase("255.255.255.255")]
    [TestCase("224.0.0.9")]
    [TestCase("127.0.0.1")]
    [TestCase("0.0.0.0")]
    [TestCase("ff02::1:2")]
    [TestCase("::1")]
    public void Only_unicast_host_addresses_are_taken(string destination)
    {
        var s = new IpScript(IpFamilies.All);
        var to = IpAddress.Parse(destination);
        s.Inject(IpScript.Segment(IpScript.ClientFor(to), new TransportAddress(to, 80), IpScript.Syn(ClientIss)));
        Assert.That(s.Host.App.Strays, Is.Empty);
        Assert.That(s.Host.Ip.Counters.ForeignIn, Is.Zero);
        Assert.That(s.Host.Tcp.Count, Is.Zero);
    }

    [Test]
    public void Ping_and_other_protocols_to_unconfigured_address_are_not_answered()
    {
        var s = new IpScript(IpFamilies.All);
        var seen = s.Inject(RawPeer4(RawPeer.Echo4(IpScript.Client4, IpScript.Elsewhere4, 1, 1, 16)));
        Assert.That(seen, Is.Empty, "we do not pretend to be a host we are not: no echo reply");
        Assert.That(s.Host.Ip.IcmpCounters.EchoRepliesSent, Is.Zero);
        seen = s.Inject(IpScript.Packet(IpScript.Client4, IpScript.Elsewhere4, (IpProtocol)132, new byte[12]));
        Assert.That(seen, Is.Empty, "no protocol unreachable from an address that is not ours");
        Assert.That(s.Host.Ip.Counters.DroppedNotForUs, Is.EqualTo(1));
    }

    // A listener listens on the host's own addresses: a SYN to a foreign address on the same port is the user's stray to
    // decide, and a declined one is reset (not silently dropped as an untaken SYN on a listening port is).
    [Test]
    public void Listening_port_does_not_take_syns_to_unconfigured_addresses()
    {
        var s = new IpScript(IpFamilies.All);
        s.Host.Tcp.Listen(80);
        s.Host.App.AcceptStrays = false;
        var to = new TransportAddress(IpScript.Elsewhere4, 80);
        var seen = s.Inject(IpScript.Segment(IpScript.Client4, to, IpScript.Syn(ClientIss)));
        Assert.That(s.Host.App.Opens, Is.Empty);
        Assert.That(s.Host.App.Strays, Has.Count.EqualTo(1));
        Assert.That(seen.Single().Tcp(out _).Flags, Is.EqualTo(TcpFlags.Rst | TcpFlags.Ack));
        Assert.That(s.Host.Tcp.Counters.ListenDrops, Is.Zero);
    }

    // RFC 5927 / RFC 1191: an ICMP "fragmentation needed" goes to the address our segment came from, the foreign one;
    // transparent mode takes ICMP errors there, and TCP checks the quote against the connection and lowers its MSS.
    [Test]
    public void Fragmentation_needed_sent_to_the_original_destination_lowers_the_connections_segment_size()
    {
        var s = new IpScript(IpFamilies.All);
        var to = new TransportAddress(IpScript.Elsewhere4, 80);
        var synAck = s.Inject(IpScript.Segment(IpScript.Client4, to, IpScript.Syn(ClientIss))).Single().Tcp(out _);
        var ack = new TcpRepr { Flags = TcpFlags.Ack, SequenceNumber = ClientIss + 1, AcknowledgmentNumber = synAck.SequenceNumber + 1, WindowSize = 65535 };
        s.Inject(IpScript.Segment(IpScript.Client4, to, ack));
        var key = s.Host.App.LastKey;
        Assert.That(s.Host.Tcp.Write(key, new byte[3000], out _), Is.EqualTo(TcpStatus.Ok));
        var sent = s.Poll();
        Assert.That(sent, Has.Count.EqualTo(2));
        Assert.That(s.Host.Tcp.GetInfo(key, out var before), Is.EqualTo(TcpStatus.Ok));

        // A router's frag-needed quoting the first segment (its IP header and the start of its TCP header), MTU 1200.
        var quoted = IpScript.Packet(to.Address, IpScript.Client4, IpProtocol.Tcp, sent[0].Payload);
        var icmp = new byte[8 + 28];
        var repr = Icmpv4Repr.DestinationUnreachable(Icmpv4UnreachableCode.FragmentationNeeded, 28, nextHopMtu: 1200);
        Assert.That(repr.TryEmit(icmp, quoted.AsSpan(0, 28)), Is.True);
        var router = new Ipv4Address(198, 18, 0, 254);
        s.Inject(IpScript.Packet(router, IpScript.Elsewhere4, IpProtocol.Icmp, icmp));

        Assert.That(s.Host.Tcp.Counters.IcmpErrorsAccepted, Is.EqualTo(1));
        Assert.That(s.Host.Tcp.GetInfo(key, out var after), Is.EqualTo(TcpStatus.Ok));
        Assert.That(after.SendMss, Is.LessThan(before.SendMss));
        Assert.That(after.SendMss, Is.EqualTo(1200 - 20 - 20));
    }

    // IP_TRANSPARENT-style: in transparent mode the user may also open a connection from an address the host does not have.
    [Test]
    public void Connect_from_an_unconfigured_address_needs_accept_any()
    {
        var s = new IpScript(IpFamilies.None);
        var buffers = new TcpBuffers(new byte[4096], new byte[4096]);
        var from = (IpAddress)IpScript.Elsewhere4;
        var server = new TransportAddress(IpScript.Client4, 8000);
        Assert.That(s.Host.Tcp.Connect(server, buffers, s.Now, out _, localPort: 5555, localAddress: from), Is.EqualTo(TcpStatus.InvalidArgument));
        s.Host.Ip.AcceptAny = IpFamilies.V4;
        Assert.That(s.Host.Tcp.Connect(server, buffers, s.Now, out var key, localPort: 5555, localAddress: from), Is.EqualTo(TcpStatus.Ok));
        var syn = s.Poll().Single();
        AssertFrom(syn, new TransportAddress(from, 5555), IpScript.Client4);
        Assert.That(syn.Tcp(out _).Flags, Is.EqualTo(TcpFlags.Syn));
        Assert.That(s.Host.Tcp.StateOf(key), Is.EqualTo(TcpState.SynSent));
    }

    // The whole thing with an ordinary Ethox client at the other end of the tunnel: three connections to three addresses
    // the transparent host does not have, each echoed intact, each reported with its own four-tuple, each closed cleanly.
    [Test]
    public void Ethox_client_is_served_at_three_unconfigured_addresses()
    {
        var now = Instant.FromMilliseconds(1000);
        var (clientLink, hostLink) = Pipe.CreatePair(256, 1500, Medium.Ip);
        var client = new IpClient(now);
        client.App.CloseWhenDone = true;
        var host = new TransparentHost(now, IpFamilies.All);
        IpAddress[] targets = [new Ipv4Address(198, 18, 200, 1), new Ipv4Address(198, 18, 200, 77), Ipv6Address.Parse("2001:db8:200::254")];
        var keys = targets.Select((t, i) => client.App.Connect(new TransportAddress(t, (ushort)(7000 + i)), 100_000 + i, now)).ToArray();
        for (int round = 0; round < 20_000 && client.App.Closed < targets.Length; round++)
        {
            int moved = client.Poll(clientLink, now) + host.Poll(hostLink, now);
            client.App.PumpAll();
            now += moved > 0 ? Duration.FromMicroseconds(100) : Duration.FromMilliseconds(10);
        }
        Assert.That(client.App.Closed, Is.EqualTo(targets.Length), Dump.Of(client.Tcp.Counters));
        for (int i = 0; i < targets.Length; i++)
        {
            ref var c = ref client.App[keys[i]];
            Assert.That(c.Read, Is.EqualTo(100_000 + i), $"connection {i}: all echoed");
            Assert.That(c.PatternError, Is.False);
            Assert.That(c.Events & TcpEvents.Reset, Is.EqualTo(TcpEvents.None));
            Assert.That(host.App.Strays[i].Tuple.Local, Is.EqualTo(new TransportAddress(targets[i], (ushort)(7000 + i))));
            Assert.That(host.App.Strays[i].Tuple.Remote.Address, Is.EqualTo(IpScript.ClientFor(targets[i])));
        }
        Assert.That(host.App.Echoed, Is.EqualTo(3 * 100_000 + 3));
        Assert.That(host.Ip.Counters.DroppedSourceUnusable + host.Tcp.Counters.SendFailures, Is.Zero);
    }

    private static byte[] RawPeer4(byte[] frame) => frame.AsSpan(14).ToArray();

    private static void AssertFrom(SeenPacket packet, TransportAddress from, IpAddress to)
    {
        Assert.That(packet.Source, Is.EqualTo(from.Address), "IP source: the original destination");
        Assert.That(packet.Destination, Is.EqualTo(to));
        var repr = packet.Tcp(out _);
        Assert.That(repr.SourcePort, Is.EqualTo(from.Port), "TCP source port: the original destination port");
    }
}
