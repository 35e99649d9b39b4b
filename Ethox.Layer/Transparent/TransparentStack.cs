using System;
using Ethox.Layer.Common;
using Ethox.Layer.Ip;
using Ethox.Layer.Tcp;
using Ethox.Layer.Udp;
using Ethox.Wire;

namespace Ethox.Layer.Transparent;

/// <summary>
/// "Packet in, data out; data in, packet out" for a caller who drives everything itself — a VPN client, a transparent
/// proxy, a DPDK program: IP packets of any address go in with <see cref="Receive"/>, each flow's data and events come
/// out through <typeparamref name="THandler"/>, data goes back with <see cref="TrySend"/> and leaves as IP packets
/// written straight into buffers the handler lends (<see cref="ITransparentHandler.TransmitBuffer"/>), and
/// <see cref="Poll"/> runs the timers and says when to call it next. No address, route or neighbour needs configuring:
/// TCP connections and UDP datagrams to any unicast address are taken (<see cref="IpEndpoint.AcceptAny"/>) and answered
/// from that address. Underneath it is Ethox's IP, TCP and UDP layers on the bare-IP medium; nothing is allocated after
/// construction. Single-threaded like every stack.
/// </summary>
public sealed class TransparentStack<THandler> where THandler : ITransparentHandler
{
    private IpLayer<TransportMux<TcpLayer<TransparentTcp<THandler>>, UdpLayer<TransparentUdp<THandler>>, NoTransport>> _layers;
    private THandler _handler;
    private readonly IpEndpoint _ip;
    private readonly TcpEndpoint _tcp;
    private readonly UdpEndpoint _udp;
    // The layers are running (a receive or a transmit turn): the handler may write into rings, but not start them again.
    private bool _inLayers;
    // The handler's transmit buffer is lent to the layers' transmit turn: a datagram cannot be written into it meanwhile.
    private bool _bufferLent;
    // Data is being offered to the handler: a Resume from inside Data would offer the same bytes again.
    private bool _offering;

    /// <summary>
    /// A stack over endpoints of your own making: <paramref name="ip"/> on the bare-IP medium (no Ethernet endpoint), with
    /// <see cref="IpEndpoint.AcceptAny"/> set for the families to take at any address (as you set it; addresses of its
    /// own are served too), <paramref name="tcp"/> and <paramref name="udp"/> over it. Throws on a mismatch (construction only).
    /// </summary>
    public TransparentStack(IpEndpoint ip, TcpEndpoint tcp, UdpEndpoint udp, THandler handler)
    {
        ArgumentNullException.ThrowIfNull(ip);
        ArgumentNullException.ThrowIfNull(tcp);
        ArgumentNullException.ThrowIfNull(udp);
        if (ip.Link is not null) throw new ArgumentException("The transparent stack runs on bare IP packets: the IP endpoint must have no Ethernet endpoint.", nameof(ip));
        if (tcp.Ip != ip) throw new ArgumentException("The TCP endpoint must run over the IP endpoint given.", nameof(tcp));
        _ip = ip;
        _tcp = tcp;
        _udp = udp;
        _handler = handler;
        _layers = new(ip, new(new(tcp, new TransparentTcp<THandler>(this)), new(udp, new TransparentUdp<THandler>(this)), default));
    }

    /// <summary>
    /// A stack with endpoints made here: IPv4 and IPv6 taken at any address, <paramref name="connections"/> TCP slots,
    /// the given <paramref name="mtu"/>, reassembly of 4 datagrams, a fragmenter and a path MTU table, keys from the
    /// OS random generator.
    /// </summary>
    public TransparentStack(THandler handler, int connections, Instant start, int mtu = 1500)
        : this(MakeIp(mtu), connections, start, handler)
    {
    }

    private TransparentStack(IpEndpoint ip, int connections, Instant start, THandler handler)
        : this(ip, new TcpEndpoint(ip, connections, SipHash.WithRandomKey(), start: start), new UdpEndpoint(), handler)
    {
    }

    private static IpEndpoint MakeIp(int mtu) => new(null, mtu, 1, new RouteTable(1), null)
    {
        AcceptAny = IpFamilies.All,
        Reassembler = new Reassembler(new byte[4 * Reassembler.LargestUsefulSlot], Reassembler.LargestUsefulSlot),
        Fragmenter = new Fragmenter(new byte[ushort.MaxValue]),
        PathMtu = new PathMtuTable(256, SipHash.WithRandomKey()),
    };

    /// <summary>The IP state: addresses (none needed), <see cref="IpEndpoint.AcceptAny"/>, path MTUs, counters.</summary>
    public IpEndpoint Ip => _ip;
    /// <summary>The TCP state: connection info (<see cref="TcpEndpoint.GetInfo"/> with a flow's key), options, counters.</summary>
    public TcpEndpoint Tcp => _tcp;
    /// <summary>The UDP state: counters (bound ports matter only for addresses of the IP endpoint's own).</summary>
    public UdpEndpoint Udp => _udp;
    /// <summary>
    /// The options connections accepted through <see cref="ITransparentHandler.TryAccept"/> start with (Nagle, keep-alive,
    /// congestion control); change a live one with <see cref="TcpEndpoint.Configure"/>.
    /// </summary>
    public TcpConnectionOptions AcceptOptions { get; set; } = new();

