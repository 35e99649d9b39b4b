using System;
using System.Buffers.Binary;

namespace Ethox.Wire;

/// <summary>The flags of a <see cref="VirtioNetHeader"/> (virtio 1.2 §5.1.6, linux/virtio_net.h VIRTIO_NET_HDR_F_*).</summary>
[Flags]
public enum VirtioNetFlags : byte
{
    /// <summary>No statement about the checksum.</summary>
    None = 0,
    /// <summary>
    /// The checksum is partial: the field at <see cref="VirtioNetHeader.ChecksumStart"/> + <see cref="VirtioNetHeader.ChecksumOffset"/>
    /// holds the pseudo-header sum, and the complement of the sum from ChecksumStart to the end of the frame is to be written there.
    /// </summary>
    NeedsChecksum = 1,
    /// <summary>On receive: the checksum was verified (the kernel's CHECKSUM_UNNECESSARY).</summary>
    DataValid = 2,
    /// <summary>On receive: receive segment coalescing information is present (not used on Linux packet sockets or TAP).</summary>
    RscInfo = 4,
}

/// <summary>The segmentation kind of a <see cref="VirtioNetHeader"/> (linux/virtio_net.h VIRTIO_NET_HDR_GSO_*), without the ECN bit.</summary>
public enum VirtioGsoType : byte
{
    /// <summary>A single frame, not to be segmented.</summary>
    None = 0,
    /// <summary>A TCP over IPv4 super-segment.</summary>
    TcpV4 = 1,
    /// <summary>A UDP datagram to fragment (UFO, obsolete).</summary>
    Udp = 3,
    /// <summary>A TCP over IPv6 super-segment.</summary>
    TcpV6 = 4,
    /// <summary>UDP datagrams to split at <see cref="VirtioNetHeader.SegmentSize"/> (USO).</summary>
    UdpL4 = 5,
}

/// <summary>
/// The legacy 10-byte virtio-net header (virtio 1.2 §5.1.6, linux/virtio_net.h <c>struct virtio_net_hdr</c>) that a Linux
/// packet socket with PACKET_VNET_HDR, or a TUN/TAP descriptor with IFF_VNET_HDR, puts in front of every frame in both
/// directions. It carries what the kernel's socket buffer knows and the frame does not: whether the transport checksum is
/// finished, verified or left for an offload to finish, and whether the frame is a super-segment to be cut into
/// <see cref="SegmentSize"/>-byte segments (GSO/TSO). Its fields are in the host's byte order (the "legacy" layout the
/// kernel uses unless told otherwise: little-endian on x86-64 and arm64).
/// </summary>
/// <param name="Flags">Checksum flags.</param>
/// <param name="GsoType">The segmentation kind.</param>
/// <param name="Ecn">The ECN bit of gso_type (VIRTIO_NET_HDR_GSO_ECN): the super-segment carries CWR, which only its first segment keeps.</param>
/// <param name="HeaderLength">hdr_len: the bytes of headers (link, network, transport) in front of the payload; a hint.</param>
/// <param name="SegmentSize">gso_size: the payload bytes of each segment.</param>
/// <param name="ChecksumStart">csum_start: where the checksummed data starts, from the start of the frame.</param>
/// <param name="ChecksumOffset">csum_offset: where the checksum field is, from <paramref name="ChecksumStart"/>.</param>
public readonly record struct VirtioNetHeader(VirtioNetFlags Flags, VirtioGsoType GsoType, bool Ecn, ushort HeaderLength, ushort SegmentSize,
    ushort ChecksumStart, ushort ChecksumOffset)
{
    /// <summary>The header's size: 10 bytes.</summary>
    public const int Length = 10;
    private const byte EcnBit = 0x80;

    /// <summary>
    /// Reads the header at the start of <paramref name="buffer"/>. Never throws: false when the buffer is shorter than
    /// <see cref="Length"/>. Unknown flag bits and segmentation kinds are kept as they are for the caller to judge.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> buffer, out VirtioNetHeader header)
    {
        header = default;
        if (buffer.Length < Length) return false;
        byte gso = buffer[1];
        header = new VirtioNetHeader((VirtioNetFlags)buffer[0], (VirtioGsoType)(gso & ~EcnBit), (gso & EcnBit) != 0,
            Read16(buffer[2..]), Read16(buffer[4..]), Read16(buffer[6..]), Read16(buffer[8..]));
        return true;
    }

    /// <summary>Writes the header at the start of <paramref name="buffer"/>; false when it is shorter than <see cref="Length"/>.</summary>
    public bool TryWrite(Span<byte> buffer)
    {
        if (buffer.Length < Length) return false;
        buffer[0] = (byte)Flags;
        buffer[1] = (byte)((byte)GsoType | (Ecn ? EcnBit : 0));
        Write16(buffer[2..], HeaderLength);
        Write16(buffer[4..], SegmentSize);
        Write16(buffer[6..], ChecksumStart);
        Write16(buffer[8..], ChecksumOffset);
        return true;
    }

    // The legacy header is in the host's byte order (the kernel's virtio_legacy_is_little_endian()).
    private static ushort Read16(ReadOnlySpan<byte> b)
        => BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b);

    private static void Write16(Span<byte> b, ushort value)
    {
        if (BitConverter.IsLittleEndian) BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        else BinaryPrimitives.WriteUInt16BigEndian(b, value);
    }
}
