using System;
using Ethox.Layer;

namespace Ethox.Nic;

/// <summary>
/// The faults a <see cref="FaultInjector{TDevice}"/> applies to one direction. The default is a perfect
/// link. Each frame goes through, in order: drop, rate limit, corrupt, delay, duplicate, reorder.
/// </summary>
public readonly record struct FaultSettings
{
    /// <summary>A link that does nothing to frames.</summary>
    public static FaultSettings None => default;

    /// <summary>Probability that a frame is lost.</summary>
    public double DropProbability { get; init; }
    /// <summary>Probability that a frame is delivered twice (the copy right behind it).</summary>
    public double DuplicateProbability { get; init; }
    /// <summary>Probability that a frame is held back and delivered after the next one.</summary>
    public double ReorderProbability { get; init; }
    /// <summary>
    /// How long a frame held for reordering waits for a next frame before it is delivered anyway (released at
    /// the first call at or after that time). Zero: the next call releases it if no frame overtook it meanwhile.
    /// </summary>
    public Duration ReorderTimeout { get; init; }
    /// <summary>
    /// Probability that one random bit of a frame is flipped. A checksum left partial for an offload is finished first, and
    /// the frame loses the device's word for its checksum, so the flip is found as on a wire.
    /// </summary>
    public double CorruptProbability { get; init; }
    /// <summary>Every frame is delivered this long after it entered (at the first call at or after that time).</summary>
    public Duration Delay { get; init; }
    /// <summary>
    /// A token-bucket policer: frames beyond this many bytes per second (after a burst of <see cref="BurstBytes"/>)
    /// are dropped. Zero: no limit.
    /// </summary>
    public long RateBytesPerSecond { get; init; }
    /// <summary>The bucket size in bytes; it is never smaller than the largest frame (so that every frame can pass).</summary>
    public long BurstBytes { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for probabilities outside [0, 1] and negative durations or rates.</summary>
    public void Validate()
    {
        CheckProbability(DropProbability, nameof(DropProbability));
        CheckProbability(DuplicateProbability, nameof(DuplicateProbability));
        CheckProbability(ReorderProbability, nameof(ReorderProbability));
        CheckProbability(CorruptProbability, nameof(CorruptProbability));
        if (ReorderTimeout < Duration.Zero) throw new ArgumentOutOfRangeException(nameof(ReorderTimeout), "must not be negative");
        if (Delay < Duration.Zero) throw new ArgumentOutOfRangeException(nameof(Delay), "must not be negative");
        ArgumentOutOfRangeException.ThrowIfNegative(RateBytesPerSecond, nameof(RateBytesPerSecond));
        ArgumentOutOfRangeException.ThrowIfNegative(BurstBytes, nameof(BurstBytes));
    }

    private static void CheckProbability(double p, string name)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(name, p, "a probability is between 0 and 1");
    }
}
