using Ethox.Layer.Tcp;

namespace Ethox.Nic.Hosting;

// Transparent mode for the facade: connection requests to addresses that are not ours (TcpStray.IsForeign) are accepted
// into an entry with its rings and queued for AcceptAnyAsync, as a listener's are for AcceptAsync. Its queue is a
// listener entry of its own, outside the listener table, named by AnyListener.
internal sealed partial class HostCore
{
    /// <summary>The <see cref="HostConnection.Listener"/> of connections taken in transparent mode (-1 is an active open).</summary>
    public const int AnyListener = -2;

    /// <summary>The handle <see cref="EthoxHost.AcceptAnyAsync"/> accepts on.</summary>
    public static HostHandle AnyListenerHandle => new(AnyListener, 1);

    private HostListener _any;

    private ref HostListener ListenerAt(int index) => ref index == AnyListener ? ref _any : ref _listeners[index];

    /// <summary>
    /// A segment of no connection and no listener. In transparent mode a SYN to a foreign address is accepted (the SYN-ACK
    /// leaves from that address) while the backlog has room and rings are free; otherwise it is ignored, so the client
    /// tries again, as a full listener's SYN is. Anything else is left to the layer's answer (RFC 9293 §3.10.7.1: RST),
    /// which is also what a SYN to a closed port of our own gets.
    /// </summary>
    public void OnStray(TcpStray stray)
    {
        if (!_any.InUse || !stray.IsForeign || !stray.IsConnectionRequest) return;
        if (_any.HalfOpen + _any.Queued >= _any.Backlog)
        {
            _counters.AcceptQueueFull++;
            stray.Ignore();
            return;
        }
        if (!TryAllocate(out int index))
        {
            _counters.NoRings++;
            stray.Ignore();
            return;
        }
        if (stray.Accept(BuffersOf(index), _connectionOptions, out var key) != TcpStatus.Ok)
        {
            Free(index);
            return;
        }
        Attach(index, key, stray.Tuple);
        ref var c = ref _connections[index];
        c.Listener = AnyListener;
        c.Flags |= HostConnectionFlags.HalfOpen;
        _any.HalfOpen++;
    }
}
