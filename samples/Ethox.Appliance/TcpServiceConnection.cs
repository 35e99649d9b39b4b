using Ethox.Layer;
using Ethox.Layer.Tcp;

namespace Ethox.Appliance;

/// <summary>Which service a connection belongs to (by the listening port it came in on, or the client that opened it).</summary>
internal enum TcpServiceKind : byte
{
    None,
    Echo,
    Discard,
    Chargen,
    Http,
    Fetch,
    Iperf,
    IperfClient,
}

/// <summary>What an iperf3 connection turned out to be, once its cookie was read.</summary>
internal enum IperfRole : byte
{
    /// <summary>The 37-byte cookie is not all there yet.</summary>
    Cookie,
    /// <summary>The control connection of the test.</summary>
    Control,
    /// <summary>A data stream on which the server receives (discards and counts).</summary>
    Receiver,
    /// <summary>A data stream on which the server sends.</summary>
    Sender,
    /// <summary>Refused with ACCESS_DENIED (a test was under way, or the cookie was not the test's); closing.</summary>
    Denied,
}

/// <summary>Where an HTTP connection is: reading a request head, or answering one.</summary>
internal enum HttpPhase : byte
{
    ReadingRequest,
    SendingHead,
    SendingBody,
    /// <summary>Our FIN is queued: nothing more is read or written.</summary>
    Closed,
}

/// <summary>What an HTTP response body is made of.</summary>
internal enum HttpBody : byte
{
    /// <summary>The chargen pattern, from <see cref="TcpServiceConnection.Offset"/>.</summary>
    Pattern,
    /// <summary>The fixed text of the status (<see cref="HttpPages"/>).</summary>
    Page,
}

/// <summary>
/// The application's state of one connection, in an array indexed by the slot index of its <see cref="SlotKey"/>:
/// its service, its buffer set in the <see cref="ConnectionArena"/>, when it last moved, and the progress of
/// the HTTP exchange or chargen stream.
/// </summary>
internal struct TcpServiceConnection
{
    public SlotKey Key;
    public TcpServiceKind Kind;
    /// <summary>The buffer set in the arena.</summary>
    public int Buffer;
    /// <summary>The last event on the connection (the idle timeout counts from here).</summary>
    public Instant LastActive;
    /// <summary>The peer sent FIN.</summary>
    public bool PeerClosed;
    /// <summary>We called Close (our FIN is queued).</summary>
    public bool Closing;

    // HTTP server: the request head read so far sits in the arena's head buffer.
    public HttpPhase Phase;
    public int HeadLength;
    public short Status;
    public bool KeepAlive;
    public bool HeadOnly;
    public HttpBody Body;
    /// <summary>Bytes of the body (or of the chargen stream) written so far.</summary>
    public long Offset;
    /// <summary>Bytes of the body still to write.</summary>
    public long Left;

    // iperf3: the role once the cookie is read, and the test and stream (by join order) it belongs to.
    public IperfRole IperfRole;
    public int IperfGeneration;
    public int IperfStream;
}
