using System.Collections.Generic;
using System.IO;
using Ethox.Layer.Common;
using Ethox.Nic;

namespace Ethox.Appliance;

/// <summary>
/// Every counter of the appliance, one per line as <c>layer.name value</c>, for the operator and for scripts. With several
/// queues, each counter summed over the queues, then every queue's own as <c>queueN.layer.name value</c>.
/// </summary>
internal static class CounterReport
{
    public static void Write(IReadOnlyList<RawNicAppliance> queues, TextWriter w)
    {
        var each = new List<(string Name, long Value)>[queues.Count];
        for (int q = 0; q < queues.Count; q++) Collect(queues[q], each[q] = []);
        // Every queue runs the same options, so the same counters in the same order.
        for (int i = 0; i < each[0].Count; i++)
        {
            long sum = 0;
            foreach (var counters in each) sum += counters[i].Value;
            Line(w, each[0][i].Name, sum);
        }
        if (queues.Count == 1) return;
        for (int q = 0; q < queues.Count; q++)
            foreach (var (name, value) in each[q]) Line(w, $"queue{q}.{name}", value);
    }

    public static void Collect(RawNicAppliance app, List<(string Name, long Value)> w)
    {
        if (app.Ethernet is { } eth)
        {
            ref readonly var e = ref eth.Counters;
            Line(w, "ethernet.frames_in", e.FramesIn);
            Line(w, "ethernet.bytes_in", e.BytesIn);
            Line(w, "ethernet.frames_out", e.FramesOut);
            Line(w, "ethernet.bytes_out", e.BytesOut);
            Line(w, "ethernet.delivered", e.Delivered);
            Line(w, "ethernet.dropped_malformed", e.DroppedMalformed);
            Line(w, "ethernet.dropped_not_for_us", e.DroppedNotForUs);
            Line(w, "ethernet.dropped_wrong_vlan", e.DroppedWrongVlan);
            Line(w, "ethernet.dropped_unknown_type", e.DroppedUnknownType);
            Line(w, "ethernet.dropped_own_source", e.DroppedOwnSource);
        }

        var ip = app.Ip;
        ref readonly var i = ref ip.Counters;
        Line(w, "ip.packets_in", i.PacketsIn);
        Line(w, "ip.packets_out", i.PacketsOut);
        Line(w, "ip.delivered", i.Delivered);
        Errors(w, "ip.errors", i.Errors);
        Line(w, "ip.dropped_not_for_us", i.DroppedNotForUs);
        Line(w, "ip.dropped_martian_source", i.DroppedMartianSource);
        Line(w, "ip.dropped_unknown_protocol", i.DroppedUnknownProtocol);
        Line(w, "ip.dropped_routing_header", i.DroppedRoutingHeader);
        Line(w, "ip.dropped_no_route", i.DroppedNoRoute);
        Line(w, "ip.dropped_unresolved", i.DroppedUnresolved);
        Line(w, "ip.dropped_too_big", i.DroppedTooBig);
        Line(w, "ip.fragments_in", i.FragmentsIn);
        Line(w, "ip.fragments_dropped", i.FragmentsDropped);
        Line(w, "ip.reassembled", i.Reassembled);
        Line(w, "ip.fragments_out", i.FragmentsOut);
        Line(w, "ip.held", i.Held);
        Line(w, "ip.dropped_source_unusable", i.DroppedSourceUnusable);
        if (ip.PathMtu is { } pmtu)
        {
            ref readonly var p = ref pmtu.Counters;
            Line(w, "pmtu.lowered", p.Lowered);
            Line(w, "pmtu.ignored", p.Ignored);
            Line(w, "pmtu.clamped", p.Clamped);
            Line(w, "pmtu.evicted", p.Evicted);
            Line(w, "pmtu.expired", p.Expired);
        }

        if (app.Ethernet is not null)
        {
            ref readonly var a = ref ip.ArpCounters;
            Line(w, "arp.packets_in", a.PacketsIn);
            Errors(w, "arp.errors", a.Errors);
            Line(w, "arp.replies_sent", a.RepliesSent);
            Line(w, "arp.requests_sent", a.RequestsSent);
            Line(w, "arp.announcements", a.Announcements);
            Line(w, "arp.conflicts", a.Conflicts);
            Line(w, "arp.not_for_us", a.NotForUs);
        }

        ref readonly var c = ref ip.IcmpCounters;
        Line(w, "icmp.messages_in", c.MessagesIn);
        Errors(w, "icmp.errors", c.Errors);
        Line(w, "icmp.echo_replies_sent", c.EchoRepliesSent);
        Line(w, "icmp.echo_ignored", c.EchoIgnored);
        Line(w, "icmp.errors_received", c.ErrorsReceived);
        Line(w, "icmp.errors_sent", c.ErrorsSent);
        Line(w, "icmp.errors_rate_limited", c.ErrorsRateLimited);
        Line(w, "icmp.errors_suppressed", c.ErrorsSuppressed);
        Line(w, "icmp.ignored", c.Ignored);

        if (app.Ethernet is not null)
        {
            ref readonly var n = ref ip.NdiscCounters;
            Line(w, "ndisc.messages_in", n.MessagesIn);
            Errors(w, "ndisc.errors", n.Errors);
            Line(w, "ndisc.solicitations_sent", n.SolicitationsSent);
            Line(w, "ndisc.advertisements_sent", n.AdvertisementsSent);
            Line(w, "ndisc.router_solicitations_sent", n.RouterSolicitationsSent);
            Line(w, "ndisc.router_advertisements_in", n.RouterAdvertisementsIn);
            Line(w, "ndisc.addresses_autoconfigured", n.AddressesAutoconfigured);
            Line(w, "ndisc.duplicates_detected", n.DuplicatesDetected);
            Line(w, "ndisc.ignored", n.Ignored);
        }

        ref readonly var u = ref app.Udp.Counters;
        Line(w, "udp.datagrams_in", u.DatagramsIn);
        Line(w, "udp.delivered", u.Delivered);
        Line(w, "udp.datagrams_out", u.DatagramsOut);
        Errors(w, "udp.errors", u.Errors);
        Line(w, "udp.no_port", u.NoPort);
        Line(w, "udp.icmp_errors", u.IcmpErrors);
        Line(w, "echo.echoed", app.Echo.Echoed);
        Line(w, "echo.bytes", app.Echo.Bytes);
        Line(w, "echo.ignored_multicast", app.Echo.IgnoredMulticast);
        Line(w, "echo.failed", app.Echo.Failed);

        ref readonly var t = ref app.Tcp.Counters;
        Line(w, "tcp.segments_in", t.SegmentsIn);
        Line(w, "tcp.segments_out", t.SegmentsOut);
        Errors(w, "tcp.errors", t.Errors);
        Line(w, "tcp.active_opens", t.ActiveOpens);
        Line(w, "tcp.passive_opens", t.PassiveOpens);
        Line(w, "tcp.attempt_fails", t.AttemptFails);
        Line(w, "tcp.resets_in", t.Resets);
        Line(w, "tcp.resets_out", t.ResetsOut);
        Line(w, "tcp.strays", t.Strays);
        Line(w, "tcp.retransmits", t.Retransmits);
        Line(w, "tcp.fast_retransmits", t.FastRetransmits);
        Line(w, "tcp.timeouts", t.Timeouts);
        Line(w, "tcp.tail_loss_probes", t.TailLossProbes);
        Line(w, "tcp.recovery_probes", t.RecoveryProbes);
        Line(w, "tcp.duplicate_acks", t.DuplicateAcks);
        Line(w, "tcp.out_of_window", t.OutOfWindow);
        Line(w, "tcp.out_of_order_drops", t.OutOfOrderDrops);
        Line(w, "tcp.paws_drops", t.PawsDrops);
        Line(w, "tcp.challenge_acks", t.ChallengeAcks);
        Line(w, "tcp.challenge_acks_limited", t.ChallengeAcksLimited);
        Line(w, "tcp.syn_cookies_sent", t.SynCookiesSent);
        Line(w, "tcp.syn_cookies_accepted", t.SynCookiesAccepted);
        Line(w, "tcp.syn_cookies_failed", t.SynCookiesFailed);
        Line(w, "tcp.listen_drops", t.ListenDrops);
        Line(w, "tcp.window_probes", t.WindowProbes);
        Line(w, "tcp.keepalive_probes", t.KeepAliveProbes);
        Line(w, "tcp.icmp_errors_accepted", t.IcmpErrorsAccepted);
        Line(w, "tcp.icmp_errors_ignored", t.IcmpErrorsIgnored);
        Line(w, "tcp.send_failures", t.SendFailures);
        var s = app.Services.TcpServices.Counters;
        Line(w, "tcp_echo.connections", s.EchoConnections);
        Line(w, "tcp_echo.bytes", s.EchoBytes);
        Line(w, "discard.connections", s.DiscardConnections);
        Line(w, "discard.bytes", s.DiscardBytes);
        Line(w, "chargen.connections", s.ChargenConnections);
        Line(w, "chargen.bytes", s.ChargenBytes);
        Line(w, "http.connections", s.HttpConnections);
        Line(w, "http.requests", s.HttpRequests);
        Line(w, "http.status_2xx", s.Http2xx);
        Line(w, "http.status_4xx", s.Http4xx);
        Line(w, "http.status_5xx", s.Http5xx);
        Line(w, "http.body_bytes", s.HttpBodyBytes);
        if (app.Services.TcpServices.Iperf is not null)
        {
            Line(w, "iperf.connections", s.IperfConnections);
            Line(w, "iperf.tests", s.IperfTests);
            Line(w, "iperf.streams", s.IperfStreams);
            Line(w, "iperf.denied", s.IperfDenied);
            Line(w, "iperf.errors", s.IperfErrors);
            Line(w, "iperf.bytes_received", s.IperfBytesReceived);
            Line(w, "iperf.bytes_sent", s.IperfBytesSent);
        }
        Line(w, "tcp_services.no_buffers", s.NoBuffers);
        Line(w, "tcp_services.idle_timeouts", s.IdleTimeouts);
        Line(w, "tcp_services.resets", s.Resets);
        if (app.Fetch is { } fetch)
        {
            Line(w, "fetch.status", fetch.Status);
            Line(w, "fetch.body_bytes", fetch.BodyBytes);
        }

        var d = app.DeviceCounters;
        Line(w, "device.rx_frames", d.RxFrames);
        Line(w, "device.rx_bytes", d.RxBytes);
        Line(w, "device.tx_frames", d.TxFrames);
        Line(w, "device.tx_bytes", d.TxBytes);
        Line(w, "device.rx_truncated", d.RxTruncated);
        Line(w, "device.rx_errors", d.RxErrors);
        Line(w, "device.rx_kernel_dropped", d.RxKernelDropped);
        Line(w, "device.tx_queue_full", d.TxQueueFull);
        Line(w, "device.tx_errors", d.TxErrors);
        Line(w, "device.rx_unsupported_offload", d.RxUnsupportedOffload);
        Line(w, "device.rx_checksum_partial", d.RxChecksumPartial);
        Line(w, "device.rx_checksum_verified", d.RxChecksumVerified);
        Line(w, "device.rx_segmented", d.RxSegmented);
        Line(w, "device.tx_checksum_partial", d.TxChecksumPartial);
        Line(w, "device.tx_segmented", d.TxSegmented);

        if (app.Options.HasFaults)
        {
            Faults(w, "faults.rx", app.ReceiveFaults);
            Faults(w, "faults.tx", app.TransmitFaults);
        }
    }

