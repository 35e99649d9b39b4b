using System;
using System.Runtime.CompilerServices;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

public class RttEstimatorTests
{
    private static Duration Ms(long ms) => Duration.FromMilliseconds(ms);
    private static readonly TcpTimerSettings Defaults = TcpTimerSettings.Default;
    private static RttEstimator Fresh() => new();

    [Test]
    public void Rto_is_one_second_before_any_sample_rfc6298_section_2_1()
    {
        var rtt = Fresh();
        Assert.That(rtt.Rto(Defaults), Is.EqualTo(Duration.FromSeconds(1)));
        Assert.That(rtt.HasSample, Is.False);
        Assert.That(rtt.SmoothedRtt, Is.EqualTo(Duration.Zero));
        Assert.That(rtt.Backoffs, Is.Zero);
    }

    [Test]
    public void First_sample_sets_srtt_to_r_and_rttvar_to_half_r_rfc6298_section_2_2()
    {
        var rtt = Fresh();
        rtt.AddSample(Ms(300));
        Assert.That(rtt.HasSample, Is.True);
        Assert.That(rtt.SmoothedRtt, Is.EqualTo(Ms(300)));
        Assert.That(rtt.RttVariance, Is.EqualTo(Ms(150)));
        Assert.That(rtt.Rto(Defaults), Is.EqualTo(Ms(900)), "RTO = SRTT + K·RTTVAR = 300 + 4·150 ms");
    }

    // Expected values from the RFC's formulas in exact arithmetic (microseconds), computed independently.
    [Test]
    public void Later_samples_smooth_with_alpha_one_eighth_and_beta_one_quarter_rfc6298_section_2_3()
    {
        (long sampleMs, double srtt, double rttvar, double rto)[] table =
        {
            (100, 100_000, 50_000, 300_000),
            (120, 102_500, 42_500, 272_500),
            (80, 99_687.5, 37_500, 249_687.5),
            (200, 112_226.562, 53_203.125, 325_039.062),
            (100, 110_698.242, 42_958.984, 282_534.18),
        };
        var rtt = Fresh();
        foreach (var (sampleMs, srtt, rttvar, rto) in table)
        {
            rtt.AddSample(Ms(sampleMs));
            Assert.That(rtt.SmoothedRtt.Microseconds, Is.EqualTo(srtt).Within(10), $"SRTT after {sampleMs} ms");
            Assert.That(rtt.RttVariance.Microseconds, Is.EqualTo(rttvar).Within(10), $"RTTVAR after {sampleMs} ms");
            Assert.That(rtt.Rto(Defaults).Microseconds, Is.EqualTo(rto).Within(10), $"RTO after {sampleMs} ms");
        }
    }

    [Test]
    public void Rto_is_rounded_up_to_the_configured_minimum_rfc6298_section_2_4()
    {
        var rtt = Fresh();
        rtt.AddSample(Ms(10));
        Assert.That(rtt.Rto(Defaults), Is.EqualTo(Ms(200)), "30 ms computed, raised to the 200 ms default");

        var strict = new TcpTimerSettings { MinRto = Duration.FromSeconds(1) };
        Assert.That(rtt.Rto(strict), Is.EqualTo(Duration.FromSeconds(1)), "the RFC's own 1 s floor when configured");
    }

    [Test]
    public void Clock_granularity_bounds_the_variance_term_rfc6298_section_2_3()
    {
        var settings = new TcpTimerSettings { MinRto = new Duration(1), Granularity = Ms(10) };
        var rtt = Fresh();
        for (int i = 0; i < 100; i++) rtt.AddSample(Ms(50));
        Assert.That(rtt.RttVariance, Is.LessThan(new Duration(10)), "identical samples drive RTTVAR to zero");
        Assert.That(rtt.Rto(settings), Is.EqualTo(Ms(60)), "RTO = SRTT + max(G, 4·RTTVAR) = 50 + 10 ms");
    }

