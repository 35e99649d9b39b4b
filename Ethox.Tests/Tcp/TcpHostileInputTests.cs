using System;
using System.Collections.Generic;
using Ethox.Fuzzing;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Tests.Layer;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tcp;

/// <summary>
/// Hostile input at every state of RFC 9293 §3.3.2: a scripted peer walks the host's connection to the state, then
/// segments a blind or careless attacker could send arrive (broken options, bad offsets, wild numbers, odd flag
/// combinations, port 0, multicast). None throws, each is counted, the invariants of <see cref="TcpInvariants"/>
/// hold after each, and the connection goes on: the peer completes its transfer and the close with the numbers it
/// had before (nothing of the attack stuck), or, for fully random segments, a reset happens only as the RFC allows it.
/// </summary>
public class TcpHostileInputTests
{
    private static readonly TcpTargetState[] States = Enum.GetValues<TcpTargetState>();

    private static IEnumerable<TestCaseData> StateCases()
    {
        foreach (var state in States)
        {
            yield return new TestCaseData(state, false, false).SetName($"Hostile_segments_in_{state}_are_dropped_or_challenged_and_the_transfer_completes_v4");
            yield return new TestCaseData(state, true, true).SetName($"Hostile_segments_in_{state}_are_dropped_or_challenged_and_the_transfer_completes_v6_active");
        }
    }

    private sealed class Bench
    {
        public readonly TcpFuzzHost Host = new(capacity: 8);
        public readonly TcpScriptedPeer Peer;
        public readonly TcpTargetState State;
        public SlotKey Key;
        public int Injected, Malformed, OutOfWindow;
        public long HostWritten;

        public Bench(TcpTargetState state, bool v6, bool active, int inFlight = 1460)
        {
            State = state;
            Peer = new TcpScriptedPeer(Host, v6);
            Assert.That(Peer.Reach(state, active, inFlight, out Key), Is.True, $"the scripted peer reaches {state}");
            HostWritten = state is TcpTargetState.Listen or TcpTargetState.SynSent or TcpTargetState.SynReceived ? 0 : inFlight;
            TcpInvariants.Check(Host);
            // While the attack lasts the peer takes in nothing (what the host resends meanwhile waits), so that its
            // numbers stay those it had: anything that moves the connection then is the attack's doing.
            Peer.Accepting = false;
        }

        public ref readonly TcpCounters Counters => ref Host.Tcp.Counters;

        /// <summary>A segment from the peer with its numbers, the connection's ports and a valid checksum, then edited.</summary>
        public void Inject(TcpRepr repr, ReadOnlySpan<byte> payload = default, Action<byte[]>? edit = null, IpAddress? destination = null, bool malformed = false, bool outOfWindow = false, bool allowStateChange = false)
        {
            repr = repr with { PayloadLength = payload.Length };
            var bytes = new byte[repr.EmittedLength];
            payload.CopyTo(bytes.AsSpan(repr.HeaderLength));
            Assert.That(repr.TryEmit(bytes, Peer.Address, destination ?? Peer.HostAddress), Is.True);
            edit?.Invoke(bytes);
            var state = Host.Tcp.StateOf(Key);
            Peer.InjectRaw(bytes, destination);
            Injected++;
            if (!allowStateChange) Assert.That(Host.Tcp.StateOf(Key), Is.EqualTo(state), $"segment {Injected} ({repr.Flags} seq {repr.SequenceNumber} ack {repr.AcknowledgmentNumber}) left {state} alone");
            if (malformed) Malformed++;
            if (outOfWindow) OutOfWindow++;
            TcpInvariants.Check(Host);
        }

