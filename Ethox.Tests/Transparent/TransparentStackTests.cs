using System;
using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Layer.Transparent;
using Ethox.Tests.Layer;
using Ethox.Tests.Tools;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Transparent;

/// <summary>
/// The packet-in, data-out API (issue 11 §3, l3l4kit-shaped): IP packets of any address in through <c>Receive</c>, each
/// flow's data and events out through the handler, data back with <c>TrySend</c> into buffers the handler lends,
/// <c>Poll</c> with the next deadline; zero allocation in steady state.
/// </summary>
public class TransparentStackTests
{
    private static readonly TcpSeqNumber ClientIss = new(5_000_000);

    [Test]
    public void Tcp_flows_to_any_address_are_reported_with_their_four_tuples_and_echoed_intact()
    {
        var p = new FlowsPair();
        IpAddress[] targets = [new Ipv4Address(198, 18, 200, 1), new Ipv4Address(198, 18, 200, 200), Ipv6Address.Parse("2001:db8:200::9")];
        var keys = targets.Select((t, i) => p.Client.App.Connect(new TransportAddress(t, (ushort)(80 + i)), 300_000 + i, p.Now)).ToArray();
        Assert.That(p.RunUntil(() => p.Client.App.Closed == targets.Length && p.Server.Closed == targets.Length, Duration.FromSeconds(60)), Is.True,
            Dump.Of(p.Client.Tcp.Counters));
        for (int i = 0; i < targets.Length; i++)
        {
            ref var c = ref p.Client.App[keys[i]];
            Assert.That(c.Read, Is.EqualTo(300_000 + i), $"flow {i} echoed whole");
            Assert.That(c.PatternError, Is.False);
            var flow = p.Server.Flows[i];
            Assert.That(flow.Protocol, Is.EqualTo(IpProtocol.Tcp));
            Assert.That(flow.Local, Is.EqualTo(new TransportAddress(targets[i], (ushort)(80 + i))), "local: the original destination");
            Assert.That(flow.Remote.Address, Is.EqualTo(IpScript.ClientFor(targets[i])));
        }
        Assert.That(p.Server.Taken, Is.EqualTo(3 * 300_000 + 3));
        Assert.That(p.Server.PeerClosedEvents, Is.EqualTo(3), "each client's FIN reached the handler (half-close), the echo still went back");
        Assert.That(p.Server.OutDropped, Is.Zero);
        Assert.That(p.Server.Stack.Ip.Counters.ForeignIn, Is.GreaterThan(0));
    }

    [Test]
    public void Steady_state_echo_allocates_nothing()
    {
        var p = new FlowsPair(ring: 128 * 1024);
        p.Client.App.Hash = false;
        var key = p.Client.App.Connect(new TransportAddress(new Ipv4Address(198, 18, 200, 9), 7), 1L << 40, p.Now);
        long target = 0;
        int stalled = 0;
        // One delegate for every run and no assertion inside the loop: failures are counted and asserted afterwards.
        Func<bool> reached = () => p.Client.App[key].Read >= target;
        void Step()
        {
            target = p.Client.App[key].Read + (1 << 20);
            if (!p.RunUntil(reached, Duration.FromSeconds(600))) stalled++;
        }

        for (int i = 0; i < 3; i++) Step(); // warm-up: JIT, rings wrapped
        long readBefore = p.Client.App[key].Read, takenBefore = p.Server.Taken;
        long packetsBefore = p.Server.Stack.Ip.Counters.PacketsIn;

        long allocated = Allocations.Least(() => { for (int i = 0; i < 4; i++) Step(); });

        Assert.That(stalled, Is.Zero);
        Assert.That(allocated, Is.Zero, "bytes allocated by the least of the measured runs");
        Assert.That(p.Client.App[key].Read - readBefore, Is.GreaterThanOrEqualTo(4 << 20), "at least 4 MiB echoed per measured run");
        Assert.That(p.Server.Taken - takenBefore, Is.GreaterThanOrEqualTo(4 << 20), "and taken by the handler");
        Assert.That(p.Server.Stack.Ip.Counters.PacketsIn - packetsBefore, Is.GreaterThan(4 * 700), "as packets through Receive");
        Assert.That(p.Client.App[key].PatternError, Is.False, "intact");
        Assert.That(p.Server.OutDropped, Is.Zero);
    }

