using System.Net.Sockets;
using Ethox.Layer.Tcp;

namespace Ethox.Nic.Hosting;

// Listening ports: the accept queue of each (established connections not yet taken), the accepts waiting, and
// the end of a listener.
internal sealed partial class HostCore
{
    private readonly HostListener[] _listeners;

    private int FindListener(ushort port)
    {
        for (int i = 0; i < _listeners.Length; i++)
            if (_listeners[i].InUse && _listeners[i].Port == port) return i;
        return -1;
    }

    private bool TryResolveListener(HostHandle handle, out int index)
    {
        index = handle.Index;
        if (index == AnyListener) return _any.InUse;
        return (uint)index < (uint)_listeners.Length && _listeners[index].InUse && _listeners[index].Generation == handle.Generation;
    }

    /// <summary>A listen request: a free listener entry and the TCP listener on the port.</summary>
    public void Listen(ListenOperation operation)
    {
        if (_stopping)
        {
            operation.Complete(HostFailure.HostStopped);
            return;
        }
        int index = -1;
        for (int i = 0; i < _listeners.Length && index < 0; i++)
            if (!_listeners[i].InUse) index = i;
        if (index < 0)
        {
            operation.Complete(HostFailure.Socket, SocketError.TooManyOpenSockets);
            return;
        }
        var status = Tcp.Listen(operation.Port, operation.Backlog);
        if (status != TcpStatus.Ok)
        {
            operation.Complete(HostFailure.Socket, status == TcpStatus.InUse ? SocketError.AddressAlreadyInUse : SocketError.InvalidArgument);
            return;
        }
        ref var l = ref _listeners[index];
        l = new HostListener
        {
            Generation = l.Generation + 1, InUse = true, Port = operation.Port, Backlog = operation.Backlog, QueueHead = -1, QueueTail = -1,
        };
        operation.Handle = new HostHandle(index, l.Generation);
        operation.Complete();
    }

    /// <summary>An accept request: the oldest queued connection, or it waits for the next.</summary>
    public void Accept(AcceptOperation operation)
    {
        if (!TryResolveListener(operation.Listener, out int index))
        {
            operation.Complete(Gone);
            return;
        }
        ref var l = ref ListenerAt(index);
        if (l.Queued > 0)
        {
            HandOver(operation, Dequeue(ref l));
            return;
        }
        if (l.WaitTail is null) l.WaitHead = operation;
        else l.WaitTail.Next = operation;
        l.WaitTail = operation;
        operation.Pending = true;
    }

    public void WithdrawAccept(AcceptOperation operation)
    {
        ref var l = ref ListenerAt(operation.Listener.Index);
        AcceptOperation? previous = null;
        for (var waiting = l.WaitHead; waiting is not null; previous = waiting, waiting = (AcceptOperation?)waiting.Next)
        {
            if (waiting != operation) continue;
            if (previous is null) l.WaitHead = (AcceptOperation?)waiting.Next;
            else previous.Next = waiting.Next;
            if (l.WaitTail == waiting) l.WaitTail = previous;
            waiting.Next = null;
            return;
        }
    }

    /// <summary>An established connection of listener <paramref name="listener"/>: to the accept that waits longest, or to the queue.</summary>
    private void Enqueue(int listener, int index)
    {
        ref var l = ref ListenerAt(listener);
        if (TakeWaitingAccept(ref l) is { } accept)
        {
            HandOver(accept, index);
            return;
        }
        ref var c = ref _connections[index];
        c.Flags |= HostConnectionFlags.Queued;
        c.NextQueued = -1;
        if (l.QueueTail < 0) l.QueueHead = index;
        else _connections[l.QueueTail].NextQueued = index;
        l.QueueTail = index;
        l.Queued++;
    }

    private int Dequeue(ref HostListener l)
    {
        int index = l.QueueHead;
        ref var c = ref _connections[index];
        l.QueueHead = c.NextQueued;
        if (l.QueueHead < 0) l.QueueTail = -1;
        l.Queued--;
        c.NextQueued = -1;
        c.Flags &= ~HostConnectionFlags.Queued;
        return index;
    }

    private static AcceptOperation? TakeWaitingAccept(ref HostListener l)
    {
        var accept = l.WaitHead;
        if (accept is null) return null;
        l.WaitHead = (AcceptOperation?)accept.Next;
        if (l.WaitHead is null) l.WaitTail = null;
        accept.Next = null;
        return accept;
    }

    /// <summary>The connection becomes the user's. One reset before it was taken is still handed over: its reads report the reset, as Linux's accept does.</summary>
    private void HandOver(AcceptOperation accept, int index)
    {
        ref var c = ref _connections[index];
        c.Flags |= HostConnectionFlags.Owned;
        _counters.Accepted++;
        accept.Opened = new OpenedConnection(HandleOf(index), c.Tuple);
        accept.Complete();
    }

    /// <summary>A stop-listening request.</summary>
    public void StopListening(StopListeningOperation operation)
    {
        if (TryResolveListener(operation.Listener, out int index)) CloseListener(index, HostFailure.Disposed);
        operation.Complete();
    }

    /// <summary>
    /// Ends listener <paramref name="index"/>: TCP stops listening, waiting accepts fail with <paramref name="failure"/>, and the
    /// connections nobody took (queued or half-open) are reset.
    /// </summary>
    private void CloseListener(int index, HostFailure failure)
    {
        ref var l = ref ListenerAt(index);
        if (index != AnyListener) Tcp.StopListening(l.Port);
        while (TakeWaitingAccept(ref l) is { } accept) accept.Complete(failure);
        while (l.Queued > 0) Release(Dequeue(ref l), abort: true);
        for (int i = 0; i < _connections.Length; i++)
        {
            ref var c = ref _connections[i];
            if (!c.Has(HostConnectionFlags.HalfOpen) || c.Listener != index) continue;
            c.Flags &= ~HostConnectionFlags.HalfOpen;
            Release(i, abort: true);
        }
        l.InUse = false;
    }
}
