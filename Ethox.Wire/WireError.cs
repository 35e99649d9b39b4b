namespace Ethox.Wire;

/// <summary>
/// Why a sequence of bytes could not be read as, or written into, a protocol unit.
/// Parsers return one of these instead of throwing: bad input is data.
/// </summary>
public enum WireError : byte
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>The buffer ends before the header or a length field says it should.</summary>
    Truncated,
    /// <summary>A field holds a value the format does not allow (bad length, bad version, bad option layout).</summary>
    Malformed,
    /// <summary>A checksum did not verify.</summary>
    BadChecksum,
    /// <summary>Well-formed, but a variant this library does not handle (unknown hardware type, unknown message).</summary>
    Unsupported,
    /// <summary>The caller's buffer is too small to hold what is to be emitted.</summary>
    BufferTooSmall,
    /// <summary>A chain (IPv6 extension headers, VLAN tags, options) is longer than the safety bound.</summary>
    TooLong,
}

/// <summary>Plain-words names for <see cref="WireError"/>, as used by the pretty-printer.</summary>
public static class WireErrorNames
{
    /// <summary>A short lower-case name: "truncated", "bad checksum", "malformed"…</summary>
    public static string Describe(this WireError error) => error switch
    {
        WireError.None => "ok",
        WireError.Truncated => "truncated",
        WireError.Malformed => "malformed",
        WireError.BadChecksum => "bad checksum",
        WireError.Unsupported => "unsupported",
        WireError.BufferTooSmall => "buffer too small",
        WireError.TooLong => "chain too long",
        _ => "error",
    };
}
