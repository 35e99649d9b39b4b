namespace Ethox.Nic;

/// <summary>What a <see cref="FaultInjector{TDevice}"/> did to the frames of one direction. A plain value, read without allocation.</summary>
public struct FaultCounters
{
    internal long offered, delivered, dropped, rateLimited, corrupted, duplicated, reordered, delayed, queueFull;

    /// <summary>Frames that entered the injector in this direction.</summary>
    public readonly long Offered => offered;
    /// <summary>Frames that left it (to the receiver, or to the wrapped device), duplicates included.</summary>
    public readonly long Delivered => delivered;
    /// <summary>Frames lost on purpose (<see cref="FaultSettings.DropProbability"/>).</summary>
    public readonly long Dropped => dropped;
    /// <summary>Frames dropped by the token bucket.</summary>
    public readonly long RateLimited => rateLimited;
    /// <summary>Frames with a bit flipped.</summary>
    public readonly long Corrupted => corrupted;
    /// <summary>Extra copies made.</summary>
    public readonly long Duplicated => duplicated;
    /// <summary>Frames held back to be delivered after the next one.</summary>
    public readonly long Reordered => reordered;
    /// <summary>Frames delayed by <see cref="FaultSettings.Delay"/>.</summary>
    public readonly long Delayed => delayed;
    /// <summary>Frames lost because the injector's queue was full (an answer in place with no room to wait in).</summary>
    public readonly long QueueFull => queueFull;

    /// <inheritdoc/>
    public override readonly string ToString()
        => $"offered {offered}, delivered {delivered}, dropped {dropped}, rate-limited {rateLimited}, corrupted {corrupted}, "
         + $"duplicated {duplicated}, reordered {reordered}, delayed {delayed}, queue full {queueFull}";
}
