using System;

namespace Ethox.Layer;

/// <summary>
/// The offloads a device performs (<see cref="DeviceCapabilities.Offloads"/>), and those a lent buffer takes on transmit
/// (<see cref="RawPacket.TransmitOffloads"/>). Linux's virtio-net header (PACKET_VNET_HDR, IFF_VNET_HDR) carries them.
/// </summary>
[Flags]
public enum DeviceOffloads : byte
{
    /// <summary>None: every checksum is finished and verified in software, frames are at most MTU-sized.</summary>
    None = 0,
    /// <summary>Received frames may carry a transport checksum left partial by a sender on this host (<see cref="ChecksumStatus.Partial"/>).</summary>
    ReceiveChecksumPartial = 1,
    /// <summary>Received frames may say their checksum was verified already (<see cref="ChecksumStatus.Verified"/>).</summary>
    ReceiveChecksumVerified = 2,
    /// <summary>Received frames may be TCP super-segments larger than the MTU (GSO/GRO), up to <see cref="DeviceCapabilities.MaxReceiveFrameLength"/>.</summary>
    ReceiveSegmented = 4,
    /// <summary>The device finishes a TCP or UDP checksum left partial on transmit (checksum offload).</summary>
    TransmitChecksumPartial = 8,
    /// <summary>The device cuts a TCP super-segment into MSS-sized segments on transmit (TSO), up to <see cref="DeviceCapabilities.MaxTransmitFrameLength"/>.</summary>
    TransmitSegmentation = 16,
    /// <summary>The receive offloads.</summary>
    Receive = ReceiveChecksumPartial | ReceiveChecksumVerified | ReceiveSegmented,
    /// <summary>The transmit offloads.</summary>
    Transmit = TransmitChecksumPartial | TransmitSegmentation,
    /// <summary>All of them.</summary>
    All = Receive | Transmit,
}
