using Ethox.Layer.Arp;
using Ethox.Layer.Eth;
using Ethox.Layer.Icmp;
using Ethox.Layer.Ip;
using Ethox.Layer.Ndisc;
using Ethox.Layer.Tcp;
using Ethox.Layer.Udp;

namespace Ethox.Nic.Hosting;

/// <summary>
/// Every counter of a host's stack, copied at one moment on the host's thread (so they agree with each other):
/// Ethernet, IP, ARP, ICMP, NDISC, TCP, UDP, the host's own, and the bytes the host's thread has allocated.
/// </summary>
public readonly struct EthoxHostCounters
{
    internal EthoxHostCounters(EthernetCounters ethernet, in IpCounters ip, in ArpCounters arp, in IcmpCounters icmp, in NdiscCounters ndisc,
        in TcpCounters tcp, in UdpCounters udp, in HostCounters host, long loopThreadAllocatedBytes, int connections)
    {
        Ethernet = ethernet;
        Ip = ip;
        Arp = arp;
        Icmp = icmp;
        Ndisc = ndisc;
        Tcp = tcp;
        Udp = udp;
        Host = host;
        LoopThreadAllocatedBytes = loopThreadAllocatedBytes;
        Connections = connections;
    }

    /// <summary>Ethernet (zero on a bare-IP device).</summary>
    public EthernetCounters Ethernet { get; }
    /// <summary>IP.</summary>
    public IpCounters Ip { get; }
    /// <summary>ARP.</summary>
    public ArpCounters Arp { get; }
    /// <summary>ICMP.</summary>
    public IcmpCounters Icmp { get; }
    /// <summary>NDISC.</summary>
    public NdiscCounters Ndisc { get; }
    /// <summary>TCP.</summary>
    public TcpCounters Tcp { get; }
    /// <summary>UDP.</summary>
    public UdpCounters Udp { get; }
    /// <summary>The host's loop and facade.</summary>
    public HostCounters Host { get; }
    /// <summary>
    /// <see cref="System.GC.GetAllocatedBytesForCurrentThread"/> on the host's thread at the end of its last turn: how much the
    /// loop has allocated since it started. It stays still while traffic flows: the loop allocates nothing per packet.
    /// </summary>
    public long LoopThreadAllocatedBytes { get; }
    /// <summary>Connections with rings at this moment (open, closing, or established and not yet accepted).</summary>
    public int Connections { get; }
}
