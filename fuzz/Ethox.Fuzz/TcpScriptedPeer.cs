using System;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Wire;

namespace Ethox.Fuzzing;

/// <summary>The states a <see cref="TcpScriptedPeer"/> can bring the host's connection to (LISTEN: no connection, a listening port).</summary>
public enum TcpTargetState : byte
{
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    LastAck,
    Closing,
    TimeWait,
}

/// <summary>
/// The far end of a <see cref="TcpFuzzHost"/>'s pipe, written by hand: it builds segments (valid checksums), reads
/// what the host sends and keeps the numbers a real peer would know (the host's ISN, how far its data and ACKs
/// went, its last timestamp), so that it can walk the host's connection to any state of RFC 9293 §3.3.2 and
/// then aim segments at that connection's window. Data it receives in order is kept to check transfers.
/// </summary>
public sealed class TcpScriptedPeer
{
    private readonly TcpFuzzHost _host;
    private readonly byte[] _packet = new byte[2048];
    private readonly byte[] _payload = new byte[2048];

    public TcpScriptedPeer(TcpFuzzHost host, bool v6, bool timestamps = true, bool sack = true, bool windowScale = true)
    {
        _host = host;
        V6 = v6;
        Timestamps = timestamps;
        Sack = sack;
        WindowScale = windowScale;
    }

    public static Ipv4Address V4 => new(198, 18, 0, 77);
    public static Ipv6Address V6Address => new(0x2001_0db8_0000_0000UL, 0x77);

    public bool V6 { get; }
    public bool Timestamps { get; }
    public bool Sack { get; }
    public bool WindowScale { get; }
    public IpAddress Address => V6 ? V6Address : V4;
    public IpAddress HostAddress => V6 ? TcpFuzzHost.V6 : TcpFuzzHost.V4;
    public ushort Port = 40000, HostPort = 80;

    /// <summary>Our initial sequence number and the next one we send.</summary>
    public TcpSeqNumber Iss = new(0x1000_0000), Nxt = new(0x1000_0001);
    /// <summary>The host's initial sequence number, the end of what it has sent, and how far it has arrived here in order (what we ACK).</summary>
    public TcpSeqNumber HostIss, HostMax, HostRcvd;
    /// <summary>The host's last ACK number (its RCV.NXT as it told us) and its last window field.</summary>
    public TcpSeqNumber HostAck;
    public ushort HostWindow;
    public bool HostSynSeen, HostFinSeen, HostResetSeen;
    /// <summary>The host's last TSval (we echo it) and our own clock.</summary>
    public uint HostTsVal, Clock = 5000;
    /// <summary>The window field we send.</summary>
    public ushort Window = 65535;
    /// <summary>Segments the host sent to our port, and of them resets.</summary>
    public int SegmentsSeen, ResetsSeen;
    /// <summary>The host's data as it arrived in order (the first 64 KiB).</summary>
    public readonly byte[] Received = new byte[1 << 16];
    public long ReceivedCount;
    /// <summary>Take in the host's data (otherwise it is seen, not acknowledged).</summary>
    public bool Accepting = true;

    // ---- sending ------------------------------------------------------------------------------------

    /// <summary>Wraps a TCP segment (bytes as given) in an IP header from us to <paramref name="destination"/> and lets the host handle it.</summary>
    public void InjectRaw(ReadOnlySpan<byte> segment, IpAddress? destination = null, IpAddress? source = null)
    {
        var src = source ?? Address;
        var dst = destination ?? HostAddress;
        int header = src.Version == IpVersion.V6 ? 40 : 20;
        int length = Math.Min(segment.Length, _packet.Length - header);
        segment[..length].CopyTo(_packet.AsSpan(header));
        bool built = src.Version == IpVersion.V6
            ? new Ipv6Repr(src.V6, dst.V6, IpProtocol.Tcp, length, 64).TryEmit(_packet)
            : new Ipv4Repr(src.V4, dst.V4, IpProtocol.Tcp, length, 64).TryEmit(_packet);
        if (!built) return;
        var sender = new OneFrame(_packet, header + length);
        _host.PeerLink.Transmit(1, ref sender, _host.Now);
        _host.Poll();
        Drain();
    }

    /// <summary>Sends a segment built from <paramref name="repr"/> (ports filled in when zero) and <paramref name="payload"/>.</summary>
    public void Send(TcpRepr repr, ReadOnlySpan<byte> payload = default)
    {
        if (repr.SourcePort == 0 && repr.DestinationPort == 0) repr = repr with { SourcePort = Port, DestinationPort = HostPort };
        repr = repr with { PayloadLength = payload.Length };
        var segment = _payload.AsSpan(0, Math.Min(repr.EmittedLength, _payload.Length));
        payload[..Math.Min(payload.Length, segment.Length - repr.HeaderLength)].CopyTo(segment[repr.HeaderLength..]);
        if (!repr.TryEmit(segment, Address, HostAddress)) return;
        InjectRaw(segment);
    }

