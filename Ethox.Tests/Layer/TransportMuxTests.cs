using System;
using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Layer.Udp;
using Ethox.Nic;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

/// <summary>TCP, UDP and ICMP side by side above one IP layer: receive by protocol, ICMP errors decoded for the transports, fair transmit.</summary>
public class TransportMuxTests
{
    private static readonly byte[] Data = new byte[32];

    [Test]
    public void Datagrams_go_to_the_transport_of_their_protocol_and_others_get_protocol_unreachable()
    {
        var net = new MuxAndPeer();
        net.Host.Udp.Bind(7);
        net.Exchange(RawPeer.Ipv4(RawPeer.V4, TwoHosts.V4A, IpProtocol.Tcp, IcmpErrors.TcpHead(40000, 80, 1)));
        net.Exchange(RawPeer.Udp4(RawPeer.V4, TwoHosts.V4A, 40000, 7, "u"u8));
        var echo = net.Exchange(RawPeer.Echo4(RawPeer.V4, TwoHosts.V4A, 1, 1, 8));
        var sctp = net.Exchange(RawPeer.Ipv4(RawPeer.V4, TwoHosts.V4A, (IpProtocol)132, Data));
        Assert.That(net.Host.Tcp.Received, Is.EqualTo(1));
        Assert.That(net.Host.App.Received, Is.EqualTo(1));
        Assert.That(net.Host.Icmp.Received, Is.Zero, "the echo request is answered by the IP layer, not handed up");
        Assert.That(echo, Has.Count.EqualTo(1));
        Assert.That(sctp, Has.Count.EqualTo(1), "protocol unreachable (RFC 1122 §3.2.2.1)");
        Assert.That(Icmpv4Packet.TryParse(IcmpErrors.IpOf(sctp[0])[20..], out var icmp, out _), Is.True);
        Assert.That(icmp.Type, Is.EqualTo(Icmpv4Type.DestinationUnreachable));
        Assert.That(icmp.Code, Is.EqualTo((byte)Icmpv4UnreachableCode.ProtocolUnreachable));
        Assert.That(net.Host.Ip.Counters.DroppedUnknownProtocol, Is.EqualTo(1));
    }

    [Test]
    public void Frag_needed_quoting_tcp_reaches_tcp_with_mtu_ports_and_sequence_and_then_the_icmp_handler_rfc1191()
    {
        var net = new MuxAndPeer();
        var quote = IcmpErrors.Quote4(TwoHosts.V4A, RawPeer.V4, IpProtocol.Tcp, IcmpErrors.TcpHead(40001, 443, 0xdeadbeef)[..8], 1500);
        net.Exchange(IcmpErrors.Error4(MuxAndPeer.Router4, Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.FragmentationNeeded, 1400, quote));
        var tcp = net.Host.Tcp;
        Assert.That(tcp.Errors, Is.EqualTo(1));
        var e = tcp.LastError;
        Assert.That(e.Class, Is.EqualTo(IcmpErrorClass.PacketTooBig));
        Assert.That((e.Type, e.Code, e.Version), Is.EqualTo(((byte)3, (byte)4, IpVersion.V4)));
        Assert.That(e.IsHard, Is.True, "RFC 1122 §4.2.3.9 lists codes 2-4 as hard");
        Assert.That(e.NextHopMtu, Is.EqualTo(1400));
        Assert.That(e.Reporter, Is.EqualTo((IpAddress)MuxAndPeer.Router4));
        Assert.That(e.QuotedLocal, Is.EqualTo(new TransportAddress(TwoHosts.V4A, 40001)));
        Assert.That(e.QuotedRemote, Is.EqualTo(new TransportAddress(RawPeer.V4, 443)));
        Assert.That(e.Protocol, Is.EqualTo(IpProtocol.Tcp));
        Assert.That(e.QuotedSequence, Is.EqualTo(0xdeadbeefu));
        Assert.That(e.Endpoint, Is.SameAs(net.Host.Ip));
        Assert.That(e.Timestamp, Is.EqualTo(net.Now));
        Assert.That(net.Host.Icmp.Received, Is.EqualTo(1), "the application's ICMP handler sees it too");
        Assert.That(net.Host.Ip.PathMtuFor(RawPeer.V4, net.Now), Is.EqualTo(1500), "the transport decides (RFC 5927): the mux lowers nothing");
        Assert.That(net.Host.Udp.Counters.IcmpErrors, Is.Zero);
    }

