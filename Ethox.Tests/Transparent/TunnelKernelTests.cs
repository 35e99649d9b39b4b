using System;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using Ethox.Tests.Appliance;
using Ethox.Tests.Nic;
using Ethox.Tests.Tools;
using NUnit.Framework;

namespace Ethox.Tests.Transparent;

/// <summary>
/// samples/Ethox.Tunnel against the Linux kernel (issue 11 §3): the program creates a TUN interface in a namespace of the
/// test's own, the kernel routes 198.18.200.0/24 into it, and curl and socat there connect to three addresses of that
/// range; Ethox accepts each and relays it to kernel servers on 198.18.1.1 in the same namespace. 50 MB go each way
/// intact (SHA-256), and half-close crosses the relay both ways. Also its one-line errors and exit codes.
/// </summary>
[NonParallelizable]
public class TunnelKernelTests
{
    private const string Python = "/usr/bin/python3";
    private const long Big = 50_000_000;

    private static string TunnelDll => Path.Combine(TestContext.CurrentContext.TestDirectory, "ethox-tunnel.dll");

    [Test]
    public void Curl_and_socat_to_three_addresses_in_the_routed_range_reach_the_server_intact_with_half_close()
    {
        Kernel.RequireRoot();
        Tool.Require(Python);
        Tool.Require("curl");
        Tool.Require("socat"); // run through sh
        string dir = Path.Combine(Path.GetTempPath(), $"ethox-tunnel-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string big = Path.Combine(dir, "big.bin");
            WriteRandomFile(big, Big, 1102);
            string bigHash = Sha256Of(big);
            File.WriteAllText(Path.Combine(dir, "small.txt"), "through the tunnel\n");
            using var ns = TunnelNamespace.Create("tu");
            // An HTTP server for curl, and a server that answers a connection with the SHA-256 of everything it received
            // once it reads end of file: its answer proves the client's half-close reached it and the other way stayed open.
            ns.Start(null, Python, "-m", "http.server", "8000", "--bind", TunnelNamespace.ServerV4, "--directory", dir);
            ns.Start(null, "socat", "-t", "30", $"TCP-LISTEN:9000,bind={TunnelNamespace.ServerV4},reuseaddr,fork", "SYSTEM:sha256sum");
            ns.WaitForListener(8000);
            ns.WaitForListener(9000);

            string tun = Kernel.Name("tu");
            var log = new StringBuilder();
            var tunnel = ns.Start(log, "dotnet", TunnelDll, "--tun", tun, "--to", TunnelNamespace.ServerV4, "--verbose");
            Shell.WaitUntil(() => Text(log).Contains("running on tun"), 20, "no start-up line from the tunnel");
            ns.RouteInto(tun);

            // 1: 50 MB from the server to curl, through 198.18.200.1.
            string got = Path.Combine(dir, "got.bin");
            var (code, _, all) = Shell.InNamespace(ns.Name, 120, null, "curl", "--silent", "--show-error", "--fail", "--max-time", "100",
                "-o", got, "http://198.18.200.1:8000/big.bin");
            Assert.That(code, Is.Zero, all + Text(log));
            Assert.That(Sha256Of(got), Is.EqualTo(bigHash), "50 MB to the client intact");

            // 2: 50 MB from socat to the server through 198.18.200.77; socat shuts its sending side at the end of the file.
            (code, string hash, all) = Shell.InNamespace(ns.Name, 120, null, "sh", "-c",
                $"socat -t 60 -T 60 - TCP4:198.18.200.77:9000 < '{big}' | cut -c1-64");
            Assert.That(code, Is.Zero, all + Text(log));
            Assert.That(hash.Trim(), Is.EqualTo(bigHash), "50 MB to the server intact, and its answer came back after the client's FIN");

            // 3: a third address, a small answer.
            (code, string small, all) = Shell.InNamespace(ns.Name, 30, null, "curl", "--silent", "--show-error", "--fail", "--max-time", "20",
                "http://198.18.200.254:8000/small.txt");
            Assert.That(code, Is.Zero, all + Text(log));
            Assert.That(small, Is.EqualTo("through the tunnel\n"));

            // 4: nobody listens on the server's port 7777: the client's connection is reset (curl: "connection reset").
            (code, _, all) = Shell.InNamespace(ns.Name, 30, null, "curl", "--silent", "--max-time", "10", "http://198.18.200.9:7777/");
            Assert.That(code, Is.EqualTo(56).Or.EqualTo(52).Or.EqualTo(7), "curl's exit for a reset or refused connection: " + all);

            Tool.Must("kill", "-TERM", tunnel.Id.ToString());
            Assert.That(tunnel.WaitForExit(TimeSpan.FromSeconds(15)), Is.True, "the tunnel did not stop on SIGTERM");
            tunnel.WaitForExit();
            string text = Text(log);
            TestContext.Out.WriteLine(text);
            Assert.That(tunnel.ExitCode, Is.Zero, text);
            Assert.That(text, Does.Contain(" -> 198.18.200.1:8000, relaying to 198.18.1.1:8000"));
            Assert.That(text, Does.Contain(" -> 198.18.200.77:9000, relaying to 198.18.1.1:9000"));
            Assert.That(text, Does.Contain(" -> 198.18.200.254:8000, relaying to 198.18.1.1:8000"));
            Assert.That(text, Does.Contain($"accepted {TunnelNamespace.ClientV4}:"), "the client's end of each four-tuple");
            Assert.That(text, Does.Contain("\ntunnel.accepted 4\n"));
            Assert.That(text, Does.Contain("\ntunnel.closed 3\n"));
            Assert.That(text, Does.Contain("\ntunnel.server_failures 1\n"));
            Assert.That(text, Does.Contain("\ntcp.errors 0\n"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Bad_arguments_are_one_line_and_exit_2()
    {
        foreach (var args in new[] { new[] { "--to", "198.18.1.1:80" }, ["--tun", "t0", "--to", "nowhere"], ["--tun", "t0", "--to", "198.18.1.1", "--bogus"] })
        {
            var (code, stdout, stderr) = RunTunnel(args);
            Assert.That(code, Is.EqualTo(2), stderr);
            Assert.That(stdout, Is.Empty);
            Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(stderr, Does.StartWith("ethox-tunnel: error: "));
        }
        var help = RunTunnel("--help");
        Assert.That(help.Code, Is.Zero);
        Assert.That(help.Stdout, Does.StartWith("usage: ethox-tunnel --tun NAME --to ADDRESS[:PORT]"));
    }

    // Creating a TUN interface needs CAP_NET_ADMIN: without it, one line naming it and exit 1 (as root the capability is
    // taken away with setpriv for the run).
    [Test]
    public void Missing_privilege_is_one_line_and_exit_1()
    {
        string[] args = ["--tun", Kernel.Name("np"), "--to", "198.18.1.1:80"];
        var (code, stdout, stderr) = Environment.IsPrivilegedProcess
            ? Run("setpriv", ["--inh-caps=-net_admin", "--bounding-set=-net_admin", "dotnet", TunnelDll, .. args])
            : RunTunnel(args);
        Assert.That(code, Is.EqualTo(1), stdout + stderr);
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1), stderr);
        Assert.That(stderr, Does.StartWith("ethox-tunnel: error: ").And.Contain("CAP_NET_ADMIN"));
    }

    private static (int Code, string Stdout, string Stderr) RunTunnel(params string[] args) => Run("dotnet", [TunnelDll, .. args]);

    private static (int Code, string Stdout, string Stderr) Run(string file, string[] args)
    {
        Assert.That(File.Exists(TunnelDll), Is.True, TunnelDll);
        var (code, stdout, stderr) = Tool.Run(file, args);
        return (code, stdout, stderr);
    }

    private static string Text(StringBuilder log)
    {
        lock (log) return log.ToString();
    }

    private static string Sha256Of(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    private static void WriteRandomFile(string path, long length, int seed)
    {
        var random = new Random(seed);
        var chunk = new byte[1 << 20];
        using var file = File.Create(path);
        for (long done = 0; done < length; done += chunk.Length)
        {
            random.NextBytes(chunk);
            file.Write(chunk, 0, (int)Math.Min(chunk.Length, length - done));
        }
    }
}
