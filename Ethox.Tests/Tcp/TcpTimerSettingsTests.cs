using Ethox.Layer;
using Ethox.Layer.Tcp;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

public class TcpTimerSettingsTests
{
    private static Duration Ms(long ms) => Duration.FromMilliseconds(ms);
    private static Duration S(long s) => Duration.FromSeconds(s);

    [Test]
    public void Defaults_respect_the_floors_and_ceilings_of_the_rfcs()
    {
        var d = TcpTimerSettings.Default;
        Assert.Multiple(() =>
        {
            Assert.That(d.InitialRto, Is.EqualTo(S(1)), "RFC 6298 §2.1");
            Assert.That(d.MaxRto, Is.GreaterThanOrEqualTo(S(60)), "RFC 6298 §2.5");
            Assert.That(d.MinRto, Is.LessThanOrEqualTo(d.InitialRto));
            Assert.That(d.DelayedAck, Is.LessThanOrEqualTo(Ms(200)), "the issue's bound, inside RFC 1122 §4.2.3.2's 500 ms");
            Assert.That(d.KeepAliveIdle, Is.GreaterThanOrEqualTo(S(7200)), "RFC 1122 §4.2.3.6");
            Assert.That(d.RetransmissionsBeforeNegativeAdvice, Is.GreaterThanOrEqualTo(3), "R1, RFC 1122 §4.2.3.5");
            Assert.That(d.ConnectionTimeout, Is.GreaterThanOrEqualTo(S(100)), "R2, RFC 1122 §4.2.3.5");
            Assert.That(d.SynConnectionTimeout, Is.GreaterThanOrEqualTo(S(180)), "R2 for SYN, RFC 1122 §4.2.3.5");
            Assert.That(d.TimeWait, Is.EqualTo(S(60)));
            Assert.That(d.KeepAliveInterval, Is.EqualTo(S(75)));
            Assert.That(d.KeepAliveProbes, Is.EqualTo(9));
        });
    }

    [Test]
    public void Delayed_ack_is_held_to_200_ms_at_most()
    {
        Assert.That(new TcpTimerSettings { DelayedAck = Ms(500) }.DelayedAck, Is.EqualTo(Ms(200)));
        Assert.That(new TcpTimerSettings { DelayedAck = Ms(-1) }.DelayedAck, Is.EqualTo(Duration.Zero));
        Assert.That(new TcpTimerSettings { DelayedAck = Ms(100) }.DelayedAck, Is.EqualTo(Ms(100)));
    }

    [Test]
    public void Zero_window_probe_interval_backs_off_exponentially_within_its_bounds_rfc1122_section_4_2_2_17()
    {
        var d = TcpTimerSettings.Default;
        Assert.That(d.PersistInterval(Ms(300), 0), Is.EqualTo(Ms(300)), "the first probe after one RTO");
        Assert.That(d.PersistInterval(Ms(300), 1), Is.EqualTo(Ms(600)));
        Assert.That(d.PersistInterval(Ms(300), 4), Is.EqualTo(Ms(4800)));
        Assert.That(d.PersistInterval(Ms(300), 1000), Is.EqualTo(d.PersistMax), "capped, no overflow");
        Assert.That(d.PersistInterval(Ms(1), 0), Is.EqualTo(d.PersistMin), "floored");
        Assert.That(d.PersistInterval(Ms(300), -3), Is.EqualTo(Ms(300)));
    }

    [Test]
    public void Settings_are_values_compared_by_content()
    {
        var a = TcpTimerSettings.Default with { MinRto = S(1) };
        var b = new TcpTimerSettings { MinRto = S(1) };
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a, Is.Not.EqualTo(TcpTimerSettings.Default));
    }

    [Test]
    public void Retransmission_side_times_are_held_to_the_rto_cap_and_idle_side_times_to_24_days()
    {
        var year = S(365L * 24 * 3600);
        var s = new TcpTimerSettings
        {
            PersistMin = year, PersistMax = year, ConnectionTimeout = year, SynConnectionTimeout = year,
            TimeWait = year, KeepAliveIdle = year, KeepAliveInterval = year,
        };
        var retransmission = TcpTimerSettings.LongestRetransmissionTimer;
        var idle = TcpTimerSettings.LongestIdleTimer;
        Assert.Multiple(() =>
        {
            Assert.That(retransmission, Is.EqualTo(new Duration(int.MaxValue)), "2^31 − 1 µs, the RTO's own cap (about 35.8 minutes)");
            Assert.That(idle, Is.EqualTo(S(24 * 24 * 3600)));
            Assert.That(s.PersistMin, Is.EqualTo(retransmission));
            Assert.That(s.PersistMax, Is.EqualTo(retransmission));
            Assert.That(s.ConnectionTimeout, Is.EqualTo(retransmission));
            Assert.That(s.SynConnectionTimeout, Is.EqualTo(retransmission));
            Assert.That(s.TimeWait, Is.EqualTo(idle));
            Assert.That(s.KeepAliveIdle, Is.EqualTo(idle));
            Assert.That(s.KeepAliveInterval, Is.EqualTo(idle));
        });
        var linuxLongest = new TcpTimerSettings { KeepAliveIdle = S(32767), ConnectionTimeout = S(15 * 60) };
        Assert.That(linuxLongest.KeepAliveIdle, Is.EqualTo(S(32767)), "Linux's longest keep-alive time (9.1 hours) is kept");
        Assert.That(linuxLongest.ConnectionTimeout, Is.EqualTo(S(15 * 60)), "as is Linux's usual R2 of about 15 minutes");
        var negative = new TcpTimerSettings { TimeWait = Ms(-5), ConnectionTimeout = Ms(-5) };
        Assert.That(negative.TimeWait, Is.EqualTo(Duration.Zero), "a negative time counts as zero");
        Assert.That(negative.ConnectionTimeout, Is.EqualTo(Duration.Zero));
    }
}
