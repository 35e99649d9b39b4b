using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Ethox.Kestrel;
using Ethox.Nic;
using Ethox.Nic.Hosting;

// ethox-kestrel: see KestrelOptions.Usage. Errors are one line on stderr, never a stack trace: exit 2 for a usage
// error, 1 for a runtime error (no such interface, no privilege to open it, the port taken…), 0 after a clean stop.
try
{
    return await KestrelMain.RunAsync(args);
}
catch (Exception e)
{
    Console.Error.WriteLine($"ethox-kestrel: error: {e.GetType().Name}: {e.Message}");
    return 1;
}

namespace Ethox.Kestrel
{
    internal static class KestrelMain
    {
        public static async Task<int> RunAsync(string[] args)
        {
            if (!KestrelOptions.TryParse(args, out var options, out string error))
            {
                Console.Error.WriteLine("ethox-kestrel: error: " + error);
                return 2;
            }
            if (options.Help)
            {
                Console.Out.WriteLine(KestrelOptions.Usage);
                return 0;
            }
            if (!OperatingSystem.IsLinux())
            {
                Console.Error.WriteLine("ethox-kestrel: error: AF_PACKET needs Linux");
                return 1;
            }
            // A MAC of our own is not the interface's: receive promiscuously to see the frames sent to it.
            // Without rings, room for what the clients send between two turns of the host's loop: the kernel counts every frame's whole
            // buffer (a 100-byte request takes over a kilobyte), and what does not fit is dropped and retransmitted, late.
            // With a MAC of our own, the kernel's traffic on the interface (the socket transport's, with --kernel) is
            // filtered out before it reaches the socket instead of waking the host's thread for every frame.
            var socket = new AfPacketOptions
            {
                Promiscuous = options.Mac is not null, DestinationFilter = options.Mac, UseMmapRings = options.Mmap,
                ReceiveBufferBytes = options.ReceiveBufferBytes,
            };
            if (!AfPacketDevice.TryOpen(options.Interface!, socket, out var device, out error))
            {
                Console.Error.WriteLine($"ethox-kestrel: error: {options.Interface}: {error}");
                return 1;
            }
            using var nic = device!;
            var hostOptions = new EthoxHostOptions
            {
                Mac = options.Mac ?? nic.HardwareAddress,
                MaxConnections = options.MaxConnections,
                ThreadName = "ethox-kestrel",
                BusyPoll = TimeSpan.FromMicroseconds(options.BusyPollMicroseconds),
            };
            foreach (var address in options.Addresses) hostOptions.Addresses.Add(address);
            foreach (var gateway in options.Gateways) hostOptions.Gateways.Add(gateway);
            await using var host = EthoxHost.Create(nic, hostOptions);
            host.Start();

            var app = KestrelApp.Build(host, options.Port, options.KernelEndPoints);
            using var stop = new CancellationTokenSource();
            if (options.Duration is { } seconds) stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
            await app.StartAsync(stop.Token);
            Console.Out.WriteLine($"ethox-kestrel: serving on {options.Interface} ({string.Join(", ", options.Addresses)}) port {options.Port}"
                                  + (options.KernelEndPoints.Count > 0 ? $"; kernel sockets on {string.Join(", ", options.KernelEndPoints)}" : ""));
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            await app.StopAsync();
            await app.DisposeAsync();
            await host.StopAsync();
            var counters = await host.ReadCountersAsync();
            Console.Out.WriteLine($"ethox-kestrel: stopped; {counters.Host.Accepted} connections accepted, {counters.Tcp.SegmentsIn} segments in, "
                                  + $"{counters.Tcp.SegmentsOut} out, {counters.Tcp.Retransmits} retransmitted ({counters.Tcp.Timeouts} timeouts, "
                                  + $"{counters.Tcp.FastRetransmits} fast, {counters.Tcp.TailLossProbes} tail-loss probes), {counters.Tcp.Errors.Total} TCP errors, "
                                  + $"{nic.ReadKernelDrops()} frames dropped by the kernel (receive buffer full); "
                                  + $"the host's loop: {counters.Host.LoopTurns} turns, {counters.Host.Sleeps} sleeps, {counters.Host.Requests} requests");
            return 0;
        }
    }
}
