using System;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Tests.Layer;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>What the 256-byte connection state keeps and how it reads back, at the endpoint (issue 10, §3 scale).</summary>
public class TcpCompactStateTests
{
    [Test]
    public void Rings_carved_from_one_array_share_one_buffer_region_however_many_connections_use_them()
    {
        var s = new TcpScript();
        s.Accept();
        var client = s.Tcp;
        Assert.That(client.BufferRegionsInUse, Is.EqualTo(1));
        for (int i = 0; i < 5; i++)
            Assert.That(s.App.Connect(new TransportAddress(RawPeer.V4, (ushort)(9000 + i)), 0, s.Now).IsSome, Is.True);
        Assert.That(client.Count, Is.EqualTo(6));
        Assert.That(client.BufferRegionsInUse, Is.EqualTo(1), "the test application carves every ring pair from one arena");
    }

    [Test]
    public void A_connection_whose_rings_need_one_buffer_region_too_many_is_refused_until_one_frees()
    {
        var host = new TcpHost(TwoHosts.MacA, Instant.Zero, capacity: 8);
        var ip = host.Ip;
        ip.DadTransmits = 0;
        ip.AddAddress(TwoHosts.V4A, 24, Instant.Zero);
        var tcp = new TcpEndpoint(ip, 8, new Ethox.Layer.Common.SipHash(7, 8), bufferRegions: 2);
        var peer = new TransportAddress(TwoHosts.V4B, 80);
        var a = new TcpBuffers(new byte[1000], new byte[1000]);
        Assert.That(tcp.Connect(peer, a, Instant.Zero, out var first), Is.EqualTo(TcpStatus.Ok));
        Assert.That(tcp.Connect(peer, new TcpBuffers(new byte[1000], new byte[1000]), Instant.Zero, out var second), Is.EqualTo(TcpStatus.Ok));
        Assert.That(tcp.Connect(peer, new TcpBuffers(new byte[1000], new byte[1000]), Instant.Zero, out _), Is.EqualTo(TcpStatus.NoBufferRegion));
        Assert.That(tcp.Count, Is.EqualTo(2), "no slot taken");
        Assert.That(tcp.Connect(peer, a, Instant.Zero, out _), Is.EqualTo(TcpStatus.Ok), "the same rings again need no new region");
        Assert.That(tcp.Abort(first), Is.EqualTo(TcpStatus.Ok));
        Assert.That(tcp.BufferRegionsInUse, Is.EqualTo(2), "a's other connection still uses its region");
        Assert.That(tcp.Close(second), Is.EqualTo(TcpStatus.Ok), "closing a connection in SYN-SENT ends it at once");
        Assert.That(tcp.BufferRegionsInUse, Is.EqualTo(1));
        Assert.That(tcp.Connect(peer, new TcpBuffers(new byte[1000], new byte[1000]), Instant.Zero, out _), Is.EqualTo(TcpStatus.Ok));
    }

    [Test]
    public void A_ring_beyond_16_MiB_is_refused()
    {
        var s = new TcpScript();
        s.Accept();
        var big = new TcpBuffers(new byte[TcpBuffers.MaxRingBytes + 1], new byte[100]);
        Assert.That(big.IsUsable, Is.False);
        Assert.That(new TcpBuffers(new byte[100], new byte[TcpBuffers.MaxRingBytes]).IsUsable, Is.True);
        Assert.That(s.Tcp.Connect(new TransportAddress(RawPeer.V4, 9000), big, s.Now, out _), Is.EqualTo(TcpStatus.InvalidArgument));
    }

