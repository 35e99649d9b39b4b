using System;
using Ethox.Layer.Ip;
using Ethox.Wire;

namespace Ethox.Layer.Tcp;

/// <summary>What the user decided about a connection attempt or a stray segment.</summary>
internal enum AcceptVerdict : byte
{
    /// <summary>No decision: a SYN on a listening port is dropped (the client retries), a stray segment is answered with RST.</summary>
    None,
    Accepted,
    Refused,
    Ignored,
}

/// <summary>The decision slot a <see cref="TcpOpen"/> or <see cref="TcpStray"/> writes into, by reference.</summary>
internal struct AcceptDecision
{
    public AcceptVerdict Verdict;
    public SlotKey Key;
}

/// <summary>Why the user is handed a <see cref="TcpOpen"/>.</summary>
public enum TcpOpenKind : byte
{
    /// <summary>A SYN arrived on a listening port with room in its backlog: accept it (a SYN-ACK answers) or refuse it (a RST answers).</summary>
    Incoming,
    /// <summary>A client completed the handshake with a valid SYN cookie (the backlog was full when its SYN came): accept it, established already, or refuse it.</summary>
    Cookie,
    /// <summary>Our active open completed: <see cref="TcpOpen.Key"/> is ESTABLISHED.</summary>
    Connected,
}

/// <summary>
/// The first of the three variants the user handles: a connection attempt on a listening port (accept it into
/// a slot with buffers of your own, or refuse it) or the completion of our own active open. Lent for one call.
/// </summary>
public readonly ref struct TcpOpen
{
    private readonly TcpEndpoint _endpoint;
    private readonly ref AcceptDecision _decision;
    private readonly Segment _segment;
    // The tuple is the layer's, referred to rather than copied.
    private readonly ref readonly FourTuple _tuple;
    private readonly ushort _cookieMss;

    internal TcpOpen(TcpEndpoint endpoint, TcpOpenKind kind, in FourTuple tuple, in Segment segment, ref AcceptDecision decision, Instant now, SlotKey key = default, ushort cookieMss = 0)
    {
        _endpoint = endpoint;
        Kind = kind;
        _tuple = ref tuple;
        _segment = segment;
        _decision = ref decision;
        Timestamp = now;
        _cookieMss = cookieMss;
        if (kind == TcpOpenKind.Connected) decision.Key = key;
    }

    /// <summary>Incoming, from a cookie, or our active open completed.</summary>
    public TcpOpenKind Kind { get; }
    /// <summary>Our end.</summary>
    public TransportAddress Local => _tuple.Local;
    /// <summary>The peer's end.</summary>
    public TransportAddress Remote => _tuple.Remote;
    /// <summary>Both ends.</summary>
    public FourTuple Tuple => _tuple;
    /// <summary>When the segment arrived.</summary>
    public Instant Timestamp { get; }
    /// <summary>The endpoint, for reading and writing.</summary>
    public TcpEndpoint Endpoint => _endpoint;
    /// <summary>The connection's key: our completed active open, or the connection <see cref="Accept(TcpBuffers, out SlotKey)"/> made.</summary>
    public SlotKey Key => _decision.Key;

    /// <summary>Accepts the attempt into a new slot using <paramref name="buffers"/>, with default options.</summary>
    public TcpStatus Accept(TcpBuffers buffers, out SlotKey key) => Accept(buffers, new TcpConnectionOptions(), out key);

    /// <summary>Accepts the attempt into a new slot using <paramref name="buffers"/> and <paramref name="options"/>.</summary>
    public TcpStatus Accept(TcpBuffers buffers, TcpConnectionOptions options, out SlotKey key)
    {
        key = default;
        if (Kind == TcpOpenKind.Connected || _decision.Verdict != AcceptVerdict.None) return TcpStatus.InvalidState;
        var status = Kind == TcpOpenKind.Cookie
            ? _endpoint.AcceptCookie(_tuple, _segment, _cookieMss, buffers, options, Timestamp, out key)
            : _endpoint.AcceptSyn(_tuple, _segment, buffers, options, _endpoint.FindListener(_tuple.LocalPort), Timestamp, out key);
        if (status != TcpStatus.Ok) return status;
        _decision.Verdict = AcceptVerdict.Accepted;
        _decision.Key = key;
        return TcpStatus.Ok;
    }

    /// <summary>Refuses the attempt: a RST answers (RFC 9293 §3.10.7.2 allows a listener to reset a SYN).</summary>
    public void Refuse()
    {
        if (Kind != TcpOpenKind.Connected && _decision.Verdict == AcceptVerdict.None) _decision.Verdict = AcceptVerdict.Refused;
    }
}

