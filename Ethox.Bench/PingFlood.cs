using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading;
using Ethox.Layer;
using Ethox.Layer.Udp;
using Ethox.Nic;
using Ethox.Wire;

namespace Ethox.Bench;

/// <summary>
/// <c>pingflood</c>: the Linux kernel's <c>ping -f</c> against Ethox on AF_PACKET and, in the same run, against
/// the kernel itself, over veth pairs set up identically (198.18.0.2/24 pings 198.18.0.3, IPv6 off,
/// checksum offloads off so that every checksum is computed and checked). A live-system measurement, so not
/// a BenchmarkDotNet benchmark. Needs root; everything it creates is deleted at the end.
/// </summary>
/// <remarks>
/// <code>
///   [ns -pe] xbf&lt;pid&gt;e1 198.18.0.2 ── veth ── xbf&lt;pid&gt;e0 (this namespace, no address) ← Ethox 198.18.0.3 on AF_PACKET
///   [ns -pk] xbf&lt;pid&gt;k1 198.18.0.2 ── veth ── xbf&lt;pid&gt;k0 198.18.0.3 [ns -k] ← the kernel answers
/// </code>
/// Ethox uses a station address of its own, so the kernel of this namespace drops the frames meant for it
/// (not for its MAC) instead of routing them.
/// </remarks>
internal static partial class PingFlood
{
    private const string Pinger = "198.18.0.2";
    private const string Target = "198.18.0.3";
    private static readonly EthernetAddress EthoxMac = new(0x02, 0x00, 0x5e, 0x10, 0x00, 0x53);

    private sealed record Options(int Count, int Rounds, bool Mmap, bool Busy);

    private sealed record Result(string Target, string Mode, long Transmitted, long Received, double TimeMs, string Rtt, double EthoxCpuSeconds)
    {
        public double RepliesPerSecond => Received / (TimeMs / 1000);
    }

