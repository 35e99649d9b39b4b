using System;
using System.Collections.Generic;
using Ethox.Layer;
using Ethox.Layer.Tcp;
using Ethox.Nic;
using Ethox.Tests.Layer;
using Ethox.Wire;

namespace Ethox.Tests.Tcp;

/// <summary>A segment the host sent, as the scripted peer saw it.</summary>
public sealed record SeenSegment(TcpRepr Header, byte[] Payload)
{
    public TcpFlags Flags => Header.Flags;
    public TcpSeqNumber Seq => Header.SequenceNumber;
    public TcpSeqNumber Ack => Header.AcknowledgmentNumber;
    public bool Has(TcpFlags flags) => (Header.Flags & flags) == flags;
    public override string ToString() => $"{Flags} seq={Seq} ack={Ack} len={Payload.Length} win={Header.WindowSize} sack={Header.SackBlocks.Count}";
}

/// <summary>
/// An Ethox host with TCP on one end of a <see cref="Pipe"/> and, on the other, a peer whose every segment the
/// test writes by hand (packetdrill style): exact sequence numbers, flags, options and timestamps, so each
/// RFC rule can be driven to its edge. The peer keeps its own send and receive sequence variables.
/// </summary>
public sealed class TcpScript
{
    public const ushort HostPort = 80;
    public const ushort PeerPort = 40_000;
    private PipeEnd _hostLink;
    private readonly RawPeer _peer;
    public readonly TcpHost Host;
    public Instant Now = Instant.FromMilliseconds(1000);

    /// <summary>The peer's next sequence number to send, and the next it expects from the host.</summary>
    public TcpSeqNumber PeerNext, HostNext;
    public readonly TcpSeqNumber PeerIss = new(1_000_000);
    /// <summary>The peer's timestamp clock (its TSval) and the last TSval it saw from the host (its TSecr).</summary>
    public uint PeerClock = 5000, EchoOfHost;
    /// <summary>What the peer offers: SACK, timestamps, window scale (and the window it advertises, in bytes, unscaled).</summary>
    public bool Sack = true, Timestamps = true;
    public byte? WindowScale = 7;
    public ushort PeerWindow = 65535;
    public SlotKey Key;
    /// <summary>The host's port of the connection: <see cref="HostPort"/> when it listens, its ephemeral port when it opens.</summary>
    public ushort LocalPort = HostPort;

    public TcpScript(TcpTimerSettings? settings = null, int bufferSize = 64 * 1024, int mtu = 1500, DeviceOffloads offloads = DeviceOffloads.None,
        Instant? start = null, ulong key = 1)
    {
        Now = start ?? Now;
        (_hostLink, var peerLink) = Pipe.CreatePair(256, mtu, Medium.Ethernet, offloads);
        _peer = new RawPeer(peerLink);
        Host = new TcpHost(TwoHosts.MacA, Now, mtu, capacity: 8, bufferSize: bufferSize, settings: settings, key: key);
        Host.Ip.DadTransmits = 0;
        Host.Ip.AddAddress(TwoHosts.V4A, 24, Now);
        // The peer's link address is known: no ARP in the scripts.
        Host.Ip.Neighbors!.Update(RawPeer.V4, RawPeer.Mac, Now, confirmed: true, createIfMissing: true);
        Host.App.CheckPattern = false;
        Host.App.Hash = false;
    }

    public TcpEndpoint Tcp => Host.Tcp;
    public TcpApp App => Host.App;
    public ref readonly TcpCounters Counters => ref Host.Tcp.Counters;
    public TcpState State => Host.Tcp.StateOf(Key);
    public static TransportAddress PeerAddress => new(RawPeer.V4, PeerPort);

    /// <summary>A segment from the peer with its current numbers (and timestamps when on); callers adjust with <c>with</c>.</summary>
    public TcpRepr Segment(TcpFlags flags = TcpFlags.Ack, int length = 0) => new()
    {
        SourcePort = PeerPort,
        DestinationPort = LocalPort,
        Flags = flags,
        SequenceNumber = PeerNext,
        AcknowledgmentNumber = (flags & TcpFlags.Ack) != 0 ? HostNext : default,
        WindowSize = PeerWindow,
        Timestamps = Timestamps ? new TcpTimestamps(PeerClock, EchoOfHost) : null,
        PayloadLength = length,
    };

