using System;
using System.Runtime.InteropServices;
using Ethox.Native;
using NUnit.Framework;

namespace Ethox.Tests.Native;

/// <summary>
/// The boundary of the C ABI: handles validated on every call, time passed in and never going back, configurations and
/// buffers checked, one thread per stack, failures as negative status codes and never as exceptions, and the structs laid
/// out as ethox.h declares them.
/// </summary>
public unsafe class NativeAbiTests
{
    private delegate void ConfigChange(EthoxConfig* config);

    private static long NewStack(long now = 0, uint medium = EthoxConfig.MediumEthernet)
    {
        var c = NativePair.Config(medium, 1);
        long s = Abi.Create(&c, now);
        Assert.That(s, Is.GreaterThan(0), Abi.Text((int)s));
        return s;
    }

    [Test]
    public void The_structs_have_the_sizes_and_offsets_that_ethox_h_asserts()
    {
        Assert.That(sizeof(EthoxConfig), Is.EqualTo(120));
        Assert.That(Marshal.OffsetOf<EthoxConfig>(nameof(EthoxConfig.Ipv6)).ToInt32(), Is.EqualTo(32));
        Assert.That(Marshal.OffsetOf<EthoxConfig>(nameof(EthoxConfig.TcpConnections)).ToInt32(), Is.EqualTo(64));
        Assert.That(Marshal.OffsetOf<EthoxConfig>(nameof(EthoxConfig.Key)).ToInt32(), Is.EqualTo(104));
        Assert.That(sizeof(EthoxEndpoint), Is.EqualTo(20));
        Assert.That(sizeof(EthoxTcpOptions), Is.EqualTo(16));
        Assert.That(sizeof(EthoxEvent), Is.EqualTo(16));
        Assert.That(sizeof(EthoxCounters), Is.EqualTo(24 * 8));
    }

    [Test]
    public void The_status_codes_are_the_negative_numbers_of_the_header_and_each_has_a_text()
    {
        string header = System.IO.File.ReadAllText(System.IO.Path.Combine(TestContext.CurrentContext.TestDirectory, "native", "ethox.h"));
        foreach (var (name, value) in new (string, EthoxStatus)[]
                 {
                     ("ETHOX_E_INVAL", EthoxStatus.InvalidArgument), ("ETHOX_E_BADHANDLE", EthoxStatus.BadHandle), ("ETHOX_E_AGAIN", EthoxStatus.Again),
                     ("ETHOX_E_NOSPACE", EthoxStatus.NoSpace), ("ETHOX_E_INUSE", EthoxStatus.InUse), ("ETHOX_E_STATE", EthoxStatus.InvalidState),
                     ("ETHOX_E_NOROUTE", EthoxStatus.NoRoute), ("ETHOX_E_REFUSED", EthoxStatus.Refused), ("ETHOX_E_RESET", EthoxStatus.Reset),
                     ("ETHOX_E_TIMEDOUT", EthoxStatus.TimedOut), ("ETHOX_E_UNREACH", EthoxStatus.Unreachable), ("ETHOX_E_TIME", EthoxStatus.TimeWentBack),
                     ("ETHOX_E_BUFSIZE", EthoxStatus.BufferTooSmall), ("ETHOX_E_MSGSIZE", EthoxStatus.MessageTooLong), ("ETHOX_E_BUSY", EthoxStatus.Busy),
                     ("ETHOX_E_INTERNAL", EthoxStatus.Internal),
                 })
        {
            Assert.That(header, Does.Match($@"{name} = {(int)value}\b"), name);
            Assert.That(Abi.Text((int)value), Is.Not.Empty.And.Not.EqualTo("unknown status"), name);
        }
        Assert.That(Abi.Text(0), Is.EqualTo("success"));
        Assert.That(Abi.Text(-999), Is.EqualTo("unknown status"));
        Assert.That(Enum.GetValues<EthoxStatus>(), Has.Length.EqualTo(17));
    }

