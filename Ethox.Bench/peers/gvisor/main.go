// Command gvisor-peer runs gVisor's netstack as a peer for Ethox's benchmarks. It is built against
// Debian's snapshot of gVisor (golang-gvisor-gvisor-dev 0.0~20221219, Go 1.19), offline, in GOPATH mode:
//
//	GO111MODULE=off GOPROXY=off GOPATH=$PWD/.gopath:/usr/share/gocode go build -o gvisor-peer .
//
// Modes (README.md beside this file says more):
//
//	pipe  [-mtu 1500] [-mib 64] [-rounds 20] [-warmup-mib 16] [-link pipe|channel] [-buf 0] [-checksum-offload]
//	      Two gVisor stacks in this process joined by an in-memory Ethernet link, one TCP connection,
//	      the client writes N MiB per round and the server reads it into io.Discard; prints the
//	      goodput of each round in Gbit/s, as Ethox's `tcpbulk` does. -checksum-offload: the link says
//	      it offloads checksums both ways (as Linux's loopback does), so neither stack computes any.
//	serve -iface NAME -addr 198.18.X.Y/N [-tap] [-mmap] [-sockbuf BYTES]
//	      One gVisor stack on a Linux interface (AF_PACKET socket bound to it, or a TAP device)
//	      through link/fdbased, serving TCP discard (port 9, RFC 863) and echo (port 7, RFC 862).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/link/fdbased"
	"gvisor.dev/gvisor/pkg/tcpip/link/pipe"
	"gvisor.dev/gvisor/pkg/tcpip/link/tun"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/waiter"
)

const nicID tcpip.NICID = 1

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "pipe":
		runPipe(os.Args[2:])
	case "serve":
		runServe(os.Args[2:])
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gvisor-peer pipe [-mtu N] [-mib N] [-rounds N] [-warmup-mib N] [-link pipe|channel] [-buf BYTES]")
	fmt.Fprintln(os.Stderr, "       gvisor-peer serve -iface NAME -addr 198.18.X.Y/N [-tap] [-mmap] [-sockbuf BYTES]")
	os.Exit(2)
}

func fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "gvisor-peer: "+format+"\n", args...)
	os.Exit(1)
}

// newStack builds a stack with IPv4, ARP and TCP on one NIC, holding addr with a route to its subnet.
func newStack(ep stack.LinkEndpoint, addr tcpip.AddressWithPrefix, buf int) *stack.Stack {
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol},
	})
	// SACK as Linux has it on by default; it changes nothing without loss.
	sack := tcpip.TCPSACKEnabled(true)
	if err := s.SetTransportProtocolOption(tcp.ProtocolNumber, &sack); err != nil {
		fatalf("SACK: %v", err)
	}
	if buf > 0 {
		// The stack clamps SO_SNDBUF/SO_RCVBUF to these ranges (default maximum 4 MiB).
		max := buf
		if max < 4<<20 {
			max = 4 << 20
		}
		snd := tcpip.TCPSendBufferSizeRangeOption{Min: 4096, Default: buf, Max: max}
		rcv := tcpip.TCPReceiveBufferSizeRangeOption{Min: 4096, Default: buf, Max: max}
		if err := s.SetTransportProtocolOption(tcp.ProtocolNumber, &snd); err != nil {
			fatalf("send buffer range: %v", err)
		}
		if err := s.SetTransportProtocolOption(tcp.ProtocolNumber, &rcv); err != nil {
			fatalf("receive buffer range: %v", err)
		}
	}
	if err := s.CreateNIC(nicID, ep); err != nil {
		fatalf("CreateNIC: %v", err)
	}
	protocolAddress := tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: addr}
	if err := s.AddProtocolAddress(nicID, protocolAddress, stack.AddressProperties{}); err != nil {
		fatalf("AddProtocolAddress: %v", err)
	}
	s.SetRouteTable([]tcpip.Route{{Destination: addr.Subnet(), NIC: nicID}})
	return s
}

// listen opens a TCP listener on port.
func listen(s *stack.Stack, port uint16) (tcpip.Endpoint, *waiter.Queue) {
	var wq waiter.Queue
	ep, err := s.NewEndpoint(tcp.ProtocolNumber, ipv4.ProtocolNumber, &wq)
	if err != nil {
		fatalf("NewEndpoint: %v", err)
	}
	if err := ep.Bind(tcpip.FullAddress{Port: port}); err != nil {
		fatalf("Bind %d: %v", port, err)
	}
	if err := ep.Listen(128); err != nil {
		fatalf("Listen %d: %v", port, err)
	}
	return ep, &wq
}

