namespace Ethox.Appliance;

/// <summary>What the TCP services did (printed with the other counters on exit).</summary>
internal sealed class TcpServiceCounters
{
    /// <summary>Connections accepted, per service.</summary>
    public long EchoConnections, DiscardConnections, ChargenConnections, HttpConnections, IperfConnections;
    /// <summary>iperf3: tests started (control connections), data streams joined, connections refused (busy, or a foreign cookie), tests refused with SERVER_ERROR.</summary>
    public long IperfTests, IperfStreams, IperfDenied, IperfErrors;
    /// <summary>iperf3: bytes received and sent on data streams.</summary>
    public long IperfBytesReceived, IperfBytesSent;
    /// <summary>Bytes echoed, discarded and generated.</summary>
    public long EchoBytes, DiscardBytes, ChargenBytes;
    /// <summary>HTTP requests answered, by class of status.</summary>
    public long HttpRequests, Http2xx, Http4xx, Http5xx;
    /// <summary>HTTP body bytes sent.</summary>
    public long HttpBodyBytes;
    /// <summary>Connection attempts dropped because every buffer set was in use (the client retries its SYN).</summary>
    public long NoBuffers;
    /// <summary>Connections closed or aborted because nothing moved for the idle timeout.</summary>
    public long IdleTimeouts;
    /// <summary>Connections the peer reset.</summary>
    public long Resets;
}
