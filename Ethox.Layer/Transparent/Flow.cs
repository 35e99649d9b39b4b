using Ethox.Layer.Tcp;
using Ethox.Wire;

namespace Ethox.Layer.Transparent;

/// <summary>
/// One flow of a <see cref="TransparentStack{THandler}"/>: a TCP connection or the datagrams of one UDP four-tuple.
/// <see cref="Local"/> is the original destination (any address in transparent mode), where answers come from;
/// <see cref="Remote"/> the peer. A TCP flow also carries its connection's <see cref="Key"/>, which goes stale once the
/// handler is told <see cref="TcpEvents.Closed"/> (or the flow is aborted); a UDP flow has none and never ends.
/// </summary>
/// <param name="Protocol"><see cref="IpProtocol.Tcp"/> or <see cref="IpProtocol.Udp"/>.</param>
/// <param name="Tuple">Both ends; local first.</param>
/// <param name="Key">The TCP connection's slot key; <see cref="SlotKey.None"/> for UDP and for a connection not (yet) accepted.</param>
public readonly record struct Flow(IpProtocol Protocol, FourTuple Tuple, SlotKey Key)
{
    /// <summary>Our end: the address and port the peer sent to.</summary>
    public TransportAddress Local => Tuple.Local;
    /// <summary>The peer's end.</summary>
    public TransportAddress Remote => Tuple.Remote;
    /// <summary>True for a TCP connection.</summary>
    public bool IsTcp => Protocol == IpProtocol.Tcp;
}
