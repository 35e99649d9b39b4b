using Ethox.Layer.Tcp;

namespace Ethox.Appliance;

/// <summary>
/// TCP echo (RFC 862 "TCP Based Echo Service"): whatever arrives goes back. The received bytes are written from
/// the receive ring straight into the send ring and only then released, so a client that does not read its
/// echo closes our receive window in turn (flow control end to end, nothing dropped). When the peer closes and
/// everything is echoed, we close too.
/// </summary>
internal static class TcpEchoService
{
    public static void Pump(TcpServices s, ref TcpServiceConnection c)
    {
        var endpoint = s.Endpoint;
        bool drained = false;
        while (!c.Closing && endpoint.Peek(c.Key, out var first, out _) == TcpStatus.Ok)
        {
            if (first.IsEmpty)
            {
                drained = true;
                break;
            }
            if (endpoint.Write(c.Key, first, out int written) != TcpStatus.Ok || written == 0) break;
            endpoint.Consume(c.Key, written);
            s.Counters.EchoBytes += written;
        }
        if (drained && c.PeerClosed && !c.Closing)
        {
            c.Closing = true;
            endpoint.Close(c.Key);
        }
    }
}
