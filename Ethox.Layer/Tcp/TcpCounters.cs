using Ethox.Layer.Common;

namespace Ethox.Layer.Tcp;

/// <summary>TCP counters of one endpoint, read without allocation through <see cref="TcpEndpoint.Counters"/>.</summary>
public struct TcpCounters
{
    /// <summary>Segments received.</summary>
    public long SegmentsIn;
    /// <summary>Segments sent (retransmissions included).</summary>
    public long SegmentsOut;
    /// <summary>Segments retransmitted (timeouts, fast retransmit, SACK recovery, probes excluded).</summary>
    public long Retransmits;
    /// <summary>Retransmission timeouts that fired.</summary>
    public long Timeouts;
    /// <summary>Fast retransmits (entries into loss recovery).</summary>
    public long FastRetransmits;
    /// <summary>Recovery probes: SACK recovery saw no progress for two RTTs after its retransmissions and sent the holes again without waiting for the RTO.</summary>
    public long RecoveryProbes;
    /// <summary>Tail loss probes (RFC 8985 §7): no ACK for two RTTs after new data, so one segment went to draw one (new data, or the last segment again).</summary>
    public long TailLossProbes;
    /// <summary>Malformed segments or bad checksums, by kind.</summary>
    public WireErrorCounts Errors;
    /// <summary>Connections opened actively (SYN sent).</summary>
    public long ActiveOpens;
    /// <summary>Connections accepted on a listening port.</summary>
    public long PassiveOpens;
    /// <summary>Connection attempts that failed (refused, timed out, reset before ESTABLISHED).</summary>
    public long AttemptFails;
    /// <summary>Connections reset by the peer or by us.</summary>
    public long Resets;
    /// <summary>Resets sent.</summary>
    public long ResetsOut;
    /// <summary>Segments matching no connection (answered with RST unless they were one).</summary>
    public long Strays;
    /// <summary>SYN-ACKs sent with a SYN cookie because the backlog was full (RFC 4987 §3.6).</summary>
    public long SynCookiesSent;
    /// <summary>Connections completed from a valid SYN cookie.</summary>
    public long SynCookiesAccepted;
    /// <summary>ACKs carrying an invalid or expired cookie.</summary>
    public long SynCookiesFailed;
    /// <summary>SYNs to a listening port that the user neither accepted nor refused, or that found no slot.</summary>
    public long ListenDrops;
    /// <summary>Segments outside the receive window (answered with an ACK, RFC 9293 §3.10.7.4).</summary>
    public long OutOfWindow;
    /// <summary>Segments dropped by PAWS (RFC 7323 §5).</summary>
    public long PawsDrops;
    /// <summary>Challenge ACKs sent (RFC 5961 §3, §4, §5).</summary>
    public long ChallengeAcks;
    /// <summary>Challenge ACKs held back by the rate limit (RFC 5961 §7).</summary>
    public long ChallengeAcksLimited;
    /// <summary>Out-of-order bytes dropped because the reassembly table was full.</summary>
    public long OutOfOrderDrops;
    /// <summary>Duplicate ACKs received.</summary>
    public long DuplicateAcks;
    /// <summary>Window probes sent (RFC 9293 §3.8.6.1).</summary>
    public long WindowProbes;
    /// <summary>Keep-alive probes sent (RFC 1122 §4.2.3.6).</summary>
    public long KeepAliveProbes;
    /// <summary>ICMP errors that passed the RFC 5927 checks and were acted on.</summary>
    public long IcmpErrorsAccepted;
    /// <summary>ICMP errors ignored (sequence number out of window, no connection).</summary>
    public long IcmpErrorsIgnored;
    /// <summary>Orphans (<see cref="TcpEndpoint.Orphan"/>) dropped after <see cref="TcpTimerSettings.OrphanFinWait2Timeout"/> in FIN-WAIT-2 without the peer's FIN.</summary>
    public long OrphansTimedOut;
    /// <summary>Segments that wanted to go out but found no transmit buffer or route.</summary>
    public long SendFailures;
}
