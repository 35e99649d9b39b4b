using System;
using System.Text.Json;

namespace Ethox.Appliance;

/// <summary>
/// The parts of an iperf3 client's parameter object (the JSON after <see cref="IperfMessage.ParamExchange"/>, e.g.
/// <c>{"tcp":true,"omit":0,"time":10,"parallel":1,"reverse":true,"len":131072,"client_version":"3.12"}</c>) that a
/// TCP server acts on. Read with <see cref="Utf8JsonReader"/> in place (no allocation for a well-formed object); text that
/// is not one JSON object is a false return, never an exception.
/// </summary>
internal readonly record struct IperfParameters(bool Udp, bool Sctp, int Parallel, bool Reverse, bool Bidirectional, int Seconds, long Bytes, long Blocks, int BlockSize)
{
    /// <summary>iperf3's own limit on <c>-P</c>.</summary>
    public const int MaxStreams = 128;

    /// <summary>Streams on which the server receives (the client sends).</summary>
    public int ReceiveStreams => Reverse ? 0 : Parallel;

    /// <summary>Streams on which the server sends (<c>-R</c>, or the second half with <c>--bidir</c>).</summary>
    public int SendStreams => Reverse || Bidirectional ? Parallel : 0;

    /// <summary>How many bytes the server's streams send in all (<c>-n</c>, or <c>-k</c> blocks of <c>-l</c>); 0: until the client ends the test.</summary>
    public long SendLimit => Bytes > 0 ? Bytes : Blocks > 0 ? Blocks * Math.Max(BlockSize, 1) : 0;

    /// <summary>Reads the top-level members of <paramref name="json"/>; false when it is not one JSON object.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out IperfParameters parameters)
    {
        parameters = default;
        bool udp = false, sctp = false, reverse = false, bidirectional = false;
        int parallel = 1, seconds = 0, blockSize = 0;
        long bytes = 0, blocks = 0;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // The name decides what to read; the reader stands on the value after Read().
                bool isUdp = reader.ValueTextEquals("udp"u8), isSctp = reader.ValueTextEquals("sctp"u8);
                bool isReverse = reader.ValueTextEquals("reverse"u8), isBidirectional = reader.ValueTextEquals("bidirectional"u8);
                bool isParallel = reader.ValueTextEquals("parallel"u8), isTime = reader.ValueTextEquals("time"u8);
                bool isBytes = reader.ValueTextEquals("num"u8), isBlocks = reader.ValueTextEquals("blockcount"u8);
                bool isLength = reader.ValueTextEquals("len"u8);
                if (!reader.Read()) return false;
                if (isUdp) udp = IsTrue(ref reader);
                else if (isSctp) sctp = IsTrue(ref reader);
                else if (isReverse) reverse = IsTrue(ref reader);
                else if (isBidirectional) bidirectional = IsTrue(ref reader);
                else if (isParallel && !reader.TryGetInt32(out parallel)) return false;
                else if (isTime && !reader.TryGetInt32(out seconds)) return false;
                else if (isBytes && !reader.TryGetInt64(out bytes)) return false;
                else if (isBlocks && !reader.TryGetInt64(out blocks)) return false;
                else if (isLength && !reader.TryGetInt32(out blockSize)) return false;
                else reader.Skip();
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read()) return false;
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            // TryGetInt32 and friends on a token that is not a number.
            return false;
        }
        parameters = new IperfParameters(udp, sctp, parallel, reverse, bidirectional, seconds, bytes, blocks, blockSize);
        return true;
    }

    // iperf3 writes flags as JSON true (cJSON_AddTrueToObject); a number 1 is taken as true too.
    private static bool IsTrue(ref Utf8JsonReader reader)
        => reader.TokenType == JsonTokenType.True || (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int v) && v != 0);
}