// accept waits for the next connection on a listener.
func accept(ep tcpip.Endpoint, wq *waiter.Queue) (tcpip.Endpoint, *waiter.Queue) {
	entry, ready := waiter.NewChannelEntry(waiter.ReadableEvents)
	wq.EventRegister(&entry)
	defer wq.EventUnregister(&entry)
	for {
		conn, connWQ, err := ep.Accept(nil)
		if _, ok := err.(*tcpip.ErrWouldBlock); ok {
			<-ready
			continue
		}
		if err != nil {
			fatalf("Accept: %v", err)
		}
		return conn, connWQ
	}
}

// ---- pipe: two stacks in memory ----

var (
	clientMAC = tcpip.LinkAddress("\x02\x00\x5e\x00\x00\x01")
	serverMAC = tcpip.LinkAddress("\x02\x00\x5e\x00\x00\x02")
	clientIP  = tcpip.AddressWithPrefix{Address: tcpip.Address("\xc6\x12\x00\x01"), PrefixLen: 24} // 198.18.0.1/24
	serverIP  = tcpip.AddressWithPrefix{Address: tcpip.Address("\xc6\x12\x00\x02"), PrefixLen: 24} // 198.18.0.2/24
)

// inMemoryLink returns the two ends of an Ethernet link whose IP MTU is mtu.
//
// "pipe" is gVisor's own link/pipe: a write on one end calls the other stack's receive path at once, in the
// writer's goroutine, handing over the packet's buffer by reference (no copy, no queue). "channel" is two
// link/channel endpoints (bounded queues) with one goroutine per direction moving packets across: the
// usual way gVisor's tests join stacks, and a cost of its own (a queue and a goroutine switch per packet).
func inMemoryLink(kind string, mtu int, checksumOffload bool) (stack.LinkEndpoint, stack.LinkEndpoint) {
	// link/ethernet adds the 14-byte header and takes it off again from the MTU it reports.
	frame := uint32(mtu + 14)
	switch kind {
	case "pipe":
		a, b := pipe.New(clientMAC, serverMAC, frame)
		if checksumOffload {
			return ethernet.New(offloadingPipe{a}), ethernet.New(offloadingPipe{b})
		}
		return ethernet.New(a), ethernet.New(b)
	case "channel":
		a := channel.New(1024, frame, clientMAC)
		b := channel.New(1024, frame, serverMAC)
		go forward(a, b)
		go forward(b, a)
		return ethernet.New(a), ethernet.New(b)
	}
	fatalf("unknown link %q (pipe or channel)", kind)
	return nil, nil
}

// offloadingPipe is a link/pipe end that says it checksums what it sends and has verified what it receives, as
// Linux's loopback and Ethox's Pipe with DeviceOffloads.TransmitChecksumPartial do: the stacks then leave transport
// checksums partial on transmit (the route asks the link) and trust them on receive (the NIC marks each packet).
type offloadingPipe struct{ *pipe.Endpoint }

// Capabilities implements stack.LinkEndpoint.
func (offloadingPipe) Capabilities() stack.LinkEndpointCapabilities {
	return stack.CapabilityTXChecksumOffload | stack.CapabilityRXChecksumOffload
}

// forward moves every packet written on from into to as a fresh inbound packet, as link/pipe does.
func forward(from, to *channel.Endpoint) {
	for {
		pkt := from.ReadContext(context.Background())
		if pkt.IsNil() {
			return
		}
		in := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: pkt.ToBuffer()})
		pkt.DecRef()
		to.InjectInbound(0, in)
		in.DecRef()
	}
}

