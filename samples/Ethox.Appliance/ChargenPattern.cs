using System;

namespace Ethox.Appliance;

/// <summary>
/// The character generator stream of RFC 864: lines of 72 printable ASCII characters (the 95 from space to
/// '~'), each line starting one character further on, ended by CR LF. The stream repeats after 95 lines, so
/// one period (7030 bytes) is built once and every offset is a slice of it: the chargen service and
/// <c>GET /bytes/N</c> write straight from here into the send ring, and a test computes the same bytes.
/// </summary>
internal static class ChargenPattern
{
    private const int LineChars = 72, Printable = 95, LineLength = LineChars + 2;

    /// <summary>Bytes after which the stream repeats.</summary>
    public const int Period = Printable * LineLength;

    private static readonly byte[] s_period = Build();

    private static byte[] Build()
    {
        var bytes = new byte[Period];
        for (int line = 0; line < Printable; line++)
        {
            var row = bytes.AsSpan(line * LineLength, LineLength);
            for (int i = 0; i < LineChars; i++) row[i] = (byte)(' ' + (line + i) % Printable);
            row[LineChars] = (byte)'\r';
            row[LineChars + 1] = (byte)'\n';
        }
        return bytes;
    }

    /// <summary>The stream from <paramref name="offset"/> to the end of its period (at least one byte).</summary>
    public static ReadOnlySpan<byte> From(long offset) => s_period.AsSpan((int)(offset % Period));

    /// <summary>Copies the stream from <paramref name="offset"/> into <paramref name="destination"/>.</summary>
    public static void Fill(long offset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            var piece = From(offset);
            int n = Math.Min(piece.Length, destination.Length);
            piece[..n].CopyTo(destination);
            destination = destination[n..];
            offset += n;
        }
    }
}
