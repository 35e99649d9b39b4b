using Ethox.Kestrel;
using NUnit.Framework;

namespace Ethox.Tests.Hosting;

/// <summary>The sample's command line: what it takes, and the one-line errors it gives instead.</summary>
public class KestrelOptionsTests
{
    private static readonly string[] Base = ["--iface", "veth0", "--ip", "198.18.0.1/24"];

    [Test]
    public void Queues_busy_poll_and_port_are_taken()
    {
        Assert.That(KestrelOptions.TryParse([.. Base, "--queues", "2", "--busy-poll", "50", "--port", "8081"], out var o, out string error), Is.True, error);
        Assert.That((o.Queues, o.BusyPollMicroseconds, o.Port), Is.EqualTo((2, 50, 8081)));
        Assert.That(KestrelOptions.TryParse(Base, out o, out error), Is.True, error);
        Assert.That(o.Queues, Is.EqualTo(1), "one queue unless asked");
    }

    [TestCase(new[] { "--queues", "0" }, "--queues: '0' is not a number from 1 to 16")]
    [TestCase(new[] { "--queues", "17" }, "--queues: '17' is not a number from 1 to 16")]
    [TestCase(new[] { "--queues" }, "--queues needs a value")]
    [TestCase(new[] { "--busy-poll", "-1" }, "--busy-poll: '-1' is not a number of microseconds from 0 to 1000000")]
    [TestCase(new[] { "--bogus", "1" }, "unknown option '--bogus' (--help lists them)")]
    public void Bad_arguments_are_one_line_errors(string[] extra, string expected)
    {
        Assert.That(KestrelOptions.TryParse([.. Base, .. extra], out _, out string error), Is.False);
        Assert.That(error, Is.EqualTo(expected));
    }

    [Test]
    public void The_interface_and_an_address_are_required()
    {
        Assert.That(KestrelOptions.TryParse(["--ip", "198.18.0.1/24"], out _, out string error), Is.False);
        Assert.That(error, Is.EqualTo("--iface NAME is required (--help for usage)"));
        Assert.That(KestrelOptions.TryParse(["--iface", "veth0"], out _, out error), Is.False);
        Assert.That(error, Is.EqualTo("at least one --ip CIDR is required"));
    }
}
