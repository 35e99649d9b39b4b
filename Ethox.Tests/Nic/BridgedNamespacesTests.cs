using System;
using System.IO;
using Ethox.Tests.Appliance;
using Ethox.Tests.Tools;
using NUnit.Framework;

namespace Ethox.Tests.Nic;

/// <summary>
/// The lossy-bridge rig against the kernel: the appliance on our end, the kernel's ping in the peer namespace, the
/// bridge in between forwarding at once, dropping what <see cref="BridgedNamespaces.SetLoss"/> asks for in both
/// directions and counting it; and nothing left behind.
/// </summary>
[Category("Kernel")]
[NonParallelizable]
public class BridgedNamespacesTests
{
    [SetUp]
    public void SetUp() => Kernel.RequireRoot();

    [Test]
    public void The_bridge_forwards_at_once_and_every_ping_over_ipv4_and_ipv6_is_answered()
    {
        using var rig = BridgedNamespaces.Create("bf");
        using var app = InProcessAppliance.Start(PeerNamespace.ApplianceArgsOn(rig.Outer));
        var (sent, received, output) = Shell.Ping(rig.PeerNamespace, PeerNamespace.OurV4, 200, 0.01);
        Assert.That((sent, received), Is.EqualTo((200, 200)), output);
        app.WaitForDad(); // RFC 4862 §5.4: its probe crossed the bridge like every multicast frame
        (sent, received, output) = Shell.Ping(rig.PeerNamespace, PeerNamespace.OurV6, 50, 0.01, v6: true);
        Assert.That((sent, received), Is.EqualTo((50, 50)), output);
        Assert.That(rig.DroppedFrames(), Is.Zero);
        app.Stop();
        Assert.That(app.App.Ip.IcmpCounters.EchoRepliesSent, Is.EqualTo(250), "echo replies over both families");
    }

    // Each frame is dropped with p = 1/N, so an echo exchange is lost with p = 1 - (1 - 1/N)^2 (9.75% for N = 20,
    // 36% for N = 5); the bounds are five standard deviations either side over 200 pings. The appliance's counter
    // splits the loss: requests that never reached it, replies that never reached ping. Every lost exchange is one
    // dropped frame, so the rule's counter holds as many, and a few more at most.
    [TestCase(20)]
    [TestCase(5)]
    public void Losing_one_frame_in_n_each_way_loses_the_expected_share_of_pings_and_the_rule_counts_every_drop(int oneIn)
    {
        using var rig = BridgedNamespaces.Create("bl");
        using var app = InProcessAppliance.Start(PeerNamespace.ApplianceArgsOn(rig.Outer));
        Assert.That(Shell.Ping(rig.PeerNamespace, PeerNamespace.OurV4, 3, 0.05).Received, Is.EqualTo(3), "ARP first, without loss");

        rig.SetLoss(oneIn);
        const int Count = 200;
        var (sent, received, output) = Shell.Ping(rig.PeerNamespace, PeerNamespace.OurV4, Count, 0.01);
        long dropped = rig.DroppedFrames();
        rig.SetLoss(0);
        var (sentAfter, receivedAfter, outputAfter) = Shell.Ping(rig.PeerNamespace, PeerNamespace.OurV4, Count, 0.01);
        long droppedAfter = rig.DroppedFrames();
        app.Stop();
        long answered = app.App.Ip.IcmpCounters.EchoRepliesSent - 3 - receivedAfter; // requests of the lossy run that reached us

        int lost = sent - received;
        TestContext.Out.WriteLine($"one in {oneIn}: {lost} of {sent} pings lost, {Count - answered} on the way in; {dropped} frames dropped");
        double p = 1 - Math.Pow(1 - 1.0 / oneIn, 2), mean = Count * p, sd = Math.Sqrt(Count * p * (1 - p));
        Assert.That(sent, Is.EqualTo(Count), output);
        Assert.That(lost, Is.InRange(Math.Max(1, mean - 5 * sd), mean + 5 * sd), output);
        Assert.That(answered, Is.LessThan(Count), "some requests were dropped on the way to us");
        Assert.That(received, Is.LessThan(answered), "some replies were dropped on the way back");
        Assert.That(dropped, Is.InRange(lost, lost + 10), "the few others: ARP, NDISC and MLD frames that crossed meanwhile");
        Assert.That((sentAfter, receivedAfter), Is.EqualTo((Count, Count)), outputAfter);
        Assert.That(droppedAfter, Is.EqualTo(dropped), "no rule, no drop; the counter keeps its total");
    }

