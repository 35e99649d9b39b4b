using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Threading;

namespace Ethox.Appliance;

/// <summary>
/// The <c>--queues</c> stacks: one complete <see cref="RawNicAppliance"/> per queue (device queue or fanout socket, IP, TCP,
/// UDP, services, counters), each run by <see cref="Run"/> on its own thread. They share nothing mutable: the kernel
/// gives every flow to one queue by its hash, so every stack answers its own flows (and ARP/NDISC) by itself.
/// </summary>
internal sealed class ApplianceQueues : IDisposable
{
    private readonly RawNicAppliance[] _queues;

    private ApplianceQueues(RawNicAppliance[] queues) => _queues = queues;

    /// <summary>The stacks, queue 0 first.</summary>
    public IReadOnlyList<RawNicAppliance> Queues => _queues;

    /// <summary>The <c>--fetch</c> client (on queue 0: <c>--fetch</c> goes with one queue only).</summary>
    public HttpFetchClient? Fetch => _queues[0].Fetch;

    /// <summary>
    /// Opens <see cref="ApplianceOptions.Queues"/> stacks: the first makes the fanout group (or the multi-queue TAP) and
    /// picks the Ethernet address, the others join it. False with a one-line reason; nothing stays open then.
    /// </summary>
    public static bool TryOpen(ApplianceOptions options, TextWriter? verbose, out ApplianceQueues? queues, out string error)
    {
        queues = null;
        var opened = new RawNicAppliance[options.Queues];
        int count = 0;
        try
        {
            for (; count < opened.Length; count++)
            {
                var join = count == 0 ? default : new QueueJoin(count, opened[0].FanoutGroup, opened[0].Ethernet?.Address, opened[0].Services.TcpServices.Iperf?.Test);
                if (!RawNicAppliance.TryOpen(options, join, verbose, out var queue, out error))
                {
                    if (count > 0) error = $"queue {count}: {error}";
                    return false;
                }
                opened[count] = queue!;
            }
            queues = new ApplianceQueues(opened);
            error = "";
            return true;
        }
        finally
        {
            if (queues is null)
                for (int i = 0; i < count; i++) opened[i].Dispose();
        }
    }

    /// <summary>Runs every queue's poll loop, queue 0 on this thread, until <see cref="Stop"/> or <c>--duration</c>; rethrows a queue's failure.</summary>
    public void Run()
    {
        var threads = new Thread[_queues.Length - 1];
        var failures = new Exception?[_queues.Length];
        for (int i = 0; i < threads.Length; i++)
        {
            int q = i + 1;
            threads[i] = new Thread(() =>
            {
                try { _queues[q].Run(); }
                catch (Exception e) { failures[q] = e; Stop(); }
            }) { IsBackground = true, Name = $"ethox-appliance queue {q}" };
            threads[i].Start();
        }
        try { _queues[0].Run(); }
        catch (Exception e) { failures[0] = e; }
        // One queue stopping (a failure, --duration) stops them all.
        Stop();
        foreach (var t in threads) t.Join();
        foreach (var failure in failures)
            if (failure is not null) ExceptionDispatchInfo.Capture(failure).Throw();
    }

    /// <summary>Asks every queue to stop (from any thread).</summary>
    public void Stop()
    {
        foreach (var q in _queues) q.Stop();
    }

    /// <summary>The start-up line of each queue.</summary>
    public string Describe()
    {
        var s = new StringBuilder(_queues[0].Describe());
        for (int i = 1; i < _queues.Length; i++) s.Append('\n').Append(_queues[i].Describe());
        return s.ToString();
    }

    public void Dispose()
    {
        foreach (var q in _queues) q.Dispose();
    }
}
