using System;
using System.Runtime.InteropServices;
using System.Threading;
using Ethox.Appliance;

// ethox-appliance: see ApplianceOptions.Usage. Errors are one line on stderr, never a stack trace:
// exit 2 for a usage error, 1 for a runtime error (or a failed --fetch), 0 after a clean stop.
try
{
    return ApplianceMain.Run(args);
}
catch (Exception e)
{
    Console.Error.WriteLine($"ethox-appliance: error: {e.GetType().Name}: {e.Message}");
    return 1;
}

namespace Ethox.Appliance
{
    internal static class ApplianceMain
    {
        public static int Run(string[] args)
        {
            if (!ApplianceOptions.TryParse(args, out var options, out string error))
            {
                Console.Error.WriteLine("ethox-appliance: error: " + error);
                return 2;
            }
            if (options.Help)
            {
                Console.Out.Write(ApplianceOptions.Usage);
                Console.Out.WriteLine();
                return 0;
            }
            if (!OperatingSystem.IsLinux())
            {
                Console.Error.WriteLine("ethox-appliance: error: raw devices (AF_PACKET, TAP, TUN) need Linux");
                return 1;
            }
            if (!ApplianceQueues.TryOpen(options, Console.Out, out var app, out error))
            {
                Console.Error.WriteLine("ethox-appliance: error: " + error);
                return 1;
            }
            using (app)
            {
                // SIGINT (Ctrl-C) and SIGTERM stop the loop; the handlers run on another thread and only set a flag.
                using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; app!.Stop(); });
                using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; app!.Stop(); });
                // With --fetch the body may be on stdout: the start-up line and the counters go to stderr then.
                var report = options.Fetch is null ? Console.Out : Console.Error;
                report.WriteLine(app!.Describe());
                report.Flush();
                app.Run();
                report.WriteLine("ethox-appliance: stopped; counters:");
                CounterReport.Write(app.Queues, report);
                report.Flush();
                if (app.Queues[0].Services.IperfClient is { } iperf)
                {
                    Console.Out.WriteLine(iperf.Report());
                    if (!iperf.Succeeded) return 1;
                }
                if (app.Fetch is { } fetch && !fetch.Succeeded)
                {
                    Console.Error.WriteLine("ethox-appliance: error: fetch: " + (fetch.Error ?? $"stopped before {fetch.Url} was complete ({fetch.BodyBytes} body bytes)"));
                    return 1;
                }
            }
            return 0;
        }
    }
}
