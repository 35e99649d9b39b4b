using System;

namespace Ethox.Layer.Tcp;

// In-order data read by the user straight from its frame (see LentPayload): the endpoint's side of the loan.
public sealed partial class TcpEndpoint
{
    private LentPayload _lent = LentPayload.None;

    /// <summary>True from the state machine taking a segment's data in place until <see cref="TakeBackLent"/>.</summary>
    internal bool HasLentPayload => _lent.IsTaken;

    /// <summary>Where the lent bytes are: the TCP layer pins the frame for the user's callback and says so here.</summary>
    internal unsafe void PinLent(byte* bytes) => _lent.Pin(bytes);

    /// <summary>
    /// The callback is over: what the user left unread of the lent payload is copied into the room its ring kept for it,
    /// at the read position, and the frame may go.
    /// </summary>
    internal void TakeBackLent()
    {
        if (!_lent.IsTaken) return;
        ref var c = ref _connections[_lent.Slot];
        c.Receive.Fill(ReceiveBuffer(c), _lent.Unread(c.Receive.Readable));
        _lent = LentPayload.None;
    }

    /// <summary>A slot being freed (the user aborted in its callback) has nothing lent any more.</summary>
    private void ForgetLent(int slot)
    {
        if (_lent.Slot == slot) _lent = LentPayload.None;
    }

    /// <summary>The readable bytes of <paramref name="slot"/> in order: from the frame while they are lent, else from the ring (two pieces when they wrap).</summary>
    private void GetReadable(int slot, in TcpConnection c, out ReadOnlySpan<byte> first, out ReadOnlySpan<byte> second)
    {
        if (_lent.Slot == slot)
        {
            first = _lent.Unread(c.Receive.Readable);
            second = default;
        }
        else c.Receive.GetReadable(ReceiveBuffer(c), out first, out second);
    }
}
