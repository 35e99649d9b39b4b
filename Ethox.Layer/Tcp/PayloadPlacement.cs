namespace Ethox.Layer.Tcp;

/// <summary>Where a received segment's in-order payload goes before the state machine takes it (see <see cref="TcpEndpoint.PlacementFor"/>).</summary>
internal enum PayloadPlacement : byte
{
    /// <summary>The general path: <see cref="ReceiveRing.Write"/> copies whatever of it the window keeps.</summary>
    None,
    /// <summary>
    /// Copied already into the receive ring's room at RCV.NXT while its checksum was verified: taking it in is a matter of
    /// counting it.
    /// </summary>
    Placed,
    /// <summary>
    /// Left in the frame: the ring was empty, so the user reads the bytes in place while it hears of them
    /// (<see cref="LentPayload"/>), and only what it leaves unread is copied into the ring afterwards.
    /// </summary>
    InFrame,
}
