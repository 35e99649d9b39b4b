using Ethox.Wire;

namespace Ethox.Appliance;

/// <summary>
/// How one of the <c>--queues</c> stacks joins the first: its index, the fanout group the first queue's socket created
/// (null for the first queue and on TAP), the first queue's Ethernet address (null for the first queue) and the iperf3
/// test the queues share (null for the first queue, which makes it, and without <c>--iperf</c>).
/// </summary>
internal readonly record struct QueueJoin(int Index, ushort? FanoutGroup, EthernetAddress? Mac, IperfTest? Iperf = null);
