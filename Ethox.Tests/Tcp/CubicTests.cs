using System;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>CUBIC (RFC 9438) through <see cref="CongestionControl"/>.</summary>
public class CubicTests
{
    private const int Mss = 1000;
    private static readonly Duration Rtt = Duration.FromMilliseconds(100);

    /// <summary>A CUBIC connection that lost a segment at a window of <paramref name="segments"/> and left recovery at <paramref name="now"/>.</summary>
    private static CongestionControl AfterLossAt(int segments, Instant now)
    {
        var cc = CongestionControl.Create(CongestionAlgorithm.Cubic, Mss, initialWindowSegments: Math.Min(segments, 255));
        var t = now;
        while (cc.Window < segments * Mss) cc.OnAck(Mss, Mss, t, Rtt);
        Assert.That(cc.Window, Is.EqualTo(segments * Mss));
        cc.OnEnterRecovery(cc.Window, Mss, now);
        cc.OnExitRecovery();
        return cc;
    }

    /// <summary>ACKs one window, segment by segment, spread evenly over <paramref name="rtt"/>.</summary>
    private static void AckOneWindow(ref CongestionControl cc, ref Instant now, Duration rtt)
    {
        int segments = cc.Window / Mss;
        var step = new Duration(rtt.Microseconds / segments);
        for (int i = 0; i < segments; i++)
        {
            now += step;
            cc.OnAck(Mss, Mss, now, rtt);
        }
    }

    private static double WCubicSegments(double t, double wMax, double k) => Cubic.C * Math.Pow(t - k, 3) + wMax;

    [Test]
    public void Loss_multiplies_the_window_by_0_7_rfc9438_section_4_6()
    {
        var cc = AfterLossAt(100, Instant.Zero);
        Assert.That(cc.SlowStartThreshold, Is.EqualTo(70 * Mss), "ssthresh = FlightSize·β_cubic");
        Assert.That(cc.Window, Is.EqualTo(70 * Mss));
        Assert.That(cc.CubicState.MaxWindowBeforeReduction, Is.EqualTo(100 * Mss), "W_max = cwnd before the reduction");
        Assert.That(cc.CubicState.WindowBeforeReduction, Is.EqualTo(100 * Mss), "cwnd_prior");

        var small = CongestionControl.Create(CongestionAlgorithm.Cubic, Mss);
        small.OnEnterRecovery(2 * Mss, Mss, Instant.Zero);
        Assert.That(small.SlowStartThreshold, Is.EqualTo(2 * Mss), "never below 2·SMSS");
    }

    [Test]
    public void K_is_the_time_the_curve_takes_back_to_w_max_rfc9438_section_4_2()
    {
        var cc = AfterLossAt(100, Instant.Zero);
        cc.OnAck(Mss, Mss, Instant.Zero, Rtt);
        // K = ∛((W_max − cwnd_epoch)/C) = ∛(30/0.4) s
        Assert.That(cc.CubicState.OriginAfter(Instant.Zero).Microseconds, Is.EqualTo(4_217_163).Within(1), "the origin lies K after the epoch's start");
    }

    // W_cubic(t) = 0.4·(t − ∛75)³ + 100 segments, tabulated independently (t in seconds).
    private static readonly (double T, double Segments)[] CubicTable =
    {
        (0.5, 79.456), (1.0, 86.681), (1.5, 91.976), (2.0, 95.640), (2.5, 97.975),
        (3.0, 99.279), (3.5, 99.852), (4.0, 99.996), (4.5, 100.009), (5.0, 100.192), (5.5, 100.844),
    };

    [Test]
    public void Window_follows_w_cubic_of_t_against_a_computed_table_rfc9438_section_4_2()
    {
        var start = Instant.FromMilliseconds(1000);
        var cc = AfterLossAt(100, start);
        var now = start;
        int row = 0;
        while (row < CubicTable.Length)
        {
            AckOneWindow(ref cc, ref now, Rtt);
            double t = (now - start).Microseconds / 1e6;
            if (Math.Abs(t - CubicTable[row].T) < 0.05)
            {
                Assert.That(cc.Window / (double)Mss, Is.EqualTo(CubicTable[row].Segments).Within(1.0), $"at t = {CubicTable[row].T} s");
                row++;
            }
            Assert.That(t, Is.LessThan(6), "the table was walked");
        }
    }

