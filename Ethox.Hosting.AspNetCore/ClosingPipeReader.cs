using System;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;

namespace Ethox.Hosting.AspNetCore;

/// <summary>
/// The input of a connection as Kestrel reads it: the stream's own <see cref="PipeReader"/>, which also tells its
/// connection when the end of the stream (the peer's FIN) or an error (a reset, an abort) has been read, so that
/// <see cref="EthoxConnectionContext.ConnectionClosed"/> fires as it does on Kestrel's socket transport.
/// </summary>
internal sealed class ClosingPipeReader(PipeReader inner, EthoxConnectionContext connection) : PipeReader
{
    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ReadResult result;
        try
        {
            result = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception)
        {
            connection.SignalClosed();
            throw;
        }
        if (result.IsCompleted) connection.SignalClosed();
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result)) return false;
        if (result.IsCompleted) connection.SignalClosed();
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
}
