using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using Ethox.Tests.Appliance;
using Ethox.Tests.Tools;
using NUnit.Framework;

namespace Ethox.Tests.Nic;

/// <summary>
/// A link that loses frames like a real one, for kernel tests that need loss (this kernel has no netem):
/// our end (<see cref="Outer"/>, in this process's namespace: up, no address, the kernel's IPv6 off unless asked)
/// ↔ veth ↔ a namespace of its own holding a Linux bridge (STP off, no forward delay, no multicast snooping, IPv6 off,
/// so it forwards at once and sends nothing itself) ↔ veth ↔ the peer namespace, whose <see cref="PeerInterface"/>
/// holds 198.18.0.2/24 and 2001:db8::2/64. <see cref="SetLoss"/> drops frames with a bridge-family nftables rule on
/// the forward hook, which needs no br_netfilter: to both kernels the loss is on the wire. A drop in the peer's own
/// output hook would not be: its TCP sees a local error and sends again at once. Dispose kills what
/// <see cref="Exec"/> started and deletes everything, also after a failure.
/// </summary>
internal sealed class BridgedNamespaces : IDisposable
{
    public const string PeerV4 = "198.18.0.2";
    public const string PeerV6 = "2001:db8::2";
    /// <summary>The peer's interface; a name in a namespace of the test's own cannot collide with anything.</summary>
    public const string PeerInterface = "eth0";

    private const string Bridge = "br0", TowardUs = "ours", TowardPeer = "theirs";
    private const string Table = "ethox_loss", Chain = "forward", Counter = "dropped";

    private readonly List<Process> _started = [];

    /// <summary>Our interface, in this process's namespace: exnic&lt;pid&gt;&lt;tag&gt;o.</summary>
    public string Outer { get; }
    public string BridgeNamespace { get; }
    public string PeerNamespace { get; }

    private BridgedNamespaces(string tag)
    {
        Outer = Kernel.Name(tag + "o");
        BridgeNamespace = $"{Kernel.NamespacePrefix}{tag}-bridge";
        PeerNamespace = $"{Kernel.NamespacePrefix}{tag}-peer";
    }

    /// <summary>
    /// Builds the rig; <paramref name="tag"/> (at most two characters) tells rigs of one process apart. Offloads stay at the
    /// kernel's defaults unless <paramref name="offloadsOff"/> switches checksum and segmentation offloads off on every veth
    /// end, so that the peer finishes its checksums and segments itself; <paramref name="ourIpv6"/> leaves the kernel's
    /// IPv6 on our end on.
    /// </summary>
    public static BridgedNamespaces Create(string tag, bool offloadsOff = false, bool ourIpv6 = false)
    {
        var rig = new BridgedNamespaces(tag);
        Assert.That(rig.Outer.Length, Is.LessThanOrEqualTo(15), "interface names have at most 15 bytes: use a shorter tag");
        rig.Delete(); // what a failed earlier test of this process may have left under the same names
        try
        {
            rig.Build(offloadsOff, ourIpv6);
            return rig;
        }
        catch
        {
            rig.Dispose();
            throw;
        }
    }

