using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Ethox.Layer;

namespace Ethox.Nic.Hosting;

/// <summary>
/// A bound UDP port of an <see cref="EthoxHost"/>, on every address of the host — or, in transparent mode, the socket that
/// takes every datagram to a foreign address (<see cref="EthoxHost.BindAnyUdpAsync"/>, <see cref="IsTransparent"/>). A
/// datagram sent is copied from the caller's memory straight into a transmit buffer; a datagram received goes straight
/// into a waiting receiver's memory, or waits in the socket's queue (<see cref="EthoxHostOptions.UdpReceiveQueueSize"/>;
/// dropped when it is full, as a kernel socket's full buffer drops).
/// </summary>
public sealed class EthoxUdpSocket : IDisposable, IAsyncDisposable
{
    /// <summary>The largest UDP payload (RFC 768: 65535 bytes of datagram less the UDP and IPv4 headers).</summary>
    public const int MaxDatagramLength = 65507;

    private readonly EthoxHost _host;
    private readonly HostHandle _handle;
    private readonly UdpSendOperation _send = new();
    private readonly UdpReceiveOperation _receive = new();
    private TimeSpan _sendTimeout = Timeout.InfiniteTimeSpan, _receiveTimeout = Timeout.InfiniteTimeSpan;
    private int _disposed;

    internal EthoxUdpSocket(EthoxHost host, HostHandle handle, ushort port, bool transparent)
    {
        _host = host;
        _handle = handle;
        Port = port;
        IsTransparent = transparent;
    }

    /// <summary>The bound port (0 for the transparent socket, which takes every port of the foreign addresses).</summary>
    public int Port { get; }
    /// <summary>
    /// True for the transparent socket of <see cref="EthoxHost.BindAnyUdpAsync"/>: it receives the datagrams sent to foreign
    /// addresses and answers with <see cref="SendToAsync(IPEndPoint, IPEndPoint, ReadOnlyMemory{byte}, CancellationToken)"/>.
    /// </summary>
    public bool IsTransparent { get; }
    /// <summary>The port on every address (shown as the IPv4 any-address; IPv6 datagrams arrive too).</summary>
    public IPEndPoint LocalEndPoint => new(IPAddress.Any, Port);

    /// <summary>How long a send waits for a transmit buffer; <see cref="Timeout.InfiniteTimeSpan"/> (the default) for ever.</summary>
    public TimeSpan SendTimeout
    {
        get => _sendTimeout;
        set
        {
            EthoxHost.CheckTimeout(value, nameof(value));
            _sendTimeout = value;
        }
    }

    /// <summary>How long a receive waits for a datagram before it fails with <c>TimedOut</c>; <see cref="Timeout.InfiniteTimeSpan"/> (the default) for ever.</summary>
    public TimeSpan ReceiveTimeout
    {
        get => _receiveTimeout;
        set
        {
            EthoxHost.CheckTimeout(value, nameof(value));
            _receiveTimeout = value;
        }
    }

