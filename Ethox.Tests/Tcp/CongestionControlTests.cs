using System;
using System.Runtime.CompilerServices;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>The shared rules and NewReno (RFC 5681, RFC 3465, RFC 6582, RFC 6928).</summary>
public class CongestionControlTests
{
    private const int Mss = 1000;
    private static readonly Duration Rtt = Duration.FromMilliseconds(100);

    /// <summary>One RTT of ACKs, each acknowledging <paramref name="segmentsPerAck"/> segments, for the whole window.</summary>
    internal static void AckOneWindow(ref CongestionControl cc, ref Instant now, int segmentsPerAck = 1, int mss = Mss)
    {
        int window = cc.Window;
        int acks = Math.Max(1, window / (segmentsPerAck * mss));
        var step = new Duration(Rtt.Microseconds / acks);
        for (int acked = 0; acked < window;)
        {
            int bytes = Math.Min(segmentsPerAck * mss, window - acked);
            now += step;
            cc.OnAck(bytes, mss, now, Rtt);
            acked += bytes;
        }
    }

    [Test]
    public void Initial_window_is_ten_segments_within_14600_bytes_rfc6928()
    {
        Assert.That(CongestionControl.Create(CongestionAlgorithm.NewReno, 1460).Window, Is.EqualTo(14600));
        Assert.That(CongestionControl.Create(CongestionAlgorithm.NewReno, 1000).Window, Is.EqualTo(10_000));
        Assert.That(CongestionControl.Create(CongestionAlgorithm.NewReno, 500).Window, Is.EqualTo(5000));
        Assert.That(CongestionControl.Create(CongestionAlgorithm.NewReno, 8960).Window, Is.EqualTo(2 * 8960), "jumbo: max(2·MSS, 14600)");
        Assert.That(CongestionControl.Create(CongestionAlgorithm.Cubic, 1000, initialWindowSegments: 4).Window, Is.EqualTo(4000));
        var cc = CongestionControl.Create(CongestionAlgorithm.NewReno, 1460);
        Assert.That(cc.SlowStartThreshold, Is.EqualTo(int.MaxValue), "ssthresh arbitrarily high (RFC 5681 §3.1)");
        Assert.That(cc.InSlowStart, Is.True);
    }

    [TestCase(CongestionAlgorithm.NewReno, 1)]
    [TestCase(CongestionAlgorithm.NewReno, 2)]
    [TestCase(CongestionAlgorithm.Cubic, 2)]
    public void Slow_start_doubles_the_window_each_rtt_with_byte_counting_rfc3465(CongestionAlgorithm algorithm, int segmentsPerAck)
    {
        var cc = CongestionControl.Create(algorithm, Mss);
        var now = Instant.Zero;
        foreach (int segments in new[] { 20, 40, 80, 160 })
        {
            AckOneWindow(ref cc, ref now, segmentsPerAck);
            Assert.That(cc.Window, Is.EqualTo(segments * Mss));
        }
    }

    [Test]
    public void Slow_start_grows_at_most_two_segments_per_ack_rfc3465_section_2_2()
    {
        var cc = CongestionControl.Create(CongestionAlgorithm.NewReno, Mss);
        cc.OnAck(8 * Mss, Mss, Instant.Zero, Rtt);
        Assert.That(cc.Window, Is.EqualTo(12 * Mss), "a stretch ACK of 8 segments counts as L = 2·SMSS");
    }

    [Test]
    public void Slow_start_counts_bytes_not_acks_rfc3465()
    {
        var cc = CongestionControl.Create(CongestionAlgorithm.NewReno, Mss);
        for (int i = 0; i < 10; i++) cc.OnAck(100, Mss, Instant.Zero, Rtt);
        Assert.That(cc.Window, Is.EqualTo(10 * Mss + 1000), "ten ACKs dividing one segment grow cwnd by one segment, not ten");
    }

    [Test]
    public void Congestion_avoidance_adds_one_segment_per_rtt_rfc5681_section_3_1()
    {
        var cc = CongestionControl.Create(CongestionAlgorithm.NewReno, Mss);
        cc.OnEnterRecovery(40 * Mss, Mss, Instant.Zero);
        cc.OnExitRecovery();
        Assert.That(cc.Window, Is.EqualTo(20 * Mss));
        Assert.That(cc.InSlowStart, Is.False);
        var now = Instant.Zero;
        for (int rtt = 1; rtt <= 10; rtt++)
        {
            AckOneWindow(ref cc, ref now, segmentsPerAck: rtt % 2 + 1);
            Assert.That(cc.Window, Is.EqualTo((20 + rtt) * Mss), $"after {rtt} RTTs, delayed ACKs or not");
        }
    }

