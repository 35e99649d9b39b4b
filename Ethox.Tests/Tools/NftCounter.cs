using System.Text.Json;
using NUnit.Framework;

namespace Ethox.Tests.Tools;

/// <summary>Reads nftables' JSON answer to <c>nft -j list counter …</c>.</summary>
internal static class NftCounter
{
    /// <summary>The packets of the one counter in <paramref name="json"/>; fails the test when there is none.</summary>
    public static long Packets(string json)
    {
        using var document = JsonDocument.Parse(json);
        foreach (var item in document.RootElement.GetProperty("nftables").EnumerateArray())
            if (item.TryGetProperty("counter", out var counter))
                return counter.GetProperty("packets").GetInt64();
        Assert.Fail("no counter in nft's answer: " + json);
        return -1;
    }
}
