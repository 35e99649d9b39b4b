using System;
using Ethox.Layer.Tcp;

namespace Ethox.Layer.Transparent;

/// <summary>
/// What a <see cref="TransparentStack{THandler}"/> calls: the flows' data and events out, transmit buffers in. Implement it
/// on a struct (the stack is generic over it, so the calls are direct and inlined). Each call runs on the thread that
/// called the stack, during that call; the spans are lent for the call only.
/// </summary>
/// <remarks>
/// From <see cref="Data"/> and <see cref="Events"/> the handler may call the stack's <c>TrySend</c>, <c>Close</c>,
/// <c>Abort</c> and <c>Resume</c>: TCP data goes into the connection's ring and leaves with the answer being built or
/// right after; a UDP datagram is written at once into a buffer from <see cref="TransmitBuffer"/>, except during a
/// <c>Poll</c>'s transmit (an event a timer raised), when that buffer is lent to the stack and the datagram is refused.
/// </remarks>
public interface ITransparentHandler
{
    /// <summary>
    /// A TCP connection request (a SYN) to <paramref name="flow"/>'s local address and port, any address in transparent
    /// mode. Return true with the connection's two rings in <paramref name="buffers"/> to accept it: the SYN-ACK answers
    /// from that address, and the flow's data and events follow with its key. Return false to refuse it: a RST answers
    /// (RFC 9293 §3.10.7.1). Not asked when every connection slot is taken (a RST answers then too).
    /// </summary>
    bool TryAccept(in Flow flow, out TcpBuffers buffers);

    /// <summary>
    /// Right after <see cref="TryAccept"/> said yes: the connection made with the buffers given, its
    /// <see cref="Flow.Key"/> set (keep it with the buffers, to take them back at <see cref="TcpEvents.Closed"/>); or
    /// <see cref="Flow.Key"/> none when the buffers were refused (empty rings), and they are yours again.
    /// </summary>
    void Accepted(in Flow flow);

    /// <summary>
    /// Received bytes of a flow. TCP: the next bytes of the stream, in order (possibly in two calls when the ring wraps);
    /// return how many you took: the rest stays in the connection's ring, its window closing, and is offered again with
    /// the next bytes or at <c>Resume</c>. UDP: one whole datagram to <paramref name="flow"/>'s local end (any address); the
    /// return value is ignored.
    /// </summary>
    int Data(in Flow flow, ReadOnlySpan<byte> data);

    /// <summary>
    /// Everything else that happens to a TCP flow, after its data: <see cref="TcpEvents.Connected"/>,
    /// <see cref="TcpEvents.Writable"/>, <see cref="TcpEvents.PeerClosed"/> (the peer's FIN: nothing more will arrive once
    /// the bytes offered are taken), <see cref="TcpEvents.Reset"/>, <see cref="TcpEvents.TimedOut"/>,
    /// <see cref="TcpEvents.Unreachable"/>, and <see cref="TcpEvents.Closed"/>, the last (the key is stale afterwards, the
    /// rings are free).
    /// </summary>
    void Events(in Flow flow, TcpEvents events);

    /// <summary>
    /// Lends a buffer for the next outgoing IP packet (a TUN write buffer, the data area of a DPDK mbuf): the stack writes
    /// the packet there and calls <see cref="Transmit"/>. The same buffer may be returned again until then. Empty when none
    /// is free now; the stack then stops sending, and the caller calls <c>Poll</c> once one is.
    /// </summary>
    Span<byte> TransmitBuffer();

    /// <summary>
    /// Sends <paramref name="packet"/>, a whole IP packet: at the start of the buffer last lent by <see cref="TransmitBuffer"/>,
    /// or at the start of the buffer given to <c>Receive</c> when the stack answered a packet in place (an ACK, a SYN-ACK,
    /// a RST written over the segment it answers).
    /// </summary>
    void Transmit(ReadOnlySpan<byte> packet);
}