    /// <summary>Sends <paramref name="repr"/> (with <paramref name="payload"/>) to the host, lets the host run, and returns what it sent back.</summary>
    public List<SeenSegment> Send(TcpRepr repr, ReadOnlySpan<byte> payload = default)
    {
        repr = repr with { PayloadLength = payload.Length };
        var tcp = new byte[repr.HeaderLength + payload.Length];
        payload.CopyTo(tcp.AsSpan(repr.HeaderLength));
        repr.TryEmit(tcp, RawPeer.V4, TwoHosts.V4A);
        return Inject(RawPeer.Ipv4(RawPeer.V4, TwoHosts.V4A, IpProtocol.Tcp, tcp, TwoHosts.MacA));
    }

    /// <summary>Sends a whole frame (an ICMP error, a mangled segment; with the metadata a device gives it) and returns what the host sent back.</summary>
    public List<SeenSegment> Inject(byte[] frame, PacketOffload offload = default)
    {
        _peer.Inject(frame, Now, offload);
        return Poll();
    }

    /// <summary>The offload metadata of the frames the host sent in the last <see cref="Poll"/>.</summary>
    public List<PacketOffload> SentOffloads { get; } = [];

    /// <summary>Sends data as the peer's next bytes (advancing <see cref="PeerNext"/>) and returns the host's answer.</summary>
    public List<SeenSegment> SendData(ReadOnlySpan<byte> data, TcpFlags flags = TcpFlags.Ack | TcpFlags.Psh)
    {
        var seen = Send(Segment(flags), data);
        PeerNext += data.Length + ((flags & TcpFlags.Fin) != 0 ? 1 : 0);
        return seen;
    }

    /// <summary>
    /// Sends <paramref name="count"/> segments of <paramref name="size"/> bytes as the peer's next data, all waiting on the link
    /// before the host runs (one receive batch), and returns the host's answer.
    /// </summary>
    public List<SeenSegment> SendDataBatch(int count, int size)
    {
        var payload = new byte[size];
        for (int i = 0; i < count; i++)
        {
            var repr = Segment(TcpFlags.Ack | TcpFlags.Psh) with { PayloadLength = size };
            var tcp = new byte[repr.HeaderLength + size];
            repr.TryEmit(tcp, RawPeer.V4, TwoHosts.V4A);
            _peer.Inject(RawPeer.Ipv4(RawPeer.V4, TwoHosts.V4A, IpProtocol.Tcp, tcp, TwoHosts.MacA), Now);
            PeerNext += size;
        }
        return Poll();
    }

    /// <summary>Polls the host at <see cref="Now"/> (the user pumps too) and returns the segments it sent.</summary>
    public List<SeenSegment> Poll()
    {
        var seen = new List<SeenSegment>();
        SentOffloads.Clear();
        bool answeredArp;
        do
        {
            for (int i = 0; i < 16; i++)
            {
                int moved = Host.Poll(ref _hostLink, Now);
                App.PumpAll();
                if (moved == 0) break;
            }
            answeredArp = Collect(seen);
        }
        while (answeredArp);
        return seen;
    }

    // Parses what the host sent into seen; answers its ARP requests for the peer (true when it did, so the host runs again).
    private bool Collect(List<SeenSegment> seen)
    {
        bool answered = false;
        _peer.Drain(Now);
        SentOffloads.AddRange(_peer.Offloads);
        _peer.FinishChecksums(); // what the device does on the wire
        foreach (var frame in _peer.Frames)
        {
            if (!EthernetFrame.TryParse(frame, out var eth, out _)) continue;
            if (eth.EtherType == EtherType.Arp)
            {
                if (ArpPacket.TryParse(eth.Payload, out var arp, out _) && ArpRepr.TryParse(arp, out var request, out _)
                    && request.Operation == ArpOperation.Request && request.TargetProtocolAddress == RawPeer.V4)
                {
                    var reply = new byte[28];
                    new ArpRepr(ArpOperation.Reply, RawPeer.Mac, RawPeer.V4, request.SenderHardwareAddress, request.SenderProtocolAddress).TryEmit(reply);
                    _peer.Inject(RawPeer.Ethernet(request.SenderHardwareAddress, EtherType.Arp, reply), Now);
                    answered = true;
                }
                continue;
            }
            if (eth.EtherType != EtherType.Ipv4) continue;
            if (!Ipv4Packet.TryParse(eth.Payload, out var ip, out _) || ip.Protocol != IpProtocol.Tcp) continue;
            if (!TcpSegment.TryParse(ip.Payload, out var view, out _)) continue;
            if (!TcpRepr.TryParse(view, ip.Source, ip.Destination, out var repr, out _)) throw new InvalidOperationException("the host sent a segment that does not parse");
            if (repr.Timestamps is { } ts) EchoOfHost = ts.Value;
            seen.Add(new SeenSegment(repr, view.Payload.ToArray()));
        }
        return answered;
    }