        /// <summary>An option area written by hand (RFC 9293 §3.1 kinds and lengths, broken on purpose), with a valid checksum.</summary>
        public void InjectOptions(TcpFlags flags, byte[] options, bool malformed)
        {
            var h = Peer.Header(flags);
            var bytes = new byte[20 + options.Length];
            Assert.That(new TcpRepr { SourcePort = Peer.Port, DestinationPort = Peer.HostPort, Flags = flags, SequenceNumber = h.SequenceNumber,
                AcknowledgmentNumber = h.AcknowledgmentNumber, WindowSize = h.WindowSize }.TryEmit(bytes.AsSpan(0, 20), Peer.Address, Peer.HostAddress), Is.True);
            options.CopyTo(bytes, 20);
            bytes[12] = (byte)((bytes.Length / 4) << 4);
            Assert.That(TcpSegment.TryParse(bytes, out var view, out _), Is.True);
            view.FillChecksum(Peer.Address, Peer.HostAddress);
            var state = Host.Tcp.StateOf(Key);
            Peer.InjectRaw(bytes);
            Injected++;
            Assert.That(Host.Tcp.StateOf(Key), Is.EqualTo(state), $"segment {Injected} left {state} alone");
            if (malformed) Malformed++;
            TcpInvariants.Check(Host);
        }
    }

    [TestCaseSource(nameof(StateCases))]
    public void Hostile_segments_are_dropped_or_challenged_and_the_transfer_completes(TcpTargetState state, bool v6, bool active)
    {
        var b = new Bench(state, v6, active);
        var peer = b.Peer;
        var before = b.Counters;
        var nxtBefore = peer.Nxt;
        long readBefore = b.Host.App.ReadCount;
        Crafted(b);
        Mutated(b, new Random(1000 + (int)state));

        var after = b.Counters;
        Assert.That(after.SegmentsIn - before.SegmentsIn, Is.EqualTo(b.Injected), "every segment reached TCP and was counted");
        Assert.That(after.Errors.Total - before.Errors.Total, Is.EqualTo(b.Malformed), "each malformed segment counted as an error");
        Assert.That(after.OutOfWindow + after.PawsDrops - before.OutOfWindow - before.PawsDrops, Is.GreaterThanOrEqualTo(b.OutOfWindow), "out-of-window segments counted");
        Assert.That(peer.Nxt, Is.EqualTo(nxtBefore), "the crafted segments did not move the peer's numbers");
        Assert.That(b.Host.App.ReadCount, Is.EqualTo(readBefore), "no data of the attack was taken");
        Assert.That(b.Host.App.Events & (TcpEvents.Reset | TcpEvents.TimedOut), Is.EqualTo(TcpEvents.None), "nothing here may reset the connection");
        Assert.That(b.Host.App.Misdelivered, Is.Zero);
        Finish(b);
    }

