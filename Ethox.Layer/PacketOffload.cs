using System;
using Ethox.Wire;

namespace Ethox.Layer;

/// <summary>
/// What a device knows about one frame beyond its bytes (the virtio-net header's content in Ethox's terms): on receive,
/// whether the transport checksum was verified or left partial and whether the frame is a super-segment; on transmit, what
/// the layers ask the device to finish (<see cref="RawPacket.Send(int, in PacketOffload)"/>). Offsets count from the start
/// of the frame as the device lends it (the Ethernet header, or the IP header on an IP medium). The default is a plain frame.
/// </summary>
public readonly record struct PacketOffload
{
    /// <summary>The state of the transport checksum.</summary>
    public ChecksumStatus Checksum { get; init; }
    /// <summary>With <see cref="ChecksumStatus.Partial"/>: where the checksummed data (the transport header) starts.</summary>
    public ushort ChecksumStart { get; init; }
    /// <summary>With <see cref="ChecksumStatus.Partial"/>: where the checksum field is, from <see cref="ChecksumStart"/> (16 for TCP, 6 for UDP).</summary>
    public ushort ChecksumOffset { get; init; }
    /// <summary>Whether the frame is a super-segment.</summary>
    public SegmentationKind Segmentation { get; init; }
    /// <summary>For a super-segment: the payload bytes of each segment (the MSS less the options).</summary>
    public ushort SegmentSize { get; init; }
    /// <summary>For a super-segment: the bytes of headers (link, IP, transport with options) in front of the payload.</summary>
    public ushort HeaderLength { get; init; }

    /// <summary>A transport checksum left partial: the field <paramref name="offset"/> bytes into the transport header at <paramref name="start"/> holds the pseudo-header sum.</summary>
    public static PacketOffload PartialChecksum(int start, int offset)
        => new() { Checksum = ChecksumStatus.Partial, ChecksumStart = (ushort)start, ChecksumOffset = (ushort)offset };

    /// <summary>True when the checksum field of a <see cref="ChecksumStatus.Partial"/> frame lies inside <paramref name="frameLength"/> bytes (always true otherwise).</summary>
    public bool FitsIn(int frameLength)
        => Checksum != ChecksumStatus.Partial || ChecksumStart + ChecksumOffset + 2 <= frameLength;

    /// <summary>
    /// Finishes a partial checksum in software (see <see cref="Wire.Checksum.FinishPartial"/>), for a path without the
    /// offload: a queue, a capture that shows the wire, a fault that corrupts the frame. True when the checksum is complete
    /// afterwards (also when it was not partial); false when the field lies outside <paramref name="frame"/>.
    /// </summary>
    public bool TryFinishChecksum(Span<byte> frame)
        => Checksum != ChecksumStatus.Partial
           || (FitsIn(frame.Length) && Wire.Checksum.FinishPartial(frame[ChecksumStart..], ChecksumOffset));

    /// <summary>The same metadata for a frame <paramref name="bytes"/> bytes longer in front (a link header put before an IP packet).</summary>
    internal PacketOffload Shifted(int bytes) => this == default ? this : this with
    {
        ChecksumStart = Checksum == ChecksumStatus.Partial ? (ushort)(ChecksumStart + bytes) : ChecksumStart,
        HeaderLength = Segmentation != SegmentationKind.None ? (ushort)(HeaderLength + bytes) : HeaderLength,
    };
}
