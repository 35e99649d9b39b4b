namespace Ethox.Nic;

/// <summary>
/// What a device did: frames and bytes in each direction and frames lost, by reason. A plain value:
/// reading it copies a few longs and allocates nothing.
/// </summary>
public struct DeviceCounters
{
    internal long rxFrames, rxBytes, txFrames, txBytes;
    internal long rxTruncated, rxErrors, rxKernelDropped, txQueueFull, txErrors;
    internal long rxChecksumPartial, rxChecksumVerified, rxSegmented, rxUnsupportedOffload, rxSplitDatagrams, txChecksumPartial, txSegmented;

    /// <summary>Frames handed to the receiver.</summary>
    public readonly long RxFrames => rxFrames;
    /// <summary>Bytes of the frames handed to the receiver.</summary>
    public readonly long RxBytes => rxBytes;
    /// <summary>Frames given to the medium (the peer's ring, the kernel).</summary>
    public readonly long TxFrames => txFrames;
    /// <summary>Bytes of the frames given to the medium.</summary>
    public readonly long TxBytes => txBytes;
    /// <summary>Received frames dropped because they were longer than the device's maximum frame length.</summary>
    public readonly long RxTruncated => rxTruncated;
    /// <summary>Receive calls the operating system failed (other than "nothing to read").</summary>
    public readonly long RxErrors => rxErrors;
    /// <summary>Frames the kernel dropped before we could read them (socket buffer or ring full), as last read from the kernel.</summary>
    public readonly long RxKernelDropped => rxKernelDropped;
    /// <summary>Frames to send dropped because the transmit queue (ring, socket buffer) had no room.</summary>
    public readonly long TxQueueFull => txQueueFull;
    /// <summary>Frames to send the operating system refused (too long, interface down, malformed).</summary>
    public readonly long TxErrors => txErrors;
    /// <summary>Received frames whose transport checksum the sender on this host left partial (and the device vouched for).</summary>
    public readonly long RxChecksumPartial => rxChecksumPartial;
    /// <summary>Received frames whose checksum the device said it verified.</summary>
    public readonly long RxChecksumVerified => rxChecksumVerified;
    /// <summary>Received super-segments: TCP ones (GSO/GRO), handed over whole, and UDP super-datagrams (UDP GSO), handed over cut into their datagrams.</summary>
    public readonly long RxSegmented => rxSegmented;
    /// <summary>Datagrams cut from received UDP super-datagrams (each also counts in <see cref="RxFrames"/>).</summary>
    public readonly long RxSplitDatagrams => rxSplitDatagrams;
    /// <summary>Received frames dropped because their offload cannot be taken (UDP fragmentation offload, an unknown segmentation kind, a UDP super-datagram that does not split: a segment size of 0, too many datagrams, headers that do not describe it).</summary>
    public readonly long RxUnsupportedOffload => rxUnsupportedOffload;
    /// <summary>Frames sent with a partial checksum for the device to finish.</summary>
    public readonly long TxChecksumPartial => txChecksumPartial;
    /// <summary>TCP super-segments sent for the device to cut (TSO).</summary>
    public readonly long TxSegmented => txSegmented;
    /// <summary>All frames lost, whatever the reason.</summary>
    public readonly long Drops => rxTruncated + rxKernelDropped + rxUnsupportedOffload + txQueueFull + txErrors;

    internal void Received(int length) { rxFrames++; rxBytes += length; }
    internal void Sent(int length) { txFrames++; txBytes += length; }

    internal void Received(int length, in Ethox.Layer.PacketOffload offload)
    {
        Received(length);
        if (offload.Checksum == Ethox.Layer.ChecksumStatus.Partial) rxChecksumPartial++;
        else if (offload.Checksum == Ethox.Layer.ChecksumStatus.Verified) rxChecksumVerified++;
        if (offload.Segmentation != Ethox.Layer.SegmentationKind.None) rxSegmented++;
    }

    internal void Sent(int length, in Ethox.Layer.PacketOffload offload)
    {
        Sent(length);
        if (offload.Checksum == Ethox.Layer.ChecksumStatus.Partial) txChecksumPartial++;
        if (offload.Segmentation != Ethox.Layer.SegmentationKind.None) txSegmented++;
    }

    /// <inheritdoc/>
    public override readonly string ToString()
        => $"rx {rxFrames} frames/{rxBytes} B, tx {txFrames} frames/{txBytes} B, drops: rx truncated {rxTruncated}, rx errors {rxErrors}, "
         + $"kernel {rxKernelDropped}, unsupported offload {rxUnsupportedOffload}, tx queue full {txQueueFull}, tx errors {txErrors}; "
         + $"offloads: rx partial {rxChecksumPartial}, verified {rxChecksumVerified}, segmented {rxSegmented} (datagrams split {rxSplitDatagrams}), tx partial {txChecksumPartial}, segmented {txSegmented}";
}