    [Test]
    public void Random_segments_at_every_state_never_throw_are_counted_and_reset_only_at_rcv_nxt([Values] TcpTargetState state, [Values(1, 2)] int seed)
    {
        var b = new Bench(state, v6: seed == 2, active: seed == 2);
        var peer = b.Peer;
        var tcp = b.Host.Tcp;
        var app = b.Host.App;
        var rng = new Random(seed * 100 + (int)state);
        long inBefore = b.Counters.SegmentsIn;
        int resets = 0;
        for (int i = 0; i < 400; i++)
        {
            var flags = (TcpFlags)rng.Next(0x40);
            // Near the numbers the host expects, or anywhere: the segments a confused or blind peer sends.
            var seq = rng.Next(3) == 0 ? new TcpSeqNumber((uint)rng.NextInt64(1L << 32)) : peer.Nxt + rng.Next(-3000, 70_000);
            var ack = rng.Next(3) == 0 ? new TcpSeqNumber((uint)rng.NextInt64(1L << 32)) : peer.HostMax + rng.Next(-4000, 200);
            var repr = peer.Header(TcpFlags.Ack) with { Flags = flags, SequenceNumber = seq, AcknowledgmentNumber = ack };
            if (rng.Next(4) == 0) repr = repr with { SackBlocks = new TcpSackBlocks([new TcpSackBlock(ack + rng.Next(-2000, 4000), ack + rng.Next(-2000, 4000))]) };
            if (rng.Next(8) == 0) repr = repr with { WindowScale = (byte)rng.Next(20), MaxSegmentSize = (ushort)rng.Next(3) };
            if (rng.Next(8) == 0) repr = repr with { Timestamps = new TcpTimestamps((uint)rng.NextInt64(1L << 32), (uint)rng.Next(2)) };
            var payload = new byte[rng.Next(3) == 0 ? rng.Next(1, 1200) : 0];
            rng.NextBytes(payload);

            bool live = app.Holds(b.Key);
            var before = live && tcp.TryResolve(b.Key, out int slot) ? tcp.ConnectionAt(slot) : default;
            b.Inject(repr, payload, allowStateChange: true);
            if (live && (app.Events & TcpEvents.Reset) != 0 && !app.Holds(b.Key))
            {
                // RFC 9293 §3.10.7.3 / RFC 5961 §3.2: only a RST at RCV.NXT resets, in SYN-SENT only one that ACKs our SYN.
                resets++;
                Assert.That(flags & TcpFlags.Rst, Is.EqualTo(TcpFlags.Rst), $"segment {i} reset {before.State} without RST");
                if (before.State == TcpState.SynSent)
                    Assert.That((flags & TcpFlags.Ack) != 0 && ack > before.SndUna && ack <= before.SndMax, Is.True, $"segment {i}: an acceptable ACK");
                else
                    Assert.That(seq, Is.EqualTo(before.RcvNxt), $"segment {i}: a RST at RCV.NXT");
                break;
            }
        }
        Assert.That(b.Counters.SegmentsIn - inBefore, Is.EqualTo(b.Injected), "every segment counted");
        Assert.That(app.Misdelivered, Is.Zero);
        Assert.That(resets, Is.LessThanOrEqualTo(1));

        // The host still serves: a new connection from another port carries data both ways and closes.
        var fresh = new TcpScriptedPeer(b.Host, peer.V6) { Port = 40_100 };
        if (!tcp.IsListening(80)) Assert.That(tcp.Listen(80), Is.EqualTo(TcpStatus.Ok));
        fresh.SendSyn();
        var key = app.Key;
        fresh.Ack();
        Assert.That(tcp.StateOf(key), Is.EqualTo(TcpState.Established), $"a new connection after the attack ({Dump.Of(b.Counters)})");
        var data = fresh.Pattern(1000);
        fresh.SendInSequence(TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, data);
        Assert.That(app.ReadCount, Is.EqualTo(1000));
        Assert.That(app.Write(key, 0, 1500), Is.EqualTo(1500));
        Assert.That(tcp.Close(key), Is.EqualTo(TcpStatus.Ok));
        b.Host.Poll();
        fresh.RetransmitAndAck();
        Assert.That(fresh.ReceivedCount, Is.EqualTo(1500));
        Assert.That(fresh.HostFinSeen, Is.True);
        Assert.That(app.Holds(key), Is.False, "closed");
        TcpInvariants.Check(b.Host);
    }