    [Test]
    public void Packet_too_big_over_ipv6_with_extension_headers_in_the_quote_reaches_tcp_rfc8201()
    {
        var net = new MuxAndPeer();
        var quote = IcmpErrors.Quote6(TwoHosts.V6A, RawPeer.V6, IpProtocol.Ipv6Options, IcmpErrors.DestinationOptions(IpProtocol.Tcp),
            IcmpErrors.TcpHead(40002, 80, 77), 1500);
        net.Exchange(IcmpErrors.Error6(MuxAndPeer.Router6, Icmpv6Type.PacketTooBig, 0, 1280, quote));
        var e = net.Host.Tcp.LastError;
        Assert.That(net.Host.Tcp.Errors, Is.EqualTo(1));
        Assert.That(e.Class, Is.EqualTo(IcmpErrorClass.PacketTooBig));
        Assert.That(e.Version, Is.EqualTo(IpVersion.V6));
        Assert.That(e.IsHard, Is.False);
        Assert.That(e.NextHopMtu, Is.EqualTo(1280));
        Assert.That(e.QuotedLocal, Is.EqualTo(new TransportAddress(TwoHosts.V6A, 40002)));
        Assert.That(e.QuotedRemote, Is.EqualTo(new TransportAddress(RawPeer.V6, 80)));
        Assert.That(e.QuotedSequence, Is.EqualTo(77u));
    }

    [Test]
    public void Frag_needed_from_an_old_router_without_mtu_reports_the_plateau_below_the_quoted_length_rfc1191_5()
    {
        var net = new MuxAndPeer();
        var quote = IcmpErrors.Quote4(TwoHosts.V4A, RawPeer.V4, IpProtocol.Tcp, IcmpErrors.TcpHead(40003, 80, 1)[..8], 1500);
        net.Exchange(IcmpErrors.Error4(MuxAndPeer.Router4, Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.FragmentationNeeded, 0, quote));
        Assert.That(net.Host.Tcp.LastError.NextHopMtu, Is.EqualTo(1492));
    }

    [TestCase((byte)Icmpv4UnreachableCode.NetUnreachable, false)]
    [TestCase((byte)Icmpv4UnreachableCode.HostUnreachable, false)]
    [TestCase((byte)Icmpv4UnreachableCode.ProtocolUnreachable, true)]
    [TestCase((byte)Icmpv4UnreachableCode.PortUnreachable, true)]
    [TestCase((byte)Icmpv4UnreachableCode.SourceRouteFailed, false)]
    [TestCase((byte)Icmpv4UnreachableCode.HostProhibited, true)]
    [TestCase((byte)Icmpv4UnreachableCode.CommunicationProhibited, true)]
    public void Ipv4_unreachable_codes_are_hard_or_soft_as_rfc1122_4_2_3_9_says(byte code, bool hard)
    {
        var net = new MuxAndPeer();
        var quote = IcmpErrors.Quote4(TwoHosts.V4A, RawPeer.V4, IpProtocol.Tcp, IcmpErrors.TcpHead(40004, 80, 1), 60);
        net.Exchange(IcmpErrors.Error4(MuxAndPeer.Router4, Icmpv4Type.DestinationUnreachable, code, 0, quote));
        Assert.That(net.Host.Tcp.LastError.Class, Is.EqualTo(IcmpErrorClass.Unreachable));
        Assert.That(net.Host.Tcp.LastError.IsHard, Is.EqualTo(hard));
        Assert.That(net.Host.Tcp.LastError.NextHopMtu, Is.Zero);
    }