/// <summary>
/// The second variant: a segment that matches no connection and no listening port. Unless the user says
/// otherwise it is answered with a RST (RFC 9293 §3.10.7.1), never when it is a RST itself. The user may
/// instead accept a SYN into a slot — on a port nobody listens on, or, in transparent mode
/// (<see cref="Ip.IpEndpoint.AcceptAny"/>), to any destination address (<see cref="IsForeign"/>) — or ignore it silently.
/// </summary>
public readonly ref struct TcpStray
{
    private readonly TcpEndpoint _endpoint;
    private readonly ref AcceptDecision _decision;
    private readonly Segment _segment;
    private readonly ref readonly FourTuple _tuple;

    internal TcpStray(TcpEndpoint endpoint, in FourTuple tuple, in Segment segment, ref AcceptDecision decision, Instant now, bool foreign)
    {
        _endpoint = endpoint;
        _tuple = ref tuple;
        _segment = segment;
        _decision = ref decision;
        Timestamp = now;
        IsForeign = foreign;
    }

    /// <summary>Both ends (local is the segment's destination).</summary>
    public FourTuple Tuple => _tuple;
    /// <summary>The segment's destination: the original destination address and port, where an accepted connection answers from.</summary>
    public TransportAddress Local => _tuple.Local;
    /// <summary>The segment's source.</summary>
    public TransportAddress Remote => _tuple.Remote;
    /// <summary>
    /// The segment went to an address that is not ours and came in through transparent mode
    /// (<see cref="Ip.IpEndpoint.AcceptAny"/>); every answer, the SYN-ACK of an accepted connection and its later segments or
    /// the RST of a refused one, comes from that address.
    /// </summary>
    public bool IsForeign { get; }
    /// <summary>The endpoint.</summary>
    public TcpEndpoint Endpoint => _endpoint;
    /// <summary>The control bits.</summary>
    public TcpFlags Flags => _segment.Flags;
    /// <summary>The sequence number.</summary>
    public TcpSeqNumber SequenceNumber => _segment.Seq;
    /// <summary>The acknowledgment number.</summary>
    public TcpSeqNumber AcknowledgmentNumber => _segment.Ack;
    /// <summary>The data it carries.</summary>
    public ReadOnlySpan<byte> Payload => _segment.Payload;
    /// <summary>When it arrived.</summary>
    public Instant Timestamp { get; }
    /// <summary>True for a connection request (SYN without ACK or RST), which <see cref="Accept(TcpBuffers, out SlotKey)"/> can take.</summary>
    public bool IsConnectionRequest => (_segment.Flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst)) == TcpFlags.Syn;

    /// <summary>
    /// Accepts a connection request into a new slot: its local end is <see cref="Local"/> (the original destination, a
    /// foreign address in transparent mode included), and the SYN-ACK answers at once from it.
    /// </summary>
    public TcpStatus Accept(TcpBuffers buffers, out SlotKey key) => Accept(buffers, new TcpConnectionOptions(), out key);

    /// <summary>Accepts a connection request to any address into a new slot with <paramref name="options"/>.</summary>
    public TcpStatus Accept(TcpBuffers buffers, TcpConnectionOptions options, out SlotKey key)
    {
        key = default;
        if (!IsConnectionRequest || _decision.Verdict != AcceptVerdict.None) return TcpStatus.InvalidState;
        var status = _endpoint.AcceptSyn(_tuple, _segment, buffers, options, -1, Timestamp, out key);
        if (status != TcpStatus.Ok) return status;
        _decision.Verdict = AcceptVerdict.Accepted;
        _decision.Key = key;
        return TcpStatus.Ok;
    }

    /// <summary>Drops the segment without answering it.</summary>
    public void Ignore()
    {
        if (_decision.Verdict == AcceptVerdict.None) _decision.Verdict = AcceptVerdict.Ignored;
    }
}