    /// <summary>One hand-made segment of each hostile kind, all of which RFC 9293 and RFC 5961 have dropped, answered or challenged.</summary>
    private static void Crafted(Bench b)
    {
        var peer = b.Peer;
        bool synchronized = b.State is not (TcpTargetState.Listen or TcpTargetState.SynSent);
        var ack = TcpFlags.Ack;
        var far = peer.Nxt + (1 << 30);

        // Options the parser refuses: a zero-length option, one running past the header, a truncated timestamp.
        b.InjectOptions(ack, [2, 0, 1, 1], malformed: true);
        b.InjectOptions(ack, [8, 20, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1], malformed: true);
        b.InjectOptions(ack, [1, 1, 8, 6, 0, 0, 0, 0], malformed: true);
        // Data offset below 5, and beyond the segment.
        b.Inject(peer.Header(ack), edit: s => s[12] = 4 << 4, malformed: true);
        b.Inject(peer.Header(ack), edit: s => { s[12] = 15 << 4; }, malformed: true);
        // A bad checksum, port 0 either way, and segments to a multicast group and to the subnet broadcast.
        b.Inject(peer.Header(ack), edit: s => s[16] ^= 0x55, malformed: true);
        b.Inject(peer.Header(ack) with { DestinationPort = 0 }, malformed: true);
        b.Inject(peer.Header(ack) with { SourcePort = 0 }, malformed: true);
        IpAddress group = peer.V6 ? new Ipv6Address(0xff02_0000_0000_0000UL, 1) : new Ipv4Address(224, 0, 0, 1);
        b.Inject(peer.Header(ack), destination: group, malformed: true);

        if (b.State == TcpTargetState.SynSent)
        {
            // SYN-SENT (RFC 9293 §3.10.7.3): an ACK of anything but our SYN is answered with RST; a RST without ACK is ignored.
            var iss = peer.HostIss;
            b.Inject(peer.Header(TcpFlags.Syn | TcpFlags.Ack) with { AcknowledgmentNumber = iss });
            b.Inject(peer.Header(TcpFlags.Ack) with { AcknowledgmentNumber = iss + 100 });
            b.Inject(peer.Header(TcpFlags.Rst) with { AcknowledgmentNumber = default });
            b.Inject(peer.Header(TcpFlags.Rst | TcpFlags.Ack) with { AcknowledgmentNumber = iss - 5 });
            b.Inject(peer.Header(TcpFlags.Fin | TcpFlags.Ack | TcpFlags.Psh) with { AcknowledgmentNumber = iss + 9 }, "data"u8);
            return;
        }

        // Options that parse but say odd things, on an acceptable segment: scale beyond 14, MSS 0, an echo of 0,
        // SACK blocks reversed, beyond anything sent, and spanning half the sequence space.
        var start = peer.HostIss + 1;
        // In SYN-RECEIVED an ACK of our SYN would complete the handshake: these acknowledge nothing, and get a RST (§3.10.7.4).
        TcpRepr Odd(TcpRepr r) => b.State == TcpTargetState.SynReceived ? r with { AcknowledgmentNumber = peer.HostIss } : r;
        b.Inject(Odd(peer.Header(ack) with { WindowScale = 15, MaxSegmentSize = 0 }));
        b.Inject(Odd(peer.Header(ack) with { Timestamps = new TcpTimestamps(peer.Clock += 10, 0) }));
        b.Inject(Odd(peer.Header(ack) with { SackBlocks = new TcpSackBlocks([new TcpSackBlock(start + 900, start + 100)]) }));
        b.Inject(Odd(peer.Header(ack) with { SackBlocks = new TcpSackBlocks([new TcpSackBlock(start + 1_000_000, start + 1_001_000), new TcpSackBlock(start - 5000, start - 10)]) }));
        b.Inject(Odd(peer.Header(ack) with { SackBlocks = new TcpSackBlocks([new TcpSackBlock(start, start + int.MaxValue), new TcpSackBlock(start + 1, start + 1)]) }));
        // Wild numbers: an ACK of data never sent, one far below SND.UNA (RFC 5961 §5.2), data far outside the window.
        b.Inject(peer.Header(ack) with { AcknowledgmentNumber = peer.HostMax + 70_000 });
        b.Inject(peer.Header(ack) with { AcknowledgmentNumber = peer.HostMax - (1 << 30) });
        if (synchronized)
        {
            b.Inject(peer.Header(ack | TcpFlags.Psh) with { SequenceNumber = far }, "far away"u8, outOfWindow: true);
            // RST, SYN and FIN in combinations: a RST in the window but not at RCV.NXT and a SYN in the window are
            // challenged (RFC 5961 §3.2, §4.2); out of the window, a RST is ignored and the rest is answered with an ACK.
            b.Inject(peer.Header(TcpFlags.Rst) with { SequenceNumber = peer.Nxt + 1 });
            b.Inject(peer.Header(TcpFlags.Rst | TcpFlags.Ack) with { SequenceNumber = far });
            b.Inject(peer.Header(TcpFlags.Syn | TcpFlags.Ack) with { SequenceNumber = peer.Nxt });
            b.Inject(peer.Header(TcpFlags.Syn | TcpFlags.Fin | TcpFlags.Rst) with { SequenceNumber = peer.Nxt + 3 });
            if (b.State != TcpTargetState.TimeWait) b.Inject(peer.Header(TcpFlags.Syn | TcpFlags.Fin) with { SequenceNumber = far }, outOfWindow: true);
            b.Inject(peer.Header(TcpFlags.Fin | TcpFlags.Ack) with { SequenceNumber = far }, outOfWindow: true);
            // (Not in TIME-WAIT: there a bare SYN with a newer timestamp may reopen the tuple, RFC 6191.)
            if (b.State != TcpTargetState.TimeWait) b.Inject(peer.Header(TcpFlags.Syn) with { SequenceNumber = far - 7 }, outOfWindow: true);
        }
        else
        {
            // LISTEN (RFC 9293 §3.10.7.2): RST ignored, an ACK is reset, a FIN or data without SYN dropped.
            b.Inject(peer.Header(TcpFlags.Rst));
            b.Inject(peer.Header(TcpFlags.Fin | TcpFlags.Psh), "junk"u8);
            b.Inject(peer.Header(TcpFlags.Fin | TcpFlags.Rst | TcpFlags.Ack));
        }
    }

