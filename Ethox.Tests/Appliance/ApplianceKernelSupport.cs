using System;
using System.Diagnostics;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading;
using Ethox.Appliance;
using Ethox.Layer.Ip;
using Ethox.Tests.Nic;
using Ethox.Tests.Tools;
using NUnit.Framework;

namespace Ethox.Tests.Appliance;

/// <summary>
/// The appliance (samples/Ethox.Appliance) running in this process: parsed from a command line like the
/// binary's, its poll loop on a background thread, stopped and joined by <see cref="Dispose"/>.
/// </summary>
internal sealed class InProcessAppliance : IDisposable
{
    private readonly Thread _thread;
    private Exception? _failure;

    public RawNicAppliance App { get; }

    private InProcessAppliance(RawNicAppliance app)
    {
        App = app;
        _thread = new Thread(Loop) { IsBackground = true, Name = "ethox-appliance poll loop" };
    }

    public static InProcessAppliance Start(params string[] args)
    {
        Assert.That(ApplianceOptions.TryParse(args, out var options, out string error), Is.True, error);
        Assert.That(RawNicAppliance.TryOpen(options, null, out var app, out error), Is.True, error);
        var running = new InProcessAppliance(app!);
        running._thread.Start();
        return running;
    }

    private void Loop()
    {
        try { App.Run(); }
        catch (Exception e) { _failure = e; }
    }

    /// <summary>Waits until every IPv6 address has passed duplicate address detection (RFC 4862 §5.4: one probe, one second).</summary>
    public void WaitForDad()
    {
        // A read of the address states from another thread: they only move forward, a stale read only waits longer.
        bool Done()
        {
            foreach (var a in App.Ip.Addresses)
                if (a.State == AddressState.Tentative) return false;
            return true;
        }
        Shell.WaitUntil(Done, 5, "IPv6 duplicate address detection did not finish");
    }

    /// <summary>Stops the loop; counters may be read safely afterwards.</summary>
    public void Stop()
    {
        App.Stop();
        if (!_thread.Join(TimeSpan.FromSeconds(5))) Assert.Fail("the poll loop did not stop within 5 s");
        if (_failure is not null) Assert.Fail($"the poll loop threw: {_failure}");
    }

    public void Dispose()
    {
        try { Stop(); }
        finally { App.Dispose(); }
    }
}

/// <summary>The appliance with <c>--queues</c> running in this process: every queue's loop on background threads, stopped by <see cref="Dispose"/>.</summary>
internal sealed class InProcessQueues : IDisposable
{
    private readonly Thread _thread;
    private Exception? _failure;

    public ApplianceQueues App { get; }

    private InProcessQueues(ApplianceQueues app)
    {
        App = app;
        _thread = new Thread(() =>
        {
            try { App.Run(); }
            catch (Exception e) { _failure = e; }
        }) { IsBackground = true, Name = "ethox-appliance queues" };
    }

    public static InProcessQueues Start(params string[] args)
    {
        Assert.That(ApplianceOptions.TryParse(args, out var options, out string error), Is.True, error);
        Assert.That(ApplianceQueues.TryOpen(options, null, out var app, out error), Is.True, error);
        var running = new InProcessQueues(app!);
        running._thread.Start();
        return running;
    }

    /// <summary>Stops every queue; counters may be read safely afterwards.</summary>
    public void Stop()
    {
        App.Stop();
        if (!_thread.Join(TimeSpan.FromSeconds(5))) Assert.Fail("the poll loops did not stop within 5 s");
        if (_failure is not null) Assert.Fail($"a poll loop threw: {_failure}");
    }

    public void Dispose()
    {
        try { Stop(); }
        finally { App.Dispose(); }
    }
}

