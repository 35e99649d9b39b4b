using System;
using Ethox.Native;

namespace Ethox.Tests.Native;

/// <summary>
/// The exports of libethox called as C calls them: through unmanaged function pointers to the
/// <c>[UnmanagedCallersOnly]</c> methods, so every test crosses the same boundary (and its catch-all) a C program does.
/// </summary>
internal static unsafe class Abi
{
    public static int ConfigInit(EthoxConfig* c) => ((delegate* unmanaged<EthoxConfig*, int>)&Exports.ConfigInit)(c);
    public static long Create(EthoxConfig* c, long now) => ((delegate* unmanaged<EthoxConfig*, long, long>)&Exports.Create)(c, now);
    public static int Destroy(long s) => ((delegate* unmanaged<long, int>)&Exports.Destroy)(s);
    public static int FrameCapacity(long s) => ((delegate* unmanaged<long, int>)&Exports.FrameCapacity)(s);
    public static int Input(long s, long now, byte* f, int length, int capacity) => ((delegate* unmanaged<long, long, byte*, int, int, int>)&Exports.Input)(s, now, f, length, capacity);
    public static int Output(long s, long now, byte* b, int capacity) => ((delegate* unmanaged<long, long, byte*, int, int>)&Exports.Output)(s, now, b, capacity);
    public static long Poll(long s, long now) => ((delegate* unmanaged<long, long, long>)&Exports.Poll)(s, now);
    public static int Counters(long s, EthoxCounters* c) => ((delegate* unmanaged<long, EthoxCounters*, int>)&Exports.Counters)(s, c);
    public static long Listen(long s, long now, ushort port, int backlog) => ((delegate* unmanaged<long, long, ushort, int, long>)&Exports.TcpListen)(s, now, port, backlog);
    public static long Accept(long s, long now, long l, EthoxEndpoint* peer) => ((delegate* unmanaged<long, long, long, EthoxEndpoint*, long>)&Exports.TcpAccept)(s, now, l, peer);
    public static long Connect(long s, long now, EthoxEndpoint* remote, EthoxTcpOptions* o) => ((delegate* unmanaged<long, long, EthoxEndpoint*, EthoxTcpOptions*, long>)&Exports.TcpConnect)(s, now, remote, o);
    public static int Read(long s, long now, long h, byte* b, int capacity) => ((delegate* unmanaged<long, long, long, byte*, int, int>)&Exports.TcpRead)(s, now, h, b, capacity);
    public static int Write(long s, long now, long h, byte* d, int length) => ((delegate* unmanaged<long, long, long, byte*, int, int>)&Exports.TcpWrite)(s, now, h, d, length);
    public static int Shutdown(long s, long now, long h) => ((delegate* unmanaged<long, long, long, int>)&Exports.TcpShutdown)(s, now, h);
    public static int Abort(long s, long now, long h) => ((delegate* unmanaged<long, long, long, int>)&Exports.TcpAbort)(s, now, h);
    public static int Endpoints(long s, long h, EthoxEndpoint* l, EthoxEndpoint* r) => ((delegate* unmanaged<long, long, EthoxEndpoint*, EthoxEndpoint*, int>)&Exports.TcpEndpoints)(s, h, l, r);
    public static int Close(long s, long now, long h) => ((delegate* unmanaged<long, long, long, int>)&Exports.Close)(s, now, h);
    public static int SetOption(long s, long now, long h, int option, long value) => ((delegate* unmanaged<long, long, long, int, long, int>)&Exports.SetOption)(s, now, h, option, value);
    public static long GetOption(long s, long h, int option) => ((delegate* unmanaged<long, long, int, long>)&Exports.GetOption)(s, h, option);
    public static int Events(long s, long h) => ((delegate* unmanaged<long, long, int>)&Exports.SocketEvents)(s, h);
    public static int Error(long s, long h) => ((delegate* unmanaged<long, long, int>)&Exports.SocketError)(s, h);
    public static int Ready(long s, EthoxEvent* e, int max) => ((delegate* unmanaged<long, EthoxEvent*, int, int>)&Exports.Ready)(s, e, max);
    public static long UdpBind(long s, long now, ushort port) => ((delegate* unmanaged<long, long, ushort, long>)&Exports.UdpBind)(s, now, port);
    public static int UdpSend(long s, long now, long h, EthoxEndpoint* to, byte* d, int length) => ((delegate* unmanaged<long, long, long, EthoxEndpoint*, byte*, int, int>)&Exports.UdpSend)(s, now, h, to, d, length);
    public static int UdpReceive(long s, long now, long h, byte* b, int capacity, EthoxEndpoint* from) => ((delegate* unmanaged<long, long, long, byte*, int, EthoxEndpoint*, int>)&Exports.UdpReceive)(s, now, h, b, capacity, from);
    public static byte* StatusText(int status) => ((delegate* unmanaged<int, byte*>)&Exports.StatusText)(status);

    // Span-friendly forms for the tests.
    public static int Read(long s, long now, long h, Span<byte> b) { fixed (byte* p = b) return Read(s, now, h, p, b.Length); }
    public static int Write(long s, long now, long h, ReadOnlySpan<byte> d) { fixed (byte* p = d) return Write(s, now, h, p, d.Length); }
    public static long Connect(long s, long now, EthoxEndpoint remote) => Connect(s, now, &remote, null);
    public static long Connect(long s, long now, EthoxEndpoint remote, EthoxTcpOptions options) => Connect(s, now, &remote, &options);
    public static long Accept(long s, long now, long l, out EthoxEndpoint peer) { fixed (EthoxEndpoint* p = &peer) return Accept(s, now, l, p); }
    public static int UdpSend(long s, long now, long h, EthoxEndpoint to, ReadOnlySpan<byte> d) { fixed (byte* p = d) return UdpSend(s, now, h, &to, p, d.Length); }
    public static int UdpReceive(long s, long now, long h, Span<byte> b, out EthoxEndpoint from) { fixed (byte* p = b) fixed (EthoxEndpoint* f = &from) return UdpReceive(s, now, h, p, b.Length, f); }
    public static EthoxCounters Counters(long s) { EthoxCounters c; Counters(s, &c); return c; }
    public static int Ready(long s, Span<EthoxEvent> events) { fixed (EthoxEvent* e = events) return Ready(s, e, events.Length); }
    public static string Text(int status) => new((sbyte*)StatusText(status));
}
