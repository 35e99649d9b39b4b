using System.Diagnostics.CodeAnalysis;
using Ethox.Wire;

namespace Ethox.Layer.Ip;

/// <summary>
/// TCP, UDP and the application's ICMP handler side by side above one IP layer, composed by generics (no
/// virtual calls). Receive: by protocol to <typeparamref name="TTcp"/>, <typeparamref name="TUdp"/> or
/// <typeparamref name="TIcmp"/>, anything else refused (the IP layer answers with protocol unreachable). An ICMP
/// or ICMPv6 error quoting one of our TCP or UDP datagrams is decoded once (<see cref="IcmpTransportError.TryDecode"/>)
/// and given to that transport's <see cref="ITransportErrors.ReceiveError"/>, then the message goes to
/// <typeparamref name="TIcmp"/> like every echo reply and error. Transmit: the three take turns at being offered
/// a buffer first, and a buffer the first leaves unused (nothing to send, or its attempt failed) goes on to the
/// next, so a busy transport never starves the others and an idle one never ends the device's transmit loop.
/// Use <see cref="NoTransport"/> for a slot you do not need.
/// </summary>
public struct TransportMux<TTcp, TUdp, TIcmp> : IRecv<IpPacket>, ISend<IpPacket>, ITimed
    where TTcp : IRecv<IpPacket>, ISend<IpPacket>, ITimed, ITransportErrors
    where TUdp : IRecv<IpPacket>, ISend<IpPacket>, ITimed, ITransportErrors
    where TIcmp : IRecv<IpPacket>, ISend<IpPacket>, ITimed
{
    private const int Slots = 3;

    private TTcp _tcp;
    private TUdp _udp;
    private TIcmp _icmp;
    private int _first;

    /// <summary>The three transports; use <see cref="NoTransport"/> for a slot you do not need.</summary>
    public TransportMux(TTcp tcp, TUdp udp, TIcmp icmp)
    {
        _tcp = tcp;
        _udp = udp;
        _icmp = icmp;
        _first = 0;
    }

    /// <summary>The TCP layer, by reference.</summary>
    [UnscopedRef]
    public ref TTcp Tcp => ref _tcp;
    /// <summary>The UDP layer, by reference.</summary>
    [UnscopedRef]
    public ref TUdp Udp => ref _udp;
    /// <summary>The ICMP handler, by reference.</summary>
    [UnscopedRef]
    public ref TIcmp Icmp => ref _icmp;

    /// <summary>One datagram from the IP layer, handed on by protocol.</summary>
    public void Receive(IpPacket packet)
    {
        switch (packet.Protocol)
        {
            case IpProtocol.Tcp:
                _tcp.Receive(packet);
                break;
            case IpProtocol.Udp:
                _udp.Receive(packet);
                break;
            case IpProtocol.Icmp when packet.Version == IpVersion.V4:
            case IpProtocol.Icmpv6 when packet.Version == IpVersion.V6:
                bool transportError = IcmpTransportError.TryDecode(packet, out var error);
                if (transportError)
                {
                    if (error.Protocol == IpProtocol.Tcp) _tcp.ReceiveError(error);
                    else _udp.ReceiveError(error);
                }
                _icmp.Receive(packet);
                if (transportError) packet.Accept(); // a transport took it: delivered, not ignored, whatever the ICMP handler made of it
                break;
            default:
                packet.RejectProtocol();
                break;
        }
    }

    /// <summary>One transmit buffer, offered to each transport in turn until one uses it.</summary>
    public void Send(IpPacket packet)
    {
        int first = _first;
        _first = first == Slots - 1 ? 0 : first + 1;
        for (int i = 0; i < Slots; i++)
        {
            int slot = first + i;
            Offer(slot >= Slots ? slot - Slots : slot, packet);
            if (packet.IsUsed) return;
            packet.Relend();
        }
    }

    private void Offer(int slot, IpPacket packet)
    {
        switch (slot)
        {
            case 0: _tcp.Send(packet); break;
            case 1: _udp.Send(packet); break;
            default: _icmp.Send(packet); break;
        }
    }

    /// <summary>The earliest deadline of the three.</summary>
    public Instant NextDeadline() => Instant.Min(_tcp.NextDeadline(), Instant.Min(_udp.NextDeadline(), _icmp.NextDeadline()));
}
