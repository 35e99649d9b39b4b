using System;
using System.IO;
using System.Security.Cryptography;
using Ethox.Appliance;
using Ethox.Layer;
using Ethox.Layer.Common;
using Ethox.Layer.Eth;
using Ethox.Layer.Ip;
using Ethox.Nic;
using Ethox.Wire;
using NUnit.Framework;
using Transports = Ethox.Layer.Ip.TransportMux<Ethox.Layer.Tcp.TcpLayer<Ethox.Appliance.TcpServiceHandler>, Ethox.Layer.Udp.UdpLayer<Ethox.Appliance.EchoService>, Ethox.Layer.Ip.NoTransport>;

namespace Ethox.Tests.Appliance;

/// <summary>
/// The appliance's services (<see cref="ApplianceServices"/>: TCP echo, discard, chargen, HTTP, the fetch client,
/// UDP echo) on an Ethox stack in this process, built from an appliance command line, for driving over a
/// <see cref="Pipe"/> with simulated time.
/// </summary>
internal sealed class PipeAppliance
{
    public readonly EthernetEndpoint Ethernet;
    public readonly IpEndpoint Ip;
    public readonly ApplianceServices Services;
    public EthernetLayer<IpLayer<Transports>> Stack;

    public PipeAppliance(EthernetAddress mac, Ipv4Address v4, Ipv6Address v6, Instant now, Stream? output, ulong key, params string[] args)
    {
        Assert.That(ApplianceOptions.TryParse(["--tap", "unused", "--ip", v4 + "/24", .. args], out var options, out string error), Is.True, error);
        Ethernet = new EthernetEndpoint(mac);
        Ip = new IpEndpoint(Ethernet, 1500, 8, new RouteTable(16), new NeighborCache(32, new SipHash(key, 2)))
        {
            Hold = new HoldQueue(new byte[16 * 1522], 1522),
            PathMtu = new PathMtuTable(16, new SipHash(key, 3)),
            DadTransmits = 0,
        };
        Ip.AddAddress(v4, 24, now);
        Ip.AddAddress(v6, 64, now);
        Services = new ApplianceServices(options, Ip, new SipHash(key, 4), now, output);
        Assert.That(Services.TryStart(out error), Is.True, error);
        Stack = new(Ethernet, new(Ip, Services.CreateTransports()));
    }

    public int Poll<TDevice>(ref TDevice device, Instant now) where TDevice : IDevice
        => device.Receive(64, ref Stack, now) + device.Transmit(64, ref Stack, now);
}

/// <summary>A stream that only hashes and counts what is written to it (the fetch client's output in tests).</summary>
internal sealed class HashingStream : Stream
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long Written { get; private set; }
    public byte[] Hash() => _sha.GetCurrentHash();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _sha.AppendData(buffer);
        Written += buffer.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