    public static int Run(string[] args)
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Console.Error.WriteLine("pingflood needs Linux and root (network namespaces, veth, AF_PACKET)");
            return 2;
        }
        var options = Parse(args);
        if (options is null)
        {
            Console.Error.WriteLine("usage: pingflood [--count N] [--rounds N] [--no-mmap] [--busy]");
            return 2;
        }
        var net = new Topology(Environment.ProcessId);
        var results = new List<Result>();
        bool cancelled = false;
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancelled = true; }; // ping gets the SIGINT too; then we clean up
        try
        {
            net.Create();
            for (int round = 0; round < options.Rounds && !cancelled; round++)
            {
                results.Add(PingKernel(net, options.Count));
                foreach (bool mmap in options.Mmap ? new[] { false, true } : new[] { false })
                {
                    if (cancelled) break;
                    results.Add(PingEthox(net, options.Count, mmap, busy: false));
                    if (options.Busy && !cancelled) results.Add(PingEthox(net, options.Count, mmap, busy: true));
                }
            }
        }
        finally
        {
            net.Delete();
        }
        Print(results, options);
        return 0;
    }

    private static Options? Parse(string[] args)
    {
        var o = new Options(100_000, 1, Mmap: true, Busy: false);
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--count" when i + 1 < args.Length && int.TryParse(args[i + 1], out int count) && count > 0: o = o with { Count = count }; i++; break;
                case "--rounds" when i + 1 < args.Length && int.TryParse(args[i + 1], out int rounds) && rounds > 0: o = o with { Rounds = rounds }; i++; break;
                case "--no-mmap": o = o with { Mmap = false }; break;
                case "--busy": o = o with { Busy = true }; break;
                default: return null;
            }
        }
        return o;
    }

    private static Result PingKernel(Topology net, int count)
    {
        var (transmitted, received, timeMs, rtt) = Ping(net.PingKernelNamespace, count);
        return new Result("Linux kernel (veth, other namespace)", "kernel", transmitted, received, timeMs, rtt, double.NaN);
    }

    private static Result PingEthox(Topology net, int count, bool mmap, bool busy)
    {
        var options = new AfPacketOptions { UseMmapRings = mmap };
        if (!AfPacketDevice.TryOpen(net.EthoxInterface, options, out var device, out string error))
            throw new InvalidOperationException($"AF_PACKET on {net.EthoxInterface}: {error}");
        using (device)
        {
            var server = new EthoxServer(device!, busy);
            var thread = new Thread(server.Serve) { IsBackground = true, Name = "ethox" };
            thread.Start();
            server.Started.Wait();
            try
            {
                var (transmitted, received, timeMs, rtt) = Ping(net.PingEthoxNamespace, count);
                server.Stop();
                thread.Join();
                string mode = (mmap ? "AF_PACKET mmap rings" : "AF_PACKET read/write") + (busy ? ", busy poll" : ", poll(2) wait");
                Console.WriteLine($"  Ethox: {server.EchoRepliesSent} echo replies sent, {device!.ReadKernelDrops()} kernel drops, {server.CpuSeconds:F2} s CPU");
                return new Result("Ethox (veth, AF_PACKET)", mode, transmitted, received, timeMs, rtt, server.CpuSeconds);
            }
            finally
            {
                server.Stop();
                thread.Join();
            }
        }
    }

    /// <summary>Runs <c>ping -f -c count -q</c> from <paramref name="ns"/> and reads its summary.</summary>
    private static (long Transmitted, long Received, double TimeMs, string Rtt) Ping(string ns, int count)
    {
        Console.WriteLine($"ip netns exec {ns} ping -f -c {count} -q -w 300 {Target}");
        string output = Sh.Must("ip", "netns", "exec", ns, "ping", "-f", "-c", count.ToString(CultureInfo.InvariantCulture), "-q", "-w", "300", Target);
        Console.Write(output);
        var summary = SummaryLine().Match(output);
        var rtt = RttLine().Match(output);
        if (!summary.Success) throw new InvalidOperationException("unexpected ping output");
        return (long.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture),
                long.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture),
                double.Parse(summary.Groups[3].Value, CultureInfo.InvariantCulture),
                rtt.Success ? $"{rtt.Groups[1].Value} / {rtt.Groups[2].Value} / {rtt.Groups[3].Value}" : "-");
    }

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) received.*time (\d+)ms")]
    private static partial Regex SummaryLine();

    [GeneratedRegex(@"rtt min/avg/max/mdev = ([\d.]+)/([\d.]+)/([\d.]+)/")]
    private static partial Regex RttLine();

    private static void Print(List<Result> results, Options options)
    {
        Console.WriteLine();
        Console.WriteLine($"ping -f -c {options.Count} -q, {Environment.ProcessorCount} CPUs, {Environment.OSVersion}");
        Console.WriteLine();
        Console.WriteLine("| target | mode | sent | received | time (ms) | replies/s | rtt min / avg / max (ms) | Ethox CPU (s) |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |");
        foreach (var r in results)
        {
            string cpu = double.IsNaN(r.EthoxCpuSeconds) ? "-" : r.EthoxCpuSeconds.ToString("F2", CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Target} | {r.Mode} | {r.Transmitted} | {r.Received} | {r.TimeMs:F0} | {r.RepliesPerSecond:F0} | {r.Rtt} | {cpu} |"));
        }
    }

    /// <summary>
    /// Ethox on one AF_PACKET socket: Ethernet → IP (ARP, ICMP echo answered in place) → UDP echo. Waits in
    /// poll(2) for frames, or spins when busy polling; the CPU time of its thread is measured.
    /// </summary>
    private sealed class EthoxServer(AfPacketDevice device, bool busy)
    {
        private readonly BenchHost<UdpLayer<UdpEchoServer>> _host = CreateHost(device);
        private volatile bool _stop;

        public ManualResetEventSlim Started { get; } = new();
        public double CpuSeconds { get; private set; }
        public long EchoRepliesSent => _host.Ip.IcmpCounters.EchoRepliesSent;

        private static BenchHost<UdpLayer<UdpEchoServer>> CreateHost(AfPacketDevice device)
        {
            var udp = new UdpEndpoint();
            udp.Bind(7);
            var host = new BenchHost<UdpLayer<UdpEchoServer>>(EthoxMac, device.Capabilities.Mtu, new UdpLayer<UdpEchoServer>(udp, default));
            host.Ip.AddAddress(Ipv4Address.Parse(Target), 24, Instant.Now);
            return host;
        }

        public void Stop() => _stop = true;

        public void Serve()
        {
            var timeout = Duration.FromMilliseconds(20);
            var cpu = ThreadClock.CpuTime();
            Started.Set();
            while (!_stop)
            {
                if (busy || device.WaitReadable(timeout)) _host.Receive(device, 64, Instant.Now);
                _host.Transmit(device, 8, Instant.Now); // announcements and resolution; the echo path answers in place
            }
            CpuSeconds = (ThreadClock.CpuTime() - cpu).TotalSeconds;
        }
    }

    /// <summary>The namespaces and veth pairs; names carry the process id so parallel runs do not collide.</summary>
    private sealed class Topology(int pid)
    {
        public string PingEthoxNamespace { get; } = $"ethoxbench-{pid}-pe";
        public string PingKernelNamespace { get; } = $"ethoxbench-{pid}-pk";
        public string KernelNamespace { get; } = $"ethoxbench-{pid}-k";
        public string EthoxInterface { get; } = $"xbf{pid}e0";
        private string EthoxPeer => $"xbf{pid}e1";
        private string KernelInterface => $"xbf{pid}k0";
        private string KernelPeer => $"xbf{pid}k1";

        public void Create()
        {
            foreach (var ns in new[] { PingEthoxNamespace, PingKernelNamespace, KernelNamespace })
            {
                Sh.Must("ip", "netns", "add", ns);
                Sh.Must("ip", "-n", ns, "link", "set", "lo", "up");
            }
            // Ethox's side: one end here, up, without address or IPv6, so this kernel says nothing on it.
            Sh.Must("ip", "link", "add", EthoxInterface, "type", "veth", "peer", "name", EthoxPeer, "netns", PingEthoxNamespace);
            Sh.Must("sysctl", "-q", "-w", $"net.ipv6.conf.{EthoxInterface}.disable_ipv6=1");
            Sh.Must("ethtool", "-K", EthoxInterface, "tx", "off", "rx", "off");
            Sh.Must("ip", "link", "set", EthoxInterface, "up");
            ConfigureEnd(PingEthoxNamespace, EthoxPeer, Pinger);
            // The kernel's side, configured the same way with the kernel holding the target address.
            Sh.Must("ip", "link", "add", KernelInterface, "netns", KernelNamespace, "type", "veth", "peer", "name", KernelPeer, "netns", PingKernelNamespace);
            ConfigureEnd(KernelNamespace, KernelInterface, Target);
            ConfigureEnd(PingKernelNamespace, KernelPeer, Pinger);
        }

        private static void ConfigureEnd(string ns, string iface, string address)
        {
            Sh.Must("ip", "netns", "exec", ns, "sysctl", "-q", "-w", $"net.ipv6.conf.{iface}.disable_ipv6=1");
            Sh.Must("ip", "netns", "exec", ns, "ethtool", "-K", iface, "tx", "off", "rx", "off");
            Sh.Must("ip", "-n", ns, "addr", "add", address + "/24", "dev", iface);
            Sh.Must("ip", "-n", ns, "link", "set", iface, "up");
        }

        public void Delete()
        {
            foreach (var ns in new[] { PingEthoxNamespace, PingKernelNamespace, KernelNamespace })
                Sh.Try("ip", "netns", "del", ns); // takes the veth ends inside, and with them their peers
            Sh.Try("ip", "link", "del", EthoxInterface);
        }
    }

    /// <summary>External commands.</summary>
    private static class Sh
    {
        public static string Must(string file, params string[] args)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {p.ExitCode}: {stderr.Result.Trim()}");
            return stdout;
        }

        public static void Try(string file, params string[] args)
        {
            try { Must(file, args); } catch (InvalidOperationException) { /* already gone */ }
        }
    }
}
