using System;

namespace Ethox.Layer.Tcp;

/// <summary>
/// In-order data that stayed in its frame while the user hears of it. The receive ring was empty when the segment came,
/// so the ring counts the bytes as readable at its read position (room kept for them, contiguous), while the bytes
/// themselves are still only in the frame: reads during the callback take them from there, and when the callback
/// returns whatever the user left unread is copied into that room (<see cref="TcpEndpoint.TakeBackLent"/>). An
/// application that reads in the callback, as most do, so never has its data copied into the ring and out again.
/// The frame is pinned by the TCP layer for exactly that span (<see cref="TcpLayer{TUser}"/>); outside it no payload is lent.
/// </summary>
internal unsafe struct LentPayload
{
    private byte* _bytes;
    private int _length;

    /// <summary>The slot whose ring counts the lent bytes, or -1.</summary>
    public int Slot { get; private set; }

    /// <summary>Nothing lent.</summary>
    public static LentPayload None => new() { Slot = -1 };

    /// <summary>The ring of <paramref name="slot"/> took <paramref name="length"/> bytes that are still in the frame.</summary>
    public static LentPayload Taken(int slot, int length) => new() { Slot = slot, _length = length };

    /// <summary>True once the state machine took a payload in place and until it is taken back.</summary>
    public readonly bool IsTaken => Slot >= 0;

    /// <summary>Where the bytes are, once the layer has pinned the frame.</summary>
    public void Pin(byte* bytes) => _bytes = bytes;

    /// <summary>
    /// The last <paramref name="readable"/> bytes of the payload: what is unread of it when the ring's readable count is
    /// <paramref name="readable"/> (the ring held nothing else, and reading only ever takes from the front).
    /// </summary>
    public readonly ReadOnlySpan<byte> Unread(int readable)
    {
        int count = Math.Clamp(readable, 0, _length);
        return new ReadOnlySpan<byte>(_bytes + (_length - count), count);
    }
}