func runPipe(args []string) {
	flags := flag.NewFlagSet("pipe", flag.ExitOnError)
	mtu := flags.Int("mtu", 1500, "IP MTU of the link (the Ethernet frame is 14 bytes more)")
	mib := flags.Int("mib", 64, "MiB moved per round")
	rounds := flags.Int("rounds", 20, "measured rounds")
	warmup := flags.Int("warmup-mib", 16, "MiB moved before the first round (slow start over)")
	link := flags.String("link", "pipe", "in-memory link: pipe (gVisor's link/pipe, synchronous) or channel (two link/channel queues and a goroutine each way)")
	buf := flags.Int("buf", 0, "SO_SNDBUF and SO_RCVBUF in bytes (0: gVisor's defaults, 1 MiB each)")
	checksumOffload := flags.Bool("checksum-offload", false, "the pipe link offloads checksums both ways: no stack computes one (link pipe only)")
	flags.Parse(args)
	if *mtu < 576 || *mtu > 65535 {
		fatalf("MTU %d out of range", *mtu)
	}
	if *checksumOffload && *link != "pipe" {
		fatalf("-checksum-offload needs -link pipe")
	}

	clientLink, serverLink := inMemoryLink(*link, *mtu, *checksumOffload)
	server := newStack(serverLink, serverIP, *buf)
	client := newStack(clientLink, clientIP, *buf)

	listener, listenerWQ := listen(server, 9)
	accepted := make(chan tcpip.Endpoint, 1)
	acceptedWQ := make(chan *waiter.Queue, 1)
	go func() {
		conn, wq := accept(listener, listenerWQ)
		accepted <- conn
		acceptedWQ <- wq
	}()

	var wq waiter.Queue
	conn, err := client.NewEndpoint(tcp.ProtocolNumber, ipv4.ProtocolNumber, &wq)
	if err != nil {
		fatalf("NewEndpoint: %v", err)
	}
	writable, writableCh := waiter.NewChannelEntry(waiter.WritableEvents)
	wq.EventRegister(&writable)
	if err := conn.Connect(tcpip.FullAddress{NIC: nicID, Addr: serverIP.Address, Port: 9}); err != nil {
		if _, ok := err.(*tcpip.ErrConnectStarted); !ok {
			fatalf("Connect: %v", err)
		}
		<-writableCh
		if err := conn.LastError(); err != nil {
			fatalf("Connect: %v", err)
		}
	}
	serverConn, serverWQ := <-accepted, <-acceptedWQ

	// The receiver is told how many bytes to expect and answers when it has read them all.
	want := make(chan int64)
	done := make(chan struct{})
	go discardRounds(serverConn, serverWQ, want, done)

	chunk := make([]byte, 64<<10)
	for i := range chunk {
		chunk[i] = byte(i * 7)
	}
	send := func(total int64) {
		want <- total
		var reader bytes.Reader
		for left := total; left > 0; {
			n := int64(len(chunk))
			if n > left {
				n = left
			}
			reader.Reset(chunk[:n])
			for reader.Len() > 0 {
				written, err := conn.Write(&reader, tcpip.WriteOptions{})
				if _, ok := err.(*tcpip.ErrWouldBlock); ok {
					<-writableCh
					continue
				}
				if err != nil {
					fatalf("Write: %v", err)
				}
				left -= written
			}
		}
		<-done
	}

	fmt.Printf("gVisor netstack (Debian 0.0~20221219, %s), link %s, MTU %d, %d MiB per round, GOMAXPROCS %d, buffers %s\n",
		runtime.Version(), *link, *mtu, *mib, runtime.GOMAXPROCS(0), bufferText(*buf))
	send(int64(*warmup) << 20)
	stats, serverStats := client.Stats().TCP, server.Stats()
	bytesPerRound := int64(*mib) << 20
	results, perCPU := make([]float64, 0, *rounds), make([]float64, 0, *rounds)
	for round := 0; round < *rounds; round++ {
		segments, retransmits, dropped := stats.SegmentsSent.Value(), stats.Retransmits.Value(), serverStats.DroppedPackets.Value()
		var before, after syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &before)
		start := time.Now()
		send(bytesPerRound)
		elapsed := time.Since(start)
		syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
		gbps := float64(bytesPerRound) * 8 / elapsed.Seconds() / 1e9
		results = append(results, gbps)
		perCPU = append(perCPU, float64(bytesPerRound)*8/cpu.Seconds()/1e9)
		fmt.Printf("round %d: %.2f Gbit/s (%.1f ms), %.2f Gbit/s per CPU second (%.1f ms of CPU), client segments out %d, retransmits %d, dropped by the server %d\n",
			round, gbps, float64(elapsed.Microseconds())/1000, float64(bytesPerRound)*8/cpu.Seconds()/1e9, float64(cpu.Microseconds())/1000,
			stats.SegmentsSent.Value()-segments, stats.Retransmits.Value()-retransmits, serverStats.DroppedPackets.Value()-dropped)
	}
	sort.Float64s(results)
	sort.Float64s(perCPU)
	fmt.Printf("median %.2f Gbit/s over %d rounds (min %.2f, max %.2f), median %.2f Gbit/s per CPU second\n",
		results[len(results)/2], len(results), results[0], results[len(results)-1], perCPU[len(perCPU)/2])
}