    [TestCase(Icmpv6Type.DestinationUnreachable, (byte)Icmpv6UnreachableCode.NoRoute, IcmpErrorClass.Unreachable, false)]
    [TestCase(Icmpv6Type.DestinationUnreachable, (byte)Icmpv6UnreachableCode.AdministrativelyProhibited, IcmpErrorClass.Unreachable, true)]
    [TestCase(Icmpv6Type.DestinationUnreachable, (byte)Icmpv6UnreachableCode.AddressUnreachable, IcmpErrorClass.Unreachable, false)]
    [TestCase(Icmpv6Type.DestinationUnreachable, (byte)Icmpv6UnreachableCode.PortUnreachable, IcmpErrorClass.Unreachable, true)]
    [TestCase(Icmpv6Type.DestinationUnreachable, (byte)Icmpv6UnreachableCode.RejectRoute, IcmpErrorClass.Unreachable, true)]
    [TestCase(Icmpv6Type.TimeExceeded, (byte)0, IcmpErrorClass.TimeExceeded, false)]
    [TestCase(Icmpv6Type.ParameterProblem, (byte)1, IcmpErrorClass.ParameterProblem, false)]
    public void Icmpv6_errors_are_classified_rfc4443(Icmpv6Type type, byte code, IcmpErrorClass errorClass, bool hard)
    {
        var net = new MuxAndPeer();
        var quote = IcmpErrors.Quote6(TwoHosts.V6A, RawPeer.V6, IpProtocol.Tcp, [], IcmpErrors.TcpHead(40005, 80, 1), 100);
        net.Exchange(IcmpErrors.Error6(MuxAndPeer.Router6, type, code, 0, quote));
        Assert.That(net.Host.Tcp.Errors, Is.EqualTo(1));
        Assert.That(net.Host.Tcp.LastError.Class, Is.EqualTo(errorClass));
        Assert.That(net.Host.Tcp.LastError.IsHard, Is.EqualTo(hard));
    }

    [Test]
    public void Ipv4_time_exceeded_and_parameter_problem_are_soft_errors()
    {
        var net = new MuxAndPeer();
        var quote = IcmpErrors.Quote4(TwoHosts.V4A, RawPeer.V4, IpProtocol.Tcp, IcmpErrors.TcpHead(40006, 80, 1), 60);
        net.Exchange(IcmpErrors.Error4(MuxAndPeer.Router4, Icmpv4Type.TimeExceeded, 0, 0, quote));
        Assert.That((net.Host.Tcp.LastError.Class, net.Host.Tcp.LastError.IsHard), Is.EqualTo((IcmpErrorClass.TimeExceeded, false)));
        net.Exchange(IcmpErrors.Error4(MuxAndPeer.Router4, Icmpv4Type.ParameterProblem, 0, 0, quote));
        Assert.That((net.Host.Tcp.LastError.Class, net.Host.Tcp.LastError.IsHard), Is.EqualTo((IcmpErrorClass.ParameterProblem, false)));
    }

    [Test]
    public void A_quote_without_ip_header_and_8_transport_bytes_or_of_a_later_fragment_reaches_only_the_icmp_handler()
    {
        var net = new MuxAndPeer();
        var head = IcmpErrors.TcpHead(40007, 80, 1);
        byte[][] quotes =
        [
            IcmpErrors.Quote4(TwoHosts.V4A, RawPeer.V4, IpProtocol.Tcp, head[..7], 1500),                         // 7 bytes of TCP
            IcmpErrors.Quote4(TwoHosts.V4A, RawPeer.V4, IpProtocol.Tcp, head, 1500)[..19],                        // not even the IP header
            IcmpErrors.Quote4(TwoHosts.V4A, RawPeer.V4, IpProtocol.Tcp, head, 1500, fragmentOffset: 185),        // data of a later fragment
            IcmpErrors.Quote4(TwoHosts.V4A, RawPeer.V4, IpProtocol.Icmp, head, 1500),                             // not TCP or UDP
        ];
        foreach (var quote in quotes)
            net.Exchange(IcmpErrors.Error4(MuxAndPeer.Router4, Icmpv4Type.DestinationUnreachable, 1, 0, quote));
        var v6 = IcmpErrors.Quote6(TwoHosts.V6A, RawPeer.V6, IpProtocol.Ipv6Options, IcmpErrors.DestinationOptions(IpProtocol.Tcp), head, 1500);
        net.Exchange(IcmpErrors.Error6(MuxAndPeer.Router6, Icmpv6Type.DestinationUnreachable, 0, 0, v6[..(40 + 8 + 7)])); // chain whole, TCP cut
        net.Exchange(IcmpErrors.Error6(MuxAndPeer.Router6, Icmpv6Type.DestinationUnreachable, 0, 0, v6[..(40 + 6)]));     // chain cut
        Assert.That(net.Host.Tcp.Errors, Is.Zero);
        Assert.That(net.Host.Udp.Counters.IcmpErrors, Is.Zero);
        Assert.That(net.Host.Icmp.Received, Is.EqualTo(6));
        Assert.That(net.Host.Ip.IcmpCounters.ErrorsReceived, Is.EqualTo(6));
    }

