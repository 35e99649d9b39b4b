using System;
using System.Runtime.CompilerServices;
using Ethox.Layer;

namespace Ethox.Native;

/// <summary>
/// The managed functions behind the exports of <see cref="Exports"/>: each checks its pointers and lengths, finds the
/// stack, passes the guard (one thread, time not going back), and calls the stack. They never throw on bad input; an
/// exception from inside reaches the export's catch-all, which turns it into <see cref="EthoxStatus.Internal"/>.
/// None of them is inlined into its export: NativeAOT sets the stack-protector cookie during the first call into a
/// static library, and an export whose frame held a cookie saved before that would fail the check on return.
/// </summary>
internal static unsafe class NativeApi
{
    private const MethodImplOptions Outlined = MethodImplOptions.NoInlining;

    [MethodImpl(Outlined)]
    public static int ConfigInit(EthoxConfig* config)
    {
        if (config == null) return (int)EthoxStatus.InvalidArgument;
        *config = EthoxConfig.Defaults;
        return 0;
    }

    [MethodImpl(Outlined)]
    public static long Create(EthoxConfig* config, long now)
    {
        if (config == null) return (long)EthoxStatus.InvalidArgument;
        if (now < 0) return (long)EthoxStatus.TimeWentBack;
        var copy = *config;
        var status = ConfigReader.Check(copy);
        if (status != EthoxStatus.Ok) return (long)status;
        Span<byte> key = stackalloc byte[16];
        if (!ConfigReader.TryReadKey(copy, key)) return (long)EthoxStatus.Internal;
        return StackRegistry.Create(copy, new StackKeys(key), new Instant(now));
    }

    [MethodImpl(Outlined)]
    public static int Destroy(long stack) => (int)StackRegistry.Destroy(stack);

    [MethodImpl(Outlined)]
    public static int FrameCapacity(long stack) => StackRegistry.TryGet(stack, out var s) ? s.FrameCapacity : (int)EthoxStatus.BadHandle;