    // With the offloads off the peer's kernel finishes its UDP checksums itself, so the appliance, which sees frames as
    // they are on the wire, accepts and echoes them.
    [Test]
    public void Offloads_off_switches_checksum_and_segmentation_offloads_off_and_udp_echo_gets_through()
    {
        using var rig = BridgedNamespaces.Create("bo", offloadsOff: true);
        foreach (string features in new[] { Tool.Must("ethtool", "-k", rig.Outer), rig.Run("ethtool", "-k", BridgedNamespaces.PeerInterface) })
        {
            Assert.That(features, Does.Contain("tx-checksumming: off"));
            Assert.That(features, Does.Contain("tcp-segmentation-offload: off"));
            Assert.That(features, Does.Contain("generic-segmentation-offload: off"));
        }
        using var app = InProcessAppliance.Start(PeerNamespace.ApplianceArgsOn(rig.Outer));
        Assert.That(Shell.UdpEcho(rig.PeerNamespace, PeerNamespace.OurV4, "through the bridge", tries: 2), Is.EqualTo("through the bridge"));
    }

    [Test]
    public void Our_end_has_no_address_and_the_kernel_ipv6_on_it_only_when_asked()
    {
        using (var quiet = BridgedNamespaces.Create("bq"))
        {
            Assert.That(Tool.Must("ip", "-o", "addr", "show", "dev", quiet.Outer).Trim(), Is.Empty);
            Assert.That(Tool.Must("sysctl", "-n", $"net.ipv6.conf.{quiet.Outer}.disable_ipv6").Trim(), Is.EqualTo("1"));
        }
        using var v6 = BridgedNamespaces.Create("b6", ourIpv6: true);
        Assert.That(Tool.Must("sysctl", "-n", $"net.ipv6.conf.{v6.Outer}.disable_ipv6").Trim(), Is.EqualTo("0"));
    }

    [Test]
    public void Dispose_kills_what_exec_started_and_deletes_both_namespaces_and_our_end()
    {
        var rig = BridgedNamespaces.Create("bd");
        int sleeper = rig.Exec("sleep", "60").Id;
        rig.Dispose();
        Assert.That(Directory.Exists($"/proc/{sleeper}"), Is.False, "the process has been killed and reaped");
        AssertGone(rig);
    }

    [Test]
    public void A_rig_left_behind_is_replaced_by_the_next_with_its_tag_and_swept_at_the_end()
    {
        var left = BridgedNamespaces.Create("bs");
        BridgedNamespaces.Create("bs").Dispose(); // creating over the leftover works
        BridgedNamespaces.Create("bs"); // not disposed: what a crashed test leaves
        Kernel.SweepLeftovers();
        AssertGone(left);
    }

    private static void AssertGone(BridgedNamespaces rig)
    {
        string namespaces = Tool.Must("ip", "netns", "list");
        Assert.That(namespaces, Does.Not.Contain(rig.PeerNamespace).And.Not.Contain(rig.BridgeNamespace));
        // The kernel deletes a namespace, and the veth end in it, asynchronously.
        Shell.WaitUntil(() => Tool.Run("ip", "link", "show", rig.Outer).ExitCode != 0, 5, $"{rig.Outer} is still there");
    }
}