    [Test]
    public void Udp_datagram_to_any_address_is_answered_from_its_original_destination()
    {
        var app = new EchoFlows(2, 4096);
        var now = Instant.FromMilliseconds(5);
        app.Stack = new TransparentStack<EchoFlowsHandler>(new EchoFlowsHandler(app), 2, now);
        var client = new TransportAddress(IpScript.Client4, 33_000);
        var service = new TransportAddress(new Ipv4Address(198, 18, 201, 3), 123);
        var packet = IpScript.Datagram(client, service, "tick"u8);
        var buffer = new byte[1500];
        packet.CopyTo(buffer, 0);
        Assert.That(app.Stack.Receive(buffer, packet.Length, now), Is.True);
        Assert.That(app.Datagrams, Is.EqualTo(1));
        Assert.That(app.OutCount, Is.EqualTo(1));
        var answer = SeenPacket.Parse(app.Sent(0).ToArray());
        Assert.That(answer.Source, Is.EqualTo(service.Address));
        Assert.That(answer.Destination, Is.EqualTo(client.Address));
        Assert.That(UdpDatagram.TryParse(answer.Payload, out var udp, out _), Is.True);
        Assert.That(udp.SourcePort, Is.EqualTo(service.Port));
        Assert.That(udp.DestinationPort, Is.EqualTo(client.Port));
        Assert.That(udp.VerifyChecksum(answer.Source, answer.Destination), Is.True);
        Assert.That(udp.Payload.ToArray(), Is.EqualTo("tick"u8.ToArray()));
    }

    [Test]
    public void Refused_connection_is_reset_from_the_original_destination()
    {
        var p = new FlowsPair();
        p.Server.Refuse = true;
        var key = p.Client.App.Connect(new TransportAddress(new Ipv4Address(198, 18, 200, 50), 22), 10, p.Now);
        Assert.That(p.RunUntil(() => p.Client.App.Closed == 1, Duration.FromSeconds(5)), Is.True);
        Assert.That(p.Client.App[key].Events & TcpEvents.Reset, Is.EqualTo(TcpEvents.Reset), "RFC 9293 §3.10.7.1: refused with a RST the client takes");
        Assert.That(p.Server.Asked, Is.EqualTo(1));
        Assert.That(p.Server.FlowCount, Is.Zero);
        Assert.That(p.Server.Stack.Tcp.Count, Is.Zero);
    }

    [Test]
    public void Connection_request_beyond_capacity_is_reset_without_asking()
    {
        var p = new FlowsPair(capacity: 1);
        p.Server.TakeAtMost = 0; // the first connection stays open
        p.Client.App.Connect(new TransportAddress(new Ipv4Address(198, 18, 200, 1), 80), 100, p.Now);
        Assert.That(p.RunUntil(() => p.Server.FlowCount == 1 && p.Client.App.Connected == 1, Duration.FromSeconds(5)), Is.True);
        Assert.That(p.Server.Stack.Tcp.Count, Is.EqualTo(1));
        var syn = IpScript.Segment(IpScript.Client4, new TransportAddress(new Ipv4Address(198, 18, 200, 2), 80), IpScript.Syn(ClientIss), sourcePort: 41_000);
        var buffer = new byte[1500];
        syn.CopyTo(buffer, 0);
        Assert.That(p.Server.Stack.Receive(buffer, syn.Length, p.Now), Is.True);
        Assert.That(p.Server.Asked, Is.EqualTo(1), "the handler was not asked: there is no slot to give");
        Assert.That(p.Server.OutCount, Is.EqualTo(1));
        var rst = SeenPacket.Parse(p.Server.Sent(0).ToArray()).Tcp(out _);
        Assert.That(rst.Flags, Is.EqualTo(TcpFlags.Rst | TcpFlags.Ack));
        Assert.That(rst.AcknowledgmentNumber, Is.EqualTo(ClientIss + 1));
    }

