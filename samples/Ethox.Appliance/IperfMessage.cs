namespace Ethox.Appliance;

/// <summary>
/// The one-byte states of the iperf3 control connection (iperf3's <c>src/iperf_api.h</c>, the same in every 3.x release):
/// the server announces each step of a test with one of them, the client answers with <see cref="TestEnd"/>,
/// <see cref="IperfDone"/> or <see cref="ClientTerminate"/>. The values are the protocol's, sent as a signed byte.
/// </summary>
internal enum IperfMessage : sbyte
{
    /// <summary>Server: the streams are up, the test begins (the client arms its timers).</summary>
    TestStart = 1,
    /// <summary>Server: data may flow now.</summary>
    TestRunning = 2,
    /// <summary>Client: its time or byte count is reached; the server stops its streams.</summary>
    TestEnd = 4,
    /// <summary>Server: send the parameters (a 4-byte length, then JSON).</summary>
    ParamExchange = 9,
    /// <summary>Server: connect the data streams (each starts with the cookie).</summary>
    CreateStreams = 10,
    /// <summary>Server: it is stopping; the test is over.</summary>
    ServerTerminate = 11,
    /// <summary>Client: it was interrupted; the test is over.</summary>
    ClientTerminate = 12,
    /// <summary>Server: each side sends its results (the client first), a 4-byte length and JSON.</summary>
    ExchangeResults = 13,
    /// <summary>Server: the results are in; the client prints them and says <see cref="IperfDone"/>.</summary>
    DisplayResults = 14,
    /// <summary>Client: finished; the control connection closes.</summary>
    IperfDone = 16,
    /// <summary>Server: another test is running (or the cookie is not the test's): the connection closes.</summary>
    AccessDenied = -1,
    /// <summary>Server: the test cannot run; two 4-byte big-endian numbers follow, iperf3's error code and an errno.</summary>
    ServerError = -2,
}

/// <summary>Error codes of iperf3's <c>i_errno</c> that the server sends after <see cref="IperfMessage.ServerError"/> (the client prints their text).</summary>
internal static class IperfError
{
    /// <summary>"not implemented yet": UDP, SCTP and other protocols than TCP.</summary>
    public const int NotImplemented = 13;
    /// <summary>"number of parallel streams too large".</summary>
    public const int TooManyStreams = 6;
    /// <summary>"unable to receive parameters from client".</summary>
    public const int ReceiveParameters = 114;
    /// <summary>"received an unknown control message".</summary>
    public const int UnknownMessage = 110;
}
