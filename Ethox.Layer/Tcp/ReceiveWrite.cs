namespace Ethox.Layer.Tcp;

/// <summary>What <see cref="ReceiveRing.Write"/> did with a segment's data.</summary>
/// <param name="Advanced">How far RCV.NXT moved: the in-order data plus the out-of-order bytes it joined up with.</param>
/// <param name="Stored">Bytes kept that were not held before.</param>
/// <param name="Duplicate">
/// Bytes received before: below RCV.NXT or already held out of order (what a D-SACK block reports, RFC 2883).
/// </param>
/// <param name="Dropped">True when the data was a new out-of-order island and the range table was full: nothing was kept.</param>
public readonly record struct ReceiveWrite(int Advanced, int Stored, int Duplicate, bool Dropped);
