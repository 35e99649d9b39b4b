using System;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>A received segment as the state machine sees it: the parsed header and the payload still in the packet.</summary>
internal readonly ref struct Segment
{
    public readonly TcpRepr Header;
    public readonly ReadOnlySpan<byte> Payload;

    public Segment(in TcpRepr header, ReadOnlySpan<byte> payload)
    {
        Header = header;
        Payload = payload;
    }

    public TcpSeqNumber Seq => Header.SequenceNumber;
    public TcpSeqNumber Ack => Header.AcknowledgmentNumber;
    public TcpFlags Flags => Header.Flags;
    public bool Has(TcpFlags flag) => (Header.Flags & flag) != 0;
    /// <summary>SEG.LEN: payload plus one each for SYN and FIN (RFC 9293 §3.4).</summary>
    public int Length => Header.SequenceLength;
}

/// <summary>What the layer sends back in the received packet's buffer once a segment has been processed.</summary>
internal enum ReplyKind : byte
{
    /// <summary>Nothing now.</summary>
    None,
    /// <summary>The connection's next segment: an ACK, with data or FIN when it has them.</summary>
    Output,
    /// <summary>A reset built from the offending segment (RFC 9293 §3.10.7.1).</summary>
    Reset,
}
