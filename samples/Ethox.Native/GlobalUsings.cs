// The transports above the IP layer of every native stack: TCP and UDP for the caller's sockets, no ICMP handler.
global using Transports = Ethox.Layer.Ip.TransportMux<
    Ethox.Layer.Tcp.TcpLayer<Ethox.Native.NativeTcpUser>,
    Ethox.Layer.Udp.UdpLayer<Ethox.Native.NativeUdpUser>,
    Ethox.Layer.Ip.NoTransport>;
