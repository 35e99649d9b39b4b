using System;
using System.Buffers.Binary;
using System.Diagnostics;
using Ethox.Layer;
using Ethox.Tests.Tools;
using Ethox.Wire;
using NUnit.Framework;

namespace Ethox.Tests.Nic;

/// <summary>Preconditions and names for tests that use the Linux kernel as the peer.</summary>
internal static class Kernel
{
    /// <summary>Our Ethernet address in the tests: locally administered, never the address of a kernel interface.</summary>
    public static readonly EthernetAddress OurMac = new(0x02, 0x00, 0x5E, 0x10, 0x00, 0x03);

    public static void RequireRoot()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("Linux only");
        if (!Environment.IsPrivilegedProcess) Assert.Ignore("needs root (CAP_NET_ADMIN and CAP_NET_RAW)");
    }

    /// <summary>An interface name unique to this process: exnic&lt;pid&gt;&lt;tag&gt; (at most 15 bytes).</summary>
    public static string Name(string tag) => $"exnic{Environment.ProcessId}{tag}";

    /// <summary>The start of the name of every network namespace the tests of this process create: ethoxnic-&lt;pid&gt;-.</summary>
    public static string NamespacePrefix => $"ethoxnic-{Environment.ProcessId}-";

    /// <summary>
    /// Deletes every network namespace named with this process's <see cref="NamespacePrefix"/>, and with it the veth
    /// ends inside and their other ends: what a test that failed to clean up left behind. For the end of the run.
    /// </summary>
    public static void SweepLeftovers()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess || Tool.Find("ip") is null) return;
        foreach (string line in Tool.Run("ip", "netns", "list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = line.Split(' ')[0];
            if (name.StartsWith(NamespacePrefix, StringComparison.Ordinal)) Tool.Try("ip", "netns", "del", name);
        }
    }

    /// <summary>Turns IPv6 off on an interface of the current namespace, so that the kernel sends nothing on its own.</summary>
    public static void Quiet(string iface) => Tool.Must("sysctl", "-q", "-w", $"net.ipv6.conf.{iface}.disable_ipv6=1");

    /// <summary>Receives with <paramref name="receiver"/> until it says it is done or <paramref name="seconds"/> pass.</summary>
    public static void ReceiveUntil<TDevice, TRecv>(TDevice device, Func<Duration, bool> waitReadable, ref TRecv receiver, Func<TRecv, bool> done, double seconds = 5)
        where TDevice : IDevice where TRecv : IRecv<RawPacket>
    {
        var clock = Stopwatch.StartNew();
        while (!done(receiver) && clock.Elapsed.TotalSeconds < seconds)
            if (waitReadable(Duration.FromMilliseconds(50))) device.Receive(16, ref receiver, Instant.Now);
    }
}

/// <summary>
/// A veth pair: one end (<see cref="Outer"/>) in this process's namespace, up, with no address and IPv6 off;
/// the other (<see cref="Inner"/>) in a namespace of its own with 198.18.0.2/24. Deleted by Dispose.
/// </summary>
internal sealed class VethNamespace : IDisposable
{
    public const string InnerAddress = "198.18.0.2";
    public const string OurAddress = "198.18.0.3";

    public string Namespace { get; }
    public string Outer { get; }
    public string Inner { get; }

    private VethNamespace(string tag)
    {
        Namespace = Kernel.NamespacePrefix + tag;
        Outer = Kernel.Name(tag + "a");
        Inner = Kernel.Name(tag + "b");
    }

    public static VethNamespace Create(string tag)
    {
        var v = new VethNamespace(tag);
        try
        {
            Tool.Must("ip", "netns", "add", v.Namespace);
            Tool.Must("ip", "link", "add", v.Outer, "type", "veth", "peer", "name", v.Inner, "netns", v.Namespace);
            Kernel.Quiet(v.Outer);
            Tool.Must("ip", "link", "set", v.Outer, "up");
            v.Exec("sysctl", "-q", "-w", $"net.ipv6.conf.{v.Inner}.disable_ipv6=1");
            v.Exec("ip", "addr", "add", InnerAddress + "/24", "dev", v.Inner);
            v.Exec("ip", "link", "set", v.Inner, "up");
            v.Exec("ip", "link", "set", "lo", "up");
            // A veth end passes frames only once the kernel has seen both ends up, which on a loaded machine can come a
            // moment after "ip link set up" returns; frames sent before that are lost (a test's first ARP requests were).
            Ethox.Tests.Appliance.Shell.WaitForLink(v.Namespace, v.Inner);
            Ethox.Tests.Appliance.Shell.WaitForLink(null, v.Outer);
            return v;
        }
        catch
        {
            v.Dispose();
            throw;
        }
    }

    /// <summary>Runs a command inside the namespace; it must succeed.</summary>
    public string Exec(params string[] command) => Tool.Must("ip", Tool.InNamespace(Namespace, command));

    public void Dispose()
    {
        Tool.Try("ip", "netns", "del", Namespace); // takes the inner end, and with it the outer one
        Tool.Try("ip", "link", "del", Outer);
    }
}

/// <summary>Frames written by hand for the kernel tests (RFC 826 ARP, RFC 791 IPv4, RFC 792 ICMP echo).</summary>
internal static class TestFrames
{
    public static Ipv4Address Ip(string text) => Ipv4Address.Parse(text);

