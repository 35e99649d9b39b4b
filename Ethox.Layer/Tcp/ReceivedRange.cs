namespace Ethox.Layer.Tcp;

/// <summary>
/// A range of received bytes [<see cref="Start"/>, <see cref="End"/>), counted in bytes after RCV.NXT: an
/// out-of-order block that a SACK option reports (RFC 2018 §3) once offset by RCV.NXT.
/// </summary>
/// <param name="Start">The first byte of the range, relative to RCV.NXT.</param>
/// <param name="End">One past the last byte of the range, relative to RCV.NXT.</param>
public readonly record struct ReceivedRange(int Start, int End)
{
    /// <summary>The number of bytes in the range.</summary>
    public int Length => End - Start;
}
