using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Ethox.Layer.Tcp;

namespace Ethox.Nic.Hosting;

/// <summary>
/// A TCP connection of an <see cref="EthoxHost"/> as a <see cref="Stream"/>, usable from any thread. Each read copies
/// received bytes from the connection's ring straight into the caller's memory, each write copies the caller's bytes
/// straight into the send ring: one copy per direction. A reader that falls behind leaves the ring full, which shrinks
/// the window the peer sees; a writer whose data does not fit waits until acknowledgements free the ring.
/// </summary>
/// <remarks>
/// One read and one write may be under way at once (not two reads). <see cref="Dispose(bool)"/> closes gracefully (a FIN after the
/// data written; a RST instead when received data was left unread, RFC 1122 §4.2.2.13), <see cref="Abort"/> resets,
/// <see cref="ShutdownOutputAsync"/> half-closes. Errors are <see cref="IOException"/>s around a
/// <see cref="System.Net.Sockets.SocketException"/> (<c>ConnectionReset</c>, <c>TimedOut</c>, <c>HostUnreachable</c>…), as
/// <see cref="System.Net.Sockets.NetworkStream"/> throws them. <see cref="ReadTimeout"/> and <see cref="WriteTimeout"/> apply to
/// the asynchronous calls too. <see cref="AsDuplexPipe"/> offers the same connection as an <see cref="IDuplexPipe"/>.
/// </remarks>
public sealed class EthoxStream : Stream
{
    private readonly EthoxHost _host;
    private readonly HostHandle _handle;
    private readonly FourTuple _tuple;
    private readonly ReadOperation _read = new();
    private readonly WriteOperation _write = new();
    private int _readTimeout = Timeout.Infinite, _writeTimeout = Timeout.Infinite;
    private int _closed;
    private IPEndPoint? _local, _remote;
    private EthoxDuplexPipe? _pipe;
    private readonly Lock _options = new();
    private bool _noDelay, _keepAlive;

    internal EthoxStream(EthoxHost host, OpenedConnection connection)
    {
        _host = host;
        _handle = connection.Handle;
        _tuple = connection.Tuple;
        _noDelay = host.Options.NoDelay;
        _keepAlive = host.Options.KeepAlive;
    }

    /// <summary>The host the connection runs on.</summary>
    public EthoxHost Host => _host;
    /// <summary>Our end.</summary>
    public IPEndPoint LocalEndPoint => _local ??= Endpoints.From(_tuple.Local);
    /// <summary>The peer's end.</summary>
    public IPEndPoint RemoteEndPoint => _remote ??= Endpoints.From(_tuple.Remote);
    /// <summary>Both ends, as the stack knows them.</summary>
    public FourTuple Tuple => _tuple;

    /// <summary>
    /// Nagle's algorithm off (true) or on (false) for this connection (RFC 896, <c>TCP_NODELAY</c>); it starts as
    /// <see cref="EthoxHostOptions.NoDelay"/> says. Setting it queues the change to the host's thread, behind the requests
    /// made before it and ahead of those made after (a write that follows is sent under the new rule).
    /// </summary>
    public bool NoDelay
    {
        get => Volatile.Read(ref _noDelay);
        set => Configure(ref _noDelay, value);
    }

    /// <summary>
    /// Keep-alive probes when the connection is idle (RFC 1122 §4.2.3.6, <c>SO_KEEPALIVE</c>); it starts as
    /// <see cref="EthoxHostOptions.KeepAlive"/> says. The times are the host's (<see cref="EthoxHostOptions.TcpSettings"/>:
    /// <c>KeepAliveIdle</c>, <c>KeepAliveInterval</c>, <c>KeepAliveProbes</c>); the TCP layer keeps them per endpoint, not per
    /// connection. Set through the host's queue as <see cref="NoDelay"/> is.
    /// </summary>
    public bool KeepAlive
    {
        get => Volatile.Read(ref _keepAlive);
        set => Configure(ref _keepAlive, value);
    }

