using Ethox.Layer;
using Ethox.Layer.Ip;
using Ethox.Layer.Udp;
using Ethox.Nic;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

/// <summary>Every layer reports its next deadline and the layers below combine it with theirs: one call says when to poll next.</summary>
public class DeadlineTests
{
    [Test]
    public void The_ip_layer_deadline_is_the_earlier_of_its_own_timers_and_the_layer_above()
    {
        var ip = new IpEndpoint(null, 1500, 4, new RouteTable(4), null);
        ip.AddAddress(TwoHosts.V4A, 24, Instant.Zero);
        var probe = new TransportProbe { ToSend = 1, Deadline = Instant.FromMilliseconds(250) };
        var stack = new IpLayer<TransportMux<ProbeTransport, NoTransport, NoTransport>>(ip, new(new ProbeTransport(probe), default, default));
        Assert.That(ip.NextDeadline(), Is.EqualTo(Instant.Never), "no timers of its own on a bare IP link");
        Assert.That(stack.NextDeadline(), Is.EqualTo(Instant.FromMilliseconds(250)));
        probe.ToSend = 0;
        Assert.That(stack.NextDeadline(), Is.EqualTo(Instant.Never));
        var udpOnly = new IpLayer<UdpLayer<UdpAppHandler>>(ip, new(new UdpEndpoint(), default));
        Assert.That(udpOnly.NextDeadline(), Is.EqualTo(Instant.Never), "UDP keeps no timers");
    }

    [Test]
    public void The_ethernet_layer_reports_the_deadline_of_the_stack_above_it_dad_included()
    {
        var host = new MuxHost(TwoHosts.MacA);
        var now = Instant.FromMilliseconds(1000);
        host.Tcp.ToSend = 1;
        host.Tcp.Deadline = now + Duration.FromSeconds(5);
        Assert.That(host.Stack.NextDeadline(), Is.EqualTo(host.Tcp.Deadline));
        host.Ip.AddAddress(TwoHosts.V6A, 64, now); // tentative: DAD's first probe is due now (RFC 4862 §5.4.2)
        Assert.That(host.Stack.NextDeadline(), Is.EqualTo(now));
        Assert.That(host.Stack.NextDeadline(), Is.EqualTo(host.Stack.Upper.NextDeadline()));
    }

    [Test]
    public void A_timer_above_ip_fires_when_the_caller_polls_at_the_deadline_the_stack_reports()
    {
        var net = new MuxAndPeer();
        var tcp = net.Host.Tcp;
        tcp.Destination = RawPeer.V4;
        tcp.ToSend = 1;
        tcp.SendOnlyWhenDue = true;
        var due = net.Now + Duration.FromMilliseconds(200); // a delayed ACK, say
        tcp.Deadline = due;
        Assert.That(net.Transmit(), Is.Empty, "not yet due");
        int polls = 0;
        while (polls < 10 && tcp.Sent == 0)
        {
            net.Now = Instant.Max(net.Now, net.Host.Stack.NextDeadline()); // sleep until the deadline, as the appliance does
            net.Host.Poll(net.HostLink, net.Now);
            polls++;
        }
        Assert.That(tcp.LastSent, Is.EqualTo(due));
        Assert.That(polls, Is.EqualTo(1), "one poll at the reported deadline, no polling loop");
        Assert.That(net.Peer.Drain(net.Now), Has.Count.EqualTo(1));
        Assert.That(net.Host.Stack.NextDeadline(), Is.Not.EqualTo(due), "the fired timer is gone");
    }
}
