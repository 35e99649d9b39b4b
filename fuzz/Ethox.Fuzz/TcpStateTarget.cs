using System;
using System.Buffers.Binary;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Wire;

namespace Ethox.Fuzzing;

/// <summary>
/// The "tcpstate" fuzz target: a <see cref="TcpScriptedPeer"/> walks a host's connection to the state the input's
/// first byte names (its second byte picks the family, open direction, options and data in flight), then the rest
/// of the input is cut into segments that go into the stack. Each record is
/// <c>[control] [action] [length] [length bytes of TCP segment]</c>:
/// <list type="bullet">
/// <item>control bit 0: the sequence number is relative to what the host expects next (RCV.NXT as it last told us);
/// bit 1: the ACK number is relative to the end of what the host has sent; bit 2: keep the segment's ports (else
/// the connection's); bit 3: keep its checksum (else a valid one is filled in); bit 4: keep its data offset (else
/// clamped into the segment); bit 5: timestamp options get our clock and the host's last TSval (PAWS passes);
/// bit 6: SACK blocks are relative to the host's data start; bit 7: we acknowledge everything afterwards.</item>
/// <item>action bits 0-1: advance time first (no, 20 ms, 1 s, to the next deadline); bits 2-3: the host app then
/// toggles reading, writes 700 bytes, or closes; bits 4-5: the destination (the host, a multicast group, an
/// address not the host's, the host from another source address); bit 6: the host app aborts instead; bit 7: the
/// segment goes over IPv6 when the connection is IPv4 (a mismatched family finds no connection).</item>
/// </list>
/// After every segment and every timer the invariants hold (<see cref="TcpInvariants"/>); at the end the clock runs
/// for simulated minutes with the peer silent, and every timer path runs too.
/// </summary>
public static class TcpStateTarget
{
    private const int StateCount = 10;

    public static bool Run(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2) return false;
        var state = (TcpTargetState)(data[0] % StateCount);
        byte config = data[1];
        var host = new TcpFuzzHost();
        var peer = new TcpScriptedPeer(host, v6: (config & 1) != 0, timestamps: (config & 4) == 0, sack: (config & 8) == 0, windowScale: (config & 16) == 0);
        int inFlight = (config >> 6) switch { 0 => 0, 1 => 100, 2 => 1460, _ => 3000 };
        bool reached = peer.Reach(state, active: (config & 2) != 0, inFlight, out var key);
        FuzzTargets.Check(reached, $"scripted peer reaches {state}");
        host.App.ReadPaused = (config & 32) != 0;
        TcpInvariants.Check(host);

        var rest = data[2..];
        Span<byte> segment = stackalloc byte[256];
        while (rest.Length >= 3)
        {
            byte control = rest[0], action = rest[1];
            int length = Math.Min(rest[2], rest.Length - 3);
            rest[3..(3 + length)].CopyTo(segment);
            rest = rest[(3 + length)..];
            Step(host, peer, control, action, segment[..length]);
            TcpInvariants.Check(host);
        }

