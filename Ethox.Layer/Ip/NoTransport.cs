namespace Ethox.Layer.Ip;

/// <summary>
/// An empty slot of a <see cref="TransportMux{TTcp, TUdp, TIcmp}"/>: refuses every datagram (the IP layer then
/// answers with protocol unreachable, or counts an ICMP message as ignored), sends nothing, has no timers and
/// ignores errors.
/// </summary>
public struct NoTransport : IRecv<IpPacket>, ISend<IpPacket>, ITimed, ITransportErrors
{
    /// <summary>Refuses the datagram.</summary>
    public readonly void Receive(IpPacket packet) => packet.RejectProtocol();
    /// <summary>Leaves the buffer unused.</summary>
    public readonly void Send(IpPacket packet) { }
    /// <summary><see cref="Instant.Never"/>.</summary>
    public readonly Instant NextDeadline() => Instant.Never;
    /// <summary>Ignores the error.</summary>
    public readonly void ReceiveError(in IcmpTransportError error) { }
}