    // A stalled handler takes nothing: the bytes stay in the connection's ring and the window closes (RFC 9293 §3.8.6,
    // the receiver's flow control). Resume offers them again and the window update lets the client go on.
    [Test]
    public void A_stalled_handler_closes_the_window_and_resume_reopens_it()
    {
        const int Ring = 16 * 1024;
        var p = new FlowsPair(ring: Ring);
        p.Server.TakeAtMost = 0;
        var key = p.Client.App.Connect(new TransportAddress(new Ipv4Address(198, 18, 200, 3), 9000), 100_000, p.Now);
        p.RunUntil(() => false, Duration.FromSeconds(2));
        var flow = p.Server.Flows[0];
        Assert.That(p.Server.Stack.Tcp.GetInfo(flow.Key, out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.Readable, Is.EqualTo(Ring), "the ring holds what the handler did not take, and no more");
        Assert.That(p.Server.Taken, Is.Zero);
        Assert.That(p.Client.App[key].Read, Is.Zero);

        p.Server.TakeAtMost = int.MaxValue;
        p.Server.Resume(flow);
        Assert.That(p.RunUntil(() => p.Client.App.Closed == 1, Duration.FromSeconds(600)), Is.True, Dump.Of(p.Client.Tcp.Counters));
        Assert.That(p.Client.App[key].Read, Is.EqualTo(100_000));
        Assert.That(p.Client.App[key].PatternError, Is.False);
    }

    // RFC 6298: the SYN-ACK is resent when its timer runs out; Poll says when that is and sends it then.
    [Test]
    public void Poll_returns_the_next_deadline_and_resends_what_was_lost()
    {
        var app = new EchoFlows(2, 4096);
        var now = Instant.FromMilliseconds(5);
        app.Stack = new TransparentStack<EchoFlowsHandler>(new EchoFlowsHandler(app), 2, now);
        app.Now = now;
        Assert.That(app.Stack.Poll(now), Is.EqualTo(Instant.Never), "nothing to do, no timer");
        var syn = IpScript.Segment(IpScript.Client4, new TransportAddress(new Ipv4Address(198, 18, 200, 4), 80), IpScript.Syn(ClientIss));
        var buffer = new byte[1500];
        syn.CopyTo(buffer, 0);
        Assert.That(app.Stack.Receive(buffer, syn.Length, now), Is.True);
        Assert.That(app.OutCount, Is.EqualTo(1), "the SYN-ACK, in place");
        var first = SeenPacket.Parse(app.Sent(0).ToArray()).Tcp(out _);
        app.OutCount = 0; // lost on the way

        var deadline = app.Stack.Poll(now);
        Assert.That(deadline, Is.EqualTo(now + app.Stack.Tcp.Settings.InitialRto), "RFC 6298 §2.1: the initial RTO");
        Assert.That(app.Stack.Poll(deadline - Duration.FromMicroseconds(1)), Is.EqualTo(deadline));
        Assert.That(app.OutCount, Is.Zero, "nothing before its time");
        app.Stack.Poll(deadline);
        Assert.That(app.OutCount, Is.EqualTo(1));
        var again = SeenPacket.Parse(app.Sent(0).ToArray()).Tcp(out _);
        Assert.That(again.Flags, Is.EqualTo(TcpFlags.Syn | TcpFlags.Ack));
        Assert.That(again.SequenceNumber, Is.EqualTo(first.SequenceNumber));
        Assert.That(app.Stack.Tcp.Counters.Retransmits, Is.EqualTo(1));
    }

    [Test]
    public void Receive_from_inside_a_callback_is_refused()
    {
        var app = new EchoFlows(2, 4096);
        var now = Instant.FromMilliseconds(5);
        app.Stack = new TransparentStack<EchoFlowsHandler>(new EchoFlowsHandler(app), 2, now);
        var service = new TransportAddress(new Ipv4Address(198, 18, 201, 3), 123);
        var packet = IpScript.Datagram(new TransportAddress(IpScript.Client4, 1), service, "a"u8);
        app.ReenterWith = IpScript.Datagram(new TransportAddress(IpScript.Client4, 2), service, "b"u8);
        Assert.That(app.Stack.Receive(packet, packet.Length, now), Is.True);
        Assert.That(app.ReentryAccepted, Is.False);
        Assert.That(app.Datagrams, Is.EqualTo(1), "the second packet was not looked at");
        Assert.That(app.Stack.Receive(packet, packet.Length + 1, now), Is.False, "a length beyond the buffer");
    }
}
