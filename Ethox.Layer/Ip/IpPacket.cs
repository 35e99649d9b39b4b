using System;
using Ethox.Wire;
using System.Runtime.CompilerServices;

namespace Ethox.Layer.Ip;

/// <summary>What became of a packet lent to the layer above.</summary>
internal enum IpOutcome : byte
{
    None,
    Rejected,
    Sent,
    Held,
    Failed,
}

/// <summary>The state of one lent packet, shared by reference between the IP layer and the <see cref="IpPacket"/> view.</summary>
internal struct IpExchange
{
    public IpAddress Source;
    public IpAddress Destination;
    public IpProtocol Protocol;
    public byte HopLimit;
    /// <summary>Where the payload starts in the datagram (received) or in the link buffer (sending).</summary>
    public int PayloadOffset;
    public int PayloadLength;
    /// <summary>Offset of the IPv6 next-header field naming the payload's protocol (for Parameter Problem pointers).</summary>
    public int NextHeaderPointer;
    public bool Received;
    public bool Multicast;
    /// <summary>The datagram lives outside the device buffer (it was reassembled).</summary>
    public bool Detached;
    /// <summary>Received for an address not ours, taken in transparent mode (<see cref="IpEndpoint.AcceptAny"/>).</summary>
    public bool Foreign;
    public bool Prepared;
    /// <summary>The prepared datagram is larger than the MTU and is written into the fragmenter's buffer.</summary>
    public bool Large;
    /// <summary>Set the IPv4 Don't Fragment bit on the prepared datagram or the reply.</summary>
    public bool DontFragment;
    /// <summary>The transport checksum of the datagram sent holds the pseudo-header sum: the device finishes it.</summary>
    public bool ChecksumOffload;
    /// <summary>The prepared datagram may be a TCP super-segment larger than the path MTU (<see cref="IpSendOptions.Segmented"/>).</summary>
    public bool Segmented;
    /// <summary>The data bytes of each segment the device cuts the prepared super-segment into; 0 for none.</summary>
    public ushort SegmentSize;
    public IpOutcome Outcome;

    /// <summary>The exchange for a received IPv4 datagram.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static IpExchange Receiving(Ipv4Packet packet, bool multicast, bool detached) => new()
    {
        Source = packet.Source,
        Destination = packet.Destination,
        Protocol = packet.Protocol,
        HopLimit = packet.TimeToLive,
        PayloadOffset = packet.HeaderLength,
        PayloadLength = packet.TotalLength - packet.HeaderLength,
        Received = true,
        Multicast = multicast,
        Detached = detached,
    };

    /// <summary>The exchange for a received IPv6 datagram whose upper layer starts where <paramref name="upper"/> says.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static IpExchange Receiving(Ipv6Packet packet, Ipv6UpperLayer upper, bool multicast, bool detached) => new()
    {
        Source = packet.Source,
        Destination = packet.Destination,
        Protocol = upper.Protocol,
        HopLimit = packet.HopLimit,
        PayloadOffset = Ipv6Packet.HeaderLength + upper.Offset,
        PayloadLength = packet.PayloadLength - upper.Offset,
        Received = true,
        Multicast = multicast,
        Detached = detached,
    };
}

