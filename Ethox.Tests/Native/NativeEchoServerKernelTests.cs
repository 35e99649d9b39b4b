using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using Ethox.Tests.Appliance;
using Ethox.Tests.Nic;
using Ethox.Tests.Tools;
using NUnit.Framework;

namespace Ethox.Tests.Native;

/// <summary>
/// The C echo server (samples/Ethox.Native/c/echo_server.c, built by c/build.sh in .ci/run) against the Linux kernel:
/// it creates a TAP interface itself, which the test moves into a namespace of its own with 198.18.0.2/24; socat there
/// pushes 10 MB through the server at 198.18.0.3:7 and the SHA-256 of what comes back must match. Run once for the
/// program linked statically against libethox.a and once for the one linked against libethox.so.
/// </summary>
[Category("Kernel")]
[NonParallelizable]
public class NativeEchoServerKernelTests
{
    private const int Bytes = 10_000_000;

    [TestCase("echo_server")]
    [TestCase("echo_server-shared")]
    public void The_c_echo_server_over_tap_echoes_10_MB_from_socat_intact(string program)
    {
        Kernel.RequireRoot();
        string binary = Find(program);
        Tool.Require("socat");
        using var ns = BareNamespace.Create("ne");
        string tap = Kernel.Name("ne");
        string input = Path.Combine(Path.GetTempPath(), $"ethox-native-echo-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var stdout = new StringBuilder();
        var ready = new ManualResetEventSlim();
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { tap, PeerNamespace.OurV4 + "/24", "7" }) psi.ArgumentList.Add(a);
        using var server = Process.Start(psi)!;
        try
        {
            server.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (stdout) stdout.AppendLine(e.Data);
                if (e.Data.StartsWith("echo_server: listening on TAP", StringComparison.Ordinal)) ready.Set();
            };
            server.BeginOutputReadLine();
            var stderr = server.StandardError.ReadToEndAsync();
            Assert.That(ready.Wait(TimeSpan.FromSeconds(15)), Is.True, () => $"no start-up line within 15 s: {stdout}{(server.HasExited ? stderr.Result : "")}");
            ns.Adopt(tap);
            var data = new byte[Bytes];
            new Random(862).NextBytes(data);
            File.WriteAllBytes(input, data);
            var (code, output, all) = Shell.InNamespace(ns.Name, 120, null, "sh", "-c",
                $"socat -t 30 -T 30 - TCP4:{PeerNamespace.OurV4}:7 < '{input}' | sha256sum | cut -c1-64");
            Assert.That(code, Is.Zero, all);
            Assert.That(output.Trim(), Is.EqualTo(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(data)).ToLowerInvariant()),
                "the SHA-256 of the echo");
            // SIGTERM: the server prints its counters and exits 0.
            Tool.Must("kill", "-TERM", server.Id.ToString());
            Assert.That(server.WaitForExit(TimeSpan.FromSeconds(10)), Is.True, "did not stop on SIGTERM");
            server.WaitForExit();
            Assert.That(server.ExitCode, Is.Zero, stderr.Result);
            string text;
            lock (stdout) text = stdout.ToString();
            TestContext.Out.WriteLine(text);
            Assert.That(text, Does.Contain($"\nechoed {Bytes}\n"));
            Assert.That(text, Does.Contain("\ntcp_passive_opens 1\n"));
            Assert.That(text, Does.Contain("\ntcp_errors 0\n"));
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill();
                server.WaitForExit();
            }
            File.Delete(input);
        }
    }

    // The program built by samples/Ethox.Native/c/build.sh into artifacts/native at the top of the repository. In CI
    // (.ci/run builds it before the tests) a missing one fails the test; elsewhere the test is skipped and says how to build it.
    private static string Find(string program)
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Ethox.sln"))) continue;
            string path = Path.Combine(dir.FullName, "artifacts", "native", program);
            if (File.Exists(path)) return path;
            string need = $"needs {path}: build it with samples/Ethox.Native/c/build.sh (NativeAOT publish and clang)";
            if (Tool.InCi) Assert.Fail(need + "; CI=true, where .ci/run builds it before the tests");
            Assert.Ignore(need);
        }
        Assert.Fail("the repository (Ethox.sln) was not found above " + TestContext.CurrentContext.TestDirectory);
        return "";
    }
}