    /// <summary>The handler, by reference.</summary>
    public ref THandler Handler => ref _handler;

    /// <summary>
    /// Hands in one received IP packet (IPv4 or IPv6, no link header): the first <paramref name="length"/> bytes of
    /// <paramref name="buffer"/>, whose whole length the stack may use to answer in place (give it room for an MTU-sized
    /// packet). Data and events go to the handler during the call; an answer written in place goes to
    /// <see cref="ITransparentHandler.Transmit"/> first, then whatever else became due (data, window updates) in lent
    /// buffers. Malformed or unwanted packets are counted and dropped. False, and the packet untouched, when called from
    /// inside a handler callback or with a length beyond the buffer.
    /// </summary>
    public bool Receive(Span<byte> buffer, int length, Instant now)
    {
        if (_inLayers || (uint)length > (uint)buffer.Length) return false;
        var verdict = PacketVerdict.None;
        _inLayers = true;
        try
        {
            _layers.Receive(new RawPacket(buffer, length, now, ref verdict));
        }
        finally
        {
            _inLayers = false;
        }
        if (verdict.SendLength >= 0) _handler.Transmit(buffer[..verdict.SendLength]);
        Flush(now);
        return true;
    }

    /// <summary>
    /// Sends <paramref name="data"/> on <paramref name="flow"/>. TCP: copies what fits into the connection's send ring
    /// (<paramref name="sent"/>; the rest waits for a <see cref="TcpEvents.Writable"/> event) and sends what the windows
    /// allow, now. UDP: one datagram from the flow's local end (any address) to its remote end, written into a lent
    /// buffer (fragmented when larger than the path MTU). False for a TCP flow that is gone or closed for sending, or a
    /// datagram that could not be sent (no buffer lent, too large, the transmit buffer busy).
    /// </summary>
    public bool TrySend(in Flow flow, ReadOnlySpan<byte> data, Instant now, out int sent)
    {
        sent = 0;
        if (flow.IsTcp)
        {
            if (_tcp.Write(flow.Key, data, out sent) != TcpStatus.Ok) return false;
        }
        else if (flow.Protocol != IpProtocol.Udp || !SendDatagram(flow, data, now)) return false;
        else sent = data.Length;
        if (!_inLayers) Flush(now);
        return true;
    }

    /// <summary>
    /// Opens a TCP connection from <paramref name="local"/> (any address in transparent mode, or unspecified for one the
    /// IP endpoint picks; port 0 for an ephemeral one) to <paramref name="remote"/>. The handler hears
    /// <see cref="TcpEvents.Connected"/>, or <see cref="TcpEvents.Reset"/> / <see cref="TcpEvents.TimedOut"/> with
    /// <see cref="TcpEvents.Closed"/>. The statuses of <see cref="TcpEndpoint.Connect"/>.
    /// </summary>
    public TcpStatus Connect(TransportAddress local, TransportAddress remote, TcpBuffers buffers, Instant now, out Flow flow,
        TcpConnectionOptions options = default)
    {
        IpAddress? address = local.Address.IsUnspecified ? null : local.Address;
        var status = _tcp.Connect(remote, buffers, now, out var key, options, local.Port, address);
        flow = status == TcpStatus.Ok ? new Flow(IpProtocol.Tcp, _tcp.TupleOf(key), key) : default;
        if (status == TcpStatus.Ok && !_inLayers) Flush(now);
        return status;
    }

    /// <summary>Half-closes a TCP flow: a FIN follows the data sent; its data keeps coming until the peer closes too.</summary>
    public TcpStatus Close(in Flow flow, Instant now)
    {
        if (!flow.IsTcp) return TcpStatus.InvalidArgument;
        var status = _tcp.Close(flow.Key);
        if (status == TcpStatus.Ok && !_inLayers) Flush(now);
        return status;
    }

    /// <summary>Resets a TCP flow (RST now); its key is stale at once and no further event comes for it.</summary>
    public TcpStatus Abort(in Flow flow, Instant now)
    {
        if (!flow.IsTcp) return TcpStatus.InvalidArgument;
        var status = _tcp.Abort(flow.Key);
        if (status == TcpStatus.Ok && !_inLayers) Flush(now);
        return status;
    }

    /// <summary>
    /// Offers a TCP flow's buffered bytes to <see cref="ITransparentHandler.Data"/> again (after it took less than offered
    /// and has room now), then sends the window update that taking them may allow. False for a flow that is gone.
    /// </summary>
    public bool Resume(in Flow flow, Instant now)
    {
        if (!flow.IsTcp || _tcp.StateOf(flow.Key) == TcpState.Closed) return false;
        Offer(flow);
        if (!_inLayers) Flush(now);
        return true;
    }