    /// <summary>A segment in sequence: at <see cref="Nxt"/>, acknowledging what arrived, with our timestamp; <see cref="Nxt"/> moves past it.</summary>
    public void SendInSequence(TcpFlags flags, ReadOnlySpan<byte> payload = default)
    {
        var repr = Header(flags);
        Nxt += repr.SequenceLength + payload.Length;
        Send(repr, payload);
    }

    /// <summary>The header of our next segment: numbers, window, timestamps (the SYN's options when it is one).</summary>
    public TcpRepr Header(TcpFlags flags)
    {
        bool syn = (flags & TcpFlags.Syn) != 0;
        Clock += 10;
        var repr = new TcpRepr
        {
            SourcePort = Port,
            DestinationPort = HostPort,
            Flags = flags,
            SequenceNumber = syn ? Iss : Nxt,
            AcknowledgmentNumber = (flags & TcpFlags.Ack) != 0 ? HostRcvd : default,
            WindowSize = Window,
        };
        if (syn)
        {
            repr = repr with { MaxSegmentSize = 1460, SackPermitted = Sack, WindowScale = WindowScale ? (byte)2 : null };
            if (Timestamps) repr = repr with { Timestamps = new TcpTimestamps(Clock, (flags & TcpFlags.Ack) != 0 ? HostTsVal : 0) };
        }
        else if (Timestamps) repr = repr with { Timestamps = new TcpTimestamps(Clock, HostTsVal) };
        return repr;
    }

    /// <summary>Acknowledges everything the host sent that we took in.</summary>
    public void Ack() => SendInSequence(TcpFlags.Ack);

    // ---- receiving ----------------------------------------------------------------------------------

    /// <summary>Reads what the host sent and updates what we know; takes in-order data (and its FIN) when <see cref="Accepting"/>.</summary>
    public void Drain()
    {
        var collector = new Collector(this);
        while (_host.PeerLink.Receive(64, ref collector, _host.Now) > 0) { }
    }

    private void Take(Span<byte> ip)
    {
        IpAddress src, dst;
        Span<byte> bytes;
        if (Ipv4Packet.TryParse(ip, out var v4, out _) && v4.Protocol == IpProtocol.Tcp) { src = v4.Source; dst = v4.Destination; bytes = v4.Payload; }
        else if (Ipv6Packet.TryParse(ip, out var v6, out _) && v6.NextHeader == IpProtocol.Tcp) { src = v6.Source; dst = v6.Destination; bytes = v6.Payload; }
        else return;
        if (!TcpSegment.TryParse(bytes, out var view, out _) || !TcpRepr.TryParse(view, src, dst, out var tcp, out _)) return;
        // Only the connection under test: the host also answers strays we make (from other ports) with RSTs.
        if (tcp.DestinationPort != Port || src != HostAddress) return;
        SegmentsSeen++;
        if ((tcp.Flags & TcpFlags.Rst) != 0)
        {
            ResetsSeen++;
            HostResetSeen = true;
            return;
        }
        if ((tcp.Flags & TcpFlags.Syn) != 0 && !HostSynSeen)
        {
            HostSynSeen = true;
            HostIss = tcp.SequenceNumber;
            HostRcvd = HostMax = HostIss + 1;
            HostPort = tcp.SourcePort;
        }
        if (!HostSynSeen) return;
        var end = tcp.SequenceNumber + tcp.SequenceLength;
        if (end > HostMax) HostMax = end;
        if ((tcp.Flags & TcpFlags.Ack) != 0) HostAck = tcp.AcknowledgmentNumber;
        HostWindow = tcp.WindowSize;
        if (tcp.Timestamps is { } ts) HostTsVal = ts.Value;
        if (!Accepting) return;
        var payload = view.Payload;
        var start = tcp.SequenceNumber + ((tcp.Flags & TcpFlags.Syn) != 0 ? 1 : 0);
        if (start <= HostRcvd && start + payload.Length > HostRcvd)
        {
            int skip = HostRcvd - start;
            foreach (byte b in payload[skip..])
            {
                if (ReceivedCount < Received.Length) Received[ReceivedCount] = b;
                ReceivedCount++;
            }
            HostRcvd += payload.Length - skip;
        }
        if ((tcp.Flags & TcpFlags.Fin) != 0 && start + payload.Length == HostRcvd)
        {
            HostFinSeen = true;
            HostRcvd += 1;
        }
    }

    // ---- walking the host to a state ----------------------------------------------------------------

