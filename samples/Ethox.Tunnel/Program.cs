using System;
using System.IO;
using System.Runtime.InteropServices;
using Ethox.Tunnel;

// ethox-tunnel: see TunnelOptions.Usage. Errors are one line on stderr, never a stack trace: exit 2 for a usage error,
// 1 for a runtime error (no privilege to create the TUN, …), 0 after a clean stop.
try
{
    return TunnelMain.Run(args, Console.Out);
}
catch (Exception e)
{
    Console.Error.WriteLine($"ethox-tunnel: error: {e.GetType().Name}: {e.Message}");
    return 1;
}

namespace Ethox.Tunnel
{
    internal static class TunnelMain
    {
        public static int Run(string[] args, TextWriter output)
        {
            if (!TunnelOptions.TryParse(args, out var options, out string error))
            {
                Console.Error.WriteLine("ethox-tunnel: error: " + error);
                return 2;
            }
            if (options.Help)
            {
                output.Write(TunnelOptions.Usage);
                output.WriteLine();
                return 0;
            }
            if (!OperatingSystem.IsLinux())
            {
                Console.Error.WriteLine("ethox-tunnel: error: TUN devices need Linux");
                return 1;
            }
            if (!TunnelRelay.TryOpen(options, output, out var tunnel, out error))
            {
                Console.Error.WriteLine("ethox-tunnel: error: " + error);
                return 1;
            }
            using (tunnel)
            {
                // SIGINT (Ctrl-C) and SIGTERM stop the loop; the handlers run on another thread and only set a flag.
                using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; tunnel!.Stop(); });
                using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; tunnel!.Stop(); });
                output.WriteLine(tunnel!.Describe());
                output.Flush();
                tunnel.Run();
                output.WriteLine("ethox-tunnel: stopped; counters:");
                Write(tunnel, output);
                output.Flush();
            }
            return 0;
        }

        private static void Write(TunnelRelay tunnel, TextWriter w)
        {
            var c = tunnel.Counters;
            w.WriteLine($"tunnel.accepted {c.Accepted}");
            w.WriteLine($"tunnel.refused {c.Refused}");
            w.WriteLine($"tunnel.closed {c.Closed}");
            w.WriteLine($"tunnel.client_resets {c.ClientResets}");
            w.WriteLine($"tunnel.server_failures {c.ServerFailures}");
            w.WriteLine($"tunnel.bytes_to_server {c.BytesToServer}");
            w.WriteLine($"tunnel.bytes_to_clients {c.BytesToClients}");
            var ip = tunnel.Ip.Counters;
            w.WriteLine($"ip.packets_in {ip.PacketsIn}");
            w.WriteLine($"ip.packets_out {ip.PacketsOut}");
            w.WriteLine($"ip.foreign_in {ip.ForeignIn}");
            w.WriteLine($"ip.dropped_not_for_us {ip.DroppedNotForUs}");
            var tcp = tunnel.Tcp.Counters;
            w.WriteLine($"tcp.segments_in {tcp.SegmentsIn}");
            w.WriteLine($"tcp.segments_out {tcp.SegmentsOut}");
            w.WriteLine($"tcp.retransmits {tcp.Retransmits}");
            w.WriteLine($"tcp.resets_out {tcp.ResetsOut}");
            w.WriteLine($"tcp.errors {tcp.Errors.Total}");
            var d = tunnel.DeviceCounters;
            w.WriteLine($"device.rx_frames {d.RxFrames}");
            w.WriteLine($"device.tx_frames {d.TxFrames}");
        }
    }
}