    /// <summary>
    /// Valid segments mutated the ways that must leave the connection alone: flipped flags and wild numbers out of the
    /// window, flipped bytes without a new checksum, the ports of nobody. Deterministic by seed.
    /// </summary>
    private static void Mutated(Bench b, Random rng)
    {
        var peer = b.Peer;
        for (int i = 0; i < 200; i++)
        {
            var flags = (TcpFlags)rng.Next(0x40) | TcpFlags.Ack;
            var payload = new byte[rng.Next(4) == 0 ? rng.Next(1, 600) : 0];
            rng.NextBytes(payload);
            var repr = peer.Header(TcpFlags.Ack) with { Flags = flags };
            switch (rng.Next(3))
            {
                case 0:
                    // Out of the window: a quarter to three quarters of the sequence space away (RFC 9293 §3.10.7.4 first check).
                    // Numbered against the host's ISN for LISTEN and SYN-SENT, where there is no window: the ACK is what is checked there.
                    repr = repr with { SequenceNumber = peer.Nxt + (int)(0x4000_0000u + (uint)rng.Next(0x7FFF_FFFF)), AcknowledgmentNumber = peer.HostIss - rng.Next(1, 1 << 20) };
                    if (b.State is TcpTargetState.Listen or TcpTargetState.SynSent)
                        repr = repr with { Flags = flags & ~(TcpFlags.Syn | TcpFlags.Rst) };
                    bool counted = (repr.Flags & TcpFlags.Rst) == 0 && b.State is not (TcpTargetState.Listen or TcpTargetState.SynSent);
                    b.Inject(repr, payload, outOfWindow: counted);
                    break;
                case 1:
                    // A flipped byte and the old checksum.
                    int at = rng.Next(repr.HeaderLength + payload.Length);
                    byte mask = (byte)(1 << rng.Next(8));
                    b.Inject(repr, payload, edit: s => s[at] ^= mask, malformed: true);
                    break;
                default:
                    // Another port: a stray, answered with RST (never aimed at the connection).
                    b.Inject(repr with { SourcePort = (ushort)(41000 + rng.Next(1000)), Flags = flags & ~TcpFlags.Syn }, payload);
                    break;
            }
        }
    }