    /// <summary>
    /// Brings the host's connection to <paramref name="state"/> (RFC 9293 §3.3.2), by a passive open (we connect to
    /// its listening port) or, when <paramref name="active"/>, an active one (the host connects to us). In the
    /// synchronized states (SYN-SENT is always an active open, LISTEN and SYN-RECEIVED always passive) the host has <paramref name="inFlight"/> bytes sent and not acknowledged, and has read
    /// what we sent. Returns the connection's key (default for LISTEN); false when the host did not get there.
    /// </summary>
    public bool Reach(TcpTargetState state, bool active, int inFlight, out SlotKey key)
    {
        key = default;
        var app = _host.App;
        var tcp = _host.Tcp;
        bool passive = state is TcpTargetState.Listen or TcpTargetState.SynReceived || (!active && state != TcpTargetState.SynSent);
        if (passive)
        {
            if (tcp.Listen(HostPort) != TcpStatus.Ok) return false;
            if (state == TcpTargetState.Listen) return true;
            SendSyn();
            key = app.Key;
            if (!app.Holds(key)) return false;
            if (state == TcpTargetState.SynReceived) return tcp.StateOf(key) == TcpState.SynReceived && HostSynSeen;
            Ack();
        }
        else
        {
            if (!app.Connect(new TransportAddress(Address, Port), _host.Now, out key)) return false;
            _host.Poll();
            Drain();
            if (state == TcpTargetState.SynSent) return tcp.StateOf(key) == TcpState.SynSent && HostSynSeen;
            SendSynAck();
        }
        if (tcp.StateOf(key) != TcpState.Established) return false;
        // Both directions carry data: ours is read at once, the host's stays unacknowledged (in flight).
        SendInSequence(TcpFlags.Ack | TcpFlags.Psh, Pattern(300));
        Accepting = false;
        app.Write(key, 0, inFlight);
        _host.Poll();
        Drain();
        Accepting = true;
        switch (state)
        {
            case TcpTargetState.Established:
                return tcp.StateOf(key) == TcpState.Established;
            case TcpTargetState.FinWait1 or TcpTargetState.FinWait2 or TcpTargetState.TimeWait or TcpTargetState.Closing:
                tcp.Close(key);
                _host.Poll();
                Drain();
                if (state == TcpTargetState.FinWait1) return tcp.StateOf(key) == TcpState.FinWait1;
                if (state == TcpTargetState.Closing)
                {
                    // Our FIN crosses theirs: it acknowledges their data but not their FIN.
                    var ackBeforeFin = HostRcvd;
                    if (HostFinSeen) ackBeforeFin -= 1;
                    var fin = Header(TcpFlags.Fin | TcpFlags.Ack) with { AcknowledgmentNumber = ackBeforeFin };
                    Nxt += 1;
                    Send(fin);
                    return tcp.StateOf(key) == TcpState.Closing;
                }
                RetransmitAndAck();
                if (state == TcpTargetState.FinWait2) return tcp.StateOf(key) == TcpState.FinWait2;
                SendInSequence(TcpFlags.Fin | TcpFlags.Ack);
                return tcp.StateOf(key) == TcpState.TimeWait;
            default: // CLOSE-WAIT, LAST-ACK
                RetransmitAndAck();
                SendInSequence(TcpFlags.Fin | TcpFlags.Ack);
                if (state == TcpTargetState.CloseWait) return tcp.StateOf(key) == TcpState.CloseWait;
                tcp.Close(key);
                Accepting = false;
                _host.Poll();
                Drain();
                Accepting = true;
                return tcp.StateOf(key) == TcpState.LastAck && HostMax > HostRcvd;
        }
    }

    /// <summary>Our SYN to the host's port, with the options we were made with.</summary>
    public void SendSyn()
    {
        Nxt = Iss + 1;
        Send(Header(TcpFlags.Syn));
    }

    private void SendSynAck()
    {
        Nxt = Iss + 1;
        Send(Header(TcpFlags.Syn | TcpFlags.Ack));
    }

    /// <summary>Lets the host resend what it has in flight (its retransmission timer), takes it all in and acknowledges it.</summary>
    public void RetransmitAndAck()
    {
        for (int i = 0; i < 32; i++)
        {
            var acked = HostRcvd;
            Ack(); // which may bring more of the host's data at once
            if (HostRcvd != acked) continue;
            if (HostRcvd == HostMax) return;
            _host.AdvanceToNextDeadline(Duration.FromSeconds(5));
            Drain();
        }
    }

    /// <summary><paramref name="count"/> bytes of our stream pattern, from <see cref="SentData"/> on.</summary>
    public ReadOnlySpan<byte> Pattern(int count)
    {
        count = Math.Min(count, _payload.Length);
        var data = new byte[count];
        for (int i = 0; i < count; i++) data[i] = PeerPatternAt(SentData + i);
        SentData += count;
        return data;
    }

    /// <summary>How many bytes of our pattern we have handed out.</summary>
    public long SentData;

    /// <summary>The byte our stream carries at <paramref name="i"/> (not the host's pattern, so that crossed streams show).</summary>
    public static byte PeerPatternAt(long i) => (byte)(i * 7 + 3 + (i >> 8));

    private readonly struct OneFrame(byte[] frame, int length) : ISend<RawPacket>
    {
        public void Send(RawPacket packet)
        {
            frame.AsSpan(0, length).CopyTo(packet.Capacity);
            packet.Send(length);
        }
    }

    private readonly struct Collector(TcpScriptedPeer peer) : IRecv<RawPacket>
    {
        public void Receive(RawPacket packet) => peer.Take(packet.Frame);
    }
}