    [Test]
    public void Source_quench_is_dropped_by_the_ip_layer_and_reaches_no_one_rfc6633()
    {
        var net = new MuxAndPeer();
        var quote = IcmpErrors.Quote4(TwoHosts.V4A, RawPeer.V4, IpProtocol.Tcp, IcmpErrors.TcpHead(40010, 80, 1), 60);
        var icmp = new byte[8 + quote.Length];
        icmp[0] = (byte)Icmpv4Type.SourceQuench;
        quote.CopyTo(icmp.AsSpan(8));
        Assert.That(Icmpv4Packet.TryParse(icmp, out var view, out _), Is.True);
        view.FillChecksum();
        net.Exchange(RawPeer.Ipv4(MuxAndPeer.Router4, TwoHosts.V4A, IpProtocol.Icmp, icmp));
        Assert.That(net.Host.Ip.IcmpCounters.MessagesIn, Is.EqualTo(1));
        Assert.That(net.Host.Ip.IcmpCounters.Ignored, Is.EqualTo(1));
        Assert.That(net.Host.Tcp.Errors, Is.Zero);
        Assert.That(net.Host.Icmp.Received, Is.Zero);
    }

    [Test]
    public void An_error_a_transport_took_counts_as_delivered_not_as_ignored()
    {
        var net = new MuxAndPeer();
        var quote = IcmpErrors.Quote4(TwoHosts.V4A, RawPeer.V4, IpProtocol.Tcp, IcmpErrors.TcpHead(40008, 80, 1), 60);
        long delivered = net.Host.Ip.Counters.Delivered;
        var stack = new IpLayer<TransportMux<ProbeTransport, NoTransport, NoTransport>>(net.Host.Ip, new(new ProbeTransport(net.Host.Tcp), default, default));
        net.Peer.Inject(IcmpErrors.Error4(MuxAndPeer.Router4, Icmpv4Type.DestinationUnreachable, 3, 0, quote), net.Now);
        var ethernet = new Ethox.Layer.Eth.EthernetLayer<IpLayer<TransportMux<ProbeTransport, NoTransport, NoTransport>>>(net.Host.Ethernet, stack);
        net.HostLink.Receive(8, ref ethernet, net.Now);
        Assert.That(net.Host.Tcp.Errors, Is.EqualTo(1));
        Assert.That(net.Host.Ip.IcmpCounters.Ignored, Is.Zero, "NoTransport refused it in the ICMP slot, but TCP took it");
        Assert.That(net.Host.Ip.Counters.Delivered, Is.EqualTo(delivered + 1));
    }

    [Test]
    public void Port_unreachable_between_two_stacks_reaches_the_udp_layer_of_the_sender()
    {
        var (linkA, linkB) = Pipe.CreatePair(64);
        var a = new MuxHost(TwoHosts.MacA);
        var b = new MuxHost(TwoHosts.MacB);
        var now = Instant.FromMilliseconds(1000);
        a.Ip.AddAddress(TwoHosts.V4A, 24, now);
        b.Ip.AddAddress(TwoHosts.V4B, 24, now);
        b.Udp.Bind(40000);
        b.App.Queue(new TransportAddress(TwoHosts.V4A, 9), 40000, "nobody listens"u8);
        for (int i = 0; i < 16; i++) if (a.Poll(linkA, now) + b.Poll(linkB, now) == 0) break;
        Assert.That(a.Udp.Counters.NoPort, Is.EqualTo(1));
        Assert.That(b.Udp.Counters.IcmpErrors, Is.EqualTo(1));
        Assert.That(b.Icmp.Received, Is.EqualTo(1));
        Assert.That(b.Tcp.Errors, Is.Zero);
    }