        // The peer falls silent: every timer runs out (retransmission, persist, keep-alive, TIME-WAIT).
        for (int i = 0; i < 64; i++)
        {
            host.AdvanceToNextDeadline(Duration.FromSeconds(30));
            peer.Drain();
            TcpInvariants.Check(host);
        }
        return true;
    }

    private static void Step(TcpFuzzHost host, TcpScriptedPeer peer, byte control, byte action, Span<byte> segment)
    {
        switch (action & 3)
        {
            case 1: host.Advance(Duration.FromMilliseconds(20)); break;
            case 2: host.Advance(Duration.FromSeconds(1)); break;
            case 3: host.AdvanceToNextDeadline(Duration.FromSeconds(120)); break;
        }
        peer.Drain();
        var (source, destination) = Addresses(peer, action);
        Shape(peer, control, segment, source, destination);
        peer.InjectRaw(segment, destination, source);
        if ((control & 0x80) != 0) peer.Ack();
        var app = host.App;
        var key = app.Key;
        if ((action & 0x40) != 0)
        {
            if (host.Tcp.Abort(key) == TcpStatus.Ok) app.Forget(key);
            host.Poll();
            return;
        }
        switch ((action >> 2) & 3)
        {
            case 1:
                app.ReadPaused = !app.ReadPaused;
                app.Drain(key);
                break;
            case 2: app.Write(key, 0, 700); break;
            case 3:
                // Closing in SYN-SENT ends the attempt at once (RFC 9293 §3.10.4), without a Closed event.
                bool opening = host.Tcp.StateOf(key) == TcpState.SynSent;
                if (host.Tcp.Close(key) == TcpStatus.Ok && opening) app.Forget(key);
                break;
        }
        host.Poll();
        peer.Drain();
    }

    /// <summary>Makes the fuzzer's segment land where the control bits ask: on the connection, in its window, past the parser.</summary>
    private static void Shape(TcpScriptedPeer peer, byte control, Span<byte> segment, in IpAddress source, in IpAddress destination)
    {
        if (segment.Length < TcpSegment.MinHeaderLength) return;
        if ((control & 4) == 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(segment, peer.Port);
            BinaryPrimitives.WriteUInt16BigEndian(segment[2..], peer.HostPort);
        }
        var expected = peer.HostAck.Value != 0 ? peer.HostAck : peer.Nxt;
        if ((control & 1) != 0) Add(segment[4..], expected.Value);
        if ((control & 2) != 0) Add(segment[8..], peer.HostMax.Value);
        if ((control & 16) == 0)
        {
            int offset = Math.Clamp(segment[12] >> 4, 5, segment.Length / 4);
            segment[12] = (byte)((offset << 4) | (segment[12] & 0x0F));
        }
        int headerLength = (segment[12] >> 4) * 4;
        if ((control & 0x60) != 0 && headerLength >= TcpSegment.MinHeaderLength && headerLength <= segment.Length) RewriteOptions(peer, control, segment[TcpSegment.MinHeaderLength..headerLength]);
        if ((control & 8) == 0 && TcpSegment.TryParse(segment, out var view, out _))
            view.FillChecksum(source, destination);
    }

    // Walks the option area as the bytes say (kind, length) without trusting it, rewriting timestamps and SACK edges.
    private static void RewriteOptions(TcpScriptedPeer peer, byte control, Span<byte> options)
    {
        int i = 0;
        while (i + 1 < options.Length && options[i] != 0)
        {
            if (options[i] == 1) { i++; continue; }
            int length = options[i + 1];
            if (length < 2 || i + length > options.Length) return;
            var body = options.Slice(i + 2, length - 2);
            if (options[i] == 8 && length == 10 && (control & 0x20) != 0)
            {
                BinaryPrimitives.WriteUInt32BigEndian(body, peer.Clock += 10);
                BinaryPrimitives.WriteUInt32BigEndian(body[4..], peer.HostTsVal);
            }
            if (options[i] == 5 && (control & 0x40) != 0)
                for (int e = 0; e + 4 <= body.Length; e += 4) Add(body[e..], peer.HostIss.Value + 1);
            i += length;
        }
    }

    private static void Add(Span<byte> field, uint value)
        => BinaryPrimitives.WriteUInt32BigEndian(field, unchecked(BinaryPrimitives.ReadUInt32BigEndian(field) + value));

    private static (IpAddress Source, IpAddress Destination) Addresses(TcpScriptedPeer peer, byte action)
    {
        bool v6 = peer.V6 ^ ((action & 0x80) != 0);
        IpAddress us = v6 ? TcpScriptedPeer.V6Address : TcpScriptedPeer.V4;
        IpAddress host = v6 ? TcpFuzzHost.V6 : TcpFuzzHost.V4;
        return ((action >> 4) & 3) switch
        {
            1 => (us, v6 ? new Ipv6Address(0xff02_0000_0000_0000UL, 1) : new Ipv4Address(224, 0, 0, 1)),
            2 => (us, v6 ? new Ipv6Address(0x2001_0db8_0000_0000UL, 0x99) : new Ipv4Address(198, 18, 0, 255)),
            3 => (v6 ? new Ipv6Address(0x2001_0db8_0000_0000UL, 0x78) : new Ipv4Address(198, 18, 0, 78), host),
            _ => (us, host),
        };
    }
}
