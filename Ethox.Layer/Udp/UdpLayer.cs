using System.Diagnostics.CodeAnalysis;
using Ethox.Layer.Ip;
using Ethox.Wire;

namespace Ethox.Layer.Udp;

/// <summary>
/// The UDP layer (RFC 768): checks length and checksum, delivers datagrams for bound ports (and, in transparent mode,
/// every datagram to a foreign address: <see cref="IpEndpoint.AcceptAny"/>) to <typeparamref name="TUser"/>, answers
/// the rest with port unreachable (RFC 1122 §4.1.3.1), refuses other
/// protocols back to the IP layer, and lends transmit buffers to the application. Used straight above the IP
/// layer, or in the UDP slot of a <see cref="TransportMux{TTcp, TUdp, TIcmp}"/>, which also brings it ICMP errors.
/// </summary>
public struct UdpLayer<TUser> : IRecv<IpPacket>, ISend<IpPacket>, ITimed, ITransportErrors
    where TUser : IRecv<UdpPacket>, ISend<UdpPacket>
{
    private readonly UdpEndpoint _endpoint;
    private TUser _user;

    /// <summary>The layer for <paramref name="endpoint"/> with the application <paramref name="user"/> above it.</summary>
    public UdpLayer(UdpEndpoint endpoint, TUser user)
    {
        _endpoint = endpoint;
        _user = user;
    }

    /// <summary>The UDP state.</summary>
    public readonly UdpEndpoint Endpoint => _endpoint;

    /// <summary>The application, by reference.</summary>
    [UnscopedRef]
    public ref TUser User => ref _user;

    /// <summary>One datagram from the IP layer.</summary>
    public void Receive(IpPacket packet)
    {
        if (packet.Protocol != IpProtocol.Udp)
        {
            packet.RejectProtocol();
            return;
        }
        ref var counters = ref _endpoint._counters;
        counters.DatagramsIn++;
        if (!UdpDatagram.TryParse(packet.Payload, out var datagram, out var error)) { counters.Errors.Count(error); return; }
        // A checksum the device vouches for (verified, or left partial by a sender on this host) is not checked again.
        if (_endpoint.VerifyChecksums && !packet.ChecksumVouched && !datagram.VerifyChecksum(packet.Source, packet.Destination)) { counters.Errors.Count(WireError.BadChecksum); return; }
        // Transparent mode: a datagram to a foreign address goes to the application whatever its port; it decides.
        if (!packet.IsForeign && !_endpoint.IsBound(datagram.DestinationPort))
        {
            counters.NoPort++;
            packet.SendPortUnreachable();
            return;
        }
        counters.Delivered++;
        _user.Receive(new UdpPacket(packet, _endpoint));
    }

    /// <summary>One transmit buffer for the application.</summary>
    public void Send(IpPacket packet) => _user.Send(new UdpPacket(packet, _endpoint));

    /// <summary>UDP keeps no timers: <see cref="Instant.Never"/>.</summary>
    public readonly Instant NextDeadline() => Instant.Never;

    /// <summary>
    /// An ICMP error about one of our datagrams: counted, and a frag-needed or Packet Too Big lowers the path MTU
    /// toward the quoted destination so later datagrams are fragmented to fit (RFC 1191 §3, RFC 8201 §4). UDP
    /// keeps no state to check the quote against, so it only checks that the quoted source is an address we may send
    /// from (a datagram we could have sent); the table's floors bound what a forged report can do.
    /// </summary>
    public readonly void ReceiveError(in IcmpTransportError error)
    {
        _endpoint._counters.IcmpErrors++;
        if (error.Class != IcmpErrorClass.PacketTooBig || error.Endpoint is not { } ip || !ip.CanSendFrom(error.QuotedSource)) return;
        ip.TryLowerPathMtu(error.QuotedDestination, error.NextHopMtu, error.Timestamp);
    }
}
