using System;
using Ethox.Wire;

namespace Ethox.Layer.Eth;

/// <summary>
/// A frame lent by the Ethernet layer to the layer above for one call: either a received frame that is
/// ours (its payload may be rewritten and sent back in place with <see cref="Reply"/>) or an empty
/// transmit buffer to fill behind <see cref="PayloadCapacity"/> and <see cref="Send"/>.
/// </summary>
public readonly ref struct EthernetPacket
{
    private readonly EthernetFrame _frame;

    internal EthernetPacket(RawPacket raw, EthernetEndpoint endpoint, EthernetFrame frame, bool received)
    {
        Raw = raw;
        Endpoint = endpoint;
        _frame = frame;
        IsReceived = received;
    }

    internal RawPacket Raw { get; }
    internal EthernetEndpoint Endpoint { get; }

    /// <summary>True for a received frame, false for an empty transmit buffer.</summary>
    public bool IsReceived { get; }
    /// <summary>The received frame (empty for a transmit buffer).</summary>
    public EthernetFrame Frame => _frame;
    /// <summary>Sender's station address.</summary>
    public EthernetAddress Source => _frame.Source;
    /// <summary>Destination station or group address.</summary>
    public EthernetAddress Destination => _frame.Destination;
    /// <summary>The EtherType after any VLAN tag.</summary>
    public EtherType EtherType => _frame.EtherType;
    /// <summary>The received payload (may include padding up to the 60-byte minimum frame).</summary>
    public Span<byte> Payload => _frame.Payload;
    /// <summary>When the frame arrived, or the time of the transmit call.</summary>
    public Instant Timestamp => Raw.Timestamp;
    /// <summary>Our station address.</summary>
    public EthernetAddress LocalAddress => Endpoint.Address;
    /// <summary>Where the payload of a frame we send goes: the buffer after our header, up to its capacity.</summary>
    public Span<byte> PayloadCapacity => Raw.Capacity[Endpoint.HeaderLength..];

    /// <summary>
    /// Sends <paramref name="payloadLength"/> bytes already written at <see cref="PayloadCapacity"/> to
    /// <paramref name="destination"/>. False when the length does not fit the buffer.
    /// </summary>
    public bool Send(EthernetAddress destination, EtherType type, int payloadLength)
        => Endpoint.Transmit(Raw, destination, type, payloadLength);

    /// <summary>
    /// Answers a received frame in place: the payload (rewritten by the caller, <paramref name="payloadLength"/>
    /// bytes) goes back to the sender from our address.
    /// </summary>
    public bool Reply(EtherType type, int payloadLength) => IsReceived && Send(_frame.Source, type, payloadLength);

    /// <summary>Tells the Ethernet layer no layer above handles this frame's type (counted, then dropped).</summary>
    public void RejectType()
    {
        // The frame was counted delivered before the layer above looked at it; it is a drop after all.
        Endpoint._counters.Delivered--;
        Endpoint._counters.DroppedUnknownType++;
    }
}
