using System;
using System.Buffers;
using System.Text.Json;

namespace Ethox.Appliance;

/// <summary>This process's CPU time, for the percentages iperf3 reports (user, system, and both, over the test's wall time).</summary>
internal readonly record struct IperfCpu(TimeSpan Total, TimeSpan User, TimeSpan System)
{
    public static IperfCpu Now()
    {
        var cpu = Environment.CpuUsage;
        return new IperfCpu(cpu.TotalTime, cpu.UserTime, cpu.PrivilegedTime);
    }

    public static IperfCpu operator -(IperfCpu end, IperfCpu start) => new(end.Total - start.Total, end.User - start.User, end.System - start.System);
}

/// <summary>
/// The results object each side of an iperf3 test sends the other after EXCHANGE_RESULTS (iperf3's <c>send_results</c> and
/// <c>get_results</c>), a 4-byte big-endian length and then
/// <c>{"cpu_util_total":…,"cpu_util_user":…,"cpu_util_system":…,"sender_has_retransmits":0,"streams":[{"id":1,"bytes":…,"retransmits":0,"jitter":0,"errors":0,"packets":0,"start_time":0,"end_time":…}]}</c>.
/// Retransmissions are not counted per connection here, so <c>sender_has_retransmits</c> is 0 and the peer prints none.
/// Made and read once per test, on the control path (they allocate).
/// </summary>
internal static class IperfResults
{
    /// <summary>iperf3's stream ids: 1 for the first stream, then 3, 4, 5… (its list numbering skips 2).</summary>
    public static int StreamId(int stream) => stream == 0 ? 1 : stream + 2;

    /// <summary>The stream (in join or connect order) of an iperf3 stream id, or -1.</summary>
    public static int StreamOf(long id) => id == 1 ? 0 : id >= 3 ? (int)Math.Min(id - 2, int.MaxValue) : -1;

    /// <summary>The results for streams that moved <paramref name="bytes"/> each over <paramref name="seconds"/>, using <paramref name="cpu"/>.</summary>
    public static byte[] Write(ReadOnlySpan<long> bytes, double seconds, IperfCpu cpu)
    {
        seconds = Math.Max(seconds, 1e-6);
        var buffer = new ArrayBufferWriter<byte>(256 + 160 * bytes.Length);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("cpu_util_total"u8, Percent(cpu.Total, seconds));
            json.WriteNumber("cpu_util_user"u8, Percent(cpu.User, seconds));
            json.WriteNumber("cpu_util_system"u8, Percent(cpu.System, seconds));
            json.WriteNumber("sender_has_retransmits"u8, 0);
            json.WriteStartArray("streams"u8);
            for (int i = 0; i < bytes.Length; i++)
            {
                json.WriteStartObject();
                json.WriteNumber("id"u8, StreamId(i));
                json.WriteNumber("bytes"u8, bytes[i]);
                json.WriteNumber("retransmits"u8, 0);
                json.WriteNumber("jitter"u8, 0);
                json.WriteNumber("errors"u8, 0);
                json.WriteNumber("packets"u8, 0);
                json.WriteNumber("start_time"u8, 0);
                json.WriteNumber("end_time"u8, seconds);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads the bytes of each stream from the peer's results into <paramref name="bytes"/> (indexed by stream, from the ids);
    /// false when the text is not such an object or names a stream that is not there.
    /// </summary>
    public static bool TryReadBytes(ReadOnlySpan<byte> json, Span<long> bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            if (!document.RootElement.TryGetProperty("streams"u8, out var streams) || streams.ValueKind != JsonValueKind.Array) return false;
            foreach (var stream in streams.EnumerateArray())
            {
                if (!stream.TryGetProperty("id"u8, out var id) || !id.TryGetInt64(out long number)
                    || !stream.TryGetProperty("bytes"u8, out var count) || !count.TryGetInt64(out long value)) return false;
                int index = StreamOf(number);
                if ((uint)index >= (uint)bytes.Length) return false;
                bytes[index] = value;
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static double Percent(TimeSpan cpu, double seconds) => Math.Round(cpu.TotalSeconds / seconds * 100, 3);
}
