using System;
using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Nic;
using Ethox.Tests.Layer;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>Two Ethox stacks over a pipe, simulated time: the RFC 9293 life of a connection end to end.</summary>
public class TcpConnectionTests
{
    private static TransportAddress B(bool v6, ushort port) => new(v6 ? TcpPair.V6B : TcpPair.V4B, port);

    [TestCase(false)]
    [TestCase(true)]
    public void Three_way_handshake_establishes_both_ends(bool v6)
    {
        var p = new TcpPair();
        Assert.That(p.B.Tcp.Listen(80), Is.EqualTo(TcpStatus.Ok));
        var key = p.A.App.Connect(B(v6, 80), 0, p.Now);
        Assert.That(p.A.Tcp.StateOf(key), Is.EqualTo(TcpState.SynSent));
        Assert.That(p.RunUntil(() => p.B.App.Accepted == 1 && p.A.App.Connected == 1 && p.B.App.Connected == 1, Duration.FromSeconds(5)), Is.True,
            $"A: {Dump.Of(p.A.Tcp.Counters)}\nB: {Dump.Of(p.B.Tcp.Counters)}");
        Assert.That(p.A.Tcp.GetInfo(key, out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.State, Is.EqualTo(TcpState.Established).Or.EqualTo(TcpState.FinWait1));
        Assert.That(info.Sack && info.Timestamps && info.WindowScale, Is.True, "both ends offer SACK, timestamps and window scale");
        Assert.That(info.SendMss, Is.EqualTo(v6 ? 1440 : 1460));
    }

    [TestCase(false, 1 << 20)]
    [TestCase(true, 1 << 20)]
    public void Data_echoed_through_a_connection_arrives_intact_and_both_ends_close(bool v6, int bytes)
    {
        var p = new TcpPair();
        p.B.App.Echo = true;
        p.B.Tcp.Listen(7);
        var key = p.A.App.Connect(B(v6, 7), bytes, p.Now);
        bool done = p.RunUntil(() => p.A.App.Closed == 1 && p.B.App.Closed == 1, Duration.FromSeconds(60));
        ref var c = ref p.A.App[key];
        Assert.That(done, Is.True, $"read {c.Read} of {bytes}; A: {Dump.Of(p.A.Tcp.Counters)}\nB: {Dump.Of(p.B.Tcp.Counters)}");
        Assert.That(c.Read, Is.EqualTo(bytes));
        Assert.That(c.PatternError, Is.False, "the echoed bytes are the pattern, in order");
        Assert.That(p.A.Tcp.Counters.Retransmits, Is.Zero, "a perfect link needs no retransmission");
        // The active closer holds TIME-WAIT for 2·MSL, then the slot is free.
        Assert.That(p.A.Tcp.Count, Is.EqualTo(1));
        p.Advance(p.A.Tcp.Settings.TimeWait + Duration.FromSeconds(1));
        Assert.That(p.A.Tcp.Count, Is.Zero);
        Assert.That(p.B.Tcp.Count, Is.Zero);
    }

    [Test]
    public void Sixty_four_mebibytes_each_way_survive_loss_duplication_reordering_and_corruption()
    {
        var p = EchoThroughFaults(new FaultSettings { DropProbability = 0.10, DuplicateProbability = 0.02, ReorderProbability = 0.02, CorruptProbability = 0.01 }, 7, 64 << 20);
        Assert.That(p.LinkA.TransmitCounters.Dropped + p.LinkB.TransmitCounters.Dropped, Is.GreaterThan(0), "loss happened");
        Assert.That(p.LinkA.TransmitCounters.Corrupted + p.LinkB.TransmitCounters.Corrupted, Is.GreaterThan(0), "corruption happened");
        Assert.That(p.A.Tcp.Counters.Retransmits + p.B.Tcp.Counters.Retransmits, Is.GreaterThan(0));
        Assert.That(p.A.Tcp.Counters.Errors.BadChecksum + p.B.Tcp.Counters.Errors.BadChecksum, Is.GreaterThan(0), "corrupted segments were caught by the checksum");
    }

    // One kind of fault at a time, then all of them with other seeds: each found its own bug once (an ACK numbered
    // below the peer's RCV.NXT after a timeout, a close before the echo was drained, a right-edge ACK refused).
    [TestCase(0.10, 0.0, 0.0, 0.0, 7ul, TestName = "Transfer_survives_10_percent_loss")]
    [TestCase(0.0, 0.05, 0.0, 0.0, 7ul, TestName = "Transfer_survives_duplication")]
    [TestCase(0.0, 0.0, 0.05, 0.0, 7ul, TestName = "Transfer_survives_reordering")]
    [TestCase(0.0, 0.0, 0.0, 0.02, 7ul, TestName = "Transfer_survives_corruption")]
    [TestCase(0.10, 0.02, 0.02, 0.01, 1ul, TestName = "Transfer_survives_mixed_faults_seed_1")]
    [TestCase(0.10, 0.02, 0.02, 0.01, 2ul, TestName = "Transfer_survives_mixed_faults_seed_2")]
    [TestCase(0.20, 0.05, 0.05, 0.02, 6ul, TestName = "Transfer_survives_20_percent_loss")]
    public void Four_mebibytes_each_way_survive(double drop, double duplicate, double reorder, double corrupt, ulong seed)
    {
        var p = EchoThroughFaults(new FaultSettings { DropProbability = drop, DuplicateProbability = duplicate, ReorderProbability = reorder, CorruptProbability = corrupt }, seed, 4 << 20);
        var made = p.LinkA.TransmitCounters;
        Assert.That(made.Dropped + made.Duplicated + made.Reordered + made.Corrupted, Is.GreaterThan(0), "the faults happened");
    }

    /// <summary>
    /// A streams <paramref name="bytes"/> of the pattern to B's echo through faulty links and closes; both ends must
    /// close cleanly, and the SHA-256 of what B read and of what A read back must both be the pattern's.
    /// </summary>
    private static TcpPair EchoThroughFaults(FaultSettings faults, ulong seed, int bytes)
    {
        var p = new TcpPair(faults: faults, bufferSize: 512 * 1024, seed: seed);
        p.B.App.Echo = true;
        p.B.Tcp.Listen(7);
        var key = p.A.App.Connect(B(false, 7), bytes, p.Now);
        bool done = p.RunUntil(() => p.A.App.Closed == 1 && p.B.App.Closed == 1, Duration.FromSeconds(3600));
        ref var c = ref p.A.App[key];
        Assert.That(done, Is.True, $"read {c.Read} of {bytes}; A: {Dump.Of(p.A.Tcp.Counters)}\nB: {Dump.Of(p.B.Tcp.Counters)}");
        Assert.That(c.Read, Is.EqualTo(bytes));
        Assert.That(c.PatternError, Is.False, $"first bad byte at {c.FirstError}");
        Assert.That(c.Events & (TcpEvents.Reset | TcpEvents.TimedOut), Is.EqualTo(TcpEvents.None), "closed, not reset or timed out");
        Assert.That(p.A.App.Misdelivered + p.B.App.Misdelivered, Is.Zero, "no event after Closed");
        var expected = PatternHash(bytes);
        Assert.That(p.A.App.HashOf(key), Is.EqualTo(expected), "SHA-256 of what came back");
        Assert.That(p.B.App.HashOf(p.B.App.LastKey), Is.EqualTo(expected), "SHA-256 of what the echo server read");
        return p;
    }

    private static byte[] PatternHash(int bytes)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var chunk = new byte[65536];
        for (long done = 0; done < bytes; done += chunk.Length)
        {
            int n = (int)Math.Min(chunk.Length, bytes - done);
            for (int i = 0; i < n; i++) chunk[i] = TcpApp.PatternAt(done + i);
            sha.AppendData(chunk, 0, n);
        }
        return sha.GetHashAndReset();
    }