    [MethodImpl(Outlined)]
    public static int Input(long stack, long now, byte* frame, int length, int capacity)
    {
        if (frame == null || length < 0 || length > capacity) return (int)(frame == null || length < 0 ? EthoxStatus.InvalidArgument : EthoxStatus.BufferTooSmall);
        if (!TryEnter(stack, now, out var s, out int status)) return status;
        try
        {
            if (capacity < s.FrameCapacity) return (int)EthoxStatus.BufferTooSmall;
            return s.Input(new Span<byte>(frame, capacity), length);
        }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static int Output(long stack, long now, byte* buffer, int capacity)
    {
        if (buffer == null || capacity < 0) return (int)EthoxStatus.InvalidArgument;
        if (!TryEnter(stack, now, out var s, out int status)) return status;
        try
        {
            if (capacity < s.FrameCapacity) return (int)EthoxStatus.BufferTooSmall;
            return s.Output(new Span<byte>(buffer, capacity));
        }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static long Poll(long stack, long now)
    {
        if (!TryEnter(stack, now, out var s, out int status)) return status;
        try { return s.NextDeadline().Microseconds; }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static int Counters(long stack, EthoxCounters* counters)
    {
        if (counters == null) return (int)EthoxStatus.InvalidArgument;
        if (!TryEnterWithoutTime(stack, out var s, out int status)) return status;
        try
        {
            s.ReadCounters(out *counters);
            return 0;
        }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static long TcpListen(long stack, long now, ushort port, int backlog)
    {
        if (!TryEnter(stack, now, out var s, out int status)) return status;
        try { return s.Listen(port, backlog); }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static long TcpAccept(long stack, long now, long listener, EthoxEndpoint* peer)
    {
        if (!TryEnter(stack, now, out var s, out int status)) return status;
        try
        {
            long handle = s.Accept(listener, out var remote);
            if (handle > 0 && peer != null) *peer = EthoxEndpoint.From(remote);
            return handle;
        }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static long TcpConnect(long stack, long now, EthoxEndpoint* remote, EthoxTcpOptions* options)
    {
        if (remote == null || !remote->TryGet(out var address)) return (long)EthoxStatus.InvalidArgument;
        var chosen = options == null ? default : *options;
        if (!TryEnter(stack, now, out var s, out int status)) return status;
        try { return s.Connect(address, chosen); }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static int TcpRead(long stack, long now, long socket, byte* buffer, int capacity)
    {
        if ((buffer == null && capacity != 0) || capacity < 0) return (int)EthoxStatus.InvalidArgument;
        if (!TryEnter(stack, now, out var s, out int status)) return status;
        try { return s.Read(socket, new Span<byte>(buffer, capacity)); }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static int TcpWrite(long stack, long now, long socket, byte* data, int length)
    {
        if ((data == null && length != 0) || length < 0) return (int)EthoxStatus.InvalidArgument;
        if (!TryEnter(stack, now, out var s, out int status)) return status;
        try { return s.Write(socket, new ReadOnlySpan<byte>(data, length)); }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static int TcpShutdown(long stack, long now, long socket)
    {
        if (!TryEnter(stack, now, out var s, out int status)) return status;
        try { return s.Shutdown(socket); }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static int TcpAbort(long stack, long now, long socket)
    {
        if (!TryEnter(stack, now, out var s, out int status)) return status;
        try { return s.Abort(socket); }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static int TcpEndpoints(long stack, long socket, EthoxEndpoint* local, EthoxEndpoint* remote)
    {
        if (!TryEnterWithoutTime(stack, out var s, out int status)) return status;
        try
        {
            int result = s.Endpoints(socket, out var l, out var r);
            if (result != 0) return result;
            if (local != null) *local = EthoxEndpoint.From(l);
            if (remote != null) *remote = EthoxEndpoint.From(r);
            return 0;
        }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static int Close(long stack, long now, long socket)
    {
        if (!TryEnter(stack, now, out var s, out int status)) return status;
        try { return s.Close(socket); }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static int SetOption(long stack, long now, long socket, int option, long value)
    {
        if (!TryEnter(stack, now, out var s, out int status)) return status;
        try { return s.SetOption(socket, (SocketOption)option, value); }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static long GetOption(long stack, long socket, int option)
    {
        if (!TryEnterWithoutTime(stack, out var s, out int status)) return status;
        try { return s.GetOption(socket, (SocketOption)option); }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static int SocketEvents(long stack, long socket)
    {
        if (!TryEnterWithoutTime(stack, out var s, out int status)) return status;
        try { return s.Events(socket); }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static int SocketError(long stack, long socket)
    {
        if (!TryEnterWithoutTime(stack, out var s, out int status)) return status;
        try { return s.SocketError(socket); }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static int Ready(long stack, EthoxEvent* events, int max)
    {
        if ((events == null && max != 0) || max < 0) return (int)EthoxStatus.InvalidArgument;
        if (!TryEnterWithoutTime(stack, out var s, out int status)) return status;
        try { return s.Ready(new Span<EthoxEvent>(events, max)); }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static long UdpBind(long stack, long now, ushort port)
    {
        if (!TryEnter(stack, now, out var s, out int status)) return status;
        try { return s.UdpBind(port); }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static int UdpSend(long stack, long now, long socket, EthoxEndpoint* to, byte* data, int length)
    {
        if (to == null || !to->TryGet(out var address) || (data == null && length != 0) || length < 0) return (int)EthoxStatus.InvalidArgument;
        if (!TryEnter(stack, now, out var s, out int status)) return status;
        try { return s.UdpSend(socket, address, new ReadOnlySpan<byte>(data, length)); }
        finally { s.Leave(); }
    }

    [MethodImpl(Outlined)]
    public static int UdpReceive(long stack, long now, long socket, byte* buffer, int capacity, EthoxEndpoint* from)
    {
        if ((buffer == null && capacity != 0) || capacity < 0) return (int)EthoxStatus.InvalidArgument;
        if (!TryEnter(stack, now, out var s, out int status)) return status;
        try
        {
            int n = s.UdpReceive(socket, new Span<byte>(buffer, capacity), out var source);
            if (n >= 0 && from != null) *from = EthoxEndpoint.From(source);
            return n;
        }
        finally { s.Leave(); }
    }

    /// <summary>What the catch-all of an export returns: the stack (when the handle names one) refuses every later call.</summary>
    [MethodImpl(Outlined)]
    public static int Fault(long stack)
    {
        if (StackRegistry.TryGet(stack, out var s)) s.Fail();
        return (int)EthoxStatus.Internal;
    }

    private static bool TryEnter(long handle, long now, out NativeStack stack, out int status)
    {
        if (!StackRegistry.TryGet(handle, out stack))
        {
            status = (int)EthoxStatus.BadHandle;
            return false;
        }
        status = (int)stack.Enter(now);
        return status == 0;
    }

    private static bool TryEnterWithoutTime(long handle, out NativeStack stack, out int status)
    {
        if (!StackRegistry.TryGet(handle, out stack))
        {
            status = (int)EthoxStatus.BadHandle;
            return false;
        }
        status = (int)stack.EnterWithoutTime();
        return status == 0;
    }
}
