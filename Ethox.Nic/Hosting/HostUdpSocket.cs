namespace Ethox.Nic.Hosting;

/// <summary>
/// The host's side of one UDP socket — a bound port, or the transparent socket that takes datagrams to foreign
/// addresses — with the datagrams nobody received yet, and the receives waiting for one.
/// </summary>
internal struct HostUdpSocket
{
    public int Generation;
    public bool InUse;
    /// <summary>True for the transparent socket (it has no port of its own).</summary>
    public bool Transparent;
    public ushort Port;
    public DatagramQueue Queue;
    /// <summary>Receives waiting, linked by <see cref="HostOperation.Next"/>.</summary>
    public UdpReceiveOperation? WaitHead, WaitTail;
}
