using System;
using System.Buffers.Binary;
using Ethox.Layer.Ip;
using Ethox.Wire;

namespace Ethox.Layer.Udp;

/// <summary>
/// A UDP datagram lent to the application for one call. Received, it shows both ends and the payload,
/// which may be rewritten and sent back in place with <see cref="Reply"/>. Lent for sending, it is
/// filled with <see cref="TrySend(TransportAddress, ushort, ReadOnlySpan{byte})"/> (copying) or <see cref="TryPrepare(TransportAddress, ushort, int, out Span{byte})"/> + <see cref="Send"/> (writing in place).
/// </summary>
public readonly ref struct UdpPacket
{
    private readonly IpPacket _ip;
    private readonly UdpEndpoint _endpoint;

    internal UdpPacket(IpPacket ip, UdpEndpoint endpoint)
    {
        _ip = ip;
        _endpoint = endpoint;
    }

    /// <summary>True for a received datagram, false for a buffer lent for sending.</summary>
    public bool IsReceived => _ip.IsReceived;
    /// <summary>The sender (received) or our end (after <see cref="TryPrepare(TransportAddress, ushort, int, out Span{byte})"/>).</summary>
    public TransportAddress Source => new(_ip.Source, HeaderField(0));
    /// <summary>The receiver.</summary>
    public TransportAddress Destination => new(_ip.Destination, HeaderField(2));
    /// <summary>The data, as long as the UDP length field says (IP padding excluded).</summary>
    public Span<byte> Payload
    {
        get
        {
            var datagram = _ip.Payload;
            int length = HeaderField(4);
            return length >= UdpDatagram.HeaderLength && length <= datagram.Length ? datagram[UdpDatagram.HeaderLength..length] : default;
        }
    }
    /// <summary>The datagram went to a broadcast or multicast address.</summary>
    public bool IsMulticast => _ip.IsMulticast;
    /// <summary>
    /// The datagram went to an address not ours and came in through transparent mode (<see cref="IpEndpoint.AcceptAny"/>):
    /// delivered whatever its port; <see cref="Reply"/> answers from <see cref="Destination"/>, and
    /// <see cref="TrySend(TransportAddress, TransportAddress, ReadOnlySpan{byte})"/> sends from it later.
    /// </summary>
    public bool IsForeign => _ip.IsForeign;
    /// <summary>When it arrived, or the time of the transmit call.</summary>
    public Instant Timestamp => _ip.Timestamp;
    /// <summary>The largest payload that goes out unfragmented to <paramref name="destination"/>.</summary>
    public int MaxPayload(in IpAddress destination) => _ip.MaxPayload(destination) - UdpDatagram.HeaderLength;

    private ushort HeaderField(int offset)
    {
        var datagram = _ip.Payload;
        return datagram.Length >= UdpDatagram.HeaderLength ? BinaryPrimitives.ReadUInt16BigEndian(datagram[offset..]) : (ushort)0;
    }

    /// <summary>
    /// Sends the first <paramref name="payloadLength"/> bytes of the (rewritten) payload back to the sender
    /// from the port it was sent to.
    /// </summary>
    public bool Reply(int payloadLength)
    {
        if (!IsReceived || (uint)payloadLength > (uint)Payload.Length) return false;
        var datagram = _ip.Payload[..(UdpDatagram.HeaderLength + payloadLength)];
        var repr = new UdpRepr(HeaderField(2), HeaderField(0), payloadLength);
        repr.TryEmit(datagram, _ip.ReplySource, _ip.Source, _ip.TryOffloadChecksum());
        if (!_ip.Reply(datagram.Length)) return false;
        _endpoint._counters.DatagramsOut++;
        return true;
    }

    /// <summary>
    /// Answers a received datagram nobody wants with an ICMP port unreachable from the address it went to (RFC 1122
    /// §4.1.3.1), unless the rules or the rate limit forbid it. The layer does so itself for an unbound port of ours; a
    /// datagram to a foreign address (<see cref="IsForeign"/>) is the application's to refuse, or to drop silently.
    /// </summary>
    public bool SendPortUnreachable()
    {
        if (!IsReceived) return false;
        _endpoint._counters.NoPort++;
        return _ip.SendPortUnreachable();
    }

    /// <summary>
    /// Reserves <paramref name="payloadLength"/> bytes for a datagram from our <paramref name="localPort"/> to
    /// <paramref name="remote"/>; write the data into <paramref name="payload"/>, then call <see cref="Send"/>.
    /// </summary>
    public bool TryPrepare(TransportAddress remote, ushort localPort, int payloadLength, out Span<byte> payload)
    {
        payload = default;
        if (IsReceived || payloadLength is < 0 or > UdpRepr.MaxPayloadLength) return false;
        if (!_ip.TryPrepare(remote.Address, IpProtocol.Udp, UdpDatagram.HeaderLength + payloadLength, out var datagram)) return false;
        payload = WriteHeader(datagram, localPort, remote.Port);
        return true;
    }

    /// <summary>
    /// Reserves <paramref name="payloadLength"/> bytes for a datagram from <paramref name="local"/> to
    /// <paramref name="remote"/>: the source address is pinned, so an answer leaves from the address the question went to,
    /// a foreign one in transparent mode included (<see cref="IpEndpoint.CanSendFrom"/>). False when that address may not be
    /// a source (counted as <see cref="IpCounters.DroppedSourceUnusable"/>). Write the data, then call <see cref="Send"/>.
    /// </summary>
    public bool TryPrepare(TransportAddress local, TransportAddress remote, int payloadLength, out Span<byte> payload)
    {
        payload = default;
        if (IsReceived || payloadLength is < 0 or > UdpRepr.MaxPayloadLength) return false;
        if (!_ip.TryPrepare(local.Address, remote.Address, IpProtocol.Udp, UdpDatagram.HeaderLength + payloadLength, IpSendOptions.None, out var datagram))
            return false;
        payload = WriteHeader(datagram, local.Port, remote.Port);
        return true;
    }

    private static Span<byte> WriteHeader(Span<byte> datagram, ushort sourcePort, ushort destinationPort)
    {
        BinaryPrimitives.WriteUInt16BigEndian(datagram, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[4..], (ushort)datagram.Length);
        return datagram[UdpDatagram.HeaderLength..];
    }

    /// <summary>
    /// Sends the prepared datagram with its checksum (always, also over IPv4: RFC 1122 §4.1.3.4), computed here or, when
    /// the device takes it, finished by the device.
    /// </summary>
    public bool Send()
    {
        var datagram = _ip.Payload;
        if (IsReceived || datagram.Length < UdpDatagram.HeaderLength) return false;
        var repr = new UdpRepr(HeaderField(0), HeaderField(2), datagram.Length - UdpDatagram.HeaderLength);
        repr.TryEmit(datagram, _ip.Source, _ip.Destination, _ip.TryOffloadChecksum());
        if (!_ip.Send()) return false;
        _endpoint._counters.DatagramsOut++;
        return true;
    }

    /// <summary>Copies <paramref name="data"/> into a datagram from <paramref name="localPort"/> to <paramref name="remote"/> and sends it.</summary>
    public bool TrySend(TransportAddress remote, ushort localPort, ReadOnlySpan<byte> data)
    {
        if (!TryPrepare(remote, localPort, data.Length, out var payload)) return false;
        data.CopyTo(payload);
        return Send();
    }

    /// <summary>
    /// Copies <paramref name="data"/> into a datagram from <paramref name="local"/> (pinned, a foreign address in
    /// transparent mode included) to <paramref name="remote"/> and sends it.
    /// </summary>
    public bool TrySend(TransportAddress local, TransportAddress remote, ReadOnlySpan<byte> data)
    {
        if (!TryPrepare(local, remote, data.Length, out var payload)) return false;
        data.CopyTo(payload);
        return Send();
    }
}