    [Test]
    public void Packet_too_big_for_udp_lowers_the_path_mtu_and_later_datagrams_are_fragmented_to_fit_rfc8201()
    {
        var net = new MuxAndPeer();
        var head = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(head, 40000);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(head.AsSpan(2), 7);
        var forged = IcmpErrors.Quote4(new Ipv4Address(198, 18, 0, 99), RawPeer.V4, IpProtocol.Udp, head, 1500);
        net.Exchange(IcmpErrors.Error4(MuxAndPeer.Router4, Icmpv4Type.DestinationUnreachable, 4, 1000, forged));
        Assert.That(net.Host.Ip.PathMtuFor(RawPeer.V4, net.Now), Is.EqualTo(1500), "the quoted source is not ours: ignored");
        var quote = IcmpErrors.Quote4(TwoHosts.V4A, RawPeer.V4, IpProtocol.Udp, head, 1500);
        net.Exchange(IcmpErrors.Error4(MuxAndPeer.Router4, Icmpv4Type.DestinationUnreachable, 4, 1000, quote));
        Assert.That(net.Host.Udp.Counters.IcmpErrors, Is.EqualTo(2));
        Assert.That(net.Host.Ip.PathMtuFor(RawPeer.V4, net.Now), Is.EqualTo(1000));

        net.Host.Udp.Bind(40000);
        net.Host.App.Queue(new TransportAddress(RawPeer.V4, 7), 40000, new byte[1400]);
        var frames = net.Transmit();
        Assert.That(frames, Has.Count.EqualTo(2));
        Assert.That(frames.Select(f => f.Length - 14), Has.All.LessThanOrEqualTo(1000));
    }

    [Test]
    public void A_busy_transport_does_not_starve_the_others_in_one_transmit_call()
    {
        var net = new MuxAndPeer();
        var tcp = net.Host.Tcp;
        tcp.ToSend = int.MaxValue;
        tcp.Destination = RawPeer.V4;
        net.Host.Udp.Bind(40000);
        net.Host.App.Queue(new TransportAddress(RawPeer.V4, 7), 40000, "udp"u8);
        net.Host.Icmp.ToSend = 1;
        net.Host.Icmp.Destination = RawPeer.V4;
        var frames = net.Transmit(max: 6);
        var protocols = frames.Select(IcmpErrors.ProtocolOf).ToList();
        Assert.That(protocols, Has.Count.EqualTo(6));
        Assert.That(protocols.Take(3), Is.EquivalentTo(new[] { IpProtocol.Tcp, IpProtocol.Udp, IpProtocol.Icmp }), "each had a turn first");
        Assert.That(protocols.Skip(3), Has.All.EqualTo(IpProtocol.Tcp), "then TCP had every buffer the others left");
    }

    [Test]
    public void A_transport_with_nothing_to_send_does_not_end_the_transmit_loop()
    {
        var net = new MuxAndPeer();
        net.Host.Icmp.ToSend = 5;
        net.Host.Icmp.Destination = RawPeer.V4;
        var frames = net.Transmit();
        Assert.That(frames, Has.Count.EqualTo(5), "TCP and UDP left every buffer unused: each went on to ICMP");
    }

    [Test]
    public void A_transport_whose_send_fails_does_not_end_the_transmit_loop_for_the_others()
    {
        var net = new MuxAndPeer();
        var tcp = net.Host.Tcp;
        tcp.ToSend = int.MaxValue;
        tcp.Destination = new Ipv4Address(203, 0, 113, 1); // no route
        net.Host.Udp.Bind(40000);
        net.Host.App.Queue(new TransportAddress(RawPeer.V4, 7), 40000, "udp"u8);
        var frames = net.Transmit();
        Assert.That(frames.Select(IcmpErrors.ProtocolOf), Is.EqualTo(new[] { IpProtocol.Udp }));
        Assert.That(tcp.SendFailures, Is.GreaterThanOrEqualTo(1));
        Assert.That(net.Host.Ip.Counters.DroppedNoRoute, Is.EqualTo(tcp.SendFailures));
    }

