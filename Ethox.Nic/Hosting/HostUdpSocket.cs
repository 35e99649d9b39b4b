namespace Ethox.Nic.Hosting;

/// <summary>The host's side of one bound UDP port: datagrams nobody received yet, and the receives waiting for one.</summary>
internal struct HostUdpSocket
{
    public int Generation;
    public bool InUse;
    public ushort Port;
    public DatagramQueue Queue;
    /// <summary>Receives waiting, linked by <see cref="HostOperation.Next"/>.</summary>
    public UdpReceiveOperation? WaitHead, WaitTail;
}