    [Test]
    public void The_peers_syn_window_is_kept_rounded_down_to_its_scale_and_later_windows_exactly()
    {
        // RFC 7323 §2.2: the SYN's window is never scaled; the connection keeps windows as 16-bit fields before the peer's
        // scale, so 65,535 with a scale of 7 reads as 511 · 128 until the first window after the SYN.
        var s = new TcpScript { WindowScale = 7, PeerWindow = 65535 };
        s.Tcp.Listen(TcpScript.HostPort);
        s.PeerNext = s.PeerIss;
        var syn = s.Segment(TcpFlags.Syn) with { MaxSegmentSize = 1460, WindowScale = 7, SackPermitted = true, Timestamps = new TcpTimestamps(s.PeerClock, 0) };
        var synAck = TcpScript.Single(s.Send(syn), TcpFlags.Syn | TcpFlags.Ack);
        Assert.That(s.Tcp.GetInfo(s.App.LastKey, out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.SendWindow, Is.EqualTo(511u * 128));
        s.PeerNext += 1;
        s.HostNext = synAck.Seq + 1;
        s.Tick();
        s.Send(s.Segment() with { WindowSize = 1000 });
        Assert.That(s.Tcp.GetInfo(s.App.LastKey, out info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.State, Is.EqualTo(TcpState.Established));
        Assert.That(info.SendWindow, Is.EqualTo(1000u * 128));
    }

    [Test]
    public void An_old_ack_below_snd_una_does_not_change_the_send_window_rfc9293_section_3_10_7_4()
    {
        // "If SND.UNA =< SEG.ACK =< SND.NXT, the send window should be updated": an ACK below SND.UNA, still within
        // RFC 5961's acceptable range, has its data taken but its window ignored, however new its sequence number.
        var s = new TcpScript();
        s.Accept();
        var before = s.HostNext;
        Assert.That(s.Tcp.Write(s.Key, new byte[1000], out int written), Is.EqualTo(TcpStatus.Ok));
        Assert.That(written, Is.EqualTo(1000));
        foreach (var seen in s.Poll()) s.Took(seen);
        s.Tick();
        s.PeerWindow = 100;
        s.Send(s.Segment());
        Assert.That(s.Tcp.GetInfo(s.Key, out var info) == TcpStatus.Ok && info.SendWindow == 100u << 7, Is.True);
        s.Tick();
        s.SendData(new byte[10]); // SND.WL1 is this segment's sequence number
        s.Tick();
        var old = s.Segment(TcpFlags.Ack | TcpFlags.Psh, 10) with { AcknowledgmentNumber = before, WindowSize = 50 };
        s.Send(old, new byte[10]);
        s.PeerNext += 10;
        Assert.That(s.App[s.Key].Read, Is.EqualTo(20), "the data is taken");
        Assert.That(s.Tcp.GetInfo(s.Key, out info) == TcpStatus.Ok && info.SendWindow == 100u << 7, Is.True, "the window is not");
        s.Tick();
        s.Send(s.Segment() with { WindowSize = 50 });
        Assert.That(s.Tcp.GetInfo(s.Key, out info) == TcpStatus.Ok && info.SendWindow == 50u << 7, Is.True, "an ACK at SND.UNA with a newer sequence number sets it");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void The_syn_ack_times_the_first_rtt_sample_with_and_without_timestamps(bool timestamps)
    {
        // TS.Recent and the start of RTT timing share their bits: with timestamps the echo times the SYN, without them
        // the SYN's own send time does.
        var s = new TcpScript { Timestamps = timestamps };
        var syn = s.OpenFromHost();
        s.Now += Duration.FromMilliseconds(40);
        s.EchoOfHost = syn.Header.Timestamps?.Value ?? 0;
        var synAck = s.Segment(TcpFlags.Syn | TcpFlags.Ack) with
        {
            MaxSegmentSize = 1460,
            WindowScale = 7,
            SackPermitted = true,
            Timestamps = timestamps ? new TcpTimestamps(s.PeerClock, s.EchoOfHost) : null,
        };
        TcpScript.Single(s.Send(synAck), TcpFlags.Ack);
        Assert.That(s.Tcp.GetInfo(s.Key, out var info), Is.EqualTo(TcpStatus.Ok));
        Assert.That(info.Timestamps, Is.EqualTo(timestamps));
        Assert.That(info.SmoothedRtt, Is.EqualTo(Duration.FromMilliseconds(40)));
    }
}