func bufferText(buf int) string {
	if buf == 0 {
		return "gVisor's defaults"
	}
	return fmt.Sprintf("%d B each way", buf)
}

// discardRounds reads, for each count received on want, that many bytes into io.Discard, then signals done.
func discardRounds(conn tcpip.Endpoint, wq *waiter.Queue, want <-chan int64, done chan<- struct{}) {
	readable, readableCh := waiter.NewChannelEntry(waiter.ReadableEvents)
	wq.EventRegister(&readable)
	for total := range want {
		for got := int64(0); got < total; {
			res, err := conn.Read(io.Discard, tcpip.ReadOptions{})
			if _, ok := err.(*tcpip.ErrWouldBlock); ok {
				<-readableCh
				continue
			}
			if err != nil {
				fatalf("Read: %v", err)
			}
			got += int64(res.Count)
		}
		done <- struct{}{}
	}
}

// ---- serve: one stack on a Linux interface ----

func runServe(args []string) {
	flags := flag.NewFlagSet("serve", flag.ExitOnError)
	iface := flags.String("iface", "", "the Linux interface (AF_PACKET) or the TAP device to create or attach to (-tap)")
	addrText := flags.String("addr", "", "the stack's IPv4 address with prefix, inside 198.18.0.0/15")
	useTAP := flags.Bool("tap", false, "open a TAP device instead of an AF_PACKET socket")
	mmap := flags.Bool("mmap", false, "AF_PACKET: receive through a PACKET_RX_RING (fdbased's PacketMMap) instead of recvmmsg")
	sockbuf := flags.Int("sockbuf", 0, "AF_PACKET: SO_RCVBUF and SO_SNDBUF of the socket in bytes (0: the kernel's defaults)")
	flags.Parse(args)
	if *iface == "" || *addrText == "" {
		usage()
	}
	ip, ipNet, err := net.ParseCIDR(*addrText)
	if err != nil || ip.To4() == nil {
		fatalf("-addr %q: want an IPv4 address with prefix", *addrText)
	}
	_, benchmarking, _ := net.ParseCIDR("198.18.0.0/15")
	if prefix, _ := ipNet.Mask.Size(); !benchmarking.Contains(ip) || prefix < 15 {
		fatalf("-addr %q: only 198.18.0.0/15 (RFC 2544's benchmarking range) is allowed", *addrText)
	}
	prefix, _ := ipNet.Mask.Size()
	addr := tcpip.AddressWithPrefix{Address: tcpip.Address(ip.To4()), PrefixLen: prefix}

	var fd int
	var mac net.HardwareAddr
	mode := fdbased.RecvMMsg
	if *useTAP {
		if fd, err = tun.OpenTAP(*iface); err != nil {
			fatalf("TAP %s: %v", *iface, err)
		}
		// fdbased reads a file that is not a socket with readv whatever the mode says.
		mode = fdbased.Readv
		// The TAP device's own MAC is the kernel's side; the stack behind it needs an address of its own.
		mac = net.HardwareAddr{0x02, 0x00, 0x5e, 0x00, 0x01, ip.To4()[3]}
	} else {
		nic, err := net.InterfaceByName(*iface)
		if err != nil {
			fatalf("interface %s: %v", *iface, err)
		}
		mac = nic.HardwareAddr
		if fd, err = packetSocket(nic.Index, *sockbuf); err != nil {
			fatalf("AF_PACKET on %s: %v", *iface, err)
		}
		if *mmap {
			mode = fdbased.PacketMMap
		}
	}
	mtu, err := interfaceMTU(*iface)
	if err != nil {
		fatalf("MTU of %s: %v", *iface, err)
	}
	ep, err := fdbased.New(&fdbased.Options{
		FDs:                []int{fd},
		MTU:                uint32(mtu),
		EthernetHeader:     true,
		Address:            tcpip.LinkAddress(mac),
		PacketDispatchMode: mode,
	})
	if err != nil {
		fatalf("fdbased: %v", err)
	}
	s := newStack(ep, addr, 0)

	go serve(s, 9, discardConn)
	go serve(s, 7, echoConn)
	fmt.Printf("gVisor netstack (Debian 0.0~20221219, %s) on %s (%s, %s, MTU %d, MAC %s) at %s: discard on TCP 9, echo on TCP 7\n",
		runtime.Version(), *iface, map[bool]string{true: "TAP", false: "AF_PACKET"}[*useTAP], mode, mtu, mac, *addrText)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	stats := s.Stats()
	fmt.Printf("stopped: TCP segments in %d, out %d, retransmits %d, checksum errors %d; IP packets in %d; dropped by the stack %d\n",
		stats.TCP.ValidSegmentsReceived.Value(), stats.TCP.SegmentsSent.Value(), stats.TCP.Retransmits.Value(),
		stats.TCP.ChecksumErrors.Value(), stats.IP.PacketsReceived.Value(), stats.DroppedPackets.Value())
	if !*useTAP {
		// What the kernel could not queue on the socket because the stack did not read fast enough.
		if ps, err := unix.GetsockoptTpacketStats(fd, unix.SOL_PACKET, unix.PACKET_STATISTICS); err == nil {
			fmt.Printf("AF_PACKET socket: %d frames received, %d dropped by the kernel (socket full)\n", ps.Packets, ps.Drops)
		}
	}
}

