using System.Collections.Generic;
using System.Diagnostics.Metrics;
using Ethox.Layer.Common;
using NUnit.Framework;

namespace Ethox.Tests.Layer;

public class StackMetricsTests
{
    [Test]
    public void Counters_are_published_through_System_Diagnostics_Metrics_with_the_interface_tag()
    {
        var t = new HostAndPeer();
        for (int i = 0; i < 3; i++) t.Exchange(RawPeer.Echo4(RawPeer.V4, TwoHosts.V4A, 1, (ushort)i, 8));
        using var metrics = new StackMetrics("test0", t.Host.Ethernet, t.Host.Ip, t.Host.Udp);
        var seen = new Dictionary<string, long>();
        string? tag = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == StackMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            seen[instrument.Name] = value;
            foreach (var kv in tags) if (kv.Key == "interface") tag = (string?)kv.Value;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.That(seen["ethox.icmp.echo_replies_sent"], Is.EqualTo(3));
        Assert.That(seen["ethox.ethernet.frames_in"], Is.EqualTo(t.Host.Ethernet.Counters.FramesIn));
        Assert.That(seen["ethox.ip.packets_out"], Is.EqualTo(t.Host.Ip.Counters.PacketsOut));
        Assert.That(tag, Is.EqualTo("test0"));
    }
}
