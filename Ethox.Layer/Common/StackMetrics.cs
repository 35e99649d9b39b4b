using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Layer.Udp;

namespace Ethox.Layer.Common;

/// <summary>
/// Publishes the layers' counters through <see cref="System.Diagnostics.Metrics"/> (meter "Ethox"), for
/// users who collect with dotnet-counters, OpenTelemetry or a <see cref="MeterListener"/>. The counters
/// themselves stay plain fields read without allocation; this bridge allocates only when it is created
/// and when a listener collects, never on the packet path.
/// </summary>
public sealed class StackMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Ethox";

    private readonly Meter _meter;
    private readonly KeyValuePair<string, object?>[] _tags;

    /// <summary>
    /// Registers observable counters for the given endpoints (any may be null), tagged with
    /// <c>interface</c> = <paramref name="interfaceName"/>.
    /// </summary>
    public StackMetrics(string interfaceName, EthernetEndpoint? ethernet, IpEndpoint? ip, UdpEndpoint? udp)
    {
        _meter = new Meter(MeterName);
        _tags = [new("interface", interfaceName)];
        if (ethernet is not null)
        {
            Counter("ethox.ethernet.frames_in", "{frame}", "Frames received", () => ethernet.Counters.FramesIn);
            Counter("ethox.ethernet.frames_out", "{frame}", "Frames sent", () => ethernet.Counters.FramesOut);
            Counter("ethox.ethernet.bytes_in", "By", "Bytes received", () => ethernet.Counters.BytesIn);
            Counter("ethox.ethernet.bytes_out", "By", "Bytes sent", () => ethernet.Counters.BytesOut);
            Counter("ethox.ethernet.dropped", "{frame}", "Frames dropped (malformed, not for us, wrong VLAN, unknown type)", () => ethernet.Counters.Dropped);
        }
        if (ip is not null)
        {
            Counter("ethox.ip.packets_in", "{packet}", "IP packets received", () => ip.Counters.PacketsIn);
            Counter("ethox.ip.packets_out", "{packet}", "IP packets sent", () => ip.Counters.PacketsOut);
            Counter("ethox.ip.delivered", "{packet}", "Datagrams delivered above IP", () => ip.Counters.Delivered);
            Counter("ethox.ip.errors", "{packet}", "Malformed IP headers or bad checksums", () => ip.Counters.Errors.Total);
            Counter("ethox.ip.not_for_us", "{packet}", "Packets for other hosts", () => ip.Counters.DroppedNotForUs);
            Counter("ethox.ip.foreign_in", "{packet}", "Packets for other hosts taken in transparent mode", () => ip.Counters.ForeignIn);
            Counter("ethox.ip.unresolved", "{packet}", "Packets lost waiting for address resolution", () => ip.Counters.DroppedUnresolved);
            Counter("ethox.ip.reassembled", "{datagram}", "Datagrams reassembled from fragments", () => ip.Counters.Reassembled);
            Counter("ethox.ip.fragments_out", "{packet}", "Fragments sent", () => ip.Counters.FragmentsOut);
            Counter("ethox.arp.replies_sent", "{packet}", "ARP replies sent", () => ip.ArpCounters.RepliesSent);
            Counter("ethox.arp.requests_sent", "{packet}", "ARP requests sent", () => ip.ArpCounters.RequestsSent);
            Counter("ethox.arp.conflicts", "{packet}", "Address conflicts seen", () => ip.ArpCounters.Conflicts);
            Counter("ethox.icmp.echo_replies_sent", "{packet}", "Echo replies sent", () => ip.IcmpCounters.EchoRepliesSent);
            Counter("ethox.icmp.errors_sent", "{packet}", "ICMP errors sent", () => ip.IcmpCounters.ErrorsSent);
            Counter("ethox.icmp.errors_rate_limited", "{packet}", "ICMP errors held back by the rate limit", () => ip.IcmpCounters.ErrorsRateLimited);
            Counter("ethox.ndisc.solicitations_sent", "{packet}", "Neighbour solicitations sent", () => ip.NdiscCounters.SolicitationsSent);
            Counter("ethox.ndisc.advertisements_sent", "{packet}", "Neighbour advertisements sent", () => ip.NdiscCounters.AdvertisementsSent);
            Counter("ethox.ndisc.duplicates", "{address}", "Duplicate addresses detected", () => ip.NdiscCounters.DuplicatesDetected);
        }
        if (udp is not null)
        {
            Counter("ethox.udp.datagrams_in", "{datagram}", "UDP datagrams received", () => udp.Counters.DatagramsIn);
            Counter("ethox.udp.datagrams_out", "{datagram}", "UDP datagrams sent", () => udp.Counters.DatagramsOut);
            Counter("ethox.udp.no_port", "{datagram}", "Datagrams to unbound ports", () => udp.Counters.NoPort);
            Counter("ethox.udp.errors", "{datagram}", "Malformed datagrams or bad checksums", () => udp.Counters.Errors.Total);
        }
    }

    private void Counter(string name, string unit, string description, Func<long> read)
    {
        var tags = _tags;
        _meter.CreateObservableCounter(name, () => new Measurement<long>(read(), tags), unit, description);
    }

    /// <summary>Unregisters the instruments.</summary>
    public void Dispose() => _meter.Dispose();
}
