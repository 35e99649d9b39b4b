namespace Ethox.Layer.Ip;

/// <summary>
/// A transport (TCP, UDP) that hears about ICMP errors quoting its datagrams. <see cref="TransportMux{TTcp, TUdp, TIcmp}"/>
/// decodes each error once and calls the transport the quoted datagram belonged to.
/// </summary>
public interface ITransportErrors
{
    /// <summary>
    /// One decoded error. Nothing in it has been validated against the transport's state: the quoted addresses,
    /// ports and sequence number come from whoever sent the ICMP message, so the transport checks them
    /// (RFC 5927 §4: a connection must exist and the quoted sequence number must be in flight) before acting.
    /// </summary>
    void ReceiveError(in IcmpTransportError error);
}
