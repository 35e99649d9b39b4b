using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>What the sending side may put on the wire: Nagle (RFC 896), windows and scaling (RFC 7323 §2), sender SWS avoidance and zero-window probing (RFC 9293 §3.8.6).</summary>
public class TcpSendRulesTests
{
    private const int Mss = 1460 - 12; // what the peer's MSS leaves after the timestamps option

    private static TcpScript Established(TcpConnectionOptions? options = null, int bufferSize = 64 * 1024)
    {
        var s = new TcpScript(bufferSize: bufferSize);
        if (options is { } o) s.App.Options = o;
        s.Accept();
        return s;
    }

    private static int Write(TcpScript s, int bytes)
    {
        Assert.That(s.Tcp.Write(s.Key, new byte[bytes], out int written), Is.EqualTo(TcpStatus.Ok));
        return written;
    }

    [Test]
    public void Nagle_holds_a_small_segment_while_data_is_unacknowledged()
    {
        var s = Established();
        Write(s, 10);
        var first = TcpScript.Single(s.Poll(), TcpFlags.Ack);
        Assert.That(first.Payload, Has.Length.EqualTo(10));
        Write(s, 10);
        Assert.That(s.Poll(), Is.Empty, "RFC 896: a small segment waits for the ACK of the one in flight");
        s.Took(first);
        var second = TcpScript.Single(s.Send(s.Segment()), TcpFlags.Ack);
        Assert.That(second.Payload, Has.Length.EqualTo(10));
    }

    [Test]
    public void Without_nagle_small_segments_go_at_once()
    {
        var s = Established(new TcpConnectionOptions { Nagle = false });
        Write(s, 10);
        Assert.That(s.Poll(), Has.Count.EqualTo(1));
        Write(s, 10);
        Assert.That(s.Poll(), Has.Count.EqualTo(1), "Nagle off: nothing waits");
    }

    [Test]
    public void Full_segments_are_not_held_by_nagle()
    {
        var s = Established();
        Write(s, 10);
        s.Poll();
        Write(s, Mss);
        var seen = s.Poll();
        Assert.That(seen, Has.Count.EqualTo(1));
        Assert.That(seen[0].Payload, Has.Length.EqualTo(Mss));
    }

    [Test]
    public void Initial_window_is_ten_segments()
    {
        var s = Established();
        Write(s, 40 * Mss);
        var burst = s.Poll();
        Assert.That(burst.Sum(x => x.Payload.Length), Is.EqualTo(10 * Mss), "RFC 6928: IW = 10 segments");
        Assert.That(burst.All(x => x.Payload.Length == Mss), Is.True);
    }

    [Test]
    public void The_peer_window_is_scaled_by_its_shift()
    {
        var s = new TcpScript { PeerWindow = 40 };
        s.Accept();
        Write(s, 20 * Mss);
        var burst = s.Poll();
        // RFC 7323 §2.3: 40 << 7 = 5120 bytes may be outstanding: three full segments, then SWS avoidance holds the rest.
        Assert.That(burst.Sum(x => x.Payload.Length), Is.EqualTo(3 * Mss));
    }

    [Test]
    public void Sender_avoids_silly_windows_but_half_the_largest_window_is_enough()
    {
        var s = new TcpScript { WindowScale = null, PeerWindow = 2000 };
        s.Accept();
        Write(s, 10 * Mss);
        var first = TcpScript.Single(s.Poll(), TcpFlags.Ack);
        Assert.That(first.Payload, Has.Length.EqualTo(Mss), "one full segment; the 552 bytes of window left are too few to use");
        s.Took(first);
        // RFC 9293 §3.8.6.2.1: less than a full segment goes only when it is at least half the largest window offered.
        Assert.That(s.Send(s.Segment() with { WindowSize = 400 }), Is.Empty, "400 < 2000 / 2: wait");
        var half = TcpScript.Single(s.Send(s.Segment() with { WindowSize = 1200 }), TcpFlags.Ack);
        Assert.That(half.Payload, Has.Length.EqualTo(1200), "1200 >= 2000 / 2: send it");
    }

    [Test]
    public void Zero_window_is_probed_with_backoff_and_the_transfer_resumes()
    {
        var s = Established();
        Write(s, 4 * Mss);
        var burst = s.Poll();
        foreach (var seg in burst) s.Took(seg);
        Write(s, Mss);
        Assert.That(s.Send(s.Segment() with { WindowSize = 0 }), Is.Empty);
        var probes = s.Advance(Duration.FromSeconds(20)).Where(x => x.Payload.Length > 0).ToList();
        Assert.That(probes.Count, Is.InRange(3, 8), "RFC 9293 §3.8.6.1: probes, backing off");
        Assert.That(probes.All(x => x.Payload.Length == 1 && x.Seq == s.HostNext), Is.True, "one byte beyond the closed window");
        Assert.That(s.Counters.WindowProbes, Is.GreaterThanOrEqualTo(1));
        Assert.That(s.State, Is.EqualTo(TcpState.Established), "a peer that answers probes is never dropped");
        var resumed = s.Send(s.Segment() with { WindowSize = 100 });
        Assert.That(resumed.Sum(x => x.Payload.Length), Is.GreaterThan(0), "the window opened: data flows");
    }

    [Test]
    public void Zero_window_probes_that_nobody_answers_time_out_after_r2()
    {
        var s = Established();
        Write(s, Mss);
        s.Took(TcpScript.Single(s.Poll(), TcpFlags.Ack));
        Write(s, Mss);
        s.Send(s.Segment() with { WindowSize = 0 });
        // The peer goes silent: RFC 1122 §4.2.2.17 only forbids giving up while it answers.
        s.Advance(s.Tcp.Settings.ConnectionTimeout - Duration.FromSeconds(10));
        Assert.That(s.State, Is.EqualTo(TcpState.Established));
        s.Advance(Duration.FromSeconds(80));
        Assert.That(s.App.TimedOut, Is.EqualTo(1));
        Assert.That(s.Tcp.Count, Is.Zero);
    }
}
