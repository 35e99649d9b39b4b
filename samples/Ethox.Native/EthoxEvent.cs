using System.Runtime.InteropServices;

namespace Ethox.Native;

/// <summary><c>ethox_event</c>: a socket whose readiness changed, and its readiness now (<c>ethox_ready</c>).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct EthoxEvent
{
    /// <summary>The socket handle.</summary>
    public long Socket;
    /// <summary>Its <see cref="SocketEvents"/> at the time of the call.</summary>
    public uint Events;
    /// <summary>Zero.</summary>
    public uint Reserved;
}