    private void Build(bool offloadsOff, bool ourIpv6)
    {
        Tool.Must("ip", "netns", "add", BridgeNamespace);
        Tool.Must("ip", "netns", "add", PeerNamespace);
        // Before any interface exists: the bridge and its ports must not send router solicitations or MLD reports.
        InBridge("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");

        Tool.Must("ip", "link", "add", Outer, "type", "veth", "peer", "name", TowardUs, "netns", BridgeNamespace);
        Run("ip", "link", "add", PeerInterface, "type", "veth", "peer", "name", TowardPeer, "netns", BridgeNamespace);

        // A dumb switch: no spanning tree, ports forward as soon as they are up, every multicast frame is flooded.
        InBridge("ip", "link", "add", Bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0", "mcast_snooping", "0");
        InBridge("ip", "link", "set", TowardUs, "master", Bridge);
        InBridge("ip", "link", "set", TowardPeer, "master", Bridge);
        foreach (var link in new[] { "lo", Bridge, TowardUs, TowardPeer }) InBridge("ip", "link", "set", link, "up");
        InBridge("nft", $"add table bridge {Table}; add counter bridge {Table} {Counter}; "
                        + $"add chain bridge {Table} {Chain} {{ type filter hook forward priority 0; policy accept; }}");

        if (!ourIpv6) Kernel.Quiet(Outer);
        Tool.Must("ip", "link", "set", Outer, "up");

        Run("ip", "addr", "add", PeerV4 + "/24", "dev", PeerInterface);
        Run("ip", "addr", "add", PeerV6 + "/64", "dev", PeerInterface, "nodad");
        Run("ip", "link", "set", PeerInterface, "up");
        Run("ip", "link", "set", "lo", "up");

        if (offloadsOff)
        {
            var outer = OffloadsOff(Outer);
            Tool.Must(outer[0], outer[1..]);
            InBridge(OffloadsOff(TowardUs));
            InBridge(OffloadsOff(TowardPeer));
            Run(OffloadsOff(PeerInterface));
        }

        Shell.WaitForLink(PeerNamespace, PeerInterface);
        Shell.WaitForLink(null, Outer);
        // The bridge sends a frame out of a port through the port's qdisc, which the link watcher attaches like any
        // interface's: a port in the forwarding state (set when the port is enabled, not by the link watcher) drops
        // what it forwards until then, as our own end does.
        foreach (var port in new[] { TowardUs, TowardPeer })
        {
            Shell.WaitForLink(BridgeNamespace, port);
            Shell.WaitUntil(() => InBridge("ip", "-d", "link", "show", "dev", port).Contains("bridge_slave state forwarding"), 5,
                $"bridge port {port} did not reach the forwarding state");
        }
    }

    private static string[] OffloadsOff(string link)
        => ["ethtool", "-K", link, "rx", "off", "tx", "off", "sg", "off", "tso", "off", "gso", "off", "gro", "off"];

    /// <summary>
    /// Drops one frame in <paramref name="oneIn"/> at random, in each direction (every forwarded frame is drawn
    /// independently), or none when it is 0; replaces the previous setting atomically.
    /// </summary>
    public void SetLoss(int oneIn)
    {
        Assert.That(oneIn, Is.GreaterThanOrEqualTo(0));
        string rules = $"flush chain bridge {Table} {Chain}";
        if (oneIn > 0)
            rules += $"; add rule bridge {Table} {Chain} numgen random mod {oneIn.ToString(CultureInfo.InvariantCulture)} 0 counter name {Counter} drop";
        InBridge("nft", rules);
    }

    /// <summary>Frames the loss rule has dropped since <see cref="Create"/> (its named counter outlives <see cref="SetLoss"/>).</summary>
    public long DroppedFrames() => NftCounter.Packets(InBridge("nft", "-j", "list", "counter", "bridge", Table, Counter));

    /// <summary>Runs a command in the peer namespace; it must succeed. Returns its standard output.</summary>
    public string Run(params string[] command) => Tool.Must("ip", Tool.InNamespace(PeerNamespace, command));

    /// <summary>
    /// Starts a command in the peer namespace (a server, or a client fed through its standard input) with its standard
    /// input, output and error redirected: read what it writes, or a chatty program stops when a pipe fills. Dispose
    /// kills it if it still runs.
    /// </summary>
    public Process Exec(params string[] command)
    {
        var psi = new ProcessStartInfo("ip")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in Tool.InNamespace(PeerNamespace, command)) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        _started.Add(process);
        return process;
    }

    private string InBridge(params string[] command) => Tool.Must("ip", Tool.InNamespace(BridgeNamespace, command));

    public void Dispose()
    {
        foreach (var process in _started)
        {
            // ip netns exec has exec'd the command: this is the command's own process.
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException) { /* it was never started or has gone */ }
            process.Dispose();
        }
        _started.Clear();
        Delete();
    }

    private void Delete()
    {
        // Deleting our end takes its other end in the bridge namespace with it, at once; deleting a namespace is
        // asynchronous in the kernel, and a name must be free again for the next test's rig.
        Tool.Try("ip", "link", "del", Outer);
        Tool.Try("ip", "netns", "del", PeerNamespace);
        Tool.Try("ip", "netns", "del", BridgeNamespace);
    }
}
