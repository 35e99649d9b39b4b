namespace Ethox.Layer;

/// <summary>
/// A receiver of packets of type <typeparamref name="TPacket"/>, usually a <c>ref struct</c> view over a
/// buffer that is lent only for the duration of the call. Layers are generic over the receiver above
/// them so that the JIT specialises the whole path for value-type handlers.
/// </summary>
public interface IRecv<TPacket> where TPacket : allows ref struct
{
    /// <summary>Handles one packet. The handler may rewrite it in place and ask for it to be sent.</summary>
    void Receive(TPacket packet);
}

/// <summary>
/// A producer of packets: the layer below lends an empty <typeparamref name="TPacket"/> and the sender
/// fills it (or leaves it unsent).
/// </summary>
public interface ISend<TPacket> where TPacket : allows ref struct
{
    /// <summary>Fills one packet.</summary>
    void Send(TPacket packet);
}

/// <summary>
/// A layer with timers of its own (retransmission, delayed acknowledgement, persist, keep-alive, TIME-WAIT,
/// resolution, reassembly). Every layer reports its next deadline and the layer below combines it with
/// its own, so one call on the bottom layer tells the caller when to poll next.
/// </summary>
public interface ITimed
{
    /// <summary>
    /// When this layer next wants a transmit call even if nothing arrives; <see cref="Instant.Never"/> for none.
    /// A deadline in the past means "now". Cheap and side-effect free: called after every poll.
    /// </summary>
    Instant NextDeadline();
}
