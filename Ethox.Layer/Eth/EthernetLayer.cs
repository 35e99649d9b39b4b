using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Ethox.Wire;

namespace Ethox.Layer.Eth;

/// <summary>
/// The Ethernet layer: parses frames from the device, keeps those addressed to us (our station address,
/// broadcast, joined groups; our VLAN) and hands them to <typeparamref name="TUpper"/>; lends transmit
/// buffers to the layer above with room for our header. Generic over the layer above so the JIT
/// specialises the whole receive path.
/// </summary>
public struct EthernetLayer<TUpper> : IRecv<RawPacket>, ISend<RawPacket>, ITimed
    where TUpper : IRecv<EthernetPacket>, ISend<EthernetPacket>, ITimed
{
    private readonly EthernetEndpoint _endpoint;
    private TUpper _upper;

    /// <summary>The layer for <paramref name="endpoint"/> with <paramref name="upper"/> above it.</summary>
    public EthernetLayer(EthernetEndpoint endpoint, TUpper upper)
    {
        _endpoint = endpoint;
        _upper = upper;
    }

    /// <summary>The interface state.</summary>
    public readonly EthernetEndpoint Endpoint => _endpoint;

    /// <summary>The layer above, by reference (so its state can be inspected and driven between calls).</summary>
    [UnscopedRef]
    public ref TUpper Upper => ref _upper;

    /// <summary>Handles one received frame.</summary>
    // Receive and Send are calls of their own, roots with an inlining budget sized to the layers below them: inlined
    // into a device's small loop, they spent its budget and the JIT left the frame's accessors as calls.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Receive(RawPacket packet)
    {
        ref var counters = ref _endpoint._counters;
        var bytes = packet.Frame;
        counters.FramesIn++;
        counters.BytesIn += bytes.Length;
        if (!EthernetFrame.TryParse(bytes, out var frame, out _))
        {
            counters.DroppedMalformed++;
            return;
        }
        if (!_endpoint.Accepts(frame, out var reason))
        {
            counters.Count(reason);
            return;
        }
        counters.Delivered++;
        _upper.Receive(new EthernetPacket(packet, _endpoint, frame, received: true));
    }

    /// <summary>When the stack next needs a transmit call even if nothing arrives (Ethernet has no timers: the layer above's).</summary>
    public Instant NextDeadline() => _upper.NextDeadline();

    /// <summary>Lends one transmit buffer to the layer above.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Send(RawPacket packet) => _upper.Send(new EthernetPacket(packet, _endpoint, default, received: false));
}
