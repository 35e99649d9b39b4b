using System;
using System.Net;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using Ethox.Layer;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Layer.Udp;
using Transports = Ethox.Layer.Ip.TransportMux<Ethox.Layer.Tcp.TcpLayer<Ethox.Nic.Hosting.HostTcpHandler>, Ethox.Layer.Udp.UdpLayer<Ethox.Nic.Hosting.HostUdpHandler>, Ethox.Layer.Ip.NoTransport>;

namespace Ethox.Nic.Hosting;

/// <summary>
/// One Ethox stack (Ethernet, ARP, IP, ICMP, NDISC, UDP, TCP) and its device, run on a thread of its own, and the doors
/// the rest of a .NET program uses from any thread: <see cref="ConnectAsync(IPEndPoint, CancellationToken)"/>,
/// <see cref="ListenAsync"/> and <see cref="BindUdpAsync"/>, which give <see cref="EthoxStream"/>s,
/// <see cref="EthoxListener"/>s and <see cref="EthoxUdpSocket"/>s. Requests and completions cross between threads as
/// messages (a bounded queue to the host's thread, the thread pool back); no lock is ever taken around the stack,
/// which stays single-threaded, and the host's thread allocates nothing per packet.
/// </summary>
/// <remarks>
/// The host owns the stack; the device stays the caller's (dispose it after the host). <see cref="StopAsync"/> is a
/// graceful stop: listeners close, every connection is closed with a FIN (reset after <see cref="EthoxHostOptions.StopTimeout"/>),
/// and the counters stay readable (<see cref="ReadCountersAsync"/>). An exception of the loop (the device's, the stack's)
/// stops the host: every waiting request fails with an <see cref="System.IO.IOException"/> holding it, <see cref="Completion"/>
/// faults with it, and <see cref="Stop"/>, <see cref="StopAsync"/> and <see cref="Dispose"/> throw it.
/// </remarks>
public sealed class EthoxHost : IDisposable, IAsyncDisposable
{
    private readonly CommandChannel _channel;
    private readonly HostCore _core;
    private readonly HostLoop _loop;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private EthoxHostCounters _finalCounters;
    private Exception? _fault;
    private int _started, _faultObserved, _disposed;
    private readonly IpFamilies _acceptAny;

    private EthoxHost(EthoxHostOptions options, Func<HostCore, CommandChannel, HostLoop> loop, DeviceCapabilities capabilities)
    {
        Validate(options);
        Options = options;
        _acceptAny = options.AcceptAny;
        var wake = WakeSignal.TryCreate(out string error) ?? throw new InvalidOperationException(error);
        _channel = new CommandChannel(options.RequestQueueCapacity, wake);
        try
        {
            _core = new HostCore(_channel, options, capabilities, Instant.Now);
            _loop = loop(_core, _channel);
        }
        catch
        {
            _channel.Dispose();
            throw;
        }
        Capabilities = capabilities;
        // A read's block and a response's few per connection; 16 KiB: a read can take that much at once.
        PipePool = new PipeBlockPool(16384, 4 * options.MaxConnections);
        _thread = new Thread(ThreadMain) { IsBackground = true, Name = options.ThreadName };
    }