// packetSocket opens an AF_PACKET socket taking every protocol on the interface with index ifindex, with
// socket buffers of sockbuf bytes each way unless it is 0.
func packetSocket(ifindex, sockbuf int) (int, error) {
	all := htons(unix.ETH_P_ALL)
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, int(all))
	if err != nil {
		return -1, err
	}
	if sockbuf > 0 {
		// The FORCE variants go past net.core.rmem_max/wmem_max (we run as root).
		for _, opt := range []int{unix.SO_RCVBUFFORCE, unix.SO_SNDBUFFORCE} {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt, sockbuf); err != nil {
				unix.Close(fd)
				return -1, err
			}
		}
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: all, Ifindex: ifindex}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func interfaceMTU(name string) (int, error) {
	text, err := os.ReadFile("/sys/class/net/" + name + "/mtu")
	if err != nil {
		return 0, err
	}
	var mtu int
	_, err = fmt.Sscanf(strings.TrimSpace(string(text)), "%d", &mtu)
	return mtu, err
}

// serve accepts connections on port forever, each handled by handle in a goroutine of its own.
func serve(s *stack.Stack, port uint16, handle func(tcpip.Endpoint, *waiter.Queue)) {
	listener, wq := listen(s, port)
	for {
		conn, connWQ := accept(listener, wq)
		go handle(conn, connWQ)
	}
}

// discardConn reads until the peer closes (RFC 863).
func discardConn(conn tcpip.Endpoint, wq *waiter.Queue) {
	defer conn.Close()
	readable, readableCh := waiter.NewChannelEntry(waiter.ReadableEvents)
	wq.EventRegister(&readable)
	defer wq.EventUnregister(&readable)
	for {
		_, err := conn.Read(io.Discard, tcpip.ReadOptions{})
		if _, ok := err.(*tcpip.ErrWouldBlock); ok {
			<-readableCh
			continue
		}
		if err != nil {
			return
		}
	}
}

// echoConn sends back what it reads until the peer closes (RFC 862).
func echoConn(conn tcpip.Endpoint, wq *waiter.Queue) {
	defer conn.Close()
	entry, ready := waiter.NewChannelEntry(waiter.ReadableEvents | waiter.WritableEvents)
	wq.EventRegister(&entry)
	defer wq.EventUnregister(&entry)
	var pending bytes.Buffer
	for {
		if pending.Len() > 0 {
			_, err := conn.Write(&pending, tcpip.WriteOptions{})
			if _, ok := err.(*tcpip.ErrWouldBlock); ok {
				<-ready
				continue
			}
			if err != nil {
				return
			}
			continue
		}
		_, err := conn.Read(&pending, tcpip.ReadOptions{})
		if _, ok := err.(*tcpip.ErrWouldBlock); ok {
			<-ready
			continue
		}
		if err != nil {
			return
		}
	}
}
