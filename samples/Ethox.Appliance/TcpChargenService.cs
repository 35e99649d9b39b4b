using Ethox.Layer.Tcp;

namespace Ethox.Appliance;

/// <summary>
/// TCP character generator (RFC 864 "TCP Based Character Generator Service"): from the moment the connection
/// is accepted, the <see cref="ChargenPattern"/> stream fills the send ring whenever there is room, until the
/// peer closes; what the peer sends is thrown away (the RFC: "any data received is discarded").
/// </summary>
internal static class TcpChargenService
{
    public static void Pump(TcpServices s, ref TcpServiceConnection c)
    {
        var endpoint = s.Endpoint;
        if (endpoint.Peek(c.Key, out var first, out var second) == TcpStatus.Ok && first.Length + second.Length > 0)
            endpoint.Consume(c.Key, first.Length + second.Length);
        if (c.Closing) return;
        if (c.PeerClosed)
        {
            c.Closing = true;
            endpoint.Close(c.Key);
            return;
        }
        while (endpoint.Write(c.Key, ChargenPattern.From(c.Offset), out int written) == TcpStatus.Ok && written > 0)
        {
            c.Offset += written;
            s.Counters.ChargenBytes += written;
        }
    }
}
