using Ethox.Layer;

namespace Ethox.Nic.Hosting;

/// <summary>The host's thread body, whatever the device and the stack's type.</summary>
internal abstract class HostLoop
{
    /// <summary>Runs until a stop has run its course; an exception of the device or the stack leaves it.</summary>
    public abstract void Run();
}

/// <summary>
/// The poll loop of one stack over one device, both specialised by the JIT: take the requests of other threads,
/// receive a batch, transmit a batch, and when nothing moved sleep on the device's descriptor and the wake-up
/// eventfd until the stack's next deadline (or the device's, for a device with timers of its own).
/// </summary>
internal sealed class HostLoop<TDevice, TStack> : HostLoop
    where TDevice : class, IDevice
    where TStack : struct, IRecv<RawPacket>, ISend<RawPacket>, ITimed
{
    /// <summary>The sleep when a deadline has passed and yet nothing moved (a timer the stack had nothing to do for).</summary>
    private static readonly Duration IdleWait = Duration.FromMilliseconds(1);

    private readonly TDevice _device;
    private readonly ITimed? _deviceTimers;
    private readonly int _descriptor;
    private readonly int _batch;
    private readonly HostCore _core;
    private readonly CommandChannel _channel;
    private readonly Duration _busyPollWindow;
    private TStack _stack;

    public HostLoop(TDevice device, int descriptor, TStack stack, HostCore core, CommandChannel channel, int batch, Duration busyPollWindow)
    {
        _device = device;
        _deviceTimers = device as ITimed;
        _descriptor = descriptor;
        _stack = stack;
        _core = core;
        _channel = channel;
        _batch = batch;
        _busyPollWindow = busyPollWindow;
    }

    public override void Run()
    {
        var busyPoll = new BusyPoll(_busyPollWindow, Instant.Now);
        while (true)
        {
            var now = Instant.Now;
            int requests = _core.BeginTurn(now);
            int moved = _device.Receive(_batch, ref _stack, now);
            moved += _device.Transmit(_batch, ref _stack, now);
            _core.EndTurn();
            if (_core.Finished) return;
            if (moved + requests > 0) busyPoll.Moved(now);
            if (moved > 0 || _core.HasQueuedDatagrams) continue;
            // A request that moved no frame (a read of data already here, a listen) still means an application at work,
            // whose next request (the response to what it read) comes soon: EthoxHostOptions.BusyPoll waits for it awake.
            if (busyPoll.TrySpin(now)) continue;
            var deadline = Instant.Min(_stack.NextDeadline(), _core.StopDeadline);
            if (_deviceTimers is not null) deadline = Instant.Min(deadline, _deviceTimers.NextDeadline());
            var wait = deadline == Instant.Never ? Duration.FromMicroseconds(-1) : deadline - Instant.Now;
            if (wait <= Duration.Zero && deadline != Instant.Never) wait = IdleWait;
            _core.CountSleep();
            _channel.Sleep(_descriptor, wait);
        }
    }
}