/// <summary>
/// An IP datagram lent to the layer above for one call. Received, it shows the addresses, the protocol
/// and the payload, which the handler may rewrite and send back with <see cref="Reply(int)"/>, answer with a
/// reply of any size up to the path MTU built in <see cref="ReplyPayload"/> (<see cref="Reply(int, IpSendOptions)"/>),
/// or refuse with <see cref="RejectProtocol"/> / <see cref="SendPortUnreachable"/>. Lent for sending, it is
/// filled with <c>TryPrepare</c> and <see cref="Send"/>. Both media (Ethernet and bare IP) look the same here.
/// </summary>
public readonly ref struct IpPacket
{
    private readonly LinkFrame _link;
    private readonly IpEndpoint _endpoint;
    private readonly ref IpExchange _x;
    private readonly Span<byte> _datagram;

    internal IpPacket(LinkFrame link, IpEndpoint endpoint, ref IpExchange exchange, Span<byte> datagram)
    {
        _link = link;
        _endpoint = endpoint;
        _x = ref exchange;
        _datagram = datagram;
    }

    /// <summary>True for a received datagram, false for a buffer lent for sending.</summary>
    public bool IsReceived => _x.Received;
    /// <summary>IPv4 or IPv6.</summary>
    public IpVersion Version => _x.Destination.Version;
    /// <summary>Sender (received) or our chosen source (after <c>TryPrepare</c>).</summary>
    public IpAddress Source => _x.Source;
    /// <summary>Destination.</summary>
    public IpAddress Destination => _x.Destination;
    /// <summary>The upper-layer protocol.</summary>
    public IpProtocol Protocol => _x.Protocol;
    /// <summary>TTL or hop limit as received.</summary>
    public byte HopLimit => _x.HopLimit;
    /// <summary>The destination was a broadcast or multicast address (no errors may answer it, RFC 1122 §3.2.2).</summary>
    public bool IsMulticast => _x.Multicast || _link.LinkMulticast;
    /// <summary>The datagram was reassembled from fragments.</summary>
    public bool IsReassembled => _x.Detached;
    /// <summary>
    /// The datagram went to an address that is not ours and was taken in transparent mode (<see cref="IpEndpoint.AcceptAny"/>):
    /// <see cref="Destination"/> is the original destination, and answers come from it.
    /// </summary>
    public bool IsForeign => _x.Received && _x.Foreign;
    /// <summary>When it arrived, or the time of the transmit call.</summary>
    public Instant Timestamp => _link.Now;
    /// <summary>The endpoint (addresses, routes, path MTUs, counters).</summary>
    public IpEndpoint Endpoint => _endpoint;

    /// <summary>
    /// True when the device vouches for the transport checksum of this received datagram (<see cref="RawPacket.Offload"/>):
    /// it verified it, or the datagram was made on this host and its checksum left for an offload to finish. The layer
    /// above then skips its own verification. False for a datagram sent, reassembled, or about which the device says nothing.
    /// </summary>
    public bool ChecksumVouched => _x.Received && _link.VouchesFor(Payload);

    /// <summary>
    /// Asks the device to finish the TCP or UDP checksum of the datagram prepared (or the reply about to be built) in this
    /// buffer. True when it will: write the pseudo-header sum (not complemented) into the checksum field instead of the
    /// checksum (<c>TcpRepr.TryEmit</c> and <c>UdpRepr.TryEmit</c> do with <c>partialChecksum</c>). False when the device
    /// cannot, or the datagram goes to the fragmenter, or the protocol is neither TCP nor UDP: write the full checksum. If
    /// the datagram then waits for address resolution, the IP layer finishes the checksum itself before it is queued.
    /// </summary>
    public bool TryOffloadChecksum()
    {
        bool ready = _x.Received ? _x.Outcome == IpOutcome.None : _x.Prepared && _x.Outcome == IpOutcome.None && !_x.Large;
        if (!ready || _x.Protocol is not (IpProtocol.Tcp or IpProtocol.Udp) || !_link.TakesPartialChecksum) return false;
        _x.ChecksumOffload = true;
        return true;
    }

    /// <summary>
    /// Asks the device to cut the TCP super-segment prepared with <see cref="IpSendOptions.Segmented"/> into segments of
    /// <paramref name="segmentSize"/> data bytes each, every one with the super-segment's header (TSO). Implies
    /// <see cref="TryOffloadChecksum"/>: write the pseudo-header sum of the whole super-segment into the checksum field.
    /// False when the device cannot or the datagram was not prepared so (then send it as it is, MTU-sized, with a full checksum).
    /// </summary>
    public bool TryOffloadSegmentation(int segmentSize)
    {
        if (_x.Received || !_x.Segmented || _x.Protocol != IpProtocol.Tcp || segmentSize is <= 0 or > ushort.MaxValue
            || !_link.TakesSegmentation || !TryOffloadChecksum())
            return false;
        _x.SegmentSize = (ushort)segmentSize;
        return true;
    }

    /// <summary>
    /// True once a datagram went out through this packet or was accepted for sending: the lent buffer is
    /// queued for the device, or the datagram was held for address resolution or handed to the fragmenter,
    /// or (received) an answer was sent. False while nothing was sent, or when an attempt failed (no route, too
    /// big): the buffer is still free, and a multiplexer offers it to the next sender.
    /// </summary>
    public bool IsUsed => _link.Raw.IsQueued || _x.Outcome is IpOutcome.Sent or IpOutcome.Held;

    /// <summary>Forgets an unused transmit buffer's failed or abandoned attempt, so the next sender starts afresh.</summary>
    internal void Relend()
    {
        if (!_x.Received && !IsUsed) _x = default;
    }

    /// <summary>The upper-layer payload: received bytes, or the space reserved by <c>TryPrepare</c>.</summary>
    public Span<byte> Payload => _x.Received
        ? _datagram.Slice(_x.PayloadOffset, _x.PayloadLength)
        : _x.Prepared ? PreparedBuffer().Slice(_x.PayloadOffset, _x.PayloadLength) : default;

    private Span<byte> PreparedBuffer() => _x.Large ? _endpoint.Fragmenter!.Reserve(_x.PayloadOffset + _x.PayloadLength) : _link.Buffer;

    /// <summary>
    /// The largest payload that goes out unfragmented to <paramref name="destination"/>: the path MTU
    /// (<see cref="IpEndpoint.PathMtuFor"/>) or the lent buffer, whichever is smaller, less our IP header. Without
    /// <see cref="IpSendOptions.DontFragment"/>, <c>TryPrepare</c> accepts more when the endpoint has a <see cref="Fragmenter"/>.
    /// </summary>
    public int MaxPayload(in IpAddress destination) => Math.Max(0, Fits(destination) - IpOutput.HeaderLength(destination));

    // The largest datagram that leaves unfragmented in this buffer.
    private int Fits(in IpAddress destination) => Math.Min(_endpoint.PathMtuFor(destination, _link.Now), _link.Buffer.Length);

    /// <summary>
    /// The largest TCP payload (header and data) a super-segment to <paramref name="destination"/> may have in this buffer
    /// when the device cuts it into segments (TSO, <see cref="IpSendOptions.Segmented"/>): 64 KiB less the IP header, or
    /// the buffer's size; 0 when the device does not segment.
    /// </summary>
    public int MaxSegmentedPayload(in IpAddress destination)
        => _link.TakesSegmentation ? Math.Max(0, Math.Min(ushort.MaxValue, _link.Buffer.Length) - IpOutput.HeaderLength(destination)) : 0;

    /// <summary>
    /// Says no handler above knows this protocol: the IP layer counts it and answers with an ICMP protocol
    /// unreachable (IPv4, RFC 1122 §3.2.2.1) or a parameter problem pointing at the next header (IPv6, RFC 8200 §4).
    /// </summary>
    public void RejectProtocol()
    {
        if (_x.Received && _x.Outcome == IpOutcome.None) _x.Outcome = IpOutcome.Rejected;
    }

    /// <summary>Takes back a refusal: a transport handled this ICMP error even though the ICMP handler refused it.</summary>
    internal void Accept()
    {
        if (_x.Outcome == IpOutcome.Rejected) _x.Outcome = IpOutcome.None;
    }

    /// <summary>
    /// Answers a received datagram with an ICMP port unreachable (RFC 1122 §4.1.3.1, RFC 4443 §3.1 code 4),
    /// in place, unless the rules forbid it (multicast, an error) or the rate limit holds it back.
    /// </summary>
    public bool SendPortUnreachable()
    {
        if (!_x.Received || _x.Outcome != IpOutcome.None) return false;
        bool sent = IpOutput.SendError(_endpoint, _link, _datagram, ref _x, IcmpErrorKind.PortUnreachable, 0);
        _x.Outcome = sent ? IpOutcome.Sent : IpOutcome.Failed;
        return sent;
    }

    /// <summary>
    /// Sends the (rewritten) payload back to the sender, its first <paramref name="payloadLength"/> bytes (no more than were received), with
    /// the same protocol. The payload must already be final (upper-layer checksums computed against
    /// <see cref="ReplySource"/> and <see cref="Source"/>).
    /// </summary>
    public bool Reply(int payloadLength)
    {
        if (!_x.Received || _x.Outcome != IpOutcome.None || (uint)payloadLength > (uint)_x.PayloadLength) return false;
        bool sent = IpOutput.Reply(_endpoint, _link, _datagram, ref _x, payloadLength);
        _x.Outcome = sent ? IpOutcome.Sent : IpOutcome.Failed;
        return sent;
    }

    /// <summary>
    /// Where the transport payload of an answer to this received datagram goes: the lent buffer right after the
    /// answer's IP header, up to the path MTU toward the sender or the buffer's end, whichever comes first. Build
    /// the answer here (an ACK with data, a SYN-ACK with more options than the SYN) and send it with
    /// <see cref="Reply(int, IpSendOptions)"/>; nothing is copied. Empty once answered, and for a transmit buffer.
    /// </summary>
    /// <remarks>
    /// This region overlaps the received datagram: read from <see cref="Payload"/> everything you need before you
    /// write here. It starts where <see cref="Payload"/> starts only when the datagram came without IPv4 options or
    /// IPv6 extension headers; with them, <see cref="Payload"/> starts further in, so a write here can overwrite
    /// payload bytes not yet read. A reassembled datagram's <see cref="Payload"/> lives in the reassembler while
    /// this region is in the device buffer. The addresses, protocol and hop limit stay readable throughout.
    /// </remarks>
    public Span<byte> ReplyPayload
    {
        get
        {
            if (!_x.Received || _x.Outcome != IpOutcome.None) return default;
            int header = IpOutput.HeaderLength(_x.Source);
            int end = Fits(_x.Source);
            return end > header ? _link.Buffer[header..end] : default;
        }
    }

    /// <summary>
    /// Sends the first <paramref name="payloadLength"/> bytes of <see cref="ReplyPayload"/> back to the sender from
    /// <see cref="ReplySource"/>, with the same protocol: any length up to <see cref="ReplyPayload"/>'s, larger than
    /// what was received too. The IP header is written in front; the payload stays where it is and must be final
    /// (upper-layer checksum computed against <see cref="ReplySource"/> and <see cref="Source"/>). With
    /// <see cref="IpSendOptions.DontFragment"/> an IPv4 answer carries DF. Never fragmented: false (counted as
    /// <see cref="IpCounters.DroppedTooBig"/>) when longer than <see cref="ReplyPayload"/>.
    /// </summary>
    public bool Reply(int payloadLength, IpSendOptions options)
    {
        if (!_x.Received || _x.Outcome != IpOutcome.None || payloadLength < 0) return false;
        if (payloadLength > ReplyPayload.Length)
        {
            _endpoint._counters.DroppedTooBig++;
            return false;
        }
        _x.DontFragment = (options & IpSendOptions.DontFragment) != 0;
        bool sent = IpOutput.ReplyInPlace(_endpoint, _link, ref _x, payloadLength);
        _x.Outcome = sent ? IpOutcome.Sent : IpOutcome.Failed;
        return sent;
    }

    /// <summary>The source address a reply will carry: the address the datagram was sent to, or ours for a multicast one.</summary>
    public IpAddress ReplySource
    {
        get
        {
            if (!_x.Multicast) return _x.Destination;
            _endpoint.TrySelectSource(_x.Source, out var source);
            return source;
        }
    }

    /// <summary>
    /// Reserves a payload of <paramref name="payloadLength"/> bytes for a datagram of
    /// <paramref name="protocol"/> to <paramref name="destination"/>, choosing our source address
    /// (<see cref="Source"/>). A datagram larger than the path MTU is written into the fragmenter's buffer and
    /// sent in fragments of the path MTU (RFC 791 §3.2, RFC 8200 §4.5). False when there is no source address,
    /// or it is too large and the fragmenter is missing or busy.
    /// </summary>
    public bool TryPrepare(in IpAddress destination, IpProtocol protocol, int payloadLength, out Span<byte> payload)
    {
        payload = default;
        if (_x.Received || _x.Outcome != IpOutcome.None) return false;
        if (destination.IsUnspecified || !_endpoint.TrySelectSource(destination, out var source))
        {
            _endpoint._counters.DroppedNoRoute++;
            return false;
        }
        return Prepare(source, destination, protocol, payloadLength, dontFragment: false, segmented: false, out payload);
    }

    /// <summary>
    /// Reserves a payload of <paramref name="payloadLength"/> bytes for a datagram of <paramref name="protocol"/>
    /// from our <paramref name="source"/> to <paramref name="destination"/>: a connection's four-tuple stays as it
    /// was opened whatever addresses come and go. False, counted as <see cref="IpCounters.DroppedSourceUnusable"/>,
    /// when <paramref name="source"/> is not one of our usable addresses (tentative, duplicate, removed) or not of
    /// <paramref name="destination"/>'s family; in transparent mode any unicast address not ours may be the source
    /// (<see cref="IpEndpoint.CanSendFrom"/>). With <see cref="IpSendOptions.DontFragment"/> the IPv4 DF bit is set and
    /// a datagram larger than the path MTU or the buffer is refused (<see cref="IpCounters.DroppedTooBig"/>); without,
    /// it goes to the fragmenter like the other overload's.
    /// </summary>
    public bool TryPrepare(in IpAddress source, in IpAddress destination, IpProtocol protocol, int payloadLength, IpSendOptions options, out Span<byte> payload)
    {
        payload = default;
        if (_x.Received || _x.Outcome != IpOutcome.None) return false;
        if (destination.IsUnspecified)
        {
            _endpoint._counters.DroppedNoRoute++;
            return false;
        }
        if (source.Version != destination.Version || !_endpoint.CanSendFrom(source))
        {
            _endpoint._counters.DroppedSourceUnusable++;
            return false;
        }
        return Prepare(source, destination, protocol, payloadLength, (options & IpSendOptions.DontFragment) != 0,
            (options & IpSendOptions.Segmented) != 0, out payload);
    }

    private bool Prepare(IpAddress source, IpAddress destination, IpProtocol protocol, int payloadLength, bool dontFragment, bool segmented,
        out Span<byte> payload)
    {
        payload = default;
        int header = IpOutput.HeaderLength(destination);
        segmented &= protocol == IpProtocol.Tcp && payloadLength <= MaxSegmentedPayload(destination);
        bool large = !segmented && header + payloadLength > Fits(destination);
        if (payloadLength < 0 || (large && (dontFragment || IpOutput.ReserveLarge(_endpoint, header + payloadLength).IsEmpty)))
        {
            _endpoint._counters.DroppedTooBig++;
            return false;
        }
        _x.Source = source;
        _x.Destination = destination;
        _x.Protocol = protocol;
        _x.HopLimit = _endpoint.HopLimit;
        _x.PayloadOffset = header;
        _x.PayloadLength = payloadLength;
        _x.Prepared = true;
        _x.Large = large;
        _x.DontFragment = dontFragment;
        _x.Segmented = segmented;
        payload = PreparedBuffer().Slice(header, payloadLength);
        return true;
    }

    /// <summary>
    /// Sends the prepared datagram: writes the IP header, resolves the next hop (holding the packet and
    /// sending a resolution request when the neighbour is unknown). True when sent or held.
    /// </summary>
    public bool Send()
    {
        if (!_x.Prepared || _x.Outcome != IpOutcome.None) return false;
        _x.Outcome = IpOutput.SendPrepared(_endpoint, _link, ref _x);
        return _x.Outcome is IpOutcome.Sent or IpOutcome.Held;
    }
}
