using System;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>
/// A received segment as the state machine sees it: the checked header in the packet, its options decoded once,
/// and the payload, still in the packet. Fields are read from the packet when asked for; the SACK blocks only
/// when a segment carries some. Nothing is copied into a <see cref="TcpRepr"/>: a received segment's repr was built
/// field by field and then copied as a block, once or twice, and each such copy stalled on store forwarding.
/// </summary>
internal readonly ref struct Segment
{
    private readonly TcpSegment _view;
    private readonly TcpOptionSet _options;
    public readonly ReadOnlySpan<byte> Payload;
    /// <summary>Where the in-order payload was put, or is to stay, before the state machine takes it (<see cref="TcpEndpoint.PlacementFor"/>).</summary>
    public readonly PayloadPlacement Placement;

    /// <summary>
    /// Checks <paramref name="view"/>'s checksum (unless the device did, or it was checked while the payload was
    /// <see cref="PayloadPlacement.Placed"/>) and decodes its options; <paramref name="parsed"/> is false, with
    /// <paramref name="error"/>, when either is bad.
    /// </summary>
    public Segment(TcpSegment view, in IpAddress source, in IpAddress destination, bool verifyChecksum, PayloadPlacement placement, out bool parsed, out WireError error)
    {
        _view = view;
        Payload = view.Payload;
        Placement = placement;
        if (verifyChecksum && !view.VerifyChecksum(source, destination))
        {
            _options = default;
            error = WireError.BadChecksum;
            parsed = false;
            return;
        }
        parsed = TcpOptionSet.TryParse(view.Options, out _options, out error);
    }

    public ushort SourcePort => _view.SourcePort;
    public ushort DestinationPort => _view.DestinationPort;
    public TcpSeqNumber Seq => _view.SequenceNumber;
    public TcpSeqNumber Ack => _view.AcknowledgmentNumber;
    public TcpFlags Flags => _view.Flags;
    /// <summary>The window field as sent (unscaled).</summary>
    public ushort WindowSize => _view.WindowSize;
    public bool Has(TcpFlags flag) => (Flags & flag) != 0;
    /// <summary>SEG.LEN: payload plus one each for SYN and FIN (RFC 9293 §3.4).</summary>
    public int Length => Payload.Length + (Has(TcpFlags.Syn) ? 1 : 0) + (Has(TcpFlags.Fin) ? 1 : 0);

    public ushort? MaxSegmentSize => _options.MaxSegmentSize;
    public byte? WindowScale => _options.WindowScale;
    public bool SackPermitted => _options.SackPermitted;
    public TcpTimestamps? Timestamps => _options.Timestamps;
    public bool HasSackBlocks => _options.SackBlockCount > 0;
    public TcpSackBlocks SackBlocks => _options.SackBlockCount > 0 ? _options.ReadSackBlocks(_view.Options) : default;
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