    /// <summary>
    /// Sends <paramref name="datagram"/> to <paramref name="remote"/> from the socket's port, fragmented when it is larger than
    /// the path MTU; returns its length once it is in a transmit buffer (or waits for the neighbour's address).
    /// <c>NetworkUnreachable</c> when no route or source address leads there. The transparent socket has no port to send
    /// from: it answers with <see cref="SendToAsync(IPEndPoint, IPEndPoint, ReadOnlyMemory{byte}, CancellationToken)"/>
    /// (<see cref="InvalidOperationException"/> here).
    /// </summary>
    public ValueTask<int> SendToAsync(ReadOnlyMemory<byte> datagram, IPEndPoint remote, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        if (IsTransparent) throw new InvalidOperationException("The transparent socket has no port of its own: send with SendToAsync(local, remote, datagram).");
        return Send(default, false, remote, datagram, cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="datagram"/> from <paramref name="local"/> to <paramref name="remote"/>: the datagram leaves from
    /// that address and port whatever the route would pick. On the transparent socket <paramref name="local"/> is the
    /// original destination of the flow being answered (<see cref="EthoxUdpReceiveResult.LocalEndPoint"/>): any foreign
    /// address of the families in <see cref="EthoxHostOptions.AcceptAny"/>, any port. On a bound port it is one of the host's
    /// addresses and <see cref="Port"/>. Fails with <c>AddressNotAvailable</c> when the host may not send from that address,
    /// <c>NetworkUnreachable</c> when no route leads to <paramref name="remote"/>.
    /// </summary>
    public ValueTask<int> SendToAsync(IPEndPoint local, IPEndPoint remote, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(remote);
        if (local.Port == 0) throw new ArgumentOutOfRangeException(nameof(local), "The port must not be 0.");
        if (!IsTransparent && local.Port != Port) throw new ArgumentException($"A bound socket sends from its own port, {Port}.", nameof(local));
        var source = Endpoints.ToTransport(local);
        if (source.Address.IsV4 != Endpoints.ToIpAddress(remote.Address).IsV4)
            throw new ArgumentException("The local and the remote address must be of the same family.", nameof(local));
        return Send(source, true, remote, datagram, cancellationToken);
    }

    private ValueTask<int> Send(TransportAddress local, bool pinned, IPEndPoint remote, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (datagram.Length > MaxDatagramLength) return ValueTask.FromException<int>(new SocketException((int)SocketError.MessageSize));
        if (remote.Port == 0) throw new ArgumentOutOfRangeException(nameof(remote), "The port must not be 0.");
        var operation = _send.TryRent() ? _send : new UdpSendOperation();
        if (operation != _send) operation.TryRent();
        operation.Socket = _handle;
        operation.Remote = Endpoints.ToTransport(remote);
        operation.Local = local;
        operation.Pinned = pinned;
        operation.Data = datagram;
        operation.Begin(_host.Channel, cancellationToken, _sendTimeout);
        _host.Submit(operation);
        return operation.Task;
    }

    /// <summary>
    /// Receives the next datagram into <paramref name="buffer"/>: its length (cut to the buffer's) and its sender. Waits until
    /// one arrives, <see cref="ReceiveTimeout"/> passes or <paramref name="cancellationToken"/> fires.
    /// </summary>
    public ValueTask<SocketReceiveFromResult> ReceiveFromAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => Receive(buffer, wantsDestination: false, cancellationToken).ReceiveFromTask;

    /// <summary>
    /// Receives the next datagram into <paramref name="buffer"/>, as <see cref="ReceiveFromAsync"/>, with the address and port
    /// it was sent to (as <c>recvmsg(2)</c> with <c>IP_PKTINFO</c> gives it): on the transparent socket the flow's original
    /// destination, whose four-tuple with the sender names the flow, and the source to answer from.
    /// </summary>
    public ValueTask<EthoxUdpReceiveResult> ReceiveMessageFromAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => Receive(buffer, wantsDestination: true, cancellationToken).Task;

    private UdpReceiveOperation Receive(Memory<byte> buffer, bool wantsDestination, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var operation = _receive.TryRent() ? _receive : new UdpReceiveOperation();
        if (operation != _receive) operation.TryRent();
        operation.Socket = _handle;
        operation.Buffer = buffer;
        operation.WantsDestination = wantsDestination;
        operation.Begin(_host.Channel, cancellationToken, _receiveTimeout);
        _host.Submit(operation);
        return operation;
    }

    /// <summary>Unbinds the port: waiting receives and sends fail with <see cref="ObjectDisposedException"/>, queued datagrams are dropped.</summary>
    public void Dispose() => _ = Close();

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync() => Close();

    private ValueTask Close()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return ValueTask.CompletedTask;
        var operation = new UdpCloseOperation { Socket = _handle };
        operation.Begin(_host.Channel, default, Timeout.InfiniteTimeSpan);
        _host.Submit(operation);
        return operation.VoidTask;
    }
}
