using System;
using System.Buffers.Binary;
using Ethox.Layer.Ip;
using Ethox.Wire;

namespace Ethox.Layer.Udp;

/// <summary>
/// A UDP datagram lent to the application for one call. Received, it shows both ends and the payload,
/// which may be rewritten and sent back in place with <see cref="Reply"/>. Lent for sending, it is
/// filled with <see cref="TrySend"/> (copying) or <see cref="TryPrepare"/> + <see cref="Send"/> (writing in place).
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
    /// <summary>The sender (received) or our end (after <see cref="TryPrepare"/>).</summary>
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
    /// Reserves <paramref name="payloadLength"/> bytes for a datagram from our <paramref name="localPort"/> to
    /// <paramref name="remote"/>; write the data into <paramref name="payload"/>, then call <see cref="Send"/>.
    /// </summary>
    public bool TryPrepare(TransportAddress remote, ushort localPort, int payloadLength, out Span<byte> payload)
    {
        payload = default;
        if (IsReceived || payloadLength is < 0 or > UdpRepr.MaxPayloadLength) return false;
        if (!_ip.TryPrepare(remote.Address, IpProtocol.Udp, UdpDatagram.HeaderLength + payloadLength, out var datagram)) return false;
        BinaryPrimitives.WriteUInt16BigEndian(datagram, localPort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[2..], remote.Port);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[4..], (ushort)datagram.Length);
        payload = datagram[UdpDatagram.HeaderLength..];
        return true;
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
}
