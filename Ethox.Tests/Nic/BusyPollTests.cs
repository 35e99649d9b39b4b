using Ethox.Layer;
using Ethox.Nic;
using NUnit.Framework;

namespace Ethox.Tests.Nic;

public class BusyPollTests
{
    private static readonly Instant Start = Instant.FromMilliseconds(1000);

    [Test]
    public void Spins_inside_the_window_after_the_last_activity_and_not_after_it()
    {
        var poll = new BusyPoll(Duration.FromMicroseconds(100), Start);
        Assert.That(poll.TrySpin(Start + Duration.FromMicroseconds(99)), Is.True);
        Assert.That(poll.TrySpin(Start + Duration.FromMicroseconds(100)), Is.False);
        poll.Moved(Start + Duration.FromMicroseconds(500));
        Assert.That(poll.TrySpin(Start + Duration.FromMicroseconds(550)), Is.True, "activity opens the window again");
        Assert.That(poll.TrySpin(Start + Duration.FromMicroseconds(600)), Is.False);
    }

    [Test]
    public void A_zero_window_never_spins()
    {
        var poll = new BusyPoll(Duration.Zero, Start);
        Assert.That(poll.TrySpin(Start), Is.False);
        Assert.That(poll.Window, Is.EqualTo(Duration.Zero));
    }
}
