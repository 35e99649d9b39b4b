using System;
using Ethox.Native;
using NUnit.Framework;

namespace Ethox.Tests.Native;

/// <summary>
/// Two stacks made through the C ABI and joined by a wire in memory: every frame one hands out (by <c>ethox_output</c>,
/// or as an answer in place from <c>ethox_input</c>) is handed to the other, on a virtual clock the test moves. A frame
/// can be dropped by <see cref="Drop"/>. A (198.18.0.1, 2001:db8::1) and B (198.18.0.2, 2001:db8::2), on Ethernet or on the
/// bare-IP medium. Nothing here allocates once made, so allocation tests can run through it.
/// </summary>
internal sealed unsafe class NativePair : IDisposable
{
    public const int Mtu = 1500;
    private readonly byte[] _frame;
    private readonly byte* _buffer;
    private readonly int _capacity;

    public long A { get; }
    public long B { get; }
    /// <summary>The virtual clock, in microseconds.</summary>
    public long Now;
    /// <summary>Frames moved each way.</summary>
    public long FramesAtoB, FramesBtoA;
    /// <summary>Calls of ethox_output or ethox_input that failed (counted, not asserted: an assertion allocates, and allocation tests run through here).</summary>
    public int Failures;
    /// <summary>When set, frames for which it returns true vanish on the wire (the argument: true for A→B).</summary>
    public Func<bool, bool>? Drop;

    public static EthoxEndpoint V4A(ushort port) => Endpoint(4, port, 198, 18, 0, 1);
    public static EthoxEndpoint V4B(ushort port) => Endpoint(4, port, 198, 18, 0, 2);
    public static EthoxEndpoint V6B(ushort port) => Endpoint(6, port, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2);

    public NativePair(uint medium = EthoxConfig.MediumEthernet, long start = 1_000_000)
    {
        Now = start;
        var a = Config(medium, 1);
        var b = Config(medium, 2);
        A = Abi.Create(&a, Now);
        B = Abi.Create(&b, Now);
        Assert.That(A, Is.GreaterThan(0), Abi.Text((int)A));
        Assert.That(B, Is.GreaterThan(0), Abi.Text((int)B));
        _capacity = Abi.FrameCapacity(A);
        _frame = GC.AllocateArray<byte>(_capacity, pinned: true);
        fixed (byte* p = _frame) _buffer = p; // pinned for the life of the array
        // Over Ethernet: the gratuitous ARPs and IPv6 duplicate address detection (a second of silence) settle first.
        Advance(2_000_000);
    }

    /// <summary>A configuration for host <paramref name="host"/> (1 or 2) with a fixed key (deterministic runs).</summary>
    public static EthoxConfig Config(uint medium, byte host)
    {
        EthoxConfig c;
        Abi.ConfigInit(&c);
        c.Medium = medium;
        c.Mac[0] = 0x02;
        c.Mac[5] = host;
        c.Ipv4[0] = 198; c.Ipv4[1] = 18; c.Ipv4[2] = 0; c.Ipv4[3] = host;
        c.Ipv4Prefix = 24;
        c.Ipv6[0] = 0x20; c.Ipv6[1] = 0x01; c.Ipv6[2] = 0x0d; c.Ipv6[3] = 0xb8; c.Ipv6[15] = host;
        c.Ipv6Prefix = 64;
        c.TcpConnections = 8;
        c.TcpSendBuffer = c.TcpReceiveBuffer = 64 * 1024;
        c.UdpReceiveQueue = 4096;
        c.UdpSendQueue = 4096;
        c.Key[0] = host;
        return c;
    }

    public static EthoxEndpoint Endpoint(byte family, ushort port, params byte[] address)
    {
        var e = new EthoxEndpoint { Family = family, Port = port };
        for (int i = 0; i < address.Length; i++) e.Address[i] = address[i];
        return e;
    }

    /// <summary>Moves frames both ways until neither stack has any to send at this time; returns how many moved.</summary>
    public int Shuttle()
    {
        int moved = 0, round;
        do
        {
            round = Drain(A, B, aToB: true) + Drain(B, A, aToB: false);
            moved += round;
        } while (round > 0);
        return moved;
    }

    // Every frame `from` hands out goes to `to`; an answer in place goes back, and so on.
    private int Drain(long from, long to, bool aToB)
    {
        int moved = 0, n;
        while ((n = Abi.Output(from, Now, _buffer, _capacity)) > 0)
        {
            moved++;
            Deliver(n, to, aToB);
        }
        if (n < 0) Failures++;
        return moved;
    }

    private void Deliver(int length, long to, bool aToB)
    {
        while (length > 0)
        {
            if (aToB) FramesAtoB++; else FramesBtoA++;
            if (Drop?.Invoke(aToB) == true) return;
            length = Abi.Input(to, Now, _buffer, length, _capacity);
            if (length < 0) Failures++;
            to = to == A ? B : A;
            aToB = !aToB;
        }
    }

    /// <summary>Runs the clock forward by <paramref name="microseconds"/>, stopping at every deadline either stack asks for, moving frames each time.</summary>
    public void Advance(long microseconds)
    {
        long end = Now + microseconds;
        Shuttle();
        while (true)
        {
            long next = Math.Min(Abi.Poll(A, Now), Abi.Poll(B, Now));
            if (next > end) break;
            Now = Math.Max(Now, next);
            if (Shuttle() == 0 && Math.Min(Abi.Poll(A, Now), Abi.Poll(B, Now)) <= Now) Now += 1000; // a deadline that sent nothing: move on
        }
        Now = end;
        Shuttle();
    }

    public void Dispose()
    {
        Assert.That(Failures, Is.Zero, "calls of ethox_output or ethox_input failed");
        Abi.Destroy(A);
        Abi.Destroy(B);
    }
}