/// <summary>Running the kernel's tools: with a timeout, input, and the parsing of their summaries.</summary>
internal static partial class Shell
{
    /// <summary>Runs a command with a timeout; returns its exit status (-1 on timeout), its standard output, and both outputs for messages.</summary>
    public static (int ExitCode, string Output, string All) Run(double timeoutSeconds, string? input, string file, params string[] args)
    {
        Tool.Require(file);
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null, UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            p.StandardInput.Write(input);
            p.StandardInput.Close();
        }
        if (!p.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            string all = $"{file} {string.Join(' ', args)}: timed out after {timeoutSeconds} s\n{stdout.Result}{stderr.Result}";
            return (-1, all, all);
        }
        return (p.ExitCode, stdout.Result, stdout.Result + stderr.Result);
    }

    /// <summary>Runs <paramref name="command"/> in namespace <paramref name="ns"/>.</summary>
    public static (int ExitCode, string Output, string All) InNamespace(string ns, double timeoutSeconds, string? input, params string[] command)
        => Run(timeoutSeconds, input, "ip", Tool.InNamespace(ns, command));

    /// <summary>
    /// Pings <paramref name="address"/> from namespace <paramref name="ns"/>; returns (sent, received) from ping's summary line,
    /// received counting also the replies that reached the kernel after ping stopped waiting (see <see cref="CountEchoReplies"/>).
    /// <paramref name="replyWaitSeconds"/> is ping's -W: how long it waits after its last request when no reply has come, which
    /// is the case when the first replies wait for resolution (RFC 826, RFC 4861) on a loaded machine; 5 s is a guard against a
    /// hang, not a bound on a round trip.
    /// </summary>
    public static (int Sent, int Received, string Output) Ping(string ns, string address, int count, double interval, int size = 56, bool v6 = false,
        int replyWaitSeconds = 5)
    {
        CountEchoReplies(ns);
        string[] command = ["ping", v6 ? "-6" : "-4", "-n", "-q", "-c", count.ToString(), "-i", interval.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-s", size.ToString(), "-W", replyWaitSeconds.ToString(), address];
        var (_, _, output) = InNamespace(ns, 30 + replyWaitSeconds + count * (interval + 0.05), null, command);
        var m = PingSummary().Match(output);
        Assert.That(m.Success, Is.True, "no summary line in ping's output:\n" + output);
        int sent = int.Parse(m.Groups[1].Value), received = int.Parse(m.Groups[2].Value);
        // Replies still crossing the kernel's receive path when ping ended (softirq work, late under load) get a second.
        long arrived;
        var settling = Stopwatch.StartNew();
        while ((arrived = EchoRepliesArrived(ns)) < sent && settling.Elapsed.TotalSeconds < 1) Thread.Sleep(20);
        if (arrived > received) output += $"\n{Math.Min(arrived, sent) - received} more replies reached the kernel after ping stopped waiting";
        return (sent, (int)Math.Clamp(arrived, received, sent), output);
    }

    private const string ReplyTable = "ethox_ping";

    /// <summary>
    /// Counts from now on, at the input hook of namespace <paramref name="ns"/> (nftables), the ICMP and ICMPv6 echo replies
    /// that reach its kernel. After its last request ping waits only twice the longest round trip it saw, and counts a reply
    /// later than that as lost: a scheduling delay on a loaded machine makes such a reply, which was answered all the same.
    /// </summary>
    private static void CountEchoReplies(string ns)
        => Tool.Must("ip", Tool.InNamespace(ns, ["nft", $"add table inet {ReplyTable}; delete table inet {ReplyTable}; add table inet {ReplyTable}; "
            + $"add counter inet {ReplyTable} replies; add chain inet {ReplyTable} input {{ type filter hook input priority 0; policy accept; }}; "
            + $"add rule inet {ReplyTable} input icmp type echo-reply counter name replies; "
            + $"add rule inet {ReplyTable} input icmpv6 type echo-reply counter name replies"]));

    private static long EchoRepliesArrived(string ns)
        => NftCounter.Packets(Tool.Must("ip", Tool.InNamespace(ns, ["nft", "-j", "list", "counter", "inet", ReplyTable, "replies"])));

    /// <summary>Sends <paramref name="payload"/> to UDP port 7 of <paramref name="address"/> with socat and returns what came back (up to <paramref name="tries"/> tries).</summary>
    public static string UdpEcho(string ns, string address, string payload, bool v6 = false, int tries = 1)
    {
        string output = "";
        for (int i = 0; i < tries; i++)
        {
            (_, output, _) = InNamespace(ns, 10, payload, "socat", "-T", "0.5", "-", v6 ? $"UDP6:[{address}]:7" : $"UDP4:{address}:7");
            if (output == payload) break;
        }
        return output;
    }

    /// <summary>
    /// Waits until <paramref name="iface"/> (in namespace <paramref name="ns"/>, or this one) is up with its
    /// queueing discipline attached: until the kernel's link watcher has run (up to a second after "up"),
    /// the interface's qdisc is noop and everything sent through it, ARP requests included, is dropped.
    /// </summary>
    public static void WaitForLink(string? ns, string iface)
    {
        WaitUntil(() =>
        {
            var (_, output, _) = ns is null ? Run(5, null, "ip", "-o", "link", "show", "dev", iface) : InNamespace(ns, 5, null, "ip", "-o", "link", "show", "dev", iface);
            // TUN and TAP interfaces report state UNKNOWN; LOWER_UP says the carrier is on.
            return output.Contains(",LOWER_UP") && !output.Contains("qdisc noop") && !output.Contains("state DOWN");
        }, 5, $"interface {iface} did not come up");
    }

    public static void WaitUntil(Func<bool> condition, double seconds, string message)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed.TotalSeconds > seconds) Assert.Fail(message);
            Thread.Sleep(20);
        }
    }

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) (?:packets )?received")]
    private static partial Regex PingSummary();
}