    [Test]
    public void Rto_is_capped_at_the_maximum_of_at_least_60_seconds_rfc6298_section_2_5()
    {
        var rtt = Fresh();
        rtt.AddSample(Duration.FromSeconds(30));
        Assert.That(rtt.Rto(Defaults), Is.EqualTo(Duration.FromSeconds(60)), "90 s computed, capped");
        Assert.That(TcpTimerSettings.Default.MaxRto, Is.GreaterThanOrEqualTo(Duration.FromSeconds(60)));
    }

    [Test]
    public void Rto_doubles_on_each_timeout_up_to_the_maximum_rfc6298_section_5_5()
    {
        var rtt = Fresh();
        long[] expectedSeconds = { 2, 4, 8, 16, 32, 60, 60, 60 };
        for (int i = 0; i < expectedSeconds.Length; i++)
        {
            rtt.BackOff();
            Assert.That(rtt.Rto(Defaults), Is.EqualTo(Duration.FromSeconds(expectedSeconds[i])), $"after {i + 1} timeouts");
            Assert.That(rtt.Backoffs, Is.EqualTo(i + 1));
        }
        for (int i = 0; i < 100_000; i++) rtt.BackOff();
        Assert.That(rtt.Rto(Defaults), Is.EqualTo(Duration.FromSeconds(60)), "no overflow however long it backs off");
    }

    [Test]
    public void New_sample_collapses_a_backed_off_rto_rfc6298_section_5()
    {
        var rtt = Fresh();
        rtt.AddSample(Ms(100));
        rtt.BackOff();
        rtt.BackOff();
        Assert.That(rtt.Rto(Defaults), Is.EqualTo(Ms(1200)));
        rtt.AddSample(Ms(100));
        Assert.That(rtt.Backoffs, Is.Zero);
        Assert.That(rtt.Rto(Defaults).Microseconds, Is.EqualTo(100_000 + 4 * 37_500), "recomputed from SRTT, not the doubled value");
    }

    [Test]
    public void Ack_of_new_data_after_backoff_returns_to_the_rto_from_srtt()
    {
        var rtt = Fresh();
        rtt.AddSample(Ms(100));
        rtt.BackOff();
        Assert.That(rtt.Rto(Defaults), Is.EqualTo(Ms(600)));
        rtt.ResetBackoff();
        Assert.That(rtt.Rto(Defaults), Is.EqualTo(Ms(300)));
        Assert.That(rtt.Backoffs, Is.Zero);
        Assert.That(rtt.SmoothedRtt, Is.EqualTo(Ms(100)), "SRTT untouched");
    }

    [Test]
    public void Repeated_backoffs_make_the_next_sample_start_srtt_afresh_rfc6298_section_5()
    {
        var twice = Fresh();
        twice.AddSample(Ms(100));
        twice.BackOff();
        twice.BackOff();
        twice.AddSample(Ms(900));
        Assert.That(twice.SmoothedRtt, Is.EqualTo(Ms(200)), "two backoffs: still smoothed, 7/8·100 + 1/8·900");

        var thrice = Fresh();
        thrice.AddSample(Ms(100));
        for (int i = 0; i < RttEstimator.BackoffsBeforeForgettingRtt; i++) thrice.BackOff();
        Assert.That(thrice.HasSample, Is.False);
        Assert.That(thrice.Rto(Defaults), Is.EqualTo(Ms(2400)), "the backed-off RTO still holds until a sample comes");
        thrice.AddSample(Ms(900));
        Assert.That(thrice.SmoothedRtt, Is.EqualTo(Ms(900)), "SRTT = R as for a first sample (§2.2)");
        Assert.That(thrice.RttVariance, Is.EqualTo(Ms(450)));
    }