/// <summary>
/// The third variant: what happened to a known connection, after the stack applied a segment (or a timer
/// fired): the events, and the connection to read from and write to. Data written during the call rides
/// on the ACK that answers the segment, in the same buffer.
/// </summary>
public readonly ref struct TcpInPacket
{
    private readonly TcpEndpoint _endpoint;

    internal TcpInPacket(TcpEndpoint endpoint, SlotKey key, TcpEvents events, Instant now)
    {
        _endpoint = endpoint;
        Key = key;
        Events = events;
        Timestamp = now;
    }

    internal TcpInPacket(TcpEndpoint endpoint, SlotKey key, TcpEvents events, Instant now, in IcmpTransportError error)
        : this(endpoint, key, events, now)
    {
        IcmpError = error;
    }

    /// <summary>The connection.</summary>
    public SlotKey Key { get; }
    /// <summary>What happened.</summary>
    public TcpEvents Events { get; }
    /// <summary>When.</summary>
    public Instant Timestamp { get; }
    /// <summary>The endpoint.</summary>
    public TcpEndpoint Endpoint => _endpoint;
    /// <summary>
    /// The ICMP error behind <see cref="TcpEvents.Unreachable"/> (its family, type and code, who reported it), null for any
    /// other event: what an application maps to its own error (port unreachable to "refused", net unreachable to "network
    /// unreachable"…).
    /// </summary>
    public IcmpTransportError? IcmpError { get; }
    /// <summary>The connection's state now.</summary>
    public TcpState State => _endpoint.StateOf(Key);
    /// <summary>True when <paramref name="e"/> is among <see cref="Events"/>.</summary>
    public bool Has(TcpEvents e) => (Events & e) != 0;
    /// <summary>Reads received bytes (<see cref="TcpEndpoint.Read"/>).</summary>
    public int Read(Span<byte> destination) => _endpoint.Read(Key, destination, out int n) == TcpStatus.Ok ? n : 0;
    /// <summary>Writes bytes to send (<see cref="TcpEndpoint.Write(SlotKey, ReadOnlySpan{byte}, out int)"/>); returns how many were taken.</summary>
    public int Write(ReadOnlySpan<byte> data) => _endpoint.Write(Key, data, out int n) == TcpStatus.Ok ? n : 0;
    /// <summary>Closes our side (<see cref="TcpEndpoint.Close"/>).</summary>
    public TcpStatus Close() => _endpoint.Close(Key);
    /// <summary>Resets the connection (<see cref="TcpEndpoint.Abort"/>).</summary>
    public TcpStatus Abort() => _endpoint.Abort(Key);
}

/// <summary>A transmit opportunity handed to the user when no connection had anything to send: open connections, write data.</summary>
public readonly ref struct TcpSender
{
    internal TcpSender(TcpEndpoint endpoint, Instant now)
    {
        Endpoint = endpoint;
        Timestamp = now;
    }

    /// <summary>The endpoint (connect, write, close…).</summary>
    public TcpEndpoint Endpoint { get; }
    /// <summary>The time of the transmit call.</summary>
    public Instant Timestamp { get; }
}
