namespace Ethox.Layer;

/// <summary>What a device says about the transport checksum of a received frame, or asks of it on transmit (<see cref="PacketOffload.Checksum"/>).</summary>
public enum ChecksumStatus : byte
{
    /// <summary>Nothing: the checksum is complete and the layers verify it in software.</summary>
    Unverified = 0,
    /// <summary>Received only: the device verified the checksum (Linux's CHECKSUM_UNNECESSARY, virtio-net DATA_VALID).</summary>
    Verified = 1,
    /// <summary>
    /// The checksum at <see cref="PacketOffload.ChecksumStart"/> + <see cref="PacketOffload.ChecksumOffset"/> holds only the
    /// pseudo-header sum (Linux's CHECKSUM_PARTIAL, virtio-net NEEDS_CSUM). Received: the frame was made on this host, never
    /// crossed a wire, and its data is vouched for by the kernel. Transmitted: the device finishes the checksum.
    /// </summary>
    Partial = 2,
}
