using Ethox.Wire;

namespace Ethox.Layer.Common;

/// <summary>Malformed input counted by kind, so an operator sees what was wrong and not only how much.</summary>
public struct WireErrorCounts
{
    /// <summary>Cut short: a length field points past the data.</summary>
    public long Truncated;
    /// <summary>A field has a value the format forbids.</summary>
    public long Malformed;
    /// <summary>A checksum did not verify.</summary>
    public long BadChecksum;
    /// <summary>Valid but not handled (a version, type or option we do not implement).</summary>
    public long Unsupported;
    /// <summary>Any other failure.</summary>
    public long Other;

    /// <summary>Counts one error.</summary>
    public void Count(WireError error)
    {
        switch (error)
        {
            case WireError.Truncated: Truncated++; break;
            case WireError.Malformed: Malformed++; break;
            case WireError.BadChecksum: BadChecksum++; break;
            case WireError.Unsupported: Unsupported++; break;
            default: Other++; break;
        }
    }

    /// <summary>All kinds together.</summary>
    public readonly long Total => Truncated + Malformed + BadChecksum + Unsupported + Other;
}