    /// <summary>The state's own way to the end, by the script, with the numbers the peer had: data both ways where the state allows, then the close.</summary>
    private static void Finish(Bench b)
    {
        var host = b.Host;
        var peer = b.Peer;
        var app = host.App;
        var tcp = host.Tcp;
        var key = b.Key;
        peer.Accepting = true;
        switch (b.State)
        {
            case TcpTargetState.Listen:
                // The listener still takes a new connection and carries data.
                peer.Port = 40001;
                peer.SendSyn();
                key = app.Key;
                Assert.That(tcp.StateOf(key), Is.EqualTo(TcpState.SynReceived), "a new SYN is accepted after the attack");
                peer.Ack();
                break;
            case TcpTargetState.SynSent:
                peer.Nxt = peer.Iss + 1;
                peer.Send(peer.Header(TcpFlags.Syn | TcpFlags.Ack));
                break;
            case TcpTargetState.SynReceived:
                peer.Ack();
                break;
        }
        if (b.State is TcpTargetState.Listen or TcpTargetState.SynSent or TcpTargetState.SynReceived)
            Assert.That(tcp.StateOf(key), Is.EqualTo(TcpState.Established), "the handshake completes after the attack");

        var s = tcp.StateOf(key);
        if (s is TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2)
        {
            // The peer's data is read in full, in order.
            var data = peer.Pattern(2000);
            for (int i = 0; i < data.Length; i += 500) peer.SendInSequence(TcpFlags.Ack | TcpFlags.Psh, data.Slice(i, 500));
        }
        if (s is TcpState.Established or TcpState.CloseWait)
        {
            Assert.That(app.Write(key, b.HostWritten, 2000), Is.EqualTo(2000));
            b.HostWritten += 2000;
            host.Poll();
            Assert.That(tcp.Close(key), Is.EqualTo(TcpStatus.Ok));
            host.Poll();
        }
        peer.RetransmitAndAck();
        if (tcp.StateOf(key) is TcpState.FinWait2 or TcpState.FinWait1)
        {
            peer.SendInSequence(TcpFlags.Fin | TcpFlags.Ack);
            peer.RetransmitAndAck();
        }
        else if (tcp.StateOf(key) == TcpState.TimeWait && b.State == TcpTargetState.TimeWait)
        {
            // Our FIN again (its ACK was "lost"): TIME-WAIT acknowledges it (RFC 9293 §3.10.7.4 eighth).
            int seen = peer.SegmentsSeen;
            peer.Send(peer.Header(TcpFlags.Fin | TcpFlags.Ack) with { SequenceNumber = peer.Nxt - 1 });
            Assert.That(peer.SegmentsSeen, Is.EqualTo(seen + 1), "the retransmitted FIN is acknowledged");
        }
        else if (tcp.StateOf(key) == TcpState.CloseWait)
        {
            peer.RetransmitAndAck();
        }

        Assert.That(app.Holds(key), Is.False, $"the user heard Closed (state {tcp.StateOf(key)}, events {app.Events})");
        Assert.That(app.Events & TcpEvents.Reset, Is.EqualTo(TcpEvents.None));
        Assert.That(peer.HostFinSeen, Is.True, "the host's FIN arrived after all its data");
        Assert.That(peer.ReceivedCount, Is.EqualTo(b.HostWritten), "every byte the host wrote arrived");
        for (int i = 0; i < Math.Min(peer.ReceivedCount, peer.Received.Length); i++)
            if (peer.Received[i] != TcpFuzzApp.PatternAt(i)) Assert.Fail($"host byte {i} damaged");
        Assert.That(app.ReadCount, Is.EqualTo(peer.SentData), "every byte the peer sent was read");
        for (int i = 0; i < Math.Min(app.ReadCount, app.ReadLog.Length); i++)
            if (app.ReadLog[i] != TcpScriptedPeer.PeerPatternAt(i)) Assert.Fail($"peer byte {i} damaged");
        host.Advance(tcp.Settings.TimeWait + Duration.FromSeconds(1));
        TcpInvariants.Check(host);
        Assert.That(tcp.Count, Is.Zero, "every slot is free once TIME-WAIT is over");
    }
}
