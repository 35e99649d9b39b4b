using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using Ethox.Tests.Appliance;
using Ethox.Tests.Nic;
using Ethox.Tests.Tools;
using NUnit.Framework;

namespace Ethox.Tests.Transparent;

/// <summary>
/// A network namespace of the test's own for the tunnel sample: loopback up with the server's address 198.18.1.1/32,
/// and the programs started in it (servers, the tunnel) tracked. Dispose ends each of them by its process id, then any
/// process still in the namespace, then deletes the namespace — also when the test failed half-way.
/// </summary>
internal sealed class TunnelNamespace : IDisposable
{
    public const string ServerV4 = "198.18.1.1";
    /// <summary>The address the kernel gives the TUN interface: the clients' source.</summary>
    public const string ClientV4 = "198.18.100.1";
    public const string RoutedRange = "198.18.200.0/24";

    private readonly List<Process> _started = [];

    public string Name { get; }

    private TunnelNamespace(string name) => Name = name;

    public static TunnelNamespace Create(string tag)
    {
        var ns = new TunnelNamespace(Kernel.NamespacePrefix + "tun-" + tag);
        Tool.Must("ip", "netns", "add", ns.Name);
        try
        {
            ns.Run("ip", "link", "set", "lo", "up");
            ns.Run("ip", "addr", "add", ServerV4 + "/32", "dev", "lo");
            return ns;
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>Runs a command in the namespace to its end; it must succeed.</summary>
    public string Run(params string[] command) => Tool.Must("ip", Tool.InNamespace(Name, command));

    /// <summary>Starts a command in the namespace in the background, its output collected into <paramref name="output"/> (when given).</summary>
    public Process Start(StringBuilder? output, params string[] command)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in Tool.InNamespace(Name, command)) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        _started.Add(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null && output is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null && output is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Waits until something in the namespace listens on TCP <paramref name="port"/>.</summary>
    public void WaitForListener(int port)
        => Shell.WaitUntil(() => Run("ss", "-ltnH", $"sport = :{port}").Contains($":{port}"), 10, $"nothing came to listen on port {port}");

    /// <summary>Routes <see cref="RoutedRange"/> into the TUN interface <paramref name="tun"/> (which the tunnel created here).</summary>
    public void RouteInto(string tun)
    {
        Run("sysctl", "-q", "-w", $"net.ipv6.conf.{tun}.disable_ipv6=1");
        Run("ip", "addr", "add", ClientV4 + "/32", "dev", tun);
        Run("ip", "link", "set", tun, "up");
        Run("ip", "route", "add", RoutedRange, "dev", tun);
        Shell.WaitForLink(Name, tun);
    }

    public void Dispose()
    {
        foreach (var process in _started)
        {
            // ip netns exec has exec'd the command: this is the command's own process.
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException) { /* never started, or gone */ }
            process.Dispose();
        }
        // Children of those (socat's forks) would keep the namespace's sockets: end whatever is left in it, by id.
        if (Tool.Find("ip") is not null)
        {
            var (_, pids, _) = Tool.Run("ip", "netns", "pids", Name);
            foreach (string pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                if (int.TryParse(pid, out int id))
                    try { using var p = Process.GetProcessById(id); p.Kill(); p.WaitForExit(5000); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        }
        Tool.Try("ip", "netns", "del", Name);
    }
}
