using Ethox.Tests.Nic;
using NUnit.Framework;

namespace Ethox.Tests.Appliance;

/// <summary>
/// The appliance behind a Linux bridge that loses frames (<see cref="BridgedNamespaces"/>): real loss on the wire
/// between the kernel and us, in both directions, counted by the bridge's nftables rule.
/// </summary>
[Category("Kernel")]
[NonParallelizable]
public class ApplianceLossTests
{
    private BridgedNamespaces? _rig;

    private BridgedNamespaces Rig => _rig!;

    [SetUp]
    public void SetUp()
    {
        Kernel.RequireRoot();
        _rig = BridgedNamespaces.Create("al");
    }

    [TearDown]
    public void TearDown() => _rig?.Dispose();

    // An exchange survives one frame in 10 dropped each way with p = 0.81: about 19 of 100 pings are lost, and 40 lie
    // more than five standard deviations out. Resolution (RFC 826) is done before the loss starts, so that a lost
    // ARP frame cannot stall ping's whole second. The appliance's counter shows loss on the way in, the replies that
    // reached the peer's kernel (Shell.Ping: also those that came after ping stopped waiting) loss on the way out, and
    // the bridge's rule counted at least one drop per lost exchange.
    [Test]
    public void With_a_bridge_dropping_one_frame_in_10_each_way_ping_still_gets_60_percent_and_the_drops_are_counted()
    {
        using var app = InProcessAppliance.Start(PeerNamespace.ApplianceArgsOn(Rig.Outer));
        Assert.That(Shell.Ping(Rig.PeerNamespace, PeerNamespace.OurV4, 3, 0.05).Received, Is.EqualTo(3));
        Rig.SetLoss(10);
        var (sent, received, output) = Shell.Ping(Rig.PeerNamespace, PeerNamespace.OurV4, 100, 0.01);
        long dropped = Rig.DroppedFrames();
        app.Stop();
        long answered = app.App.Ip.IcmpCounters.EchoRepliesSent - 3;
        TestContext.Out.WriteLine($"{sent - received} of {sent} pings lost, {100 - answered} on the way in; {dropped} frames dropped");

        Assert.That(sent, Is.EqualTo(100), output);
        Assert.That(received, Is.GreaterThanOrEqualTo(60), output);
        Assert.That(dropped, Is.GreaterThan(0));
        Assert.That(dropped, Is.GreaterThanOrEqualTo(sent - received), "every lost exchange is a dropped frame");
        Assert.That(answered, Is.LessThan(100), "requests were lost on the way to the appliance");
        Assert.That(received, Is.LessThan(answered), "replies were lost on the way back");
    }
}