    [Test]
    public void Fast_retransmit_halves_the_flight_rfc5681_section_3_2()
    {
        var cc = CongestionControl.Create(CongestionAlgorithm.NewReno, Mss);
        cc.OnEnterRecovery(30 * Mss, Mss, Instant.Zero);
        Assert.That(cc.SlowStartThreshold, Is.EqualTo(15 * Mss), "ssthresh = FlightSize / 2");
        Assert.That(cc.Window, Is.EqualTo(15 * Mss), "cwnd = ssthresh; the 3·SMSS inflation is the caller's");

        var small = CongestionControl.Create(CongestionAlgorithm.NewReno, Mss);
        small.OnEnterRecovery(Mss, Mss, Instant.Zero);
        Assert.That(small.SlowStartThreshold, Is.EqualTo(2 * Mss), "never below 2·SMSS");
    }

    [Test]
    public void Full_ack_ends_recovery_with_cwnd_at_ssthresh_rfc6582_section_3_2_step_3()
    {
        var cc = CongestionControl.Create(CongestionAlgorithm.NewReno, Mss);
        cc.OnEnterRecovery(30 * Mss, Mss, Instant.Zero);
        cc.OnExitRecovery();
        Assert.That(cc.Window, Is.EqualTo(15 * Mss));
        Assert.That(cc.InSlowStart, Is.False);
    }

    [TestCase(CongestionAlgorithm.NewReno, 20)]
    [TestCase(CongestionAlgorithm.Cubic, 28)]
    public void Retransmit_timeout_leaves_one_segment_and_slow_starts_to_ssthresh_rfc5681_section_3_1(CongestionAlgorithm algorithm, int ssthreshSegments)
    {
        var cc = CongestionControl.Create(algorithm, Mss);
        cc.OnRetransmitTimeout(40 * Mss, Mss, Instant.Zero);
        Assert.That(cc.Window, Is.EqualTo(Mss), "LW = 1·SMSS");
        Assert.That(cc.SlowStartThreshold, Is.EqualTo(ssthreshSegments * Mss), "FlightSize/2, or ·0.7 for CUBIC (RFC 9438 §4.8)");
        Assert.That(cc.InSlowStart, Is.True);

        cc.OnAck(2 * Mss, Mss, Instant.Zero, Rtt);
        Assert.That(cc.Window, Is.EqualTo(2 * Mss), "after an RTO, L = 1·SMSS (RFC 3465 §2.3)");

        int acks = 0;
        while (cc.InSlowStart && acks++ < 1000) cc.OnAck(2 * Mss, Mss, Instant.Zero, Rtt);
        Assert.That(acks, Is.EqualTo(ssthreshSegments - 2), "one segment per ACK however much each acknowledges");
        Assert.That(cc.Window, Is.EqualTo(ssthreshSegments * Mss), "slow start stops at ssthresh");
    }

    [Test]
    public void Repeated_timeout_of_the_same_segment_keeps_ssthresh_rfc5681_section_3_1()
    {
        var cc = CongestionControl.Create(CongestionAlgorithm.NewReno, Mss);
        cc.OnRetransmitTimeout(40 * Mss, Mss, Instant.Zero);
        cc.OnRetransmitTimeout(Mss, Mss, Instant.Zero);
        Assert.That(cc.SlowStartThreshold, Is.EqualTo(20 * Mss), "no new data acknowledged in between: ssthresh held");
        Assert.That(cc.Window, Is.EqualTo(Mss));

        cc.OnAck(Mss, Mss, Instant.Zero, Rtt);
        cc.OnRetransmitTimeout(6 * Mss, Mss, Instant.Zero);
        Assert.That(cc.SlowStartThreshold, Is.EqualTo(3 * Mss), "after new data was acknowledged, a new timeout recomputes it");
    }

    [Test]
    public void Restart_after_idle_cuts_cwnd_to_the_restart_window_rfc5681_section_4_1()
    {
        var cc = CongestionControl.Create(CongestionAlgorithm.NewReno, Mss);
        var now = Instant.Zero;
        for (int i = 0; i < 3; i++) AckOneWindow(ref cc, ref now);
        Assert.That(cc.Window, Is.EqualTo(80 * Mss));
        cc.OnIdleRestart(Mss, now + Duration.FromSeconds(5), Duration.FromSeconds(1));
        Assert.That(cc.Window, Is.EqualTo(10 * Mss), "RW = min(IW, cwnd)");
        Assert.That(cc.SlowStartThreshold, Is.EqualTo(int.MaxValue), "ssthresh was already above ¾·cwnd");

        var afterLoss = CongestionControl.Create(CongestionAlgorithm.NewReno, Mss);
        afterLoss.OnEnterRecovery(40 * Mss, Mss, Instant.Zero);
        afterLoss.OnExitRecovery();
        for (int i = 0; i < 20; i++) AckOneWindow(ref afterLoss, ref now);
        Assert.That(afterLoss.Window, Is.EqualTo(40 * Mss));
        afterLoss.OnIdleRestart(Mss, now, Duration.FromSeconds(1));
        Assert.That(afterLoss.Window, Is.EqualTo(10 * Mss));
        Assert.That(afterLoss.SlowStartThreshold, Is.EqualTo(30 * Mss), "ssthresh raised to ¾ of the old cwnd, so slow start regains most of it");

        var small = CongestionControl.Create(CongestionAlgorithm.NewReno, Mss, initialWindowSegments: 10);
        small.OnRetransmitTimeout(10 * Mss, Mss, Instant.Zero);
        small.OnIdleRestart(Mss, now, Duration.FromSeconds(1));
        Assert.That(small.Window, Is.EqualTo(Mss), "a window below IW is not raised");
    }