    /// <summary>
    /// Runs what is due at <paramref name="now"/> — retransmissions, delayed ACKs, keep-alives, TIME-WAIT ends, queued
    /// data — into lent buffers, and returns when to call again (<see cref="Instant.Never"/> for no timer; a time not
    /// after <paramref name="now"/> when packets wait for a transmit buffer).
    /// </summary>
    public Instant Poll(Instant now)
    {
        if (!_inLayers) Flush(now);
        return _layers.NextDeadline();
    }

    // The layers' transmit turn, one lent buffer at a time, until they have nothing more or the handler no buffer.
    private void Flush(Instant now)
    {
        _inLayers = true;
        try
        {
            while (true)
            {
                var buffer = _handler.TransmitBuffer();
                if (buffer.IsEmpty) return;
                var verdict = PacketVerdict.None;
                _bufferLent = true;
                _layers.Send(new RawPacket(buffer, 0, now, ref verdict));
                _bufferLent = false;
                if (verdict.SendLength < 0) return;
                _handler.Transmit(buffer[..verdict.SendLength]);
            }
        }
        finally
        {
            _bufferLent = false;
            _inLayers = false;
        }
    }

    // A datagram from the flow's local end (pinned: the original destination) written straight into a lent buffer.
    private bool SendDatagram(in Flow flow, ReadOnlySpan<byte> data, Instant now)
    {
        if (_bufferLent) return false;
        var buffer = _handler.TransmitBuffer();
        if (buffer.IsEmpty) return false;
        var verdict = PacketVerdict.None;
        var exchange = new IpExchange();
        var ip = new IpPacket(new LinkFrame(new RawPacket(buffer, 0, now, ref verdict), null, default, false), _ip, ref exchange, default);
        if (!new UdpPacket(ip, _udp).TrySend(flow.Local, flow.Remote, data)) return false;
        // Larger than the path MTU it went to the fragmenter instead: its fragments leave with the next transmit turn.
        if (verdict.SendLength >= 0) _handler.Transmit(buffer[..verdict.SendLength]);
        return true;
    }

    // Offers the connection's received bytes in place and releases what the handler took.
    private void Offer(in Flow flow)
    {
        if (_offering || _tcp.Peek(flow.Key, out var first, out var second) != TcpStatus.Ok || first.IsEmpty) return;
        _offering = true;
        int taken;
        try
        {
            taken = Math.Clamp(_handler.Data(flow, first), 0, first.Length);
            if (taken == first.Length && !second.IsEmpty) taken += Math.Clamp(_handler.Data(flow, second), 0, second.Length);
        }
        finally
        {
            _offering = false;
        }
        if (taken > 0) _tcp.Consume(flow.Key, taken); // stale if the handler aborted the flow meanwhile: nothing to release
    }

    internal void OnOpen(TcpOpen open)
    {
        if (open.Kind == TcpOpenKind.Connected)
        {
            OnEvents(open.Key, TcpEvents.Connected);
            return;
        }
        // A listener of the caller's own on the TCP endpoint: asked like any other connection request.
        var flow = new Flow(IpProtocol.Tcp, open.Tuple, default);
        if (_tcp.Count >= _tcp.Capacity || !_handler.TryAccept(flow, out var buffers))
        {
            open.Refuse();
            return;
        }
        bool accepted = open.Accept(buffers, AcceptOptions, out var key) == TcpStatus.Ok;
        _handler.Accepted(flow with { Key = key });
        if (!accepted) open.Refuse();
    }

    internal void OnStray(TcpStray stray)
    {
        // Anything but a connection request without a connection is answered with a RST by the layer (RFC 9293 §3.10.7.1).
        if (!stray.IsConnectionRequest || _tcp.Count >= _tcp.Capacity) return;
        var flow = new Flow(IpProtocol.Tcp, stray.Tuple, default);
        if (!_handler.TryAccept(flow, out var buffers)) return;
        stray.Accept(buffers, AcceptOptions, out var key);
        _handler.Accepted(flow with { Key = key }); // none when refused: the layer answers the SYN with a RST
    }

    internal void OnEvents(SlotKey key, TcpEvents events)
    {
        var flow = new Flow(IpProtocol.Tcp, _tcp.TupleOf(key), key);
        if ((events & TcpEvents.Readable) != 0) Offer(flow);
        events &= ~TcpEvents.Readable;
        if (events != TcpEvents.None) _handler.Events(flow, events);
    }

    internal void OnDatagram(UdpPacket packet)
    {
        var flow = new Flow(IpProtocol.Udp, new FourTuple(packet.Destination, packet.Source), default);
        _handler.Data(flow, packet.Payload);
    }
}