    [Test]
    public void Syn_to_a_closed_port_is_answered_with_rst_and_the_opener_hears_reset()
    {
        var p = new TcpPair();
        var key = p.A.App.Connect(B(false, 81), 0, p.Now);
        Assert.That(p.RunUntil(() => p.A.App.Closed == 1, Duration.FromSeconds(5)), Is.True);
        Assert.That(p.A.App.Resets, Is.EqualTo(1));
        Assert.That(p.B.Tcp.Counters.ResetsOut, Is.EqualTo(1));
        Assert.That(p.A.Tcp.StateOf(key), Is.EqualTo(TcpState.Closed));
        Assert.That(p.A.Tcp.Write(key, new byte[1], out _), Is.EqualTo(TcpStatus.StaleKey), "a key of a freed slot is stale");
    }

    [Test]
    public void Syn_cookie_connection_survives_full_backlog()
    {
        var p = new TcpPair();
        p.B.App.Echo = true;
        p.B.Tcp.Listen(7, backlog: 0);
        var key = p.A.App.Connect(B(false, 7), 100_000, p.Now);
        Assert.That(p.RunUntil(() => p.A.App.Closed == 1 && p.B.App.Closed == 1, Duration.FromSeconds(60)), Is.True,
            $"A: {Dump.Of(p.A.Tcp.Counters)}\nB: {Dump.Of(p.B.Tcp.Counters)}");
        Assert.That(p.B.Tcp.Counters.SynCookiesSent, Is.EqualTo(1));
        Assert.That(p.B.Tcp.Counters.SynCookiesAccepted, Is.EqualTo(1));
        Assert.That(p.A.App[key].Read, Is.EqualTo(100_000));
        Assert.That(p.A.App[key].PatternError, Is.False);
    }