    [Test]
    public void Mss_change_keeps_the_window_in_bytes_with_at_least_one_segment()
    {
        var cc = CongestionControl.Create(CongestionAlgorithm.NewReno, 1460);
        cc.OnMssChanged(1200);
        Assert.That(cc.Window, Is.EqualTo(14600));
        cc.OnRetransmitTimeout(5000, 1200, Instant.Zero);
        Assert.That(cc.Window, Is.EqualTo(1200), "the loss window is one segment of the new size");
        cc.OnMssChanged(9000);
        Assert.That(cc.Window, Is.EqualTo(9000), "at least one segment fits");
        Assert.That(cc.SlowStartThreshold, Is.EqualTo(18000), "ssthresh at least 2·SMSS");
        cc.OnMssChanged(0);
        Assert.That(cc.Window, Is.EqualTo(9000), "an MSS out of range is brought into it");
        Assert.That(cc.InitialWindow(0), Is.EqualTo(10), "IW of one-byte segments");
    }

    [Test]
    public void Bad_input_leaves_the_state_consistent()
    {
        var cc = CongestionControl.Create((CongestionAlgorithm)77, -5, initialWindowSegments: -1);
        Assert.That(cc.Window, Is.EqualTo(1), "an MSS of one byte, one segment");
        cc.OnAck(0, -5, Instant.Zero, Rtt);
        cc.OnAck(-100, -5, Instant.Zero, Rtt);
        Assert.That(cc.Window, Is.EqualTo(1), "nothing acknowledged, nothing grows");
        cc.OnEnterRecovery(-1000, -5, Instant.Zero);
        Assert.That(cc.SlowStartThreshold, Is.EqualTo(2), "an unknown algorithm behaves as NewReno; negative flight counts as zero");
        cc.OnAck(int.MaxValue, -5, Instant.Zero, Rtt);
        Assert.That(cc.Window, Is.GreaterThan(0));
    }

    [Test]
    public void Window_never_passes_the_largest_scaled_window()
    {
        foreach (var algorithm in new[] { CongestionAlgorithm.NewReno, CongestionAlgorithm.Cubic })
        {
            var cc = CongestionControl.Create(algorithm, 65535, initialWindowSegments: 255);
            var now = Instant.Zero;
            for (int i = 0; i < 20_000; i++)
            {
                now += Duration.FromMilliseconds(1);
                cc.OnAck(int.MaxValue, 65535, now, Rtt);
            }
            Assert.That(cc.Window, Is.EqualTo(CongestionControl.MaxWindow), $"{algorithm}: slow start");
            cc.OnEnterRecovery(cc.Window, 65535, now);
            cc.OnExitRecovery();
            Assert.That(cc.InSlowStart, Is.False);
            for (int i = 0; i < 20_000; i++)
            {
                now += Duration.FromMilliseconds(1);
                cc.OnAck(int.MaxValue, 65535, now, Rtt);
            }
            Assert.That(cc.Window, Is.EqualTo(CongestionControl.MaxWindow), $"{algorithm}: congestion avoidance");
        }
    }

    [Test]
    public void Congestion_control_allocates_nothing()
    {
        foreach (var algorithm in new[] { CongestionAlgorithm.NewReno, CongestionAlgorithm.Cubic })
        {
            var cc = CongestionControl.Create(algorithm, Mss);
            var now = Instant.Zero;
            cc.OnEnterRecovery(40 * Mss, Mss, now);
            cc.OnExitRecovery();
            AckOneWindow(ref cc, ref now);
            long before = GC.GetAllocatedBytesForCurrentThread();
            long windows = 0;
            for (int round = 0; round < 200; round++)
            {
                AckOneWindow(ref cc, ref now);
                windows += cc.Window;
                if (round % 50 == 49) { cc.OnEnterRecovery(cc.Window, Mss, now); cc.OnExitRecovery(); }
                if (round == 120) cc.OnRetransmitTimeout(cc.Window, Mss, now);
                if (round == 160) cc.OnIdleRestart(Mss, now, Rtt);
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.That(allocated, Is.Zero, algorithm.ToString());
            Assert.That(windows, Is.GreaterThan(200L * 10 * Mss), "the windows grew: the work was done");
        }
    }

    [Test]
    public void Congestion_state_is_36_bytes_the_mss_staying_with_the_connection()
    {
        Assert.That(Unsafe.SizeOf<CongestionControl>(), Is.EqualTo(36));
        Assert.That(Unsafe.SizeOf<Cubic>(), Is.EqualTo(20));
    }
}