    /// <summary>An ARP request "who has <paramref name="target"/>, tell <paramref name="sender"/>" in a broadcast frame, padded to 60 bytes.</summary>
    public static int ArpRequest(Span<byte> f, EthernetAddress mac, Ipv4Address sender, Ipv4Address target)
    {
        f[..60].Clear();
        EthernetAddress.Broadcast.WriteTo(f);
        mac.WriteTo(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], (ushort)EtherType.Arp);
        BinaryPrimitives.WriteUInt16BigEndian(f[14..], 1);      // hardware: Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(f[16..], 0x0800); // protocol: IPv4
        f[18] = 6;
        f[19] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(f[20..], 1);      // request
        mac.WriteTo(f[22..]);
        BinaryPrimitives.WriteUInt32BigEndian(f[28..], sender.Value);
        BinaryPrimitives.WriteUInt32BigEndian(f[38..], target.Value);
        return 60;
    }

    /// <summary>True for an ARP reply from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool IsArpReply(ReadOnlySpan<byte> f, Ipv4Address from, Ipv4Address to)
        => f.Length >= 42 && BinaryPrimitives.ReadUInt16BigEndian(f[12..]) == (ushort)EtherType.Arp
           && BinaryPrimitives.ReadUInt16BigEndian(f[20..]) == 2
           && BinaryPrimitives.ReadUInt32BigEndian(f[28..]) == from.Value
           && BinaryPrimitives.ReadUInt32BigEndian(f[38..]) == to.Value;

    /// <summary>An IPv4 ICMP echo request with 32 bytes of data; returns its length.</summary>
    public static int EchoRequest(Span<byte> p, Ipv4Address source, Ipv4Address destination, ushort id, ushort sequence)
    {
        const int length = 20 + 8 + 32;
        p[..length].Clear();
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p[2..], length);
        BinaryPrimitives.WriteUInt16BigEndian(p[4..], sequence);
        p[8] = 64;
        p[9] = (byte)IpProtocol.Icmp;
        BinaryPrimitives.WriteUInt32BigEndian(p[12..], source.Value);
        BinaryPrimitives.WriteUInt32BigEndian(p[16..], destination.Value);
        BinaryPrimitives.WriteUInt16BigEndian(p[10..], Checksum.Compute(p[..20]));
        var icmp = p[20..length];
        icmp[0] = 8;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], sequence);
        for (int i = 8; i < icmp.Length; i++) icmp[i] = (byte)i;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum.Compute(icmp));
        return length;
    }

    /// <summary>The same wrapped in an Ethernet frame to <paramref name="to"/>.</summary>
    public static int EchoRequestFrame(Span<byte> f, EthernetAddress from, EthernetAddress to, Ipv4Address source, Ipv4Address destination, ushort id, ushort sequence)
    {
        to.WriteTo(f);
        from.WriteTo(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], (ushort)EtherType.Ipv4);
        return 14 + EchoRequest(f[14..], source, destination, id, sequence);
    }

    /// <summary>True for an IPv4 packet holding an ICMP message of <paramref name="type"/> from <paramref name="from"/> to <paramref name="to"/> with a verified checksum.</summary>
    public static bool IsIcmp(ReadOnlySpan<byte> p, byte type, Ipv4Address from, Ipv4Address to, out ushort sequence)
    {
        sequence = 0;
        if (p.Length < 28 || p[0] >> 4 != 4 || p[9] != (byte)IpProtocol.Icmp) return false;
        int ihl = (p[0] & 15) * 4, total = BinaryPrimitives.ReadUInt16BigEndian(p[2..]);
        if (total > p.Length || total < ihl + 8) return false;
        var icmp = p[ihl..total];
        sequence = BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]);
        return icmp[0] == type && BinaryPrimitives.ReadUInt32BigEndian(p[12..]) == from.Value
               && BinaryPrimitives.ReadUInt32BigEndian(p[16..]) == to.Value && Checksum.Verify(icmp);
    }

    /// <summary>Turns an Ethernet frame holding an ICMP echo request into the echo reply, in place (RFC 792: swap addresses, type 0, new checksum).</summary>
    public static bool AnswerEcho(Span<byte> f, EthernetAddress ours)
    {
        if (f.Length < 42 || BinaryPrimitives.ReadUInt16BigEndian(f[12..]) != (ushort)EtherType.Ipv4) return false;
        var ip = f[14..];
        if (ip[0] >> 4 != 4 || ip[9] != (byte)IpProtocol.Icmp) return false;
        int ihl = (ip[0] & 15) * 4, total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (total > ip.Length || total < ihl + 8 || ip[ihl] != 8) return false;
        f[6..12].CopyTo(f);
        ours.WriteTo(f[6..]);
        Span<byte> source = stackalloc byte[4];
        ip[12..16].CopyTo(source);
        ip[16..20].CopyTo(ip[12..]);
        source.CopyTo(ip[16..]);
        var icmp = ip[ihl..total];
        icmp[0] = 0;
        icmp[2] = icmp[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum.Compute(icmp));
        return true;
    }
}

/// <summary>Sends one ARP request per call (while <see cref="Remaining"/> is positive).</summary>
internal struct ArpRequester(EthernetAddress mac, Ipv4Address sender, Ipv4Address target, int count) : ISend<RawPacket>
{
    public int Remaining = count;

    public void Send(RawPacket packet)
    {
        if (Remaining <= 0) return;
        packet.Send(TestFrames.ArpRequest(packet.Capacity, mac, sender, target));
        Remaining--;
    }
}

/// <summary>Counts ARP replies from one address to another, and frames sent by <see cref="Kernel.OurMac"/> (which must never come back).</summary>
internal struct ArpReplyCounter(Ipv4Address from, Ipv4Address to) : IRecv<RawPacket>
{
    public int Replies, OwnFrames, Others;

    public void Receive(RawPacket packet)
    {
        var f = packet.Frame;
        if (f.Length >= 12 && EthernetAddress.Read(f[6..]) == Kernel.OurMac) OwnFrames++;
        else if (TestFrames.IsArpReply(f, from, to)) Replies++;
        else Others++;
    }
}