    [Test]
    public void A_destroyed_stack_handle_and_made_up_handles_are_refused_on_every_call()
    {
        long s = NewStack();
        Assert.That(Abi.Destroy(s), Is.Zero);
        foreach (long bad in new[] { s, 0L, -1L, 1L, long.MaxValue, s + (1L << 32) })
        {
            Assert.That(Abi.Poll(bad, 10), Is.EqualTo((long)EthoxStatus.BadHandle), $"{bad:x}");
            Assert.That(Abi.Listen(bad, 10, 80, 4), Is.EqualTo((long)EthoxStatus.BadHandle));
            Assert.That(Abi.FrameCapacity(bad), Is.EqualTo((int)EthoxStatus.BadHandle));
            Assert.That(Abi.Destroy(bad), Is.EqualTo((int)EthoxStatus.BadHandle));
        }
        // A new stack in the same registry slot does not answer to the old handle.
        long again = NewStack();
        Assert.That(again, Is.Not.EqualTo(s));
        Assert.That(Abi.Poll(s, 10), Is.EqualTo((long)EthoxStatus.BadHandle));
        Abi.Destroy(again);
    }

    [Test]
    public void A_socket_handle_of_another_stack_of_another_kind_or_of_a_closed_socket_is_a_bad_handle()
    {
        long a = NewStack(), b = NewStack();
        try
        {
            long listener = Abi.Listen(a, 1, 80, 4);
            long udp = Abi.UdpBind(a, 1, 53);
            Assert.That(listener, Is.GreaterThan(0));
            Assert.That(udp, Is.GreaterThan(0));
            Span<byte> buffer = stackalloc byte[16];
            // Of another stack: b has no socket at all, and a socket of b in the same slot would carry b's tag.
            long listenerOfB = Abi.Listen(b, 1, 80, 4);
            Assert.That(listenerOfB, Is.GreaterThan(0).And.Not.EqualTo(listener));
            Assert.That(Abi.Accept(b, 1, listener, null), Is.EqualTo((long)EthoxStatus.BadHandle));
            Assert.That(Abi.Close(b, 1, udp), Is.EqualTo((int)EthoxStatus.BadHandle));
            // Of another kind: a listener is not a connection, a UDP socket not a listener.
            Assert.That(Abi.Read(a, 1, listener, buffer), Is.EqualTo((int)EthoxStatus.BadHandle));
            Assert.That(Abi.Accept(a, 1, udp, null), Is.EqualTo((long)EthoxStatus.BadHandle));
            Assert.That(Abi.UdpReceive(a, 1, listener, buffer, out _), Is.EqualTo((int)EthoxStatus.BadHandle));
            // Closed: stale, also once a new socket took its slot.
            Assert.That(Abi.Close(a, 1, udp), Is.Zero);
            Assert.That(Abi.Close(a, 1, udp), Is.EqualTo((int)EthoxStatus.BadHandle));
            long udp2 = Abi.UdpBind(a, 1, 53);
            Assert.That(udp2, Is.GreaterThan(0).And.Not.EqualTo(udp));
            Assert.That(Abi.UdpReceive(a, 1, udp, buffer, out _), Is.EqualTo((int)EthoxStatus.BadHandle));
            Assert.That(Abi.UdpReceive(a, 1, udp2, buffer, out _), Is.EqualTo((int)EthoxStatus.Again));
            Assert.That(Abi.Events(a, 12345), Is.EqualTo((int)EthoxStatus.BadHandle));
            Assert.That(Abi.Error(a, -5), Is.EqualTo((int)EthoxStatus.BadHandle));
        }
        finally
        {
            Abi.Destroy(a);
            Abi.Destroy(b);
        }
    }

    [Test]
    public void Time_is_the_callers_and_a_call_with_an_earlier_time_is_refused_without_effect()
    {
        long s = NewStack(now: 5_000_000);
        try
        {
            Assert.That(Abi.Poll(s, 4_999_999), Is.EqualTo((long)EthoxStatus.TimeWentBack));
            Assert.That(Abi.Poll(s, -1), Is.EqualTo((long)EthoxStatus.TimeWentBack));
            Assert.That(Abi.Listen(s, 4_000_000, 80, 4), Is.EqualTo((long)EthoxStatus.TimeWentBack));
            Assert.That(Abi.Listen(s, 5_000_000, 80, 4), Is.GreaterThan(0), "the refused call listened on nothing");
            // The gratuitous ARP is due at once; nothing else until the next ARP announcement or timer.
            Assert.That(Abi.Poll(s, 5_000_000), Is.LessThanOrEqualTo(5_000_000));
            Assert.That(Abi.Poll(s, 6_000_000), Is.GreaterThanOrEqualTo(0));
            Assert.That(Abi.Poll(s, 5_500_000), Is.EqualTo((long)EthoxStatus.TimeWentBack), "6 s was seen: 5.5 s is in the past");
            var c = NativePair.Config(EthoxConfig.MediumEthernet, 1);
            Assert.That(Abi.Create(&c, -1), Is.EqualTo((long)EthoxStatus.TimeWentBack));
        }
        finally { Abi.Destroy(s); }
    }

