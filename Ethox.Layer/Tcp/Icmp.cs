using Ethox.Layer.Ip;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

// ICMP errors about our segments (RFC 5927, RFC 1122 §4.2.3.9, RFC 1191 / RFC 8201 path MTU discovery).
public sealed partial class TcpEndpoint
{
    /// <summary>
    /// Acts on an ICMP error quoting one of our segments, after RFC 5927 §4.1's check that the quoted sequence
    /// number is one we have sent and not yet had acknowledged (so a blind attacker cannot forge it cheaply):
    /// "packet too big" lowers the path MTU and resends at the new size at once (not a congestion signal,
    /// RFC 1191 §6.5); a hard error ends a connection still in SYN-SENT (RFC 1122 §4.2.3.9, RFC 5461 §4);
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
        if (c.State == TcpState.SynSent && error.IsHard)
        {
            _counters.AttemptFails++;
            events |= TcpEvents.Unreachable | TcpEvents.Closed;
            return true;
        }
        return false;
    }
}