    [Test]
    public void Growth_is_concave_below_w_max_and_convex_above_it_rfc9438_sections_4_4_and_4_5()
    {
        var start = Instant.Zero;
        var cc = AfterLossAt(1000, start);
        cc.OnAck(Mss, Mss, start, Rtt); // the epoch starts
        var now = start;
        var perSecond = new double[14];
        double previous = cc.Window;
        for (int second = 0; second < perSecond.Length; second++)
        {
            while ((now - start).Microseconds < (second + 1) * 1_000_000L) AckOneWindow(ref cc, ref now, Rtt);
            perSecond[second] = (cc.Window - previous) / Mss;
            previous = cc.Window;
        }
        double k = cc.CubicState.OriginAfter(start).Microseconds / 1e6;
        Assert.That(k, Is.EqualTo(Math.Cbrt(300 / 0.4)).Within(1e-6));
        for (int s = 1; s < 8; s++)
            Assert.That(perSecond[s], Is.LessThan(perSecond[s - 1]), $"concave: growth slows in second {s} as W_max nears");
        for (int s = 11; s < perSecond.Length; s++)
            Assert.That(perSecond[s], Is.GreaterThan(perSecond[s - 1]), $"convex: growth speeds up in second {s} past W_max");
        Assert.That(cc.Window, Is.GreaterThan(1000 * Mss));
        // cwnd aims one RTT ahead: between W_cubic(t) and W_cubic(t + RTT), give or take a segment of rounding.
        double t = (now - start).Microseconds / 1e6;
        Assert.That(cc.Window / (double)Mss, Is.InRange(WCubicSegments(t, 1000, k) - 1, WCubicSegments(t + 0.1, 1000, k) + 1));
    }

    [Test]
    public void Target_is_at_most_one_and_a_half_windows_rfc9438_section_4_2()
    {
        var start = Instant.Zero;
        var cc = AfterLossAt(100, start);
        cc.OnAck(Mss, Mss, start, Rtt); // the epoch starts
        var late = start + Duration.FromSeconds(100); // W_cubic is far above: the bound decides
        int before = cc.Window;
        AckOneWindow(ref cc, ref late, Rtt);
        Assert.That(cc.Window, Is.LessThanOrEqualTo(before * 3 / 2));
        Assert.That(cc.Window, Is.GreaterThanOrEqualTo(before * 3 / 2 - 2 * Mss), "and grows by that much");
    }

    [Test]
    public void Reno_friendly_region_follows_w_est_while_it_is_above_w_cubic_rfc9438_section_4_3()
    {
        var shortRtt = Duration.FromMilliseconds(1);
        var start = Instant.Zero;
        var cc = AfterLossAt(100, start);
        var now = start;
        for (int i = 0; i < 20; i++) AckOneWindow(ref cc, ref now, shortRtt);
        double t = (now - start).Microseconds / 1e6;
        double wCubic = WCubicSegments(t, 100, Math.Cbrt(30 / 0.4));
        Assert.That(wCubic, Is.LessThan(71), "W_cubic barely moved in 20 ms");
        // Reno-friendly: α_cubic = 3(1 − 0.7)/(1 + 0.7) ≈ 0.53 segments per RTT while W_est < cwnd_prior.
        Assert.That((cc.Window - 70 * Mss) / 20.0, Is.EqualTo(Cubic.RenoFriendlyAlpha * Mss).Within(30));
        Assert.That(cc.Window, Is.EqualTo((int)cc.CubicState.RenoEstimate), "cwnd = W_est");

        while (cc.Window < 100 * Mss) AckOneWindow(ref cc, ref now, shortRtt);
        int reached = cc.Window;
        for (int i = 0; i < 10; i++) AckOneWindow(ref cc, ref now, shortRtt);
        Assert.That((cc.Window - reached) / 10.0, Is.EqualTo(Mss).Within(60), "α_cubic = 1 once W_est ≥ cwnd_prior: Reno's one segment per RTT");
    }

    [Test]
    public void Fast_convergence_lowers_w_max_when_the_window_shrank_rfc9438_section_4_7()
    {
        var cc = AfterLossAt(100, Instant.Zero);
        cc.OnEnterRecovery(70 * Mss, Mss, Instant.Zero); // a second loss before cwnd regained W_max
        Assert.That(cc.CubicState.MaxWindowBeforeReduction, Is.EqualTo(59_500), "W_max = cwnd·(1 + β)/2 = 70·0.85 segments");
        Assert.That(cc.CubicState.WindowBeforeReduction, Is.EqualTo(70 * Mss));
        Assert.That(cc.SlowStartThreshold, Is.EqualTo(49 * Mss));

        var growing = AfterLossAt(100, Instant.Zero);
        var now = Instant.Zero;
        while (growing.Window < 110 * Mss) AckOneWindow(ref growing, ref now, Rtt);
        int cwnd = growing.Window;
        growing.OnEnterRecovery(cwnd, Mss, now);
        Assert.That(growing.CubicState.MaxWindowBeforeReduction, Is.EqualTo(cwnd), "above the old W_max: W_max = cwnd");
    }

