using System;
using Ethox.Wire;

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
    public bool Prepared;
    /// <summary>The prepared datagram is larger than the MTU and is written into the fragmenter's buffer.</summary>
    public bool Large;
    public IpOutcome Outcome;

    /// <summary>The exchange for a received IPv4 datagram.</summary>
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
/// and the payload, which the handler may rewrite and send back with <see cref="Reply"/>, or refuse with
/// <see cref="RejectProtocol"/> / <see cref="SendPortUnreachable"/>. Lent for sending, it is filled with
/// <see cref="TryPrepare"/> and <see cref="Send"/>. Both media (Ethernet and bare IP) look the same here.
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
    /// <summary>Sender (received) or our chosen source (after <see cref="TryPrepare"/>).</summary>
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
    /// <summary>When it arrived, or the time of the transmit call.</summary>
    public Instant Timestamp => _link.Now;
    /// <summary>The endpoint (addresses, routes, counters).</summary>
    public IpEndpoint Endpoint => _endpoint;

    /// <summary>The upper-layer payload: received bytes, or the space reserved by <see cref="TryPrepare"/>.</summary>
    public Span<byte> Payload => _x.Received
        ? _datagram.Slice(_x.PayloadOffset, _x.PayloadLength)
        : _x.Prepared ? PreparedBuffer().Slice(_x.PayloadOffset, _x.PayloadLength) : default;

    private Span<byte> PreparedBuffer() => _x.Large ? _endpoint.Fragmenter!.Reserve(_x.PayloadOffset + _x.PayloadLength) : _link.Buffer;

    /// <summary>The largest payload that goes out unfragmented to <paramref name="destination"/> (<see cref="TryPrepare"/> accepts more when the endpoint has a <see cref="Fragmenter"/>).</summary>
    public int MaxPayload(in IpAddress destination) => _endpoint.Mtu - IpOutput.HeaderLength(destination);

    /// <summary>
    /// Says no handler above knows this protocol: the IP layer counts it and answers with an ICMP protocol
    /// unreachable (IPv4, RFC 1122 §3.2.2.1) or a parameter problem pointing at the next header (IPv6, RFC 8200 §4).
    /// </summary>
    public void RejectProtocol()
    {
        if (_x.Received && _x.Outcome == IpOutcome.None) _x.Outcome = IpOutcome.Rejected;
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

    /// <summary>The source address a <see cref="Reply"/> will carry: the address the datagram was sent to, or ours for a multicast one.</summary>
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
    /// (<see cref="Source"/>). A datagram larger than the MTU is written into the fragmenter's buffer and
    /// sent in fragments (RFC 791 §3.2, RFC 8200 §4.5). False when there is no route or source address, or
    /// it is too large and the fragmenter is missing or busy.
    /// </summary>
    public bool TryPrepare(in IpAddress destination, IpProtocol protocol, int payloadLength, out Span<byte> payload)
    {
        payload = default;
        if (_x.Received || _x.Outcome != IpOutcome.None) return false;
        int header = IpOutput.HeaderLength(destination);
        bool large = header + payloadLength > Math.Min(_endpoint.Mtu, _link.Buffer.Length);
        if (payloadLength < 0 || (large && IpOutput.ReserveLarge(_endpoint, header + payloadLength).IsEmpty))
        {
            _endpoint._counters.DroppedTooBig++;
            return false;
        }
        if (destination.IsUnspecified || !_endpoint.TrySelectSource(destination, out var source))
        {
            _endpoint._counters.DroppedNoRoute++;
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
