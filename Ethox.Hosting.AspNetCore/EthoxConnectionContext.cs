using System;
using System.Collections.Generic;
using System.IO.Pipelines;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Ethox.Nic.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Ethox.Hosting.AspNetCore;

/// <summary>
/// One TCP connection of an <see cref="EthoxHost"/> as Kestrel sees one: its <see cref="Transport"/> is the
/// <see cref="EthoxStream"/>'s <see cref="IDuplexPipe"/> (one copy per direction between the pipes' buffers and the
/// connection's rings), <see cref="LocalEndPoint"/> and <see cref="RemoteEndPoint"/> are the connection's ends (the local one
/// is the address the client connected to), <see cref="ConnectionClosed"/> fires once the pipe's receive loop has seen the
/// peer's FIN or an error, whether or not Kestrel is reading then (as on the socket transport), or on
/// <see cref="Abort(ConnectionAbortedException)"/>. <see cref="Abort(ConnectionAbortedException)"/> resets
/// the connection; <see cref="DisposeAsync"/> closes it gracefully (a FIN after what was written).
/// </summary>
public sealed class EthoxConnectionContext : ConnectionContext,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature, IConnectionEndPointFeature
{
    private static long s_lastId;

    private readonly EthoxStream _stream;
    private readonly CancellationTokenSource _closed = new();
    private readonly FeatureCollection _features = new();
    private IDictionary<object, object?>? _items;
    private readonly CancellationTokenRegistration _inputEnded;
    private int _closedSignalled, _disposed;

    /// <summary>The connection of <paramref name="stream"/>; the context owns the stream from now on.</summary>
    public EthoxConnectionContext(EthoxStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        Transport = stream.AsDuplexPipe();
        // The pipe's receive loop tells when the input ends (FIN, reset, abort), whether or not Kestrel is reading then, as
        // the socket transport's receive loop does: a request under way is aborted when its client goes.
        _inputEnded = stream.PipeInputEnded.UnsafeRegister(static context => ((EthoxConnectionContext)context!).SignalClosed(), this);
        ConnectionId = "ethox-" + Interlocked.Increment(ref s_lastId).ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        LocalEndPoint = stream.LocalEndPoint;
        RemoteEndPoint = stream.RemoteEndPoint;
        ConnectionClosed = _closed.Token;
        _features.Set<IConnectionIdFeature>(this);
        _features.Set<IConnectionTransportFeature>(this);
        _features.Set<IConnectionItemsFeature>(this);
        _features.Set<IConnectionLifetimeFeature>(this);
        _features.Set<IConnectionEndPointFeature>(this);
    }

    /// <summary>The connection's stream (for what the pipe does not say: the four-tuple, the host).</summary>
    public EthoxStream Stream => _stream;

    /// <inheritdoc/>
    public override string ConnectionId { get; set; }
    /// <inheritdoc/>
    public override IFeatureCollection Features => _features;
    /// <inheritdoc/>
    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }
    /// <inheritdoc/>
    public override IDuplexPipe Transport { get; set; }
    /// <inheritdoc/>
    public override EndPoint? LocalEndPoint { get; set; }
    /// <inheritdoc/>
    public override EndPoint? RemoteEndPoint { get; set; }
    /// <inheritdoc/>
    public override CancellationToken ConnectionClosed { get; set; }

    /// <summary>Resets the connection (a RST; what was not sent is dropped) and fires <see cref="ConnectionClosed"/>.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        _stream.Abort();
        SignalClosed();
    }

    /// <summary>
    /// Completes the transport and closes the connection gracefully: a FIN after what was written (a RST instead when
    /// received bytes were left unread, RFC 1122 §4.2.2.13). Waits for nothing: the FIN leaves with the host's next turn.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await Transport.Input.CompleteAsync().ConfigureAwait(false);
        await Transport.Output.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _inputEnded.Dispose();
        SignalClosed();
    }

    /// <summary>
    /// Fires <see cref="ConnectionClosed"/> once, on the thread pool: its callbacks (Kestrel aborting a request) must not run
    /// inside the receive loop that noticed the end.
    /// </summary>
    private void SignalClosed()
    {
        if (Interlocked.Exchange(ref _closedSignalled, 1) != 0) return;
        ThreadPool.UnsafeQueueUserWorkItem(static source => source.Cancel(), _closed, preferLocal: false);
    }
}
