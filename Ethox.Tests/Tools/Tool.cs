using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using NUnit.Framework;

namespace Ethox.Tests.Tools;

/// <summary>
/// Runs the programs the tests use that nobody here wrote (ip, sysctl, ethtool, ping, arping, socat, curl, iperf3,
/// nft, tcpdump, tshark, python3…) and says what a missing one means: outside CI the test is skipped and told which
/// Debian package to install; in CI (environment variable CI=true, which <c>.ci/run</c> sets after installing every
/// package) it fails, so that a test can never pass there by not running.
/// </summary>
internal static class Tool
{
    // The Debian package of each program the tests run; a program not listed is assumed to be its own package.
    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        ["ip"] = "iproute2",
        ["bridge"] = "iproute2",
        ["ss"] = "iproute2",
        ["sh"] = "dash",
        ["sysctl"] = "procps",
        ["kill"] = "procps",
        ["ping"] = "iputils-ping",
        ["nc"] = "netcat-openbsd",
        ["nft"] = "nftables",
        ["python3"] = "python3",
        ["setpriv"] = "util-linux",
    };

    /// <summary>True when the tests run in CI (CI=true), where a missing tool is a failure rather than a reason to skip.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The Debian package that provides <paramref name="program"/>.</summary>
    public static string PackageOf(string program) => Packages.TryGetValue(program, out string? package) ? package : program;

    /// <summary>The full path of <paramref name="program"/> as the PATH finds it (or the path itself when it names one), or null.</summary>
    public static string? Find(string program)
    {
        if (program.Contains('/')) return IsExecutable(program) ? program : null;
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, program);
            if (IsExecutable(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>
    /// Skips the current test when <paramref name="program"/> is not installed ("needs tcpdump (apt-get install tcpdump)"),
    /// or fails it in CI. Every way the tests start a program goes through here.
    /// </summary>
    public static void Require(string program)
    {
        if (Find(program) is not null) return;
        string need = $"needs {program} (apt-get install {PackageOf(program)})";
        if (InCi) Assert.Fail(need + "; CI=true, where every tool must be installed");
        Assert.Ignore(need);
    }

    /// <summary>The arguments of <c>ip</c> that run <paramref name="command"/> inside network namespace <paramref name="ns"/>, once its program is known to be installed.</summary>
    public static string[] InNamespace(string ns, string[] command)
    {
        Require("ip");
        Require(command[0]);
        return ["netns", "exec", ns, .. command];
    }

    /// <summary>Runs <paramref name="file"/> to the end; returns its exit status and both outputs.</summary>
    public static (int ExitCode, string Output, string Error) Run(string file, params string[] args)
    {
        Require(file);
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }

    /// <summary>Runs a command that must succeed.</summary>
    public static string Must(string file, params string[] args)
    {
        var (code, output, error) = Run(file, args);
        if (code != 0) Assert.Fail($"{file} {string.Join(' ', args)} exited with {code}: {error.Trim()}");
        return output;
    }

    /// <summary>Runs a cleanup command whose failure does not matter (the object may already be gone, or the tool missing).</summary>
    public static void Try(string file, params string[] args)
    {
        if (Find(file) is null) return;
        try { Run(file, args); } catch (Exception) { /* cleanup is best effort */ }
    }

    private static bool IsExecutable(string path)
        => File.Exists(path) && (OperatingSystem.IsWindows()
                                 || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
}
