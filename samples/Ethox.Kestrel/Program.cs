using System;
using System.Collections.Generic;
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
            // With --queues N, N sockets in one PACKET_FANOUT hash group: the first makes the group, the others join it.
            var nics = new List<AfPacketDevice>();
            var hosts = new List<EthoxHost>();
            try
            {
                for (int q = 0; q < options.Queues; q++)
                {
                    var socket = new AfPacketOptions
                    {
                        Promiscuous = options.Mac is not null, DestinationFilter = options.Mac, UseMmapRings = options.Mmap,
                        ReceiveBufferBytes = options.ReceiveBufferBytes,
                        FanoutUniqueGroup = options.Queues > 1 && q == 0, FanoutGroup = q > 0 ? nics[0].FanoutGroup : null, FanoutMode = FanoutMode.Hash,
                    };
                    if (!AfPacketDevice.TryOpen(options.Interface!, socket, out var device, out error))
                    {
                        Console.Error.WriteLine($"ethox-kestrel: error: {options.Interface}{(options.Queues > 1 ? $" queue {q}" : "")}: {error}");
                        return 1;
                    }
                    nics.Add(device!);
                    var hostOptions = new EthoxHostOptions
                    {
                        Mac = options.Mac ?? nics[0].HardwareAddress,
                        MaxConnections = options.MaxConnections,
                        ThreadName = options.Queues > 1 ? $"ethox-kestrel {q}" : "ethox-kestrel",
                        BusyPoll = TimeSpan.FromMicroseconds(options.BusyPollMicroseconds),
                        // Every ARP frame reaches one queue: the others learn the clients' link addresses from their packets.
                        GleanNeighbors = options.Queues > 1,
                    };
                    foreach (var address in options.Addresses) hostOptions.Addresses.Add(address);
                    foreach (var gateway in options.Gateways) hostOptions.Gateways.Add(gateway);
                    hosts.Add(EthoxHost.Create(device!, hostOptions));
                }
                foreach (var host in hosts) host.Start();
                return await ServeAsync(options, hosts, nics);
            }
            finally
            {
                foreach (var host in hosts) await host.DisposeAsync();
                foreach (var nic in nics) nic.Dispose();
            }
        }

        private static async Task<int> ServeAsync(KestrelOptions options, List<EthoxHost> hosts, List<AfPacketDevice> nics)
        {
            var app = KestrelApp.Build(hosts, options.Port, options.KernelEndPoints);
            using var stop = new CancellationTokenSource();
            if (options.Duration is { } seconds) stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
            await app.StartAsync(stop.Token);
            Console.Out.WriteLine($"ethox-kestrel: serving on {options.Interface} ({string.Join(", ", options.Addresses)}) port {options.Port}"
                                  + (hosts.Count > 1 ? $" with {hosts.Count} queues" : "")
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
            long accepted = 0, segmentsIn = 0, segmentsOut = 0, retransmits = 0, timeouts = 0, fast = 0, probes = 0, errors = 0, turns = 0, sleeps = 0, requests = 0, drops = 0;
            var perQueue = new List<long>();
            for (int q = 0; q < hosts.Count; q++)
            {
                await hosts[q].StopAsync();
                var counters = await hosts[q].ReadCountersAsync();
                perQueue.Add(counters.Host.Accepted);
                accepted += counters.Host.Accepted;
                segmentsIn += counters.Tcp.SegmentsIn;
                segmentsOut += counters.Tcp.SegmentsOut;
                retransmits += counters.Tcp.Retransmits;
                timeouts += counters.Tcp.Timeouts;
                fast += counters.Tcp.FastRetransmits;
                probes += counters.Tcp.TailLossProbes;
                errors += counters.Tcp.Errors.Total;
                turns += counters.Host.LoopTurns;
                sleeps += counters.Host.Sleeps;
                requests += counters.Host.Requests;
                drops += nics[q].ReadKernelDrops();
            }
            Console.Out.WriteLine($"ethox-kestrel: stopped; {accepted} connections accepted"
                                  + (hosts.Count > 1 ? $" ({string.Join(" + ", perQueue)} by queue)" : "")
                                  + $", {segmentsIn} segments in, {segmentsOut} out, {retransmits} retransmitted ({timeouts} timeouts, "
                                  + $"{fast} fast, {probes} tail-loss probes), {errors} TCP errors, "
                                  + $"{drops} frames dropped by the kernel (receive buffer full); "
                                  + $"the host's loop: {turns} turns, {sleeps} sleeps, {requests} requests");
            return 0;
        }
    }
}