/// <summary>
/// A <see cref="VethNamespace"/> set up for the appliance tests: the kernel's side also speaks IPv6
/// (2001:db8::2/64, no DAD). Its offloads stay at the kernel's defaults: what it sends may carry checksums left to
/// the veth's offload, which the appliance's device learns from the virtio-net header.
/// </summary>
internal sealed class PeerNamespace : IDisposable
{
    public const string OurV4 = VethNamespace.OurAddress;
    public const string OurV6 = "2001:db8::3";
    public const string PeerV4 = VethNamespace.InnerAddress;
    public const string PeerV6 = "2001:db8::2";
    public static readonly string OurMac = Kernel.OurMac.ToString();

    public VethNamespace Veth { get; }
    public string Namespace => Veth.Namespace;

    private PeerNamespace(VethNamespace veth) => Veth = veth;

    public static PeerNamespace Create(string tag)
    {
        var veth = VethNamespace.Create(tag);
        try
        {
            veth.Exec("sysctl", "-q", "-w", $"net.ipv6.conf.{veth.Inner}.disable_ipv6=0");
            veth.Exec("ip", "addr", "add", PeerV6 + "/64", "dev", veth.Inner, "nodad");
            Shell.WaitForLink(veth.Namespace, veth.Inner);
            Shell.WaitForLink(null, veth.Outer);
            return new PeerNamespace(veth);
        }
        catch
        {
            veth.Dispose();
            throw;
        }
    }

    /// <summary>The appliance's usual arguments on our end of the veth pair (see <see cref="ApplianceArgsOn"/>).</summary>
    public string[] ApplianceArgs(params string[] extra) => ApplianceArgsOn(Veth.Outer, extra);

    /// <summary>The appliance's usual arguments on interface <paramref name="iface"/>: our test MAC (never the interface's, so the
    /// local kernel ignores frames to us), one IPv4 and one IPv6 address, UDP echo on port 7.</summary>
    public static string[] ApplianceArgsOn(string iface, params string[] extra)
        => ["--iface", iface, "--mac", OurMac, "--ip", OurV4 + "/24", "--ip", OurV6 + "/64", .. extra];

    /// <summary>The kernel's neighbour entry for <paramref name="address"/> (e.g. "198.18.0.3 lladdr 02:… REACHABLE").</summary>
    public string Neighbour(string address) => Veth.Exec("ip", "neigh", "show", address, "dev", Veth.Inner).Trim();

    public void Dispose() => Veth.Dispose();
}

/// <summary>A temporary file deleted by Dispose.</summary>
internal sealed class TempFile : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ethox-appliance-test-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap");
    public void Dispose() => File.Delete(Path);
}
