using System;
using System.Threading;
using Ethox.Layer;

namespace Ethox.Nic.Hosting;

/// <summary>
/// Everything that crosses from other threads to the host's thread, none of it behind a lock: the bounded
/// <see cref="CommandQueue"/> of requests, the list of requests whose cancellation was asked for, the stop request,
/// and the eventfd that wakes the host's thread out of poll(2). A producer signals the eventfd only when the host's
/// thread said it is about to sleep, so a busy host is never woken by a system call per request.
/// </summary>
internal sealed class CommandChannel : IDisposable
{
    private readonly CommandQueue _queue;
    private readonly WakeSignal _wake;
    private HostOperation? _cancels;
    private int _sleeping;
    private int _submitters;
    private int _closed;
    private int _stopRequested;

    public CommandChannel(int capacity, WakeSignal wake)
    {
        _queue = new CommandQueue(capacity);
        _wake = wake;
    }

    /// <summary>True once <see cref="Close"/> was called: requests are refused.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>True once <see cref="RequestStop"/> was called.</summary>
    public bool StopRequested => Volatile.Read(ref _stopRequested) != 0;

    /// <summary>
    /// Hands <paramref name="operation"/> to the host's thread; false when the channel is closed (the host stopped).
    /// A full queue makes the caller spin until the host's thread takes some: requests are bounded, not dropped.
    /// </summary>
    public bool TrySubmit(HostOperation operation)
    {
        // The count of producers inside lets Close wait for the last of them: Interlocked orders it before the read
        // of _closed, as Close orders its write of _closed before its read of this count.
        Interlocked.Increment(ref _submitters);
        try
        {
            if (IsClosed) return false;
            var spin = new SpinWait();
            while (!_queue.TryEnqueue(operation))
            {
                _wake.Signal();
                spin.SpinOnce();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _submitters);
        }
        WakeIfSleeping();
        return true;
    }

    /// <summary>Asks the host's thread to withdraw <paramref name="operation"/> (from a cancellation callback, any thread).</summary>
    public void Cancel(HostOperation operation)
    {
        if (Interlocked.Exchange(ref operation.InCancelList, 1) == 0)
        {
            HostOperation? head;
            do
            {
                head = Volatile.Read(ref _cancels);
                operation.NextCancel = head;
            } while (Interlocked.CompareExchange(ref _cancels, operation, head) != head);
        }
        WakeIfSleeping();
    }

    /// <summary>Asks the host's thread to stop, and wakes it.</summary>
    public void RequestStop()
    {
        Volatile.Write(ref _stopRequested, 1);
        _wake.Signal();
    }

    /// <summary>The next request. The host's thread only.</summary>
    public bool TryDequeue(out HostOperation operation) => _queue.TryDequeue(out operation);

    /// <summary>Every request whose cancellation was asked for since the last call, as a list linked by <see cref="HostOperation.NextCancel"/>. The host's thread only.</summary>
    public HostOperation? TakeCancels() => Interlocked.Exchange(ref _cancels, null);

    /// <summary>
    /// Sleeps on the device's descriptor (-1 for none) and the eventfd for at most <paramref name="timeout"/>, unless a
    /// request, a cancellation or the stop request is already there. The host's thread only.
    /// </summary>
    public void Sleep(int device, Duration timeout)
    {
        // Dekker's handshake with the producers: we announce the sleep before looking at the queue, they queue before
        // looking at the announcement; at least one side sees the other, so no request is left asleep. A producer that
        // sees it clears it and signals: the poll then returns at once, or the eventfd is still readable the next time.
        Interlocked.Exchange(ref _sleeping, 1);
        if (!_queue.HasWork && Volatile.Read(ref _cancels) is null && !StopRequested) _wake.Wait(device, timeout);
        Volatile.Write(ref _sleeping, 0);
    }

    /// <summary>Refuses every request from now on. The host's thread, once, as it ends; then drain what was queued with <see cref="TryDequeue"/> until <see cref="ProducersGone"/>.</summary>
    public void Close() => Interlocked.Exchange(ref _closed, 1);

    /// <summary>True when no producer is inside <see cref="TrySubmit"/> any more (after <see cref="Close"/>: nothing more can arrive).</summary>
    public bool ProducersGone => Volatile.Read(ref _submitters) == 0;

    private void WakeIfSleeping()
    {
        // The first producer to see the announcement takes it back and signals; the others see it gone. Without that, every
        // request made while the host's thread is asleep or still waking up (on a busy machine, many) was a write(2) to the
        // eventfd: 1.7 per HTTP request in kestrel-rps.sh, for 0.15 sleeps.
        if (Volatile.Read(ref _sleeping) != 0 && Interlocked.Exchange(ref _sleeping, 0) != 0) _wake.Signal();
    }

    /// <summary>Closes the eventfd.</summary>
    public void Dispose() => _wake.Dispose();
}
