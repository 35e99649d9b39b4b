using Ethox.Layer.Tcp;

namespace Ethox.Appliance;

/// <summary>TCP discard (RFC 863 "TCP Based Discard Service"): whatever arrives is thrown away at once; when the peer closes, we close.</summary>
internal static class TcpDiscardService
{
    public static void Pump(TcpServices s, ref TcpServiceConnection c)
    {
        var endpoint = s.Endpoint;
        if (endpoint.Peek(c.Key, out var first, out var second) != TcpStatus.Ok) return;
        int count = first.Length + second.Length;
        if (count > 0 && endpoint.Consume(c.Key, count) == TcpStatus.Ok) s.Counters.DiscardBytes += count;
        if (c.PeerClosed && !c.Closing)
        {
            c.Closing = true;
            endpoint.Close(c.Key);
        }
    }
}