    private static void Faults(List<(string Name, long Value)> w, string prefix, FaultCounters f)
    {
        Line(w, prefix + ".offered", f.Offered);
        Line(w, prefix + ".delivered", f.Delivered);
        Line(w, prefix + ".dropped", f.Dropped);
        Line(w, prefix + ".rate_limited", f.RateLimited);
        Line(w, prefix + ".corrupted", f.Corrupted);
        Line(w, prefix + ".duplicated", f.Duplicated);
        Line(w, prefix + ".reordered", f.Reordered);
        Line(w, prefix + ".delayed", f.Delayed);
        Line(w, prefix + ".queue_full", f.QueueFull);
    }

    private static void Errors(List<(string Name, long Value)> w, string prefix, in WireErrorCounts e)
    {
        Line(w, prefix + ".truncated", e.Truncated);
        Line(w, prefix + ".malformed", e.Malformed);
        Line(w, prefix + ".bad_checksum", e.BadChecksum);
        Line(w, prefix + ".unsupported", e.Unsupported);
        Line(w, prefix + ".other", e.Other);
    }

    private static void Line(List<(string Name, long Value)> w, string name, long value) => w.Add((name, value));

    private static void Line(TextWriter w, string name, long value)
    {
        w.Write(name);
        w.Write(' ');
        w.WriteLine(value);
    }
}
