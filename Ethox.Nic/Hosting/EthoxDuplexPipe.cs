using System;
using System.Buffers;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

namespace Ethox.Nic.Hosting;

/// <summary>
/// An <see cref="EthoxStream"/> as an <see cref="IDuplexPipe"/>, built as a socket transport builds one: two
/// <see cref="System.IO.Pipelines.Pipe"/>s and two loops on the thread pool. The receive loop keeps one read of the connection waiting at the
/// host, into the input pipe's own memory (the one copy in: the host's thread copies from the receive ring straight into
/// it), and flushes what came to the reader. The send loop takes everything flushed into the output pipe and hands it to
/// the host as one write of all its segments (the one copy out, into the send ring).
/// </summary>
/// <remarks>
/// Why pipes rather than a stream reader and writer: a writer's flush completes as soon as its bytes are in the output
/// pipe, not after a round trip through the host's thread, so a writer that flushes twice in a row (Kestrel's chunked
/// response body, then its last chunk) has both in the pipe by the time the send loop takes them, and they leave as one
/// TCP segment instead of two (each of which the peer also acknowledged on its own). The send loop runs as a thread pool
/// work item for that reason: it lets the writer finish what it is writing. Completing the output sends a FIN after
/// everything flushed, or a RST when completed with an exception; completing the input stops the receive loop after its
/// read under way. Disposing the stream closes the connection once the send loop has handed over what was flushed.
/// </remarks>
internal sealed class EthoxDuplexPipe : IDuplexPipe
{
    private readonly EthoxStream _stream;
    private readonly System.IO.Pipelines.Pipe _input, _output;
    private readonly int _readSize;
    private readonly CancellationTokenSource _inputEnded = new();
    private int _closeRequested, _sendEnded;

    public EthoxDuplexPipe(EthoxStream stream)
    {
        _stream = stream;
        var options = stream.Host.Options;
        var pool = stream.Host.PipePool;
        _readSize = Math.Min(pool.MaxBufferSize, options.ReceiveBufferSize);
        // Input: the reader runs where the receive loop flushes (no second hop); the loop waits once a ring's worth is unread.
        _input = new System.IO.Pipelines.Pipe(new PipeOptions(pauseWriterThreshold: options.ReceiveBufferSize, resumeWriterThreshold: options.ReceiveBufferSize / 2,
            pool: pool, readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, minimumSegmentSize: _readSize, useSynchronizationContext: false));
        // Output: the send loop resumes on the thread pool (see the remarks); a writer more than a send ring ahead waits.
        _output = new System.IO.Pipelines.Pipe(new PipeOptions(pauseWriterThreshold: options.SendBufferSize, resumeWriterThreshold: options.SendBufferSize / 2,
            pool: pool, readerScheduler: PipeScheduler.ThreadPool, writerScheduler: PipeScheduler.ThreadPool, useSynchronizationContext: false));
    }

    /// <inheritdoc/>
    public PipeReader Input => _input.Reader;

    /// <inheritdoc/>
    public PipeWriter Output => _output.Writer;

    /// <summary>Cancelled once the receive loop has seen the connection's input end: the peer's FIN, a reset or an abort.</summary>
    public CancellationToken InputEnded => _inputEnded.Token;

    /// <summary>Starts both loops; once, by the stream that made the pipe.</summary>
    public void Start()
    {
        _ = ReceiveAsync();
        _ = SendAsync();
    }

    /// <summary>The stream was disposed: the send loop hands over what was flushed, then closes the connection (a FIN after it).</summary>
    public void CloseAfterSending()
    {
        Interlocked.Exchange(ref _closeRequested, 1);
        if (Volatile.Read(ref _sendEnded) != 0) _stream.SendClose();
        else _output.Reader.CancelPendingRead();
    }

    private async Task ReceiveAsync()
    {
        var writer = _input.Writer;
        Exception? error = null;
        bool ended = false;
        try
        {
            while (true)
            {
                int n = await _stream.ReadIntoAsync(writer.GetMemory(_readSize)).ConfigureAwait(false);
                if (n == 0)
                {
                    ended = true;
                    break;
                }
                writer.Advance(n);
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted) break; // the reader completed: nobody reads any more
            }
        }
        catch (Exception e)
        {
            error = e;
            ended = true;
        }
        await writer.CompleteAsync(error).ConfigureAwait(false);
        // Told whether or not anyone reads what is left in the pipe, as a socket transport's receive loop tells Kestrel.
        if (ended) _inputEnded.Cancel();
    }

    private async Task SendAsync()
    {
        var reader = _output.Reader;
        Exception? error = null;
        bool reset = false;
        try
        {
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await reader.ReadAsync().ConfigureAwait(false);
                }
                catch (Exception completedWith)
                {
                    // The writer completed the output with an exception: a transport resets the connection.
                    error = completedWith;
                    reset = true;
                    break;
                }
                var buffer = result.Buffer;
                if (!buffer.IsEmpty) await _stream.WriteSequenceAsync(buffer).ConfigureAwait(false);
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    if (Volatile.Read(ref _closeRequested) == 0) await _stream.ShutdownOutputAsync().ConfigureAwait(false);
                    break;
                }
                if (Volatile.Read(ref _closeRequested) != 0) break;
            }
        }
        catch (Exception e)
        {
            // A write failed (reset, timed out, aborted here, the host stopped): the writer's next flush says completed.
            error = e;
        }
        if (reset) _stream.Abort();
        await reader.CompleteAsync(error).ConfigureAwait(false);
        // Dekker's handshake with CloseAfterSending: one side or both see the other, and closing twice is harmless.
        Interlocked.Exchange(ref _sendEnded, 1);
        if (Volatile.Read(ref _closeRequested) != 0) _stream.SendClose();
    }
}
