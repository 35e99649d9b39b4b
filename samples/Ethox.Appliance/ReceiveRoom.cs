using System;
using Ethox.Layer;
using Ethox.Nic;

namespace Ethox.Appliance;

/// <summary>
/// How much a packet socket must hold for the appliance's TCP windows. A sender on the same host (a veth peer) can put a
/// whole receive window on the link faster than the loop reads it; what does not fit in the socket buffer or the ring is
/// dropped by the kernel before Ethox sees it, and TCP recovers it by retransmission, slowly. So the room follows
/// <c>--tcp-buffer</c>, the window each connection offers.
/// </summary>
internal static class ReceiveRoom
{
    /// <summary>
    /// The plain socket's receive buffer: eight windows, since the kernel counts each frame's whole buffer (about twice an
    /// MTU-sized frame) and several connections may be busy; at least 1 MiB, at most 256 MiB.
    /// </summary>
    public static int SocketBytes(ApplianceOptions options) => (int)Math.Clamp(8L * options.TcpBuffer, 1 << 20, 256 << 20);

    /// <summary>
    /// Ring frames. With super-segments (offloads on or rx) a frame holds up to 64 KiB and the default 256 frames hold 16 MiB.
    /// Without, each frame is one MTU-sized segment (at least 1 KiB of data), so twice a window's worth of them, at most 16384.
    /// </summary>
    public static int RingFrames(ApplianceOptions options)
        => (options.Offloads & DeviceOffloads.ReceiveSegmented) != 0 ? new AfPacketOptions().RingFrames : Math.Clamp(options.TcpBuffer / 512, 256, 16384);
}