    [Test]
    public void An_idle_stack_with_nothing_due_answers_never_and_a_deadline_is_on_the_callers_clock()
    {
        var c = NativePair.Config(EthoxConfig.MediumIp, 1);
        long s = Abi.Create(&c, 1_000_000_000_000); // a virtual clock that starts far from zero
        try
        {
            Assert.That(Abi.Poll(s, 1_000_000_000_000), Is.EqualTo(long.MaxValue), "bare IP: no ARP, no DAD, no timer");
            long udp = Abi.UdpBind(s, 1_000_000_000_001, 9);
            Assert.That(Abi.UdpSend(s, 1_000_000_000_002, udp, NativePair.V4B(9), "x"u8), Is.EqualTo(1));
            Assert.That(Abi.Poll(s, 1_000_000_000_003), Is.EqualTo(1_000_000_000_003), "a queued datagram is due now");
        }
        finally { Abi.Destroy(s); }
    }

    [Test]
    public void Bad_configurations_are_refused_with_invalid_argument()
    {
        void Refused(string why, ConfigChange change, EthoxStatus expected = EthoxStatus.InvalidArgument)
        {
            var c = NativePair.Config(EthoxConfig.MediumEthernet, 1);
            change(&c);
            long s = Abi.Create(&c, 0);
            if (s > 0) Abi.Destroy(s);
            Assert.That(s, Is.EqualTo((long)expected), why);
        }
        Refused("size of another header", c => c->Size = 100);
        Refused("unknown medium", c => c->Medium = 7);
        Refused("multicast MAC", c => c->Mac[0] = 0x01);
        Refused("zero MAC", c => { for (int i = 0; i < 6; i++) c->Mac[i] = 0; });
        Refused("MTU below 576", c => c->Mtu = 500);
        Refused("IPv6 with an MTU below 1280", c => c->Mtu = 1000);
        Refused("IPv4 prefix 0", c => c->Ipv4Prefix = 0);
        Refused("IPv4 prefix 33", c => c->Ipv4Prefix = 33);
        Refused("a gateway without an address", c => { c->Ipv4[0] = 0; c->Ipv4[1] = 0; c->Ipv4[2] = 0; c->Ipv4[3] = 0; c->Ipv4Gateway[0] = 198; });
        Refused("unknown flag", c => c->Flags = 8);
        Refused("a zero-byte ring", c => c->TcpSendBuffer = 0);
        Refused("rings over 16 MiB", c => c->TcpReceiveBuffer = 32 << 20);
        Refused("a UDP queue smaller than a header", c => c->UdpReceiveQueue = 8);
        Refused("autoconfiguration on bare IP", c => { c->Medium = EthoxConfig.MediumIp; c->Flags = EthoxConfig.FlagIpv6Autoconf; });
        Refused("rings over 2 GiB in all", c => { c->TcpConnections = 200; c->TcpSendBuffer = c->TcpReceiveBuffer = 16 << 20; }, EthoxStatus.NoSpace);
        Assert.That(Abi.Create(null, 0), Is.EqualTo((long)EthoxStatus.InvalidArgument));
        Assert.That(Abi.ConfigInit(null), Is.EqualTo((int)EthoxStatus.InvalidArgument));
    }

    [Test]
    public void The_defaults_of_config_init_make_an_ethernet_stack_once_a_mac_is_set()
    {
        EthoxConfig c;
        Assert.That(Abi.ConfigInit(&c), Is.Zero);
        Assert.That(c.Size, Is.EqualTo(120));
        Assert.That(Abi.Create(&c, 0), Is.EqualTo((long)EthoxStatus.InvalidArgument), "no MAC yet");
        c.Mac[0] = 0x02;
        c.Mac[5] = 9;
        long s = Abi.Create(&c, 0); // all-zero key: taken from getrandom(2)
        Assert.That(s, Is.GreaterThan(0));
        Assert.That(Abi.FrameCapacity(s), Is.EqualTo(1500 + 22));
        Abi.Destroy(s);
    }

