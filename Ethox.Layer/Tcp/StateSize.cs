using System.Runtime.CompilerServices;

namespace Ethox.Layer.Tcp;

// What one connection slot costs in memory (the "state per connection"), so the figure in the docs
// is measured by the code that allocates it rather than added up by hand.
public sealed partial class TcpEndpoint
{
    /// <summary>
    /// The bytes of state each connection slot costs, its send and receive rings excluded (those are the user's):
    /// the transmission control block, the slot's four-tuple and two hash buckets in the <see cref="ConnectionTable"/>,
    /// its <see cref="SlotMap"/> entry (generation and the links of the free list, the ready queue and the TIME-WAIT
    /// queue, one list at a time), and its <see cref="TimerWheel"/> links, deadline and bucket. Exact for a capacity that is a power of two from 1024
    /// to 65536, where the endpoint grows by this much per slot; other capacities round the hash table up to the next
    /// power of two (up to 16 bytes a slot more), and below 1024 slots the wheel's 1024 buckets are a fixed 8 KiB instead.
    /// All of it is allocated at construction.
    /// </summary>
    public static int StateBytesPerConnection =>
        ControlBlockBytes
        + ConnectionTable.BytesPerSlot
        + SlotMap.BytesPerSlot
        + TimerWheel.BytesPerSlot + TimerWheel.BytesPerBucket / SlotsPerTimerBucket;

    /// <summary>The transmission control block alone: the part of <see cref="StateBytesPerConnection"/> that is per-connection protocol state.</summary>
    public static int ControlBlockBytes => Unsafe.SizeOf<TcpConnection>();
}