    /// <summary>
    /// A host for <paramref name="device"/>, built as <paramref name="options"/> say; call <see cref="Start"/> to run it.
    /// The host sleeps on the device's descriptor (AF_PACKET, TAP, TUN, an <see cref="IPollableDevice"/>) or, for an in-memory
    /// device, until its next deadline or a request; a device that implements <see cref="ITimed"/> adds its own deadlines.
    /// </summary>
    public static EthoxHost Create<TDevice>(TDevice device, EthoxHostOptions options) where TDevice : class, IDevice
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(options);
        var capabilities = device.Capabilities;
        int descriptor = device switch
        {
            IPollableDevice pollable => pollable.PollDescriptor,
            AfPacketDevice afPacket => afPacket.FileDescriptor,
            TunTapDevice tunTap => tunTap.FileDescriptor,
            _ => -1,
        };
        var busyPoll = Duration.FromTimeSpan(options.BusyPoll);
        return new EthoxHost(options, (core, channel) =>
        {
            var ip = new IpLayer<Transports>(core.Ip, core.CreateTransports());
            if (capabilities.Medium != Medium.Ethernet)
                return new HostLoop<TDevice, IpLayer<Transports>>(device, descriptor, ip, core, channel, options.Batch, busyPoll);
            var ethernet = new EthernetLayer<IpLayer<Transports>>(core.Ethernet!, ip);
            return options.GleanNeighbors
                ? new HostLoop<TDevice, NeighborGleaner<EthernetLayer<IpLayer<Transports>>>>(device, descriptor,
                    new(ethernet, core.Ip, core.Ethernet!.Address), core, channel, options.Batch, busyPoll)
                : new HostLoop<TDevice, EthernetLayer<IpLayer<Transports>>>(device, descriptor, ethernet, core, channel, options.Batch, busyPoll);
        }, capabilities);
    }

    private static void Validate(EthoxHostOptions o)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(o.MaxConnections, 1, nameof(o.MaxConnections));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.SendBufferSize, 1, nameof(o.SendBufferSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.ReceiveBufferSize, 1, nameof(o.ReceiveBufferSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)o.MaxConnections * (o.SendBufferSize + (long)o.ReceiveBufferSize), Array.MaxLength, "ring memory");
        ArgumentOutOfRangeException.ThrowIfLessThan(o.MaxListeners, 1, nameof(o.MaxListeners));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.MaxUdpSockets, 1, nameof(o.MaxUdpSockets));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(o.MaxUdpSockets, ushort.MaxValue, nameof(o.MaxUdpSockets));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.UdpReceiveQueueSize, 64, nameof(o.UdpReceiveQueueSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.RequestQueueCapacity, 2, nameof(o.RequestQueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.Batch, 1, nameof(o.Batch));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.NeighborCapacity, 1, nameof(o.NeighborCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.AcceptAnyBacklog, 1, nameof(o.AcceptAnyBacklog));
        CheckTimeout(o.ConnectTimeout, nameof(o.ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.StopTimeout, TimeSpan.Zero, nameof(o.StopTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.BusyPoll, TimeSpan.Zero, nameof(o.BusyPoll));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(o.BusyPoll, TimeSpan.FromSeconds(1), nameof(o.BusyPoll));
    }

    /// <summary>The options the host was built with (changing them afterwards has no effect).</summary>
    public EthoxHostOptions Options { get; }
    /// <summary>What the device said it can do (medium, MTU, offloads).</summary>
    public DeviceCapabilities Capabilities { get; }
    /// <summary>Ends when the host has stopped: successfully after a stop, faulted with the loop's exception.</summary>
    public Task Completion => _completion.Task;
    /// <summary>True from <see cref="Start"/> until the loop ends.</summary>
    public bool IsRunning => Volatile.Read(ref _started) != 0 && !_completion.Task.IsCompleted;

    internal CommandChannel Channel => _channel;

    /// <summary>The memory of the connections' pipes (<see cref="EthoxStream.AsDuplexPipe"/>).</summary>
    internal PipeBlockPool PipePool { get; }

    /// <summary>Starts the host's thread. Requests made before wait for it.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("The host has started already.");
        _thread.Start();
    }

    private void ThreadMain()
    {
        try
        {
            _loop.Run();
        }
        catch (Exception fault)
        {
            _fault = fault;
            Finish(HostFailure.HostFaulted, fault);
            return;
        }
        Finish(HostFailure.HostStopped, null);
    }

    // The end on whatever thread ran the host (its own, or the caller's of a stop before Start): fail what waits, keep
    // the counters, close the channel, complete.
    private void Finish(HostFailure failure, Exception? fault)
    {
        try
        {
            _finalCounters = _core.Snapshot();
            _core.Shutdown(failure, fault);
        }
        catch (Exception cleanup)
        {
            fault = fault is null ? cleanup : new AggregateException(fault, cleanup);
            _fault = fault;
        }
        if (fault is null) _completion.TrySetResult();
        else _completion.TrySetException(fault);
    }

    /// <summary>
    /// Stops the host gracefully (see the remarks of <see cref="EthoxHost"/>); the task ends when the loop has ended, with the
    /// loop's exception if it failed. Before <see cref="Start"/> it just fails what was requested.
    /// </summary>
    public Task StopAsync()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0) Finish(HostFailure.HostStopped, null);
        else _channel.RequestStop();
        return ObserveFault();
    }

    private async Task ObserveFault()
    {
        try
        {
            await _completion.Task.ConfigureAwait(false);
        }
        catch (Exception) when (_fault is not null)
        {
            Volatile.Write(ref _faultObserved, 1);
            ExceptionDispatchInfo.Capture(_fault).Throw();
        }
    }

    /// <summary>Stops the host gracefully and waits for it; throws the loop's exception if it failed.</summary>
    public void Stop() => StopAsync().GetAwaiter().GetResult();

    /// <summary>Stops the host (as <see cref="Stop"/>) and closes its eventfd; throws the loop's exception unless a stop threw it already.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Stops the host (as <see cref="StopAsync"/>) and closes its eventfd; throws the loop's exception unless a stop threw it already.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        bool observed = Volatile.Read(ref _faultObserved) != 0;
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (Exception) when (observed)
        {
            // Thrown to the caller of the earlier stop already.
        }
        finally
        {
            _channel.Dispose();
        }
    }

    // ---- the facade ---------------------------------------------------------------------------------------

    /// <summary>Hands a request to the host's thread, or fails it at once when the host has stopped.</summary>
    internal void Submit(HostOperation operation)
    {
        if (!_channel.TrySubmit(operation))
            operation.CompleteRefused(_fault is null ? HostFailure.HostStopped : HostFailure.HostFaulted, _fault);
    }

    /// <summary>
    /// Opens a TCP connection to <paramref name="remote"/> within <see cref="EthoxHostOptions.ConnectTimeout"/>. Fails with a
    /// <see cref="System.Net.Sockets.SocketException"/>: <c>ConnectionRefused</c> (a RST or an ICMP port unreachable answered),
    /// <c>TimedOut</c>, <c>HostUnreachable</c> or <c>NetworkUnreachable</c> (an ICMP error, mapped as Linux maps it; also no
    /// route or source address: <c>NetworkUnreachable</c>),
    /// <c>NoBufferSpaceAvailable</c> (every connection's rings in use).
    /// </summary>
    public ValueTask<EthoxStream> ConnectAsync(IPEndPoint remote, CancellationToken cancellationToken = default)
        => ConnectAsync(remote, Options.ConnectTimeout, cancellationToken);

    /// <summary>Opens a TCP connection to <paramref name="remote"/> within <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/> for none).</summary>
    public ValueTask<EthoxStream> ConnectAsync(IPEndPoint remote, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        CheckTimeout(timeout, nameof(timeout));
        if (remote.Port == 0) throw new ArgumentOutOfRangeException(nameof(remote), "The port must not be 0.");
        var operation = new ConnectOperation(this) { Remote = Endpoints.ToTransport(remote) };
        operation.Begin(_channel, cancellationToken, timeout);
        Submit(operation);
        return operation.Task;
    }

    /// <summary>
    /// Listens for TCP connections on <paramref name="port"/>, on every address of the host, with room for
    /// <paramref name="backlog"/> connections being set up or waiting for <see cref="EthoxListener.AcceptAsync"/>.
    /// </summary>
    public ValueTask<EthoxListener> ListenAsync(int port, int backlog = 128, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(backlog, 1);
        var operation = new ListenOperation(this) { Port = (ushort)port, Backlog = backlog };
        operation.Begin(_channel, cancellationToken, Timeout.InfiniteTimeSpan);
        Submit(operation);
        return operation.Task;
    }

    /// <summary>
    /// Transparent mode (<see cref="EthoxHostOptions.AcceptAny"/>): the next TCP connection made to an address that is not
    /// the host's — any unicast address of the families taken, any port — once its handshake completes. The stream's
    /// <see cref="EthoxStream.LocalEndPoint"/> is the original destination, and everything the connection sends leaves from
    /// it. Connections to the host's own addresses still go to listeners. Up to
    /// <see cref="EthoxHostOptions.AcceptAnyBacklog"/> connections wait for this call; beyond that a SYN goes unanswered and
    /// the client tries again. Throws <see cref="InvalidOperationException"/> when transparent mode is off.
    /// </summary>
    public ValueTask<EthoxStream> AcceptAnyAsync(CancellationToken cancellationToken = default)
    {
        if (_acceptAny == IpFamilies.None) throw new InvalidOperationException("Transparent mode is off: set EthoxHostOptions.AcceptAny.");
        var operation = new AcceptOperation(this) { Listener = HostCore.AnyListenerHandle };
        operation.Begin(_channel, cancellationToken, Timeout.InfiniteTimeSpan);
        Submit(operation);
        return operation.Task;
    }

    /// <summary>Binds UDP port <paramref name="port"/> (0: a free one of the dynamic range, RFC 6335) on every address of the host.</summary>
    public ValueTask<EthoxUdpSocket> BindUdpAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        var operation = new UdpBindOperation(this) { Port = (ushort)port, Queue = new byte[Options.UdpReceiveQueueSize] };
        operation.Begin(_channel, cancellationToken, Timeout.InfiniteTimeSpan);
        Submit(operation);
        return operation.Task;
    }

    /// <summary>
    /// Transparent mode (<see cref="EthoxHostOptions.AcceptAny"/>): the socket that receives every UDP datagram sent to an
    /// address that is not the host's — any unicast address of the families taken, any port — with its four-tuple
    /// (<see cref="EthoxUdpSocket.ReceiveMessageFromAsync"/>: the sender and the original destination), and answers from that
    /// destination (<see cref="EthoxUdpSocket.SendToAsync(IPEndPoint, IPEndPoint, ReadOnlyMemory{byte}, CancellationToken)"/>).
    /// Datagrams to the host's own addresses still go to its bound ports. One at a time (<c>AddressAlreadyInUse</c> for a
    /// second); while none is bound, foreign datagrams are dropped (<see cref="HostCounters.UdpForeignUnclaimed"/>). Throws
    /// <see cref="InvalidOperationException"/> when transparent mode is off.
    /// </summary>
    public ValueTask<EthoxUdpSocket> BindAnyUdpAsync(CancellationToken cancellationToken = default)
    {
        if (_acceptAny == IpFamilies.None) throw new InvalidOperationException("Transparent mode is off: set EthoxHostOptions.AcceptAny.");
        var operation = new UdpBindOperation(this) { Transparent = true, Queue = new byte[Options.UdpReceiveQueueSize] };
        operation.Begin(_channel, cancellationToken, Timeout.InfiniteTimeSpan);
        Submit(operation);
        return operation.Task;
    }

    /// <summary>Binds UDP port <paramref name="port"/> and waits for it (<see cref="BindUdpAsync"/>).</summary>
    public EthoxUdpSocket BindUdp(int port = 0) => BindUdpAsync(port).AsTask().GetAwaiter().GetResult();

    /// <summary>Every counter of the stack, read on the host's thread; after the host stopped, the counters as it left them.</summary>
    public ValueTask<EthoxHostCounters> ReadCountersAsync(CancellationToken cancellationToken = default)
    {
        var operation = new CountersOperation();
        operation.Begin(_channel, cancellationToken, Timeout.InfiniteTimeSpan);
        // A closed channel: the host has stopped, and the counters it left were kept before the channel closed.
        if (!_channel.TrySubmit(operation))
        {
            operation.Result = _finalCounters;
            operation.CompleteRefused(HostFailure.None, null);
        }
        return operation.Task;
    }

    internal static void CheckTimeout(TimeSpan timeout, string name)
    {
        if (timeout != Timeout.InfiniteTimeSpan && (timeout < TimeSpan.Zero || timeout.TotalMilliseconds > int.MaxValue))
            throw new ArgumentOutOfRangeException(name, timeout, "A timeout is zero or more (at most int.MaxValue milliseconds), or Timeout.InfiniteTimeSpan.");
    }
}