    [Test]
    public void The_mux_deadline_is_the_earliest_of_its_transports_and_udp_and_empty_slots_have_none()
    {
        var tcp = new TransportProbe { ToSend = 1, Deadline = Instant.FromMilliseconds(900) };
        var icmp = new TransportProbe { ToSend = 1, Deadline = Instant.FromMilliseconds(500) };
        var mux = new TransportMux<ProbeTransport, UdpLayer<UdpAppHandler>, ProbeTransport>(
            new ProbeTransport(tcp), new UdpLayer<UdpAppHandler>(new UdpEndpoint(), default), new ProbeTransport(icmp));
        Assert.That(mux.NextDeadline(), Is.EqualTo(Instant.FromMilliseconds(500)));
        icmp.ToSend = 0;
        Assert.That(mux.NextDeadline(), Is.EqualTo(Instant.FromMilliseconds(900)));
        Assert.That(mux.Udp.NextDeadline(), Is.EqualTo(Instant.Never));
        Assert.That(default(NoTransport).NextDeadline(), Is.EqualTo(Instant.Never));
        Assert.That(new TransportMux<NoTransport, NoTransport, NoTransport>(default, default, default).NextDeadline(), Is.EqualTo(Instant.Never));
    }

    [Test]
    public void Receiving_errors_and_fair_transmit_allocate_nothing()
    {
        var net = new MuxAndPeer(keepPayloads: false);
        var tcpQuote = IcmpErrors.Quote4(TwoHosts.V4A, RawPeer.V4, IpProtocol.Tcp, IcmpErrors.TcpHead(40009, 80, 5), 1500);
        var v6Quote = IcmpErrors.Quote6(TwoHosts.V6A, RawPeer.V6, IpProtocol.Ipv6Options, IcmpErrors.DestinationOptions(IpProtocol.Udp), new byte[8], 1500);
        var frames = new[]
        {
            IcmpErrors.Error4(MuxAndPeer.Router4, Icmpv4Type.DestinationUnreachable, 4, 1400, tcpQuote),
            IcmpErrors.Error6(MuxAndPeer.Router6, Icmpv6Type.PacketTooBig, 0, 1280, v6Quote),
            RawPeer.Ipv4(RawPeer.V4, TwoHosts.V4A, IpProtocol.Tcp, IcmpErrors.TcpHead(1, 2, 3)),
        };
        var tcp = net.Host.Tcp;
        tcp.Destination = RawPeer.V4;
        tcp.Source = TwoHosts.V4A;
        tcp.Options = IpSendOptions.DontFragment;
        tcp.ReplyLength = 1000;
        tcp.ReplyOptions = IpSendOptions.DontFragment;
        net.Host.Icmp.Destination = RawPeer.V6;
        var sink = new FrameSink();
        void Round()
        {
            var source = new FrameSource(frames);
            net.PeerLink.Transmit(frames.Length, ref source, net.Now); // RawPeer.Inject copies each frame: not here
            tcp.ToSend = 3;
            net.Host.Icmp.ToSend = 2;
            net.Host.Poll(net.HostLink, net.Now);
            while (net.PeerLink.Receive(64, ref sink, net.Now) > 0) { }
            net.Now += Duration.FromMilliseconds(10);
        }
        for (int i = 0; i < 100; i++) Round();
        long sent = sink.Count, errors = tcp.Errors, ptb = net.Host.Udp.Counters.IcmpErrors;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 2000; i++) Round();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(tcp.Errors - errors, Is.EqualTo(2000));
        Assert.That(net.Host.Udp.Counters.IcmpErrors - ptb, Is.EqualTo(2000));
        Assert.That(sink.Count - sent, Is.EqualTo(2000 * (1 + 3 + 2)), "a 1000-byte reply, three TCP segments and two ICMP messages a round");
        Assert.That(tcp.ReplyResult, Is.True);
    }

    private struct FrameSource(byte[][] frames) : ISend<RawPacket>
    {
        private int _next;
        public void Send(RawPacket packet)
        {
            var frame = frames[_next++];
            frame.CopyTo(packet.Capacity);
            packet.Send(frame.Length);
        }
    }

    private struct FrameSink : IRecv<RawPacket>
    {
        public long Count;
        public void Receive(RawPacket packet) => Count++;
    }
}