    /// <summary>Moves time on by <paramref name="by"/>, in steps to every deadline the host sets, collecting what it sends.</summary>
    public List<SeenSegment> Advance(Duration by)
    {
        var end = Now + by;
        var seen = new List<SeenSegment>();
        while (true)
        {
            var next = Host.NextDeadline();
            if (next > end) break;
            Now = Instant.Max(Now, next);
            seen.AddRange(Poll());
            if (Host.NextDeadline() <= Now) Now += Duration.FromMicroseconds(1);
        }
        Now = end;
        seen.AddRange(Poll());
        return seen;
    }

    /// <summary>The host listens; the peer opens (SYN, SYN-ACK, ACK). Returns the host's SYN-ACK.</summary>
    public SeenSegment Accept(int backlog = 128)
    {
        Tcp.Listen(HostPort, backlog);
        PeerNext = PeerIss;
        var syn = Segment(TcpFlags.Syn) with
        {
            MaxSegmentSize = 1460,
            WindowScale = WindowScale,
            SackPermitted = Sack,
            Timestamps = Timestamps ? new TcpTimestamps(PeerClock, 0) : null,
        };
        var synAck = Single(Send(syn), TcpFlags.Syn | TcpFlags.Ack);
        PeerNext += 1;
        HostNext = synAck.Seq + 1;
        if (synAck.Ack != PeerNext) throw new InvalidOperationException($"SYN-ACK acknowledges {synAck.Ack}, not {PeerNext}");
        Tick();
        Send(Segment());
        Key = App.LastKey;
        return synAck;
    }

    /// <summary>The host opens to the peer; the peer answers SYN-ACK and the host completes. Returns the host's SYN.</summary>
    public SeenSegment Connect(TcpConnectionOptions? options = null)
    {
        if (options is { } o) App.Options = o;
        var syn = OpenFromHost();
        PeerNext = PeerIss;
        var synAck = Segment(TcpFlags.Syn | TcpFlags.Ack) with
        {
            MaxSegmentSize = 1460,
            WindowScale = syn.Header.WindowScale is null ? null : WindowScale,
            SackPermitted = Sack && syn.Header.SackPermitted,
            Timestamps = Timestamps && syn.Header.Timestamps is not null ? new TcpTimestamps(PeerClock, EchoOfHost) : null,
        };
        Sack &= syn.Header.SackPermitted;
        Timestamps &= syn.Header.Timestamps is not null;
        var ack = Single(Send(synAck), TcpFlags.Ack);
        PeerNext += 1;
        if (ack.Ack != PeerNext) throw new InvalidOperationException($"the host's ACK acknowledges {ack.Ack}, not {PeerNext}");
        return syn;
    }

    /// <summary>The host opens to the peer and sends its SYN (returned); the peer has not answered yet.</summary>
    public SeenSegment OpenFromHost()
    {
        Key = App.Connect(PeerAddress, 0, Now);
        var syn = Single(Poll(), TcpFlags.Syn);
        LocalPort = syn.Header.SourcePort;
        HostNext = syn.Seq + 1;
        PeerNext = PeerIss;
        return syn;
    }

    /// <summary>The peer's clock ticks (its next TSval is newer).</summary>
    public void Tick(uint by = 1) => PeerClock += by;

    /// <summary>The one segment in <paramref name="seen"/>, which must carry <paramref name="flags"/>.</summary>
    public static SeenSegment Single(List<SeenSegment> seen, TcpFlags flags)
    {
        if (seen.Count != 1) throw new InvalidOperationException($"expected one segment, got {seen.Count}: {string.Join("; ", seen)}");
        if (!seen[0].Has(flags)) throw new InvalidOperationException($"expected {flags}, got {seen[0]}");
        return seen[0];
    }

    /// <summary>Host data the peer acknowledges, as <paramref name="seen"/> carried it: moves <see cref="HostNext"/>.</summary>
    public void Took(SeenSegment seen) => HostNext = TcpSeqNumber.Max(HostNext, seen.Seq + seen.Payload.Length + (seen.Has(TcpFlags.Fin) ? 1 : 0));
}