    [Test]
    public void Syn_timeout_makes_the_rto_three_seconds_when_data_transmission_begins_rfc6298_section_5_7()
    {
        var rtt = Fresh();
        rtt.BackOff();                  // the SYN timed out once
        rtt.BeginDataAfterSynTimeout(); // SYN-ACK arrived; the handshake gave no sample (Karn)
        Assert.That(rtt.Rto(Defaults), Is.EqualTo(Duration.FromSeconds(3)));
        Assert.That(rtt.Backoffs, Is.Zero);

        var measured = Fresh();
        measured.BackOff();
        measured.AddSample(Ms(50)); // a timestamp echo measured the retransmitted SYN (RFC 7323 §4)
        measured.BeginDataAfterSynTimeout();
        Assert.That(measured.Rto(Defaults), Is.EqualTo(Ms(200)), "a measured RTO stands");
    }

    [Test]
    public void Negative_samples_are_ignored()
    {
        var rtt = Fresh();
        rtt.AddSample(new Duration(-5));
        Assert.That(rtt.HasSample, Is.False);
        Assert.That(rtt.Rto(Defaults), Is.EqualTo(Duration.FromSeconds(1)));
    }

    [Test]
    public void Settings_out_of_range_are_brought_into_range_rather_than_refused()
    {
        var settings = new TcpTimerSettings
        {
            MinRto = new Duration(-1),
            MaxRto = Duration.FromSeconds(-10),
            InitialRto = Duration.FromSeconds(long.MaxValue / 2_000_000),
            Granularity = new Duration(-3),
        };
        var rtt = Fresh();
        Assert.That(rtt.Rto(settings), Is.EqualTo(new Duration(1)), "MaxRto raised to MinRto = 1 µs, the initial RTO within");
        rtt.BackOff();
        Assert.That(rtt.Rto(settings), Is.EqualTo(new Duration(1)));

        var huge = Fresh();
        huge.AddSample(Duration.FromSeconds(100_000));
        var generous = new TcpTimerSettings { MaxRto = Duration.FromSeconds(1_000_000) };
        Assert.That(huge.SmoothedRtt, Is.EqualTo(new Duration(RttEstimator.MaxMicroseconds)), "a sample beyond 134 s counts as 134 s");
        Assert.That(huge.Rto(generous), Is.EqualTo(new Duration(RttEstimator.MaxMicroseconds + 4L * (RttEstimator.MaxMicroseconds / 2))));
        for (int i = 0; i < 3; i++) huge.BackOff();
        Assert.That(huge.Rto(generous), Is.EqualTo(new Duration(int.MaxValue)), "at most int.MaxValue µs");
    }

    [Test]
    public void Estimator_allocates_nothing()
    {
        var rtt = Fresh();
        rtt.AddSample(Ms(1));
        long before = GC.GetAllocatedBytesForCurrentThread();
        long sum = 0;
        for (int i = 0; i < 100_000; i++)
        {
            rtt.AddSample(new Duration(50_000 + i % 1000));
            if (i % 10 == 0) rtt.BackOff();
            if (i % 10 == 5) rtt.ResetBackoff();
            sum += rtt.Rto(Defaults).Microseconds;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(rtt.SmoothedRtt.Microseconds, Is.InRange(50_000, 51_000));
        Assert.That(sum, Is.GreaterThan(100_000L * 200_000));
    }

    [Test]
    public void Estimator_is_8_bytes_the_settings_staying_with_the_endpoint()
    {
        Assert.That(Unsafe.SizeOf<RttEstimator>(), Is.EqualTo(8));
    }

    [Test]
    public void The_bounds_are_those_of_the_settings_the_rto_is_read_with()
    {
        var rtt = Fresh();
        rtt.AddSample(Ms(10));
        Assert.That(rtt.Rto(Defaults), Is.EqualTo(Ms(200)), "the 200 ms default floor");
        Assert.That(rtt.Rto(Defaults with { MinRto = Ms(20) }), Is.EqualTo(Ms(30)), "SRTT + 4·RTTVAR = 10 + 20 ms above a lower floor");
        Assert.That(rtt.Rto(Defaults with { MinRto = Ms(1), Granularity = Ms(50) }), Is.EqualTo(Ms(60)), "SRTT + G when G is larger");
        Assert.That(Fresh().Rto(Defaults with { InitialRto = Ms(2500) }), Is.EqualTo(Ms(2500)), "the initial RTO before any sample");
    }
}
