using System;
using System.Threading;
using System.Threading.Tasks;
using System.IO.Pipelines;

namespace Ethox.Nic.Hosting;

/// <summary>
/// The output of an <see cref="EthoxDuplexPipe"/>: a stream pipe writer over the connection that, when completed, sends
/// the FIN (a clean completion) or resets the connection (a completion with an exception), as a transport's output does.
/// </summary>
internal sealed class HalfClosingPipeWriter(EthoxStream stream) : PipeWriter
{
    private readonly PipeWriter _inner = Create(stream, new StreamPipeWriterOptions(leaveOpen: true));

    /// <inheritdoc/>
    public override void Advance(int bytes) => _inner.Advance(bytes);
    /// <inheritdoc/>
    public override Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);
    /// <inheritdoc/>
    public override Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);
    /// <inheritdoc/>
    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => _inner.FlushAsync(cancellationToken);
    /// <inheritdoc/>
    public override void CancelPendingFlush() => _inner.CancelPendingFlush();
    /// <inheritdoc/>
    public override bool CanGetUnflushedBytes => _inner.CanGetUnflushedBytes;
    /// <inheritdoc/>
    public override long UnflushedBytes => _inner.UnflushedBytes;
    /// <inheritdoc/>
    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        => _inner.WriteAsync(source, cancellationToken);

    /// <inheritdoc/>
    public override void Complete(Exception? exception = null)
    {
        _inner.Complete(exception);
        End(exception);
    }

    /// <inheritdoc/>
    public override async ValueTask CompleteAsync(Exception? exception = null)
    {
        await _inner.CompleteAsync(exception).ConfigureAwait(false);
        End(exception);
    }

    private void End(Exception? exception)
    {
        if (exception is not null) stream.Abort();
        else if (stream.CanWrite) _ = stream.ShutdownOutputAsync();
    }
}