    [Test]
    public void A_refused_connection_is_reset()
    {
        var p = new TcpPair();
        p.B.App.Refuse = true;
        p.B.Tcp.Listen(7);
        p.A.App.Connect(B(false, 7), 0, p.Now);
        Assert.That(p.RunUntil(() => p.A.App.Closed == 1, Duration.FromSeconds(5)), Is.True);
        Assert.That(p.A.App.Resets, Is.EqualTo(1));
    }

    [Test]
    public void Unanswered_syn_backs_off_and_times_out()
    {
        var p = new TcpPair(faults: new FaultSettings { DropProbability = 1 });
        var key = p.A.App.Connect(B(false, 7), 0, p.Now);
        var start = p.Now;
        Assert.That(p.RunUntil(() => p.A.App.Closed == 1, Duration.FromSeconds(600)), Is.True);
        Assert.That(p.A.App.TimedOut, Is.EqualTo(1));
        Assert.That(p.Now - start, Is.GreaterThanOrEqualTo(p.A.Tcp.Settings.SynConnectionTimeout));
        Assert.That(p.A.Tcp.Counters.Timeouts, Is.InRange(5, 12), "exponential backoff: few retries over minutes");
    }

    [Test]
    public void Zero_window_is_probed_and_the_transfer_resumes_when_the_reader_reads()
    {
        var p = new TcpPair(bufferSize: 16 * 1024);
        p.B.App.ReadPaused = true;
        p.B.Tcp.Listen(9);
        var key = p.A.App.Connect(B(false, 9), 200_000, p.Now);
        p.Advance(Duration.FromSeconds(30));
        Assert.That(p.A.Tcp.Counters.WindowProbes, Is.GreaterThan(0), "the sender probes the zero window");
        Assert.That(p.A.App.Closed, Is.Zero);
        p.B.App.ReadPaused = false;
        Assert.That(p.RunUntil(() => p.B.App.Closed == 1, Duration.FromSeconds(120)), Is.True);
        var server = Enumerable.Range(0, 16).Select(i => p.B.App[new SlotKey(i, 0)]).First(c => c.Key != default);
        Assert.That(server.Read, Is.EqualTo(200_000));
        Assert.That(server.PatternError, Is.False);
    }
}
