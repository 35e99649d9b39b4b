using Ethox.Layer;
using Ethox.Wire;

namespace Ethox.Nic;

/// <summary>
/// Translates between the virtio-net header the Linux kernel puts in front of each frame (PACKET_VNET_HDR, IFF_VNET_HDR)
/// and the <see cref="PacketOffload"/> the layers read and write: the code shared by the AF_PACKET and TUN/TAP devices.
/// </summary>
internal static class VirtioOffload
{
    /// <summary>
    /// The metadata of a received frame of <paramref name="frameLength"/> bytes. False when the frame cannot be taken
    /// (UDP fragmentation offload, an unknown segmentation kind): it is dropped and counted. A UDP super-datagram
    /// (<see cref="SegmentationKind.Udp"/>) is taken, for the device to cut into its datagrams (<see cref="UdpSuperDatagram"/>). A partial checksum whose field lies
    /// outside the frame vouches for nothing: the frame is then checked in software (and fails).
    /// </summary>
    public static bool TryFromReceived(in VirtioNetHeader header, int frameLength, out PacketOffload offload)
    {
        offload = default;
        SegmentationKind segmentation;
        switch (header.GsoType)
        {
            case VirtioGsoType.None: segmentation = SegmentationKind.None; break;
            case VirtioGsoType.TcpV4: segmentation = SegmentationKind.TcpV4; break;
            case VirtioGsoType.TcpV6: segmentation = SegmentationKind.TcpV6; break;
            case VirtioGsoType.UdpL4: segmentation = SegmentationKind.Udp; break;
            default: return false;
        }
        var status = (header.Flags & VirtioNetFlags.NeedsChecksum) != 0 ? ChecksumStatus.Partial
            : (header.Flags & VirtioNetFlags.DataValid) != 0 ? ChecksumStatus.Verified
            : ChecksumStatus.Unverified;
        offload = new PacketOffload
        {
            Checksum = status,
            ChecksumStart = status == ChecksumStatus.Partial ? header.ChecksumStart : (ushort)0,
            ChecksumOffset = status == ChecksumStatus.Partial ? header.ChecksumOffset : (ushort)0,
            Segmentation = segmentation,
            SegmentSize = segmentation == SegmentationKind.None ? (ushort)0 : header.SegmentSize,
            HeaderLength = segmentation == SegmentationKind.None ? (ushort)0 : header.HeaderLength,
        };
        if (!offload.FitsIn(frameLength)) offload = offload with { Checksum = ChecksumStatus.Unverified, ChecksumStart = 0, ChecksumOffset = 0 };
        return true;
    }

    /// <summary>The header that asks the kernel to finish what <paramref name="offload"/> says (all zero for a complete frame).</summary>
    public static VirtioNetHeader ForTransmit(in PacketOffload offload)
    {
        bool partial = offload.Checksum == ChecksumStatus.Partial;
        var gso = offload.Segmentation switch
        {
            SegmentationKind.TcpV4 => VirtioGsoType.TcpV4,
            SegmentationKind.TcpV6 => VirtioGsoType.TcpV6,
            _ => VirtioGsoType.None,
        };
        return new VirtioNetHeader(partial ? VirtioNetFlags.NeedsChecksum : VirtioNetFlags.None, gso, Ecn: false,
            gso == VirtioGsoType.None ? (ushort)0 : offload.HeaderLength, gso == VirtioGsoType.None ? (ushort)0 : offload.SegmentSize,
            partial ? offload.ChecksumStart : (ushort)0, partial ? offload.ChecksumOffset : (ushort)0);
    }

    /// <summary>
    /// What a device with the virtio-net header does, given what its user asked for (<paramref name="requested"/>): as soon
    /// as anything is asked for, the header says which checksums are partial or verified (the kernel decides that, the header
    /// only tells); receive buffers of 64 KiB for super-segments when <see cref="DeviceOffloads.ReceiveSegmented"/> is asked
    /// for; and the transmit offloads asked for. <see cref="DeviceOffloads.None"/> means no header at all.
    /// </summary>
    public static DeviceOffloads Effective(DeviceOffloads requested)
    {
        if (requested == DeviceOffloads.None) return DeviceOffloads.None;
        var offloads = DeviceOffloads.ReceiveChecksumPartial | DeviceOffloads.ReceiveChecksumVerified
            | (requested & (DeviceOffloads.ReceiveSegmented | DeviceOffloads.Transmit));
        // Segmentation needs the checksum offload: the kernel finishes each segment's checksum from the partial one.
        if ((offloads & DeviceOffloads.TransmitChecksumPartial) == 0) offloads &= ~DeviceOffloads.TransmitSegmentation;
        return offloads;
    }

    /// <summary>The capabilities of a device with <paramref name="offloads"/>: frames up to 64 KiB of IP packet when super-segments may pass.</summary>
    public static DeviceCapabilities Capabilities(Medium medium, int mtu, DeviceOffloads offloads)
    {
        var caps = new DeviceCapabilities(medium, mtu) { Offloads = offloads };
        int largest = caps.MaxFrameLength - mtu + ushort.MaxValue;
        if ((offloads & DeviceOffloads.ReceiveSegmented) != 0) caps = caps with { MaxReceiveFrameLength = largest };
        if ((offloads & DeviceOffloads.TransmitSegmentation) != 0) caps = caps with { MaxTransmitFrameLength = largest };
        return caps;
    }
}
