using System;
using Ethox.Layer.Tcp;

namespace Ethox.Appliance;

/// <summary>
/// What both ends of an iperf3 test do on a connection: fill the connection's head buffer with a message of known
/// length, write a control message whole, throw away what arrives, close once.
/// </summary>
internal static class IperfWire
{
    /// <summary>Reads into the connection's head buffer until it holds <paramref name="want"/> bytes; false while they are not all there.</summary>
    public static bool TryFill(TcpServices s, ref TcpServiceConnection c, int want)
    {
        var head = s.HeadOf(c);
        while (c.HeadLength < want)
        {
            if (s.Endpoint.Read(c.Key, head[c.HeadLength..want], out int n) != TcpStatus.Ok || n == 0) return false;
            c.HeadLength += n;
        }
        return true;
    }

    /// <summary>One state byte.</summary>
    public static bool Send(TcpServices s, ref TcpServiceConnection c, IperfMessage message)
    {
        ReadOnlySpan<byte> state = [unchecked((byte)message)];
        return TryWriteAll(s, ref c, state);
    }

    /// <summary>
    /// Writes <paramref name="data"/> whole. Control messages are small and the send ring large: one that does not fit means
    /// the peer stopped reading its control connection, and the test cannot go on, so the connection is reset.
    /// </summary>
    public static bool TryWriteAll(TcpServices s, ref TcpServiceConnection c, ReadOnlySpan<byte> data)
    {
        if (c.Closing) return false;
        if (s.Endpoint.Write(c.Key, data, out int written) == TcpStatus.Ok && written == data.Length) return true;
        s.Endpoint.Abort(c.Key);
        c.Closing = true;
        return false;
    }

    /// <summary>Throws away whatever has arrived; returns how many bytes.</summary>
    public static int Discard(TcpServices s, in TcpServiceConnection c)
    {
        var endpoint = s.Endpoint;
        if (endpoint.Peek(c.Key, out var first, out var second) != TcpStatus.Ok) return 0;
        int count = first.Length + second.Length;
        return count > 0 && endpoint.Consume(c.Key, count) == TcpStatus.Ok ? count : 0;
    }

    /// <summary>Our FIN, once.</summary>
    public static void CloseOnce(TcpServices s, ref TcpServiceConnection c)
    {
        if (c.Closing) return;
        c.Closing = true;
        s.Endpoint.Close(c.Key);
    }
}
