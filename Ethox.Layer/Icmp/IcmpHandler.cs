using System;
using Ethox.Layer.Ip;
using Ethox.Layer.Ndisc;
using Ethox.Wire;

namespace Ethox.Layer.Icmp;

/// <summary>
/// ICMP as every host must run it (RFC 1122 §3.2.2, RFC 4443): echo requests answered in place, errors
/// counted, neighbour discovery handed on. Echo replies and errors are for the layer above (a ping
/// client, a transport reacting to unreachables): the receive methods return true for those.
/// </summary>
internal static class IcmpHandler
{
    public static bool ReceiveV4(IpEndpoint endpoint, LinkFrame link, Span<byte> datagram, ref IpExchange x)
    {
        ref var counters = ref endpoint._icmp;
        counters.MessagesIn++;
        var message = datagram.Slice(x.PayloadOffset, x.PayloadLength);
        if (!Icmpv4Packet.TryParse(message, out var icmp, out var error)) { counters.Errors.Count(error); return false; }
        if (!link.VouchesFor(message) && !icmp.VerifyChecksum()) { counters.Errors.Count(WireError.BadChecksum); return false; }
        if (x.Foreign && !icmp.IsError) { counters.Ignored++; return false; } // transparent mode: only errors about our segments
        switch (icmp.Type)
        {
            case Icmpv4Type.EchoRequest:
                if (x.Multicast && !endpoint.AnswerBroadcastEcho) { counters.EchoIgnored++; return false; }
                // RFC 792: the reply is the request with the type changed; identifier, sequence and data stay.
                icmp.Type = Icmpv4Type.EchoReply;
                icmp.FillChecksum();
                if (IpOutput.Reply(endpoint, link, datagram, ref x, x.PayloadLength)) counters.EchoRepliesSent++;
                return false;
            case Icmpv4Type.EchoReply:
                return true;
            default:
                if (!icmp.IsError) { counters.Ignored++; return false; }
                counters.ErrorsReceived++;
                return true;
        }
    }

    public static bool ReceiveV6(IpEndpoint endpoint, LinkFrame link, Span<byte> datagram, ref IpExchange x, Ipv6Address checksumDestination)
    {
        ref var counters = ref endpoint._icmp;
        counters.MessagesIn++;
        var message = datagram.Slice(x.PayloadOffset, x.PayloadLength);
        if (!Icmpv6Packet.TryParse(message, out var icmp, out var error)) { counters.Errors.Count(error); return false; }
        if (!link.VouchesFor(message) && !icmp.VerifyChecksum(x.Source.V6, checksumDestination)) { counters.Errors.Count(WireError.BadChecksum); return false; }
        if (x.Foreign && !icmp.IsError) { counters.Ignored++; return false; } // transparent mode: no echo or NDISC for another host
        switch (icmp.Type)
        {
            case Icmpv6Type.EchoRequest:
                // RFC 4443 §4.2: a reply to a multicast request comes from one of our unicast addresses.
                var replySource = x.Destination;
                if (x.Multicast && !endpoint.TrySelectSource(x.Source, out replySource)) return false;
                icmp.Type = Icmpv6Type.EchoReply;
                icmp.FillChecksum(replySource.V6, x.Source.V6);
                if (IpOutput.Reply(endpoint, link, datagram, ref x, x.PayloadLength)) counters.EchoRepliesSent++;
                return false;
            case Icmpv6Type.RouterSolicitation or Icmpv6Type.RouterAdvertisement or Icmpv6Type.NeighborSolicitation
                or Icmpv6Type.NeighborAdvertisement or Icmpv6Type.Redirect:
                NdiscHandler.Receive(endpoint, link, icmp, ref x);
                return false;
            case Icmpv6Type.EchoReply:
                return true;
            default:
                if (!icmp.IsError) { counters.Ignored++; return false; } // MLD queries and reports among others
                counters.ErrorsReceived++;
                return true;
        }
    }
}
