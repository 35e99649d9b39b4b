namespace Ethox.Nic.Hosting;

/// <summary>
/// How a user-side object (a stream, a listener, a UDP socket) names its state on the host's thread: the index of its
/// entry and the entry's generation, so a handle kept after the entry was freed and reused is recognised as stale.
/// </summary>
internal readonly record struct HostHandle(int Index, int Generation);