    [Test]
    public void Frame_buffers_smaller_than_the_frame_capacity_and_null_pointers_are_refused()
    {
        long s = NewStack();
        try
        {
            int capacity = Abi.FrameCapacity(s);
            byte[] buffer = new byte[capacity];
            fixed (byte* p = buffer)
            {
                Assert.That(Abi.Output(s, 1, p, capacity - 1), Is.EqualTo((int)EthoxStatus.BufferTooSmall));
                Assert.That(Abi.Input(s, 1, p, 60, capacity - 1), Is.EqualTo((int)EthoxStatus.BufferTooSmall));
                Assert.That(Abi.Input(s, 1, p, capacity + 1, capacity), Is.EqualTo((int)EthoxStatus.BufferTooSmall), "length beyond capacity");
                Assert.That(Abi.Input(s, 1, p, -1, capacity), Is.EqualTo((int)EthoxStatus.InvalidArgument));
                Assert.That(Abi.Input(s, 1, null, 60, capacity), Is.EqualTo((int)EthoxStatus.InvalidArgument));
                Assert.That(Abi.Output(s, 1, null, capacity), Is.EqualTo((int)EthoxStatus.InvalidArgument));
                Assert.That(Abi.Read(s, 1, 1, null, 10), Is.EqualTo((int)EthoxStatus.InvalidArgument));
                Assert.That(Abi.Counters(s, null), Is.EqualTo((int)EthoxStatus.InvalidArgument));
                Assert.That(Abi.Connect(s, 1, null, null), Is.EqualTo((long)EthoxStatus.InvalidArgument));
                var unknownFamily = new EthoxEndpoint { Family = 5, Port = 80 };
                Assert.That(Abi.Connect(s, 1, &unknownFamily, null), Is.EqualTo((long)EthoxStatus.InvalidArgument));
                // Garbage in is data: a frame of noise is counted and dropped, not an error.
                new Random(1).NextBytes(buffer);
                Assert.That(Abi.Input(s, 1, p, 100, capacity), Is.Zero);
                Assert.That(Abi.Counters(s).FramesIn, Is.EqualTo(1));
            }
        }
        finally { Abi.Destroy(s); }
    }

    [Test]
    public void A_call_while_another_thread_is_inside_the_stack_returns_busy_and_changes_nothing()
    {
        long s = NewStack();
        try
        {
            Assert.That(StackRegistry.TryGet(s, out var stack), Is.True);
            Assert.That(stack.Enter(1), Is.EqualTo(EthoxStatus.Ok)); // what a call on another thread does first
            Assert.That(Abi.Listen(s, 2, 80, 4), Is.EqualTo((long)EthoxStatus.Busy));
            Assert.That(Abi.Destroy(s), Is.EqualTo((int)EthoxStatus.Busy));
            stack.Leave();
            Assert.That(Abi.Listen(s, 2, 80, 4), Is.GreaterThan(0));
        }
        finally { Abi.Destroy(s); }
    }

    [Test]
    public void After_a_failure_inside_the_stack_refuses_every_call_with_internal_but_can_be_destroyed()
    {
        long s = NewStack();
        Assert.That(Abi.Listen(s, 1, 80, 4), Is.GreaterThan(0));
        // What the catch-all of an export does with an exception that came out of the layers.
        Assert.That(NativeApi.Fault(s), Is.EqualTo((int)EthoxStatus.Internal));
        Assert.That(Abi.Poll(s, 2), Is.EqualTo((long)EthoxStatus.Internal));
        Assert.That(Abi.Listen(s, 2, 81, 4), Is.EqualTo((long)EthoxStatus.Internal));
        Assert.That(Abi.Events(s, 1), Is.EqualTo((int)EthoxStatus.Internal));
        Assert.That(Abi.Destroy(s), Is.Zero);
        Assert.That(Abi.Poll(s, 3), Is.EqualTo((long)EthoxStatus.BadHandle));
    }

    [Test]
    public void Stacks_are_limited_to_the_registry_capacity_and_a_full_registry_is_no_space()
    {
        var made = new System.Collections.Generic.List<long>();
        try
        {
            var c = NativePair.Config(EthoxConfig.MediumIp, 1);
            c.TcpConnections = 0;
            c.UdpSockets = 0;
            c.UdpSendQueue = 0;
            long s;
            while ((s = Abi.Create(&c, 0)) > 0) made.Add(s);
            Assert.That(s, Is.EqualTo((long)EthoxStatus.NoSpace));
            Assert.That(made, Has.Count.LessThanOrEqualTo(StackRegistry.Capacity).And.Count.GreaterThan(StackRegistry.Capacity / 2));
        }
        finally
        {
            foreach (long s in made) Abi.Destroy(s);
        }
    }
}
