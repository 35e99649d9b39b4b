using System.IO.Pipelines;

namespace Ethox.Nic.Hosting;

/// <summary>
/// An <see cref="EthoxStream"/> as an <see cref="IDuplexPipe"/>: the input reads from the connection into the pipe's own
/// buffers (the one copy in; the reader then sees them in place), the output writes the pipe's buffers into the send ring
/// (the one copy out). Completing the output half-closes the connection; completing the input only stops reading.
/// </summary>
internal sealed class EthoxDuplexPipe(EthoxStream stream) : IDuplexPipe
{
    // Reads as large as the host's receive ring, so that one read can empty it.
    private readonly PipeReader _input = PipeReader.Create(stream, new StreamPipeReaderOptions(
        bufferSize: stream.Host.Options.ReceiveBufferSize, minimumReadSize: System.Math.Min(4096, stream.Host.Options.ReceiveBufferSize), leaveOpen: true));

    private readonly PipeWriter _output = new HalfClosingPipeWriter(stream);

    /// <inheritdoc/>
    public PipeReader Input => _input;

    /// <inheritdoc/>
    public PipeWriter Output => _output;
}
