namespace Ethox.Nic.Hosting;

/// <summary>The host's side of one listening port: the accept queue of established connections, and the accepts waiting for one.</summary>
internal struct HostListener
{
    public int Generation;
    public bool InUse;
    public ushort Port;
    /// <summary>Half-open plus queued connections allowed at once.</summary>
    public int Backlog;
    public int HalfOpen;
    /// <summary>The accept queue: connection entries linked by <see cref="HostConnection.NextQueued"/>.</summary>
    public int QueueHead, QueueTail, Queued;
    /// <summary>Accepts waiting, linked by <see cref="HostOperation.Next"/>.</summary>
    public AcceptOperation? WaitHead, WaitTail;
}
