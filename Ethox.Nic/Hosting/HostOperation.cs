using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace Ethox.Nic.Hosting;

/// <summary>
/// One request from another thread to the host's thread (connect, read, write, accept, bind…) and its completion.
/// The caller fills it and submits it through the <see cref="CommandChannel"/>; the host's thread runs it
/// (<see cref="Run"/>), parks it if it must wait (<see cref="Pending"/>), and completes it by queuing the object itself
/// to the thread pool (<see cref="IThreadPoolWorkItem"/>), so that completing allocates nothing on the host's thread
/// and no user continuation ever runs there: the pool thread signals the waiting <see cref="System.Threading.Tasks.ValueTask"/>.
/// </summary>
/// <remarks>
/// Cancellation and timeouts: a registration on the caller's token (and a timer for the timeout) asks the host's
/// thread to withdraw the request; only that thread decides its outcome, so a request completes exactly once. A
/// request object may be reused (a stream keeps one read and one write); <see cref="Generation"/> tells a late
/// cancellation of an earlier use from one of the current use.
/// </remarks>
internal abstract class HostOperation : IThreadPoolWorkItem
{
    private static readonly Action<object?> OnCancel = static state => ((HostOperation)state!).RequestCancel();

    private CancellationTokenRegistration _registration;
    private CancellationTokenSource? _timeout;
    private CommandChannel? _channel;
    private int _cancelGeneration;
    private int _cancelReason;

    /// <summary>1 while linked in the channel's cancellation list (<see cref="NextCancel"/>).</summary>
    internal int InCancelList;
    /// <summary>The next request in the channel's cancellation list.</summary>
    internal HostOperation? NextCancel;
    /// <summary>The next request in a queue of the host's thread (waiting accepts, receives, datagrams to send).</summary>
    internal HostOperation? Next;
    /// <summary>Which use of this object this is; moved on by <see cref="Begin"/>.</summary>
    internal int Generation;
    /// <summary>True while the host's thread keeps the request waiting (host's thread only).</summary>
    internal bool Pending;
    /// <summary>How it ended.</summary>
    internal HostFailure Failure;
    /// <summary>The network error when <see cref="Failure"/> is <see cref="HostFailure.Socket"/>.</summary>
    internal SocketError Error;
    /// <summary>The loop's exception when <see cref="Failure"/> is <see cref="HostFailure.HostFaulted"/>.</summary>
    internal Exception? Fault;

    /// <summary>The caller's token, for the <see cref="OperationCanceledException"/>.</summary>
    internal CancellationToken Token { get; private set; }

    /// <summary>
    /// Starts a use (caller's thread, before submitting): a new generation, and the cancellation registration on
    /// <paramref name="token"/> and on a timer of <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/> for none).
    /// </summary>
    internal void Begin(CommandChannel channel, CancellationToken token, TimeSpan timeout)
    {
        Generation++;
        Failure = HostFailure.None;
        Error = SocketError.Success;
        Fault = null;
        Next = null;
        Pending = false;
        Token = token;
        _channel = channel;
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            _timeout = token.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(token) : new CancellationTokenSource();
            _timeout.CancelAfter(timeout);
            _registration = _timeout.Token.UnsafeRegister(OnCancel, this);
        }
        else if (token.CanBeCanceled) _registration = token.UnsafeRegister(OnCancel, this);
    }

    // Any thread (the token's or the timer's): only asks; the host's thread decides.
    private void RequestCancel()
    {
        Volatile.Write(ref _cancelReason, (int)(Token.IsCancellationRequested ? HostFailure.Canceled : HostFailure.TimedOut));
        Volatile.Write(ref _cancelGeneration, Generation);
        _channel!.Cancel(this);
    }

    /// <summary>True when cancellation (or the timeout) was asked for the current use.</summary>
    internal bool CancelRequested => Volatile.Read(ref _cancelGeneration) == Generation;

    /// <summary><see cref="HostFailure.Canceled"/> or <see cref="HostFailure.TimedOut"/>, once <see cref="CancelRequested"/>.</summary>
    internal HostFailure CancelFailure => (HostFailure)Volatile.Read(ref _cancelReason);

    /// <summary>Does the request, on the host's thread: completes it, or parks it and sets <see cref="Pending"/>.</summary>
    internal abstract void Run(HostCore core);

    /// <summary>Takes a parked request out of wherever it waits, on the host's thread, before it completes as cancelled.</summary>
    internal abstract void Withdraw(HostCore core);

    /// <summary>Ends the request (host's thread): the result fields are set; the pool thread signals the caller.</summary>
    internal void Complete(HostFailure failure = HostFailure.None, SocketError error = SocketError.Success)
    {
        Pending = false;
        Failure = failure;
        Error = error;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Ends a request the host never took (it had stopped), on the caller's thread.</summary>
    internal void CompleteRefused(HostFailure failure, Exception? fault)
    {
        Failure = failure;
        Fault = fault;
        Execute();
    }

    /// <summary>On a pool thread: drops the cancellation registration (waiting for a callback that is running) and signals the caller.</summary>
    public void Execute()
    {
        _registration.Dispose();
        _registration = default;
        _timeout?.Dispose();
        _timeout = null;
        Signal();
    }

    /// <summary>Completes the caller's <see cref="System.Threading.Tasks.ValueTask"/> with the result or the exception.</summary>
    protected abstract void Signal();
}

/// <summary>A <see cref="HostOperation"/> with a result of type <typeparamref name="T"/>, awaited as a <see cref="ValueTask{T}"/> (or a <see cref="ValueTask"/>).</summary>
internal abstract class HostOperation<T> : HostOperation, IValueTaskSource<T>, IValueTaskSource
{
    // The pool thread that signals runs the continuation itself: it is not the host's thread.
    private ManualResetValueTaskSourceCore<T> _core;
    private int _rented;

    /// <summary>The result, set on the host's thread before <see cref="HostOperation.Complete"/>.</summary>
    internal T Result = default!;

    /// <summary>The token of the current use, for the <see cref="ValueTask{T}"/>.</summary>
    internal short Version => _core.Version;

    /// <summary>Takes the object for one use; false while a use is under way (a second concurrent read, say).</summary>
    internal bool TryRent() => Interlocked.CompareExchange(ref _rented, 1, 0) == 0;

    /// <summary>The awaitable of the current use.</summary>
    internal ValueTask<T> Task => new(this, _core.Version);

    /// <summary>The awaitable of the current use, without its result.</summary>
    internal ValueTask VoidTask => new(this, _core.Version);

    /// <summary>The exception for a failure, as callers of this kind of request expect it.</summary>
    protected abstract Exception CreateException();

    /// <summary>
    /// On the pool thread, before the caller is signalled: builds a <see cref="Result"/> that allocates (a stream, an
    /// endpoint) from what the host's thread left in plain fields, so that the host's thread allocates nothing.
    /// </summary>
    protected virtual void BuildResult() { }

    /// <inheritdoc/>
    protected sealed override void Signal()
    {
        if (Failure != HostFailure.None)
        {
            _core.SetException(CreateException());
            return;
        }
        BuildResult();
        _core.SetResult(Result);
    }

    /// <inheritdoc/>
    public T GetResult(short token)
    {
        // Only the one legitimate call (the current use, completed) frees the object for the next use.
        bool legitimate = token == _core.Version && _core.GetStatus(token) != ValueTaskSourceStatus.Pending;
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            if (legitimate)
            {
                Result = default!;
                _core.Reset();
                Volatile.Write(ref _rented, 0);
            }
        }
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    /// <inheritdoc/>
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc/>
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
