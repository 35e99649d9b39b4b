using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ethox.Native;

/// <summary>
/// The C ABI (c/ethox.h). Every export is a catch-all around one <see cref="NativeApi"/> function: no exception ever
/// crosses into C (NativeAOT would end the process); an unexpected one becomes <see cref="EthoxStatus.Internal"/> and the
/// stack refuses every later call.
/// </summary>
public static unsafe class Exports
{
    /// <summary><c>int ethox_config_init(ethox_config *config)</c>: fills in the defaults.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_config_init")]
    public static int ConfigInit(EthoxConfig* config)
    {
        try { return NativeApi.ConfigInit(config); }
        catch (Exception) { return (int)EthoxStatus.Internal; }
    }

    /// <summary><c>int64_t ethox_create(const ethox_config *config, int64_t now)</c>: a new stack's handle.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_create")]
    public static long Create(EthoxConfig* config, long now)
    {
        try { return NativeApi.Create(config, now); }
        catch (Exception) { return (long)EthoxStatus.Internal; }
    }

    /// <summary><c>int ethox_destroy(int64_t stack)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_destroy")]
    public static int Destroy(long stack)
    {
        try { return NativeApi.Destroy(stack); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int32_t ethox_frame_capacity(int64_t stack)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_frame_capacity")]
    public static int FrameCapacity(long stack)
    {
        try { return NativeApi.FrameCapacity(stack); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int32_t ethox_input(int64_t stack, int64_t now, uint8_t *frame, int32_t length, int32_t capacity)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_input")]
    public static int Input(long stack, long now, byte* frame, int length, int capacity)
    {
        try { return NativeApi.Input(stack, now, frame, length, capacity); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int32_t ethox_output(int64_t stack, int64_t now, uint8_t *buffer, int32_t capacity)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_output")]
    public static int Output(long stack, long now, byte* buffer, int capacity)
    {
        try { return NativeApi.Output(stack, now, buffer, capacity); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int64_t ethox_poll(int64_t stack, int64_t now)</c>: the next deadline.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_poll")]
    public static long Poll(long stack, long now)
    {
        try { return NativeApi.Poll(stack, now); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int ethox_read_counters(int64_t stack, ethox_counters *counters)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_read_counters")]
    public static int Counters(long stack, EthoxCounters* counters)
    {
        try { return NativeApi.Counters(stack, counters); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int64_t ethox_tcp_listen(int64_t stack, int64_t now, uint16_t port, int32_t backlog)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_tcp_listen")]
    public static long TcpListen(long stack, long now, ushort port, int backlog)
    {
        try { return NativeApi.TcpListen(stack, now, port, backlog); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int64_t ethox_tcp_accept(int64_t stack, int64_t now, int64_t listener, ethox_endpoint *peer)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_tcp_accept")]
    public static long TcpAccept(long stack, long now, long listener, EthoxEndpoint* peer)
    {
        try { return NativeApi.TcpAccept(stack, now, listener, peer); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int64_t ethox_tcp_connect(int64_t stack, int64_t now, const ethox_endpoint *remote, const ethox_tcp_options *options)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_tcp_connect")]
    public static long TcpConnect(long stack, long now, EthoxEndpoint* remote, EthoxTcpOptions* options)
    {
        try { return NativeApi.TcpConnect(stack, now, remote, options); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int32_t ethox_tcp_read(int64_t stack, int64_t now, int64_t socket, void *buffer, int32_t capacity)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_tcp_read")]
    public static int TcpRead(long stack, long now, long socket, byte* buffer, int capacity)
    {
        try { return NativeApi.TcpRead(stack, now, socket, buffer, capacity); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int32_t ethox_tcp_write(int64_t stack, int64_t now, int64_t socket, const void *data, int32_t length)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_tcp_write")]
    public static int TcpWrite(long stack, long now, long socket, byte* data, int length)
    {
        try { return NativeApi.TcpWrite(stack, now, socket, data, length); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int ethox_tcp_shutdown(int64_t stack, int64_t now, int64_t socket)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_tcp_shutdown")]
    public static int TcpShutdown(long stack, long now, long socket)
    {
        try { return NativeApi.TcpShutdown(stack, now, socket); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int ethox_tcp_abort(int64_t stack, int64_t now, int64_t socket)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_tcp_abort")]
    public static int TcpAbort(long stack, long now, long socket)
    {
        try { return NativeApi.TcpAbort(stack, now, socket); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int ethox_tcp_endpoints(int64_t stack, int64_t socket, ethox_endpoint *local, ethox_endpoint *remote)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_tcp_endpoints")]
    public static int TcpEndpoints(long stack, long socket, EthoxEndpoint* local, EthoxEndpoint* remote)
    {
        try { return NativeApi.TcpEndpoints(stack, socket, local, remote); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int ethox_close(int64_t stack, int64_t now, int64_t socket)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_close")]
    public static int Close(long stack, long now, long socket)
    {
        try { return NativeApi.Close(stack, now, socket); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int ethox_setsockopt(int64_t stack, int64_t now, int64_t socket, int32_t option, int64_t value)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_setsockopt")]
    public static int SetOption(long stack, long now, long socket, int option, long value)
    {
        try { return NativeApi.SetOption(stack, now, socket, option, value); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int64_t ethox_getsockopt(int64_t stack, int64_t socket, int32_t option)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_getsockopt")]
    public static long GetOption(long stack, long socket, int option)
    {
        try { return NativeApi.GetOption(stack, socket, option); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int32_t ethox_socket_events(int64_t stack, int64_t socket)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_socket_events")]
    public static int SocketEvents(long stack, long socket)
    {
        try { return NativeApi.SocketEvents(stack, socket); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int ethox_socket_error(int64_t stack, int64_t socket)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_socket_error")]
    public static int SocketError(long stack, long socket)
    {
        try { return NativeApi.SocketError(stack, socket); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int32_t ethox_ready(int64_t stack, ethox_event *events, int32_t max)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_ready")]
    public static int Ready(long stack, EthoxEvent* events, int max)
    {
        try { return NativeApi.Ready(stack, events, max); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int64_t ethox_udp_bind(int64_t stack, int64_t now, uint16_t port)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_udp_bind")]
    public static long UdpBind(long stack, long now, ushort port)
    {
        try { return NativeApi.UdpBind(stack, now, port); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int32_t ethox_udp_send(int64_t stack, int64_t now, int64_t socket, const ethox_endpoint *to, const void *data, int32_t length)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_udp_send")]
    public static int UdpSend(long stack, long now, long socket, EthoxEndpoint* to, byte* data, int length)
    {
        try { return NativeApi.UdpSend(stack, now, socket, to, data, length); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>int32_t ethox_udp_recv(int64_t stack, int64_t now, int64_t socket, void *buffer, int32_t capacity, ethox_endpoint *from)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_udp_recv")]
    public static int UdpReceive(long stack, long now, long socket, byte* buffer, int capacity, EthoxEndpoint* from)
    {
        try { return NativeApi.UdpReceive(stack, now, socket, buffer, capacity, from); }
        catch (Exception) { return NativeApi.Fault(stack); }
    }

    /// <summary><c>const char *ethox_strerror(int32_t status)</c>: a static, NUL-terminated description.</summary>
    [UnmanagedCallersOnly(EntryPoint = "ethox_strerror")]
    public static byte* StatusText(int status)
    {
        // Literals of UTF-8 live in the image's read-only data: the pointer stays valid for the life of the process.
        var text = StatusTexts.Of(status);
        return (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(text));
    }
}