    [Test]
    public void Retransmit_timeout_restarts_the_curve_at_the_next_epoch_with_k_zero_rfc9438_section_4_8()
    {
        var cc = AfterLossAt(100, Instant.Zero);
        cc.OnRetransmitTimeout(40 * Mss, Mss, Instant.Zero);
        Assert.That(cc.Window, Is.EqualTo(Mss));
        Assert.That(cc.SlowStartThreshold, Is.EqualTo(28 * Mss));
        var now = Instant.Zero;
        while (cc.InSlowStart) cc.OnAck(Mss, Mss, now, Rtt);
        Assert.That(cc.Window, Is.EqualTo(28 * Mss));
        cc.OnAck(Mss, Mss, now, Rtt);
        Assert.That(cc.CubicState.OriginAfter(now), Is.EqualTo(Duration.Zero), "K = 0");
        Assert.That(cc.CubicState.MaxWindowBeforeReduction, Is.EqualTo(28 * Mss), "W_max = cwnd at the start of the epoch");
        Assert.That(cc.CubicState.RenoEstimate, Is.EqualTo(28 * Mss).Within(Mss), "W_est starts at cwnd_epoch");
    }

    [Test]
    public void Idle_and_mss_changes_end_the_epoch_rfc9438_section_5_8()
    {
        var cc = AfterLossAt(100, Instant.Zero);
        cc.OnAck(Mss, Mss, Instant.Zero, Rtt);
        Assert.That(cc.CubicState.HasEpoch, Is.True);
        cc.OnIdleRestart(Mss, Instant.FromMilliseconds(5000), Duration.FromSeconds(1));
        Assert.That(cc.CubicState.HasEpoch, Is.False, "idle time is not part of t");
        cc.OnAck(Mss, Mss, Instant.FromMilliseconds(5000), Rtt);
        cc.OnMssChanged(1200);
        Assert.That(cc.CubicState.HasEpoch, Is.False, "the curve is in segments: a new SMSS starts a new epoch");
    }

    [Test]
    public void An_epoch_across_the_wrap_of_its_32_bit_clock_follows_the_same_curve()
    {
        // The origin is kept as microseconds modulo 2^32: the curve must not notice the wrap at 4294.97 s.
        var early = Instant.FromMilliseconds(1000);
        var nearWrap = new Instant((1L << 32) - 2_000_000);
        var a = AfterLossAt(100, early);
        var b = AfterLossAt(100, nearWrap);
        Instant nowA = early, nowB = nearWrap;
        for (int round = 0; round < 60; round++)
        {
            AckOneWindow(ref a, ref nowA, Rtt);
            AckOneWindow(ref b, ref nowB, Rtt);
            Assert.That(b.Window, Is.EqualTo(a.Window), $"round {round}, {(nowB.Microseconds >= 1L << 32 ? "after" : "before")} the wrap");
        }
        Assert.That(nowB.Microseconds, Is.GreaterThan(1L << 32), "the run crossed the wrap");
        Assert.That(b.Window, Is.GreaterThan(100 * Mss), "and passed W_max");
    }

    [Test]
    public void An_epoch_older_than_its_32_bit_clock_reaches_starts_again_at_the_window_of_that_moment()
    {
        var cc = AfterLossAt(100, Instant.Zero);
        cc.OnAck(Mss, Mss, Instant.Zero, Rtt);
        int before = cc.Window;
        var late = Instant.Zero + Duration.FromSeconds(40 * 60); // t − K reads about −31.6 minutes after the wrap
        cc.OnAck(Mss, Mss, late, Rtt);
        Assert.That(cc.CubicState.HasEpoch, Is.True);
        double k = Math.Cbrt((100 * Mss - before) / (Cubic.C * Mss));
        Assert.That(cc.CubicState.OriginAfter(late).Microseconds, Is.EqualTo(k * 1e6).Within(1), "a new epoch from now: K from the window of now");
        Assert.That(cc.Window, Is.LessThanOrEqualTo(before + Mss), "no jump: the curve starts again below W_max");
    }
}