    // Under the lock, so that the commands reach the host's queue in the order the values changed, each with both values.
    private void Configure(ref bool field, bool value)
    {
        lock (_options)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
            Volatile.Write(ref field, value);
            var command = new ConnectionCommand { Connection = _handle, Kind = ConnectionCommandKind.Configure, NoDelay = _noDelay, KeepAlive = _keepAlive };
            command.Begin(_host.Channel, default, Timeout.InfiniteTimeSpan);
            _host.Submit(command);
        }
    }

    /// <summary>
    /// The TCP layer's snapshot of the connection, read on the host's thread (as <c>TCP_INFO</c>): state, bytes readable,
    /// writable and queued, congestion window, smoothed RTT and RTO, MSS, negotiated options, and the per-connection
    /// options in force (<see cref="TcpConnectionInfo.Options"/>). Fails with <c>NotConnected</c> once TCP let go of it.
    /// </summary>
    public ValueTask<TcpConnectionInfo> GetTcpInfoAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
        var operation = new TcpInfoOperation { Connection = _handle };
        operation.Begin(_host.Channel, cancellationToken, Timeout.InfiniteTimeSpan);
        _host.Submit(operation);
        return operation.Task;
    }

    /// <inheritdoc/>
    public override bool CanRead => Volatile.Read(ref _closed) == 0;
    /// <inheritdoc/>
    public override bool CanWrite => Volatile.Read(ref _closed) == 0;
    /// <inheritdoc/>
    public override bool CanSeek => false;
    /// <inheritdoc/>
    public override bool CanTimeout => true;

    /// <summary>Milliseconds a read waits for data before it fails with <c>TimedOut</c>; <see cref="Timeout.Infinite"/> (the default) for ever.</summary>
    public override int ReadTimeout
    {
        get => _readTimeout;
        set => _readTimeout = CheckTimeout(value);
    }

    /// <summary>Milliseconds a write waits for room in the send ring before it fails with <c>TimedOut</c>; <see cref="Timeout.Infinite"/> (the default) for ever.</summary>
    public override int WriteTimeout
    {
        get => _writeTimeout;
        set => _writeTimeout = CheckTimeout(value);
    }

    private static int CheckTimeout(int value)
    {
        if (value <= 0 && value != Timeout.Infinite) throw new ArgumentOutOfRangeException(nameof(value), value, "A timeout is positive, or Timeout.Infinite.");
        return value;
    }

    private static TimeSpan ToTimeSpan(int milliseconds) => milliseconds == Timeout.Infinite ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(milliseconds);

    /// <summary>
    /// Reads at least one byte as soon as there is one (at most <paramref name="buffer"/>'s length), or 0 at the end of the
    /// stream. An empty <paramref name="buffer"/> waits until there is something to read, then returns 0.
    /// </summary>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<int>(cancellationToken);
        return ReadIntoAsync(buffer, cancellationToken);
    }

    /// <summary>A read without the disposed check (the pipe's receive loop: the host fails it once the connection is closed).</summary>
    internal ValueTask<int> ReadIntoAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_read.TryRent()) throw new InvalidOperationException("A read of this stream is under way already; one at a time.");
        _read.Connection = _handle;
        _read.Buffer = buffer;
        _read.Begin(_host.Channel, cancellationToken, ToTimeSpan(_readTimeout));
        _host.Submit(_read);
        return _read.Task;
    }

    /// <summary>Copies all of <paramref name="buffer"/> into the send ring, waiting while it is full.</summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        if (buffer.IsEmpty) return ValueTask.CompletedTask;
        if (!_write.TryRent()) throw new InvalidOperationException("A write to this stream is under way already; one at a time.");
        return Write(new ReadOnlySequence<byte>(buffer), cancellationToken);
    }

    /// <summary>The pipe's send loop: all of <paramref name="buffers"/> in one request, also while the stream is being disposed.</summary>
    internal ValueTask WriteSequenceAsync(in ReadOnlySequence<byte> buffers)
    {
        if (!_write.TryRent()) throw new InvalidOperationException("A write to this stream is under way already; one at a time.");
        return Write(buffers, default);
    }

    private ValueTask Write(in ReadOnlySequence<byte> buffers, CancellationToken cancellationToken)
    {
        _write.Connection = _handle;
        _write.Data = buffers;
        _write.Begin(_host.Channel, cancellationToken, ToTimeSpan(_writeTimeout));
        _host.Submit(_write);
        return _write.VoidTask;
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            int n = Read(rented, 0, buffer.Length);
            rented.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            buffer.CopyTo(rented);
            Write(rented, 0, buffer.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Nothing to do: written data leaves as soon as the windows allow (and Nagle's algorithm, when <see cref="NoDelay"/> is false).</summary>
    public override void Flush() { }

    /// <inheritdoc cref="Flush"/>
    public override Task FlushAsync(CancellationToken cancellationToken)
        => cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    /// <summary>Half-closes: a FIN follows the data written, and reading goes on until the peer's FIN. Completes once the FIN is queued.</summary>
    public ValueTask ShutdownOutputAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
        return Send(ConnectionCommandKind.ShutdownOutput, cancellationToken);
    }

    /// <summary>Resets the connection (a RST, unsent data dropped) and disposes the stream.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0) _ = Send(ConnectionCommandKind.Abort, default);
    }

    /// <summary>
    /// The connection as an <see cref="IDuplexPipe"/>: from now on the pipe reads and writes the connection (the stream's own
    /// reads and writes would collide with it). A flush completes once its bytes are in the output pipe; completing the
    /// output sends a FIN after everything flushed (or, with an exception, resets); disposing the stream closes the
    /// connection after what was flushed.
    /// </summary>
    public IDuplexPipe AsDuplexPipe()
    {
        var pipe = Volatile.Read(ref _pipe);
        if (pipe is not null) return pipe;
        var made = new EthoxDuplexPipe(this);
        pipe = Interlocked.CompareExchange(ref _pipe, made, null);
        if (pipe is not null) return pipe;
        made.Start();
        return made;
    }

    /// <summary>
    /// Cancelled once the pipe of <see cref="AsDuplexPipe"/> has received all the connection will give, the peer's FIN
    /// or an error (a reset, a time-out, an abort), even when nothing reads the pipe's input: what a transport reports as
    /// the connection closed (Kestrel's <c>ConnectionClosed</c>, which cancels a request under way). Never cancelled
    /// before <see cref="AsDuplexPipe"/>, nor by the stream's own reads.
    /// </summary>
    public CancellationToken PipeInputEnded => Volatile.Read(ref _pipe)?.InputEnded ?? CancellationToken.None;

    /// <summary>Closes the connection (the pipe's send loop, once it has handed over what was flushed).</summary>
    internal void SendClose() => _ = Send(ConnectionCommandKind.Close, default);

    private ValueTask Send(ConnectionCommandKind kind, CancellationToken cancellationToken)
    {
        var command = new ConnectionCommand { Connection = _handle, Kind = kind };
        command.Begin(_host.Channel, cancellationToken, Timeout.InfiniteTimeSpan);
        _host.Submit(command);
        return command.VoidTask;
    }

    /// <summary>Closes gracefully (see the remarks of <see cref="EthoxStream"/>). Waits for nothing: the FIN leaves with the host's next turn.</summary>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            if (Volatile.Read(ref _pipe) is { } pipe) pipe.CloseAfterSending();
            else SendClose();
        }
        base.Dispose(disposing);
    }

    /// <inheritdoc cref="Dispose(bool)"/>
    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();
}
