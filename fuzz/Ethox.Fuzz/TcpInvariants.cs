using Ethox.Layer.Tcp;

namespace Ethox.Fuzzing;

/// <summary>
/// What must hold in a <see cref="TcpFuzzHost"/> whatever arrived: the sequence variables of every connection in
/// order (SND.UNA ≤ SND.NXT ≤ SND.MAX, RFC 9293 §3.3.1), nothing in flight beyond what the send ring holds, rings
/// within their capacity, the slot map counting exactly the live connections, counters that add up, every key the
/// application holds still live (the user hears Closed before a slot goes), and no event after Closed.
/// </summary>
public static class TcpInvariants
{
    public static void Check(TcpFuzzHost host)
    {
        var tcp = host.Tcp;
        int live = 0;
        for (int slot = 0; slot < tcp.Capacity; slot++)
        {
            ref var c = ref tcp.ConnectionAt(slot);
            if (c.State == TcpState.Closed) continue;
            live++;
            FuzzTargets.Check(c.SndUna <= c.SndNxt && c.SndNxt <= c.SndMax, $"SND.UNA {c.SndUna} <= SND.NXT {c.SndNxt} <= SND.MAX {c.SndMax} in {c.State}");
            FuzzTargets.Check(c.Send.Length <= tcp.SendCapacity(c) && c.Receive.Readable <= tcp.ReceiveCapacity(c), "rings within capacity");
            if (!c.Has(ConnectionFlags.Detached) && !c.IsHandshaking)
            {
                int inFlight = c.SndMax - c.DataStart;
                FuzzTargets.Check(inFlight <= c.Send.Length + (c.Has(ConnectionFlags.FinSent) ? 1 : 0),
                    $"in flight {inFlight} within the {c.Send.Length} bytes queued in {c.State}");
            }
            FuzzTargets.Check(c.State != TcpState.TimeWait || c.Has(ConnectionFlags.Detached), "TIME-WAIT belongs to the endpoint alone");
        }
        FuzzTargets.Check(live == tcp.Count, $"slot map counts {tcp.Count}, {live} connections live");

        ref readonly var n = ref tcp.Counters;
        FuzzTargets.Check(n.Errors.Total + n.Strays + n.OutOfWindow + n.PawsDrops <= n.SegmentsIn, "segments dropped <= segments in");
        FuzzTargets.Check(n.ResetsOut <= n.SegmentsOut && n.Retransmits <= n.SegmentsOut && n.WindowProbes <= n.SegmentsOut, "segments out cover resets, retransmits and probes");
        FuzzTargets.Check(live <= n.ActiveOpens + n.PassiveOpens, "every connection was opened");

        var app = host.App;
        FuzzTargets.Check(app.Misdelivered == 0, "no event after Closed or for a key never held");
        foreach (var key in app.Keys)
            if (key.IsSome) FuzzTargets.Check(tcp.GetInfo(key, out _) == TcpStatus.Ok, "a key the user holds is live until it hears Closed");
    }
}
