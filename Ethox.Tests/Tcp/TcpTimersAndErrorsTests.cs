using System.Linq;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Tests.Layer;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>Keep-alive (RFC 1122 §4.2.3.6) and ICMP errors about our segments (RFC 5927, RFC 1191, RFC 1122 §4.2.3.9).</summary>
public class TcpTimersAndErrorsTests
{
    private const int Mss = 1460 - 12;
    private static readonly Ipv4Address Router = new(198, 18, 0, 254);

    private static TcpScript KeepAliveConnection()
    {
        var settings = new TcpTimerSettings { KeepAliveIdle = Duration.FromSeconds(10), KeepAliveInterval = Duration.FromSeconds(1), KeepAliveProbes = 3 };
        var s = new TcpScript(settings);
        s.App.Options = new TcpConnectionOptions { KeepAlive = true };
        s.Accept();
        return s;
    }

    [Test]
    public void Keep_alive_probes_an_idle_connection_and_gives_up_when_nothing_answers()
    {
        var s = KeepAliveConnection();
        Assert.That(s.Advance(Duration.FromSeconds(9)), Is.Empty, "idle, but not for long enough");
        var probe = TcpScript.Single(s.Advance(Duration.FromMilliseconds(1500)), TcpFlags.Ack);
        Assert.That(probe.Seq, Is.EqualTo(s.HostNext - 1), "RFC 1122 §4.2.3.6: SEG.SEQ = SND.NXT − 1 makes the peer answer");
        Assert.That(probe.Payload, Is.Empty);
        var more = s.Advance(Duration.FromSeconds(5));
        Assert.That(more.Count(x => x.Seq == s.HostNext - 1), Is.EqualTo(2), "two more at the interval");
        Assert.That(s.App.TimedOut, Is.EqualTo(1), "no answer to the last probe ends the connection");
        Assert.That(s.Counters.KeepAliveProbes, Is.EqualTo(3));
        Assert.That(s.Tcp.Count, Is.Zero);
    }

    [Test]
    public void Answered_keep_alives_keep_the_connection()
    {
        var s = KeepAliveConnection();
        for (int round = 0; round < 5; round++)
        {
            var seen = s.Advance(Duration.FromMilliseconds(10500));
            var probe = seen.Single(x => x.Seq == s.HostNext - 1);
            s.Tick();
            s.Send(s.Segment());
            Assert.That(probe.Payload, Is.Empty);
        }
        Assert.That(s.State, Is.EqualTo(TcpState.Established));
        Assert.That(s.App.TimedOut, Is.Zero);
    }

    [Test]
    public void Without_keep_alive_an_idle_connection_lasts_forever()
    {
        var s = new TcpScript();
        s.Accept();
        Assert.That(s.Advance(Duration.FromSeconds(3 * 3600)), Is.Empty);
        Assert.That(s.State, Is.EqualTo(TcpState.Established));
    }

    [Test]
    public void Keep_alive_after_the_default_two_hours_of_idle_probes_then_and_not_before_rfc1122_section_4_2_3_6()
    {
        // Two hours pass both wraps of the microsecond clock (71.6 minutes); the idle timer is kept in milliseconds.
        var s = new TcpScript();
        s.App.Options = new TcpConnectionOptions { KeepAlive = true };
        s.Accept();
        Assert.That(s.Tcp.Settings.KeepAliveIdle, Is.EqualTo(Duration.FromSeconds(2 * 3600)));
        Assert.That(s.Advance(Duration.FromSeconds(2 * 3600) - Duration.FromMilliseconds(1)), Is.Empty, "idle, but one millisecond short");
        var probe = TcpScript.Single(s.Advance(Duration.FromMilliseconds(2)), TcpFlags.Ack);
        Assert.That(probe.Seq, Is.EqualTo(s.HostNext - 1));
        Assert.That(s.Counters.KeepAliveProbes, Is.EqualTo(1));
    }

    [Test]
    public void Configure_turns_keep_alive_on_for_an_established_connection()
    {
        var settings = new TcpTimerSettings { KeepAliveIdle = Duration.FromSeconds(10), KeepAliveInterval = Duration.FromSeconds(1) };
        var s = new TcpScript(settings);
        s.Accept();
        s.Advance(Duration.FromSeconds(60));
        Assert.That(s.Tcp.Configure(s.Key, new TcpConnectionOptions { KeepAlive = true }, s.Now), Is.EqualTo(TcpStatus.Ok));
        var seen = s.Advance(Duration.FromMilliseconds(1));
        Assert.That(seen.Count(x => x.Seq == s.HostNext - 1), Is.EqualTo(1), "idle since the endpoint started, longer than 10 s: a probe at once");
        s.Send(s.Segment());
        Assert.That(s.Advance(Duration.FromSeconds(9)), Is.Empty, "the answer restarts the idle time");
        Assert.That(s.Advance(Duration.FromMilliseconds(1500)).Count(x => x.Seq == s.HostNext - 1), Is.EqualTo(1), "10 s after it");
        Assert.That(s.Tcp.Configure(s.Key, new TcpConnectionOptions { KeepAlive = false }, s.Now), Is.EqualTo(TcpStatus.Ok));
        s.Send(s.Segment());
        Assert.That(s.Advance(Duration.FromSeconds(3600)), Is.Empty, "off again");
    }

