using System;

namespace Ethox.Layer.Tcp;

/// <summary>
/// The memory one connection uses, given by the user when it opens or accepts the connection: the
/// send ring holds what was written and is not yet acknowledged, the receive ring what arrived and was
/// not yet read (its free space is the window we advertise). The user gets the memory back with
/// <see cref="TcpEvents.Closed"/>; carving one large array into slices allocates nothing. Each ring holds 1 to
/// <see cref="MaxRingBytes"/> bytes (16 MiB, more than Linux's default largest buffers of 4 and 6 MiB).
/// </summary>
/// <remarks>
/// The endpoint keeps rings of one size pair carved from one array as one group (a <em>buffer region</em>), and each
/// connection only a 4-byte handle into it (see <see cref="TcpEndpoint.StateBytesPerConnection"/>). Rings of a size pair
/// or an array of their own form a group of their own; the endpoint holds a fixed number of groups in use at once
/// (its <c>bufferRegions</c>, 64 by default), and a connection that would need one more gets
/// <see cref="TcpStatus.NoBufferRegion"/>. Rings carved from one array at offsets that are multiples of 8 share one
/// group per 128 MiB of the array.
/// </remarks>
public readonly record struct TcpBuffers(Memory<byte> Send, Memory<byte> Receive)
{
    /// <summary>The largest ring: 2^24 − 1 bytes (positions inside a ring are kept in 24 bits).</summary>
    public const int MaxRingBytes = UInt24.MaxValue;

    /// <summary>True when both rings hold at least one byte and at most <see cref="MaxRingBytes"/>.</summary>
    public bool IsUsable => !Send.IsEmpty && !Receive.IsEmpty && Send.Length <= MaxRingBytes && Receive.Length <= MaxRingBytes;
}

/// <summary>Per-connection choices (RFC 9293 §3.7.4 Nagle, RFC 1122 §4.2.3.6 keep-alive, congestion control).</summary>
public readonly record struct TcpConnectionOptions
{
    /// <summary>The defaults: Nagle on, keep-alive off, CUBIC.</summary>
    public TcpConnectionOptions() { }

    /// <summary>Nagle's algorithm (RFC 896): hold a small segment while data is unacknowledged. On by default.</summary>
    public bool Nagle { get; init; } = true;
    /// <summary>Send keep-alive probes on an idle connection (RFC 1122 §4.2.3.6). Off by default, as the RFC asks.</summary>
    public bool KeepAlive { get; init; }
    /// <summary>The congestion control (RFC 5681 NewReno or RFC 9438 CUBIC).</summary>
    public CongestionAlgorithm Congestion { get; init; } = CongestionAlgorithm.Cubic;
    /// <summary>
    /// Acknowledge in-order data once per batch of received frames instead of at every second full-sized segment: the ACK
    /// owed goes out on the next transmit call, one for everything the device handed over in between, as Linux's GRO
    /// makes one ACK of a burst (a stretch ACK; RFC 5681 §4.2 asks for every second segment with a SHOULD). Out-of-order
    /// and hole-filling data, window updates, FINs and anything the delayed-ACK timer owes are still answered at once.
    /// For a loop that transmits after every receive batch, as the appliance's does; fewer ACKs mean fewer frames and
    /// system calls, and a sender on the same host that handles each ACK in our transmit call. Off by default.
    /// </summary>
    public bool CoalesceAcks { get; init; }
}
