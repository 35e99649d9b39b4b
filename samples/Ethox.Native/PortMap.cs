namespace Ethox.Native;

/// <summary>
/// Which socket owns a local port (listeners, bound UDP sockets): linear probing over a power-of-two table of at least
/// twice the capacity. Only ports we bound are ever looked up (the UDP and TCP layers drop the others first), so a peer
/// cannot lengthen the probes; removal shifts the following entries back instead of leaving tombstones.
/// </summary>
internal sealed class PortMap
{
    private readonly ushort[] _ports;
    private readonly int[] _sockets;
    private readonly int _mask;

    /// <summary>A map for up to <paramref name="capacity"/> ports.</summary>
    public PortMap(int capacity)
    {
        int size = 4;
        while (size < 2 * capacity) size <<= 1;
        _ports = new ushort[size];
        _sockets = new int[size];
        _mask = size - 1;
    }

    // Fibonacci hashing spreads sequential ports over the table.
    private int Home(ushort port) => (int)((port * 2654435769u) >> 16) & _mask;

    /// <summary>The socket bound to <paramref name="port"/>, or -1.</summary>
    public int Find(ushort port)
    {
        if (port == 0) return -1;
        for (int i = Home(port); _ports[i] != 0; i = (i + 1) & _mask)
            if (_ports[i] == port) return _sockets[i];
        return -1;
    }

    /// <summary>Records that <paramref name="socket"/> owns <paramref name="port"/> (not 0, not yet in the map; the caller keeps within the capacity).</summary>
    public void Add(ushort port, int socket)
    {
        int i = Home(port);
        while (_ports[i] != 0) i = (i + 1) & _mask;
        _ports[i] = port;
        _sockets[i] = socket;
    }

    /// <summary>Forgets <paramref name="port"/>.</summary>
    public void Remove(ushort port)
    {
        int i = Home(port);
        while (_ports[i] != port)
        {
            if (_ports[i] == 0) return;
            i = (i + 1) & _mask;
        }
        _ports[i] = 0;
        // Backward shift: move up every later entry of the run whose home is not between the hole and itself.
        for (int j = (i + 1) & _mask; _ports[j] != 0; j = (j + 1) & _mask)
        {
            int home = Home(_ports[j]);
            bool stays = i <= j ? home > i && home <= j : home > i || home <= j;
            if (stays) continue;
            _ports[i] = _ports[j];
            _sockets[i] = _sockets[j];
            _ports[j] = 0;
            i = j;
        }
    }
}