    [Test]
    public void An_rtt_sample_across_the_32_bit_microsecond_wrap_is_exact()
    {
        var s = new TcpScript(start: new Instant((1L << 32) - 300)) { Timestamps = false, Sack = false };
        s.Accept(); // the SYN-ACK is timed and acknowledged at once: SRTT = 0
        Assert.That(s.Tcp.Write(s.Key, new byte[100], out _), Is.EqualTo(TcpStatus.Ok));
        var data = TcpScript.Single(s.Poll(), TcpFlags.Ack);
        s.Took(data);
        s.Now += Duration.FromMicroseconds(700); // the ACK comes 400 µs after the wrap
        s.Send(s.Segment());
        Assert.That(s.Tcp.GetInfo(s.Key, out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.SmoothedRtt, Is.EqualTo(Duration.FromMicroseconds(700 / 8)), "SRTT = 7/8·0 + 1/8·700 µs (RFC 6298 §2.3)");
    }

    [Test]
    public void A_retransmission_timer_set_before_the_32_bit_microsecond_wrap_fires_exactly_after_it()
    {
        var start = new Instant((1L << 32) - 100_000);
        var s = new TcpScript(start: start) { Sack = false };
        s.Accept();
        Assert.That(s.Tcp.Write(s.Key, new byte[100], out _), Is.EqualTo(TcpStatus.Ok));
        var sent = TcpScript.Single(s.Poll(), TcpFlags.Ack);
        var rto = s.Tcp.GetInfo(s.Key, out var info) == TcpStatus.Ok ? info.Rto : default;
        Assert.That(rto, Is.EqualTo(s.Tcp.Settings.MinRto));
        Assert.That(s.Host.NextDeadline(), Is.EqualTo(start + rto), "the wheel holds the deadline in full, 100 ms past the wrap");
        Assert.That(s.Advance(rto - new Duration(1)), Is.Empty);
        var again = TcpScript.Single(s.Advance(new Duration(1)), TcpFlags.Ack);
        Assert.That((again.Seq, again.Payload.Length), Is.EqualTo((sent.Seq, 100)), "RFC 6298 §5.4: the oldest segment again");
        Assert.That(s.Counters.Timeouts, Is.EqualTo(1));
    }

    [Test]
    public void A_zero_window_probe_sent_again_gives_no_rtt_sample_rfc6298_section_3()
    {
        var s = new TcpScript { Timestamps = false, Sack = false };
        s.Accept();
        Assert.That(s.Tcp.Write(s.Key, new byte[100], out _), Is.EqualTo(TcpStatus.Ok));
        s.Took(TcpScript.Single(s.Poll(), TcpFlags.Ack));
        Assert.That(s.Tcp.Write(s.Key, new byte[100], out _), Is.EqualTo(TcpStatus.Ok));
        s.Now += Duration.FromMicroseconds(2000);
        Assert.That(s.Send(s.Segment() with { WindowSize = 0 }), Is.Empty, "the window shuts as the first data is acknowledged");
        var srtt = s.Tcp.GetInfo(s.Key, out var before) == TcpStatus.Ok ? before.SmoothedRtt : default;
        Assert.That(srtt, Is.EqualTo(Duration.FromMicroseconds(2000 / 8)), "a sample of 2 ms after the handshake's 0");

        var probes = new System.Collections.Generic.List<SeenSegment>();
        while (probes.Count < 2) probes.AddRange(s.Advance(s.Host.NextDeadline() - s.Now).Where(x => x.Payload.Length == 1));
        Assert.That(probes[1].Seq, Is.EqualTo(probes[0].Seq), "the second probe sends the same byte again");
        s.Now += Duration.FromMilliseconds(5);
        s.HostNext += 1;
        s.Send(s.Segment());
        Assert.That(s.Tcp.GetInfo(s.Key, out var after), Is.EqualTo(TcpStatus.Ok));
        Assert.That(after.SmoothedRtt, Is.EqualTo(srtt), "Karn: the ACK of a byte sent twice measures nothing");
    }

    private static byte[] ErrorAbout(TcpScript s, SeenSegment quoted, Icmpv4Type type, byte code, ushort mtu = 0)
    {
        var head = IcmpErrors.TcpHead(quoted.Header.SourcePort, quoted.Header.DestinationPort, quoted.Seq.Value);
        var quote = IcmpErrors.Quote4(TwoHosts.V4A, RawRouterTarget, IpProtocol.Tcp, head, 20 + quoted.Header.HeaderLength + quoted.Payload.Length);
        return IcmpErrors.Error4(Router, type, code, mtu, quote);
    }

    private static Ipv4Address RawRouterTarget => RawPeer.V4;

    [Test]
    public void Packet_too_big_lowers_the_mss_and_resends_at_once()
    {
        var s = new TcpScript();
        s.Accept();
        Assert.That(s.Tcp.Write(s.Key, new byte[3 * Mss], out _), Is.EqualTo(TcpStatus.Ok));
        var flight = s.Poll();
        Assert.That(flight, Has.Count.EqualTo(3));
        var seen = s.Inject(ErrorAbout(s, flight[0], Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.FragmentationNeeded, mtu: 1000));
        Assert.That(s.Counters.IcmpErrorsAccepted, Is.EqualTo(1));
        Assert.That(seen, Is.Not.Empty, "RFC 1191 §6.5: the data goes again now, not at the next timeout");
        Assert.That(seen.All(x => 20 + x.Header.HeaderLength + x.Payload.Length <= 1000), Is.True, "every segment fits the new path MTU");
        Assert.That(seen[0].Seq, Is.EqualTo(s.HostNext));
        Assert.That(s.Tcp.GetInfo(s.Key, out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.SendMss, Is.EqualTo(1000 - 40));
        Assert.That(s.Counters.Timeouts, Is.Zero);
    }

    [Test]
    public void Icmp_error_quoting_a_sequence_number_not_in_flight_is_ignored()
    {
        var s = new TcpScript();
        s.Accept();
        s.Tcp.Write(s.Key, new byte[Mss], out _);
        var flight = s.Poll();
        var forged = flight[0] with { Header = flight[0].Header with { SequenceNumber = flight[0].Seq + 100_000 } };
        s.Inject(ErrorAbout(s, forged, Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.FragmentationNeeded, mtu: 600));
        Assert.That(s.Counters.IcmpErrorsIgnored, Is.EqualTo(1), "RFC 5927 §4.1: the quoted number must lie in SND.UNA..SND.MAX");
        Assert.That(s.Tcp.GetInfo(s.Key, out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.SendMss, Is.EqualTo(1460));
    }

    [Test]
    public void Hard_error_in_syn_sent_aborts_the_attempt()
    {
        var s = new TcpScript();
        var syn = s.OpenFromHost();
        s.Inject(ErrorAbout(s, syn, Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.PortUnreachable));
        Assert.That(s.App.Unreachable, Is.EqualTo(1), "RFC 1122 §4.2.3.9 / RFC 5461 §4: a hard error ends an opening connection");
        Assert.That(s.Tcp.Count, Is.Zero);
        Assert.That(s.Counters.AttemptFails, Is.EqualTo(1));
        Assert.That(s.App.LastIcmpError, Is.Not.Null, "the event carries the error (RFC 1122 §4.2.3.9: pass it to the application)");
        var icmp = s.App.LastIcmpError!.Value;
        Assert.That((icmp.Version, icmp.Type, icmp.Code, icmp.IsHard), Is.EqualTo((IpVersion.V4, (byte)Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.PortUnreachable, true)));
        Assert.That(icmp.Reporter, Is.EqualTo((IpAddress)Router));
    }

    [TestCase(Icmpv4UnreachableCode.HostUnreachable)]
    [TestCase(Icmpv4UnreachableCode.NetUnreachable)]
    public void Soft_errors_end_the_opening_when_the_endpoint_asks_as_linux_connect_does(Icmpv4UnreachableCode code)
    {
        var s = new TcpScript();
        s.Tcp.AbortOpeningOnSoftErrors = true;
        var syn = s.OpenFromHost();
        s.Inject(ErrorAbout(s, syn, Icmpv4Type.DestinationUnreachable, (byte)code));
        Assert.That(s.App.Unreachable, Is.EqualTo(1));
        Assert.That(s.Tcp.Count, Is.Zero, "the attempt is over");
        Assert.That(s.App.LastIcmpError!.Value.Code, Is.EqualTo((byte)code), "and the user knows why");
        Assert.That(s.App.LastIcmpError!.Value.IsHard, Is.False);
    }

    [Test]
    public void Soft_errors_never_end_an_established_connection_even_when_the_endpoint_ends_openings_on_them()
    {
        var s = new TcpScript();
        s.Tcp.AbortOpeningOnSoftErrors = true;
        s.Accept();
        s.Tcp.Write(s.Key, new byte[Mss], out _);
        var flight = s.Poll();
        s.Inject(ErrorAbout(s, flight[0], Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.HostUnreachable));
        Assert.That(s.Counters.IcmpErrorsAccepted, Is.EqualTo(1));
        Assert.That(s.State, Is.EqualTo(TcpState.Established), "RFC 1122 §4.2.3.9: a soft error is a routing transient");
        Assert.That(s.App.Unreachable, Is.Zero);
    }

    [Test]
    public void Soft_errors_change_nothing()
    {
        var s = new TcpScript();
        var syn = s.OpenFromHost();
        s.Inject(ErrorAbout(s, syn, Icmpv4Type.DestinationUnreachable, (byte)Icmpv4UnreachableCode.HostUnreachable));
        Assert.That(s.State, Is.EqualTo(TcpState.SynSent), "RFC 1122 §4.2.3.9: host unreachable is soft; the SYN keeps trying");
        Assert.That(s.App.Unreachable, Is.Zero);
    }
}
