using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Tools;

/// <summary>
/// Asks tshark (Wireshark's decoder, which nobody on this project wrote) what it sees in a pcap file,
/// so tests can compare Ethox's parsers with an independent implementation field by field.
/// </summary>
public static class Tshark
{
    /// <summary>
    /// Preferences passed on every run: verify IPv4/TCP/UDP checksums (off by default in tshark), so the
    /// <c>ip.checksum.status</c>, <c>tcp.checksum.status</c> and <c>udp.checksum.status</c> fields carry a
    /// verdict (1 = good, 0 = bad, 2 = unverified). ICMP, ICMPv6 and IGMP checksums are always checked.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultPreferences =
    [
        "ip.check_checksum:TRUE",
        "tcp.check_checksum:TRUE",
        "udp.check_checksum:TRUE",
    ];

    /// <summary>
    /// Preferences that keep tshark from reassembling IP fragments and TCP streams, so every field is
    /// reported on the frame that carries it (use with <see cref="FieldsWithPreferences"/>).
    /// </summary>
    public static readonly IReadOnlyList<string> NoReassembly =
    [
        "ip.defragment:FALSE",
        "ipv6.defragment:FALSE",
        "tcp.desegment_tcp_streams:FALSE",
    ];

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Decodes <paramref name="pcapPath"/> and returns, per frame in file order, the value of each requested
    /// field (a tshark display-filter field name such as <c>ip.src</c>). A field that occurs several times in a
    /// frame (tunnels, ICMP quotes, options) has its values joined by commas in order; a field absent from a
    /// frame maps to the empty string. Throws when tshark fails, e.g. on an unknown field name; skips the test
    /// (fails it in CI) when tshark is not installed (<see cref="Tool.Require"/>).
    /// </summary>
    public static IReadOnlyList<Dictionary<string, string>> Fields(string pcapPath, params string[] fields)
        => FieldsWithPreferences(pcapPath, [], fields);

    /// <summary>
    /// Like <see cref="Fields(string, string[])"/>, with extra tshark preferences (<c>name:value</c>, passed
    /// with <c>-o</c> after <see cref="DefaultPreferences"/>), e.g. <see cref="NoReassembly"/>.
    /// </summary>
    public static IReadOnlyList<Dictionary<string, string>> FieldsWithPreferences(
        string pcapPath, IReadOnlyList<string> preferences, params string[] fields)
    {
        if (fields.Length == 0) throw new ArgumentException("ask for at least one field", nameof(fields));
        Tool.Require("tshark");
        var psi = new ProcessStartInfo("tshark")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // -n: no name resolution (fast, no DNS queries, addresses printed as numbers).
        foreach (string a in (string[])["-n", "-r", pcapPath, "-T", "fields", "-E", "separator=/t",
                     "-E", "occurrence=a", "-E", "aggregator=,", "-E", "quote=n"])
            psi.ArgumentList.Add(a);
        foreach (string p in DefaultPreferences) { psi.ArgumentList.Add("-o"); psi.ArgumentList.Add(p); }
        foreach (string p in preferences) { psi.ArgumentList.Add("-o"); psi.ArgumentList.Add(p); }
        foreach (string f in fields) { psi.ArgumentList.Add("-e"); psi.ArgumentList.Add(f); }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start tshark");
        // Both pipes are drained at once: a full stderr pipe would otherwise block tshark forever.
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"tshark did not finish within {Timeout.TotalSeconds} s on {pcapPath}");
        }
        process.WaitForExit(); // lets the pipe readers reach the end
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"tshark exited with {process.ExitCode} on {pcapPath}: {stderr.Result.Trim()}");
        return Parse(stdout.Result, fields);
    }

    /// <summary>
    /// Writes <paramref name="frames"/> to a temporary pcap file (with <see cref="PcapWriter"/>, one millisecond
    /// apart), decodes it with <see cref="Fields(string, string[])"/> and deletes it.
    /// </summary>
    public static IReadOnlyList<Dictionary<string, string>> Fields(
        IEnumerable<byte[]> frames, PcapLinkType link, params string[] fields)
        => FieldsWithPreferences(frames, link, [], fields);

    /// <summary>Like <see cref="Fields(IEnumerable{byte[]}, PcapLinkType, string[])"/>, with extra preferences.</summary>
    public static IReadOnlyList<Dictionary<string, string>> FieldsWithPreferences(
        IEnumerable<byte[]> frames, PcapLinkType link, IReadOnlyList<string> preferences, params string[] fields)
    {
        string path = WriteTemporaryPcap(frames, link);
        try { return FieldsWithPreferences(path, preferences, fields); }
        finally { File.Delete(path); }
    }

    /// <summary>Writes frames to a new temporary pcap file and returns its path; the caller deletes it.</summary>
    public static string WriteTemporaryPcap(IEnumerable<byte[]> frames, PcapLinkType link)
    {
        string path = Path.Combine(Path.GetTempPath(), $"ethox-{Guid.NewGuid():N}.pcap");
        using (var stream = File.Create(path))
        {
            var writer = new PcapWriter(stream, link);
            long t = 1_700_000_000_000_000_000;
            foreach (byte[] frame in frames)
            {
                writer.Write(frame, t);
                t += 1_000_000;
            }
            writer.Flush();
        }
        return path;
    }

    private static List<Dictionary<string, string>> Parse(string output, string[] fields)
    {
        var rows = new List<Dictionary<string, string>>();
        // One line per frame; a frame without any of the fields is an empty line, so only the text after
        // the final newline is dropped.
        string[] lines = output.Replace("\r\n", "\n").Split('\n');
        int count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        for (int i = 0; i < count; i++)
        {
            string[] values = lines[i].Split('\t');
            var row = new Dictionary<string, string>(fields.Length, StringComparer.Ordinal);
            for (int f = 0; f < fields.Length; f++)
                row[fields[f]] = f < values.Length ? values[f] : "";
            rows.Add(row);
        }
        return rows;
    }
}
