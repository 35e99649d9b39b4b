using System;
using System.Net;
using System.Threading.Tasks;
using Ethox.Nic.Hosting;
using Ethox.Wire;

namespace Ethox.Tests.Hosting;

/// <summary>
/// Two <see cref="EthoxHost"/>s, each on its own thread, joined by a <see cref="SocketPairEnd"/> wire: A is 198.18.0.1 and
/// 2001:db8::1, B is 198.18.0.2 and 2001:db8::2. What one host's facade does, the other's sees through its own facade.
/// </summary>
internal sealed class HostPair : IAsyncDisposable
{
    public static readonly IPAddress AddressA = IPAddress.Parse("198.18.0.1"), AddressB = IPAddress.Parse("198.18.0.2");
    public static readonly IPAddress AddressA6 = IPAddress.Parse("2001:db8::1"), AddressB6 = IPAddress.Parse("2001:db8::2");

    /// <summary>Long enough for any step on a loaded machine; only a hang reaches it.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly SocketPairEnd _wireA, _wireB;

    public EthoxHost A { get; }
    public EthoxHost B { get; }

    public HostPair(Action<EthoxHostOptions>? configureA = null, Action<EthoxHostOptions>? configureB = null)
    {
        (_wireA, _wireB) = SocketPairEnd.Create();
        A = EthoxHost.Create(_wireA, Options("02:00:5e:00:00:a1", "198.18.0.1/24", "2001:db8::1/64", configureA));
        B = EthoxHost.Create(_wireB, Options("02:00:5e:00:00:b2", "198.18.0.2/24", "2001:db8::2/64", configureB));
        A.Start();
        B.Start();
    }

    private static EthoxHostOptions Options(string mac, string v4, string v6, Action<EthoxHostOptions>? configure)
    {
        var options = new EthoxHostOptions { Mac = EthernetAddress.Parse(mac), DadTransmits = 0 };
        options.Addresses.Add(HostAddress.Parse(v4));
        options.Addresses.Add(HostAddress.Parse(v6));
        configure?.Invoke(options);
        return options;
    }

    /// <summary>A listener on B's <paramref name="port"/> and a connection to it from A: (A's end, B's end).</summary>
    public async Task<(EthoxStream Client, EthoxStream Server)> ConnectAsync(int port, bool v6 = false)
    {
        await using var listener = await B.ListenAsync(port);
        var accept = listener.AcceptAsync().AsTask();
        var client = await A.ConnectAsync(new IPEndPoint(v6 ? AddressB6 : AddressB, port)).AsTask().WaitAsync(Patience);
        var server = await accept.WaitAsync(Patience);
        return (client, server);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await A.StopAsync().WaitAsync(Patience);
            await B.StopAsync().WaitAsync(Patience);
        }
        finally
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
            _wireA.Dispose();
            _wireB.Dispose();
        }
    }
}
