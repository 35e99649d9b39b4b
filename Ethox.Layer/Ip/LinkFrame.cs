using System;
using Ethox.Layer.Eth;
using Ethox.Wire;

namespace Ethox.Layer.Ip;

/// <summary>
/// The device buffer as the IP layer sees it on either medium: over Ethernet the IP packet (or ARP
/// message) starts after our link header and is sent through the Ethernet endpoint; on an IP medium it
/// starts at byte 0 and goes out as it is. One type so that every IP code path serves both media.
/// </summary>
internal readonly ref struct LinkFrame
{
    public readonly RawPacket Raw;
    public readonly EthernetEndpoint? Ethernet;
    /// <summary>The station that sent the received frame (where in-place answers go).</summary>
    public readonly EthernetAddress Peer;
    /// <summary>The received frame went to a link broadcast or group address.</summary>
    public readonly bool LinkMulticast;

    public LinkFrame(RawPacket raw, EthernetEndpoint? ethernet, EthernetAddress peer, bool linkMulticast)
    {
        Raw = raw;
        Ethernet = ethernet;
        Peer = peer;
        LinkMulticast = linkMulticast;
    }

    /// <summary>Where the network-layer packet starts in the buffer.</summary>
    public int Offset => Ethernet is null ? 0 : Ethernet.HeaderLength;
    /// <summary>The buffer after the link header, to its capacity.</summary>
    public Span<byte> Buffer => Raw.Capacity[Offset..];
    /// <summary>The time of the call.</summary>
    public Instant Now => Raw.Timestamp;

    /// <summary>
    /// Sends <paramref name="length"/> bytes of <see cref="Buffer"/> to <paramref name="destination"/> (ignored on an IP medium),
    /// with the device finishing what <paramref name="offload"/> says (offsets from the start of the IP packet).
    /// </summary>
    public bool Send(EthernetAddress destination, EtherType type, int length, in PacketOffload offload = default)
        => Ethernet is not null ? Ethernet.Transmit(Raw, destination, type, length, offload)
            : offload == default ? Raw.Send(length) : Raw.Send(length, offload);

    /// <summary>True when the device takes partial transport checksums on what is sent from this buffer.</summary>
    public bool TakesPartialChecksum => (Raw.TransmitOffloads & DeviceOffloads.TransmitChecksumPartial) != 0;

    /// <summary>True when the device cuts TCP super-segments sent from this buffer (TSO; with a partial checksum).</summary>
    public bool TakesSegmentation
        => (Raw.TransmitOffloads & (DeviceOffloads.TransmitSegmentation | DeviceOffloads.TransmitChecksumPartial))
           == (DeviceOffloads.TransmitSegmentation | DeviceOffloads.TransmitChecksumPartial);

    /// <summary>
    /// True when the device vouches for the checksum of the received transport header at the start of
    /// <paramref name="transport"/>: it verified the frame's checksum, or the frame was made on this host with its checksum
    /// left partial at exactly this header (the kernel's data never crossed a wire). False for a datagram that does not lie
    /// in the device's buffer (reassembled from fragments): it is verified in software.
    /// </summary>
    public bool VouchesFor(ReadOnlySpan<byte> transport)
    {
        var offload = Raw.Offload;
        if (offload.Checksum == ChecksumStatus.Unverified || transport.IsEmpty) return false;
        if (!((ReadOnlySpan<byte>)Raw.Frame).Overlaps(transport, out int offset)) return false;
        return offload.Checksum == ChecksumStatus.Verified || offload.ChecksumStart == offset;
    }
}
