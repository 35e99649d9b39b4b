using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>
/// Orphans (<see cref="TcpEndpoint.Orphan"/>): a connection its user closed and let go of finishes its close alone (RFC 9293
/// §3.6), and in FIN-WAIT-2, where only the peer's FIN ends it, gets <see cref="TcpTimerSettings.OrphanFinWait2Timeout"/>
/// (Linux's tcp_fin_timeout) before it is dropped. Explicit times throughout.
/// </summary>
public class TcpOrphanTests
{
    private static readonly Duration Timeout = TcpTimerSettings.Default.OrphanFinWait2Timeout;

    /// <summary>Established; the user orphans it; our FIN is acknowledged: FIN-WAIT-2.</summary>
    private static TcpScript OrphanInFinWait2(TcpConnectionOptions? options = null)
    {
        var s = new TcpScript();
        if (options is { } o) s.App.Options = o;
        s.Accept();
        Assert.That(s.Tcp.Orphan(s.Key, s.Now), Is.EqualTo(TcpStatus.Ok));
        s.Took(TcpScript.Single(s.Poll(), TcpFlags.Fin));
        s.Send(s.Segment());
        Assert.That(s.State, Is.EqualTo(TcpState.FinWait2));
        return s;
    }

    [Test]
    public void An_orphan_whose_peer_never_sends_its_fin_is_dropped_after_the_fin_timeout_without_a_reset()
    {
        Assert.That(Timeout, Is.EqualTo(Duration.FromSeconds(60)), "Linux's tcp_fin_timeout");
        var s = OrphanInFinWait2();
        Assert.That(s.Advance(Timeout - Duration.FromMilliseconds(1)), Is.Empty);
        Assert.That(s.State, Is.EqualTo(TcpState.FinWait2), "still waiting just before the timeout");
        Assert.That(s.Advance(Duration.FromMilliseconds(1)), Is.Empty, "dropped silently, as Linux drops an orphan");
        Assert.That(s.State, Is.EqualTo(TcpState.Closed));
        Assert.That(s.Counters.OrphansTimedOut, Is.EqualTo(1));
        Assert.That(s.App.Closed, Is.EqualTo(1), "the user hears Closed: the rings are free");
        Assert.That(s.Tcp.Count, Is.Zero, "the slot is free");

        // A late segment of the peer's meets no connection: RFC 9293 §3.10.7.1 answers it with a RST.
        var late = s.SendData("late"u8);
        Assert.That(late.Any(x => x.Has(TcpFlags.Rst)), Is.True);
    }

    [Test]
    public void A_half_closed_connection_its_user_still_holds_waits_in_fin_wait_2_as_long_as_the_peer_likes()
    {
        var s = new TcpScript();
        s.Accept();
        Assert.That(s.Tcp.Close(s.Key), Is.EqualTo(TcpStatus.Ok));
        s.Took(TcpScript.Single(s.Poll(), TcpFlags.Fin));
        s.Send(s.Segment());
        s.Advance(Duration.FromSeconds(600));
        Assert.That(s.State, Is.EqualTo(TcpState.FinWait2), "RFC 9293 sets no limit: the peer may still be sending");
        Assert.That(s.Counters.OrphansTimedOut, Is.Zero);
    }

    [Test]
    public void Orphaning_a_connection_already_in_fin_wait_2_starts_its_time_there_from_then()
    {
        var s = new TcpScript();
        s.Accept();
        s.Tcp.Close(s.Key);
        s.Took(TcpScript.Single(s.Poll(), TcpFlags.Fin));
        s.Send(s.Segment());
        s.Advance(Duration.FromSeconds(100));
        Assert.That(s.Tcp.Orphan(s.Key, s.Now), Is.EqualTo(TcpStatus.Ok), "closing twice is fine");
        s.Advance(Timeout - Duration.FromMilliseconds(1));
        Assert.That(s.State, Is.EqualTo(TcpState.FinWait2));
        s.Advance(Duration.FromMilliseconds(1));
        Assert.That(s.State, Is.EqualTo(TcpState.Closed));
        Assert.That(s.Counters.OrphansTimedOut, Is.EqualTo(1));
    }

    [Test]
    public void An_orphans_time_in_fin_wait_2_is_not_extended_by_the_peers_segments_or_keep_alive()
    {
        var s = OrphanInFinWait2(new TcpConnectionOptions { KeepAlive = true });
        s.Advance(Duration.FromSeconds(30));
        s.SendData("still talking"u8);
        Assert.That(s.State, Is.EqualTo(TcpState.FinWait2), "data is still taken in FIN-WAIT-2 (RFC 9293 §3.10.7.4)");
        s.Advance(Timeout - Duration.FromSeconds(30));
        Assert.That(s.State, Is.EqualTo(TcpState.Closed), "dropped the fin timeout after reaching FIN-WAIT-2");
        Assert.That(s.Counters.KeepAliveProbes, Is.Zero, "an orphan is not probed");
    }

    [Test]
    public void An_orphan_whose_peer_closes_goes_through_time_wait_as_usual()
    {
        var s = OrphanInFinWait2();
        s.Advance(Duration.FromSeconds(30));
        s.SendData([], TcpFlags.Fin | TcpFlags.Ack);
        Assert.That(s.State, Is.EqualTo(TcpState.TimeWait));
        s.Advance(Duration.FromSeconds(31));
        Assert.That(s.State, Is.EqualTo(TcpState.TimeWait), "TIME-WAIT's own 2·MSL, not the orphan's timeout");
        Assert.That(s.Counters.OrphansTimedOut, Is.Zero);
    }

    [Test]
    public void Orphaning_an_attempt_in_syn_sent_just_ends_it_and_a_stale_key_is_a_status()
    {
        var s = new TcpScript();
        var status = s.Tcp.Connect(TcpScript.PeerAddress, s.App.TakeBuffers(out _), s.Now, out var key);
        Assert.That(status, Is.EqualTo(TcpStatus.Ok));
        Assert.That(s.Tcp.Orphan(key, s.Now), Is.EqualTo(TcpStatus.Ok));
        Assert.That(s.Tcp.StateOf(key), Is.EqualTo(TcpState.Closed));
        Assert.That(s.Tcp.Orphan(key, s.Now), Is.EqualTo(TcpStatus.StaleKey));
    }
}
