using System.Runtime.CompilerServices;

namespace Ethox.Layer.Tcp;

// What one connection slot costs in memory (the "state per connection"), so the figure in the docs
// is measured by the code that allocates it rather than added up by hand.
public sealed partial class TcpEndpoint
{
    /// <summary>
    /// The bytes of state each connection slot costs, its send and receive rings excluded (those are the user's): the
    /// transmission control block (with the rings' positions and their 4-byte handle), the slot's packed four-tuple and two
    /// hash buckets in the <see cref="ConnectionTable"/>, its <see cref="SlotMap"/> entry (generation and the links of the
    /// free list, the ready queue and the TIME-WAIT queue, one list at a time), and its <see cref="TimerWheel"/> links,
    /// deadline and share of a bucket (one per 8 slots); its orphan mark (one bit, <see cref="Orphan"/>) is the eighth of a
    /// byte left out. Exact (to that eighth) for a capacity that is a power of two from 8192 to 524,288,
    /// where the endpoint grows by this much per slot; other capacities round the hash table up to the next power of two
    /// (up to 8 bytes a slot more), and outside that range the wheel has 1024 buckets (a fixed 8 KiB) or 65,536. All of it
    /// is allocated at construction.
    /// </summary>
    public static int StateBytesPerConnection =>
        ControlBlockBytes
        + ConnectionTable.BytesPerSlot
        + SlotMap.BytesPerSlot
        + TimerWheel.BytesPerSlot + TimerWheel.BytesPerBucket / SlotsPerTimerBucket;

    /// <summary>The transmission control block alone: the part of <see cref="StateBytesPerConnection"/> that is per-connection protocol state.</summary>
    public static int ControlBlockBytes => Unsafe.SizeOf<TcpConnection>();
}
