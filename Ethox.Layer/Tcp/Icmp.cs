using Ethox.Layer.Ip;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

// ICMP errors about our segments (RFC 5927, RFC 1122 §4.2.3.9, RFC 1191 / RFC 8201 path MTU discovery).
public sealed partial class TcpEndpoint
{
    /// <summary>
    /// When true, a soft ICMP error (net or host unreachable and the other destination unreachable codes RFC 1122 §4.2.3.9
    /// calls soft, time exceeded) about our SYN ends the attempt too, as Linux's <c>connect</c> fails on them at once with
    /// <c>ENETUNREACH</c> or <c>EHOSTUNREACH</c>. Off by default: RFC 1122 §4.2.3.9 says TCP must not abort on a soft
    /// error, and the SYN keeps trying until <see cref="TcpTimerSettings.SynConnectionTimeout"/>. Either way the event
    /// carries the error (<see cref="TcpInPacket.IcmpError"/>).
    /// </summary>
    public bool AbortOpeningOnSoftErrors { get; set; }

    /// <summary>
    /// Acts on an ICMP error quoting one of our segments, after RFC 5927 §4.1's check that the quoted sequence
    /// number is one we have sent and not yet had acknowledged (so a blind attacker cannot forge it cheaply):
    /// "packet too big" lowers the path MTU and resends at the new size at once (not a congestion signal,
    /// RFC 1191 §6.5); a hard error ends a connection still in SYN-SENT (RFC 1122 §4.2.3.9, RFC 5461 §4), and so does a
    /// soft one (destination unreachable, time exceeded) when <see cref="AbortOpeningOnSoftErrors"/> asks; otherwise
    /// soft errors change nothing. True when the connection is over.
    /// </summary>
    internal bool OnIcmpError(in IcmpTransportError error, out int slot, ref TcpEvents events)
    {
        var tuple = new FourTuple(new TransportAddress(error.QuotedSource, error.SourcePort), new TransportAddress(error.QuotedDestination, error.DestinationPort));
        if (!_table.TryFind(tuple, out slot))
        {
            _counters.IcmpErrorsIgnored++;
            return false;
        }
        ref var c = ref _connections[slot];
        var seq = new TcpSeqNumber(error.QuotedSequence);
        if (c.State == TcpState.TimeWait || seq < c.SndUna || seq >= c.SndMax || (c.SndUna == c.SndMax && c.State != TcpState.SynSent))
        {
            _counters.IcmpErrorsIgnored++;
            return false;
        }
        _counters.IcmpErrorsAccepted++;
        var now = error.Timestamp;
        if (error.Class == IcmpErrorClass.PacketTooBig)
        {
            if (error.NextHopMtu <= 0 || !_ip.TryLowerPathMtu(tuple.Remote.Address, error.NextHopMtu, now)) return false;
            int before = c.SendMss;
            // A packet-too-big only ever lowers the segment size (RFC 1191 §6.5): the peer's MSS bounded it before.
            SetSendMss(ref c, tuple, c.SendMss, now);
            if (c.SendMss < before)
            {
                c.Congestion.OnMssChanged(c.SendMss);
                c.SndNxt = c.SndUna;
                c.Clear(ConnectionFlags.Timing);
                MarkReady(slot);
            }
            return false;
        }
        if (c.State == TcpState.SynSent && (error.IsHard || (AbortOpeningOnSoftErrors && error.Class is IcmpErrorClass.Unreachable or IcmpErrorClass.TimeExceeded)))
        {
            _counters.AttemptFails++;
            events |= TcpEvents.Unreachable | TcpEvents.Closed;
            return true;
        }
        return false;
    }
}
