/*
 * ethox.h — the C ABI of Ethox, a zero-allocation user-space TCP/IP stack (libethox.a / libethox.so, built with
 * NativeAOT from samples/Ethox.Native; docs/native.md says how to build and link).
 *
 * The model
 *   - A stack is an Ethernet station (frames in, frames out) or a bare-IP host (IPv4/IPv6 packets in and out, as on
 *     TUN or in a VPN). It owns no device and no thread, reads no clock and never blocks: the caller hands received
 *     frames in (ethox_input), takes frames to send out (ethox_output) into buffers it lends, and calls again when
 *     ethox_poll's deadline comes.
 *   - Time is the caller's: every call that can move the stack takes `now`, in microseconds on any clock the caller
 *     likes (monotonic, or virtual in a simulation). It must never go back: a call with an earlier `now` than the
 *     stack's previous one is refused with ETHOX_E_TIME. The pure queries (ethox_read_counters, ethox_socket_events,
 *     ethox_socket_error, ethox_getsockopt, ethox_tcp_endpoints, ethox_ready, ethox_frame_capacity) take none.
 *   - All memory is allocated by ethox_create from the capacities in ethox_config; no call allocates afterwards, and
 *     a full table is a status (ETHOX_E_NOSPACE, ETHOX_E_AGAIN), never a resize.
 *   - Handles are integers, validated on every call: a stack handle (int64_t > 0) and socket handles (int64_t > 0,
 *     TCP connections, TCP listeners, UDP sockets) that belong to one stack. A closed, destroyed, foreign (another
 *     stack's) or wrong-kind handle is ETHOX_E_BADHANDLE, never a crash; a socket slot's generation moves on when its
 *     handle is closed, so an old handle never reaches the slot's next socket (until 2^24 closes of that slot).
 *   - Errors are negative return values (enum ethox_status); success is 0 or a non-negative result (a handle, a
 *     length, a deadline). No exception ever crosses into C: an unexpected failure inside is ETHOX_E_INTERNAL, after
 *     which that stack refuses every call but ethox_destroy.
 *   - Threads: one stack is used by one thread at a time (a call made while another thread is inside a call on the
 *     same stack returns ETHOX_E_BUSY). Different stacks may run on different threads: one stack per core, flows
 *     shared out by the device (AF_PACKET fanout, multi-queue TAP).
 *   - Non-blocking sockets: reads, writes, accepts and datagram calls return ETHOX_E_AGAIN instead of waiting.
 *     ethox_ready lists the sockets whose readiness changed (edge-triggered, as EPOLLET: keep reading or writing a
 *     listed socket until ETHOX_E_AGAIN); ethox_socket_events gives a socket's readiness now (level).
 *
 * A server loop
 *   ethox_config c; ethox_config_init(&c); ... c.ipv4 = {198,18,0,1}; c.ipv4_prefix = 24;
 *   int64_t s = ethox_create(&c, now()); int64_t l = ethox_tcp_listen(s, now(), 7, 16);
 *   for (;;) {
 *       wait for the device until ethox_poll(s, now());
 *       n = read(dev, buf, sizeof buf); if (n > 0 && (n = ethox_input(s, now(), buf, n, sizeof buf)) > 0) write(dev, buf, n);
 *       while ((n = ethox_output(s, now(), buf, sizeof buf)) > 0) write(dev, buf, n);
 *       ethox_event ev[64]; int k = ethox_ready(s, ev, 64); ... accept, read, write ...
 *   }
 */
#ifndef ETHOX_H
#define ETHOX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Returned by the calls below: 0 or a non-negative result on success, one of these on failure. */
enum ethox_status {
    ETHOX_OK = 0,
    ETHOX_E_INVAL = -1,      /* an argument is wrong: NULL pointer, negative length, unknown option, bad configuration */
    ETHOX_E_BADHANDLE = -2,  /* the stack or socket handle names nothing live here (closed, foreign, wrong kind) */
    ETHOX_E_AGAIN = -3,      /* would block: nothing to read or accept, no room to write or queue; try after the stack moved */
    ETHOX_E_NOSPACE = -4,    /* a capacity fixed at creation is used up (stacks, sockets, buffers, listeners) */
    ETHOX_E_INUSE = -5,      /* the port or the connection's four-tuple is taken */
    ETHOX_E_STATE = -6,      /* not allowed in the socket's state (write after shutdown, buffer size of a live connection) */
    ETHOX_E_NOROUTE = -7,    /* no route or no source address toward the destination */
    ETHOX_E_REFUSED = -8,    /* the peer refused the connection (RST or ICMP port unreachable in answer to our SYN) */
    ETHOX_E_RESET = -9,      /* the connection was reset */
    ETHOX_E_TIMEDOUT = -10,  /* retransmissions or keep-alive probes went unanswered */
    ETHOX_E_UNREACH = -11,   /* an ICMP error (protocol unreachable, prohibited) ended the connection attempt */
    ETHOX_E_TIME = -12,      /* `now` is negative or earlier than the stack's previous call */
    ETHOX_E_BUFSIZE = -13,   /* a frame buffer is smaller than ethox_frame_capacity, or length > capacity */
    ETHOX_E_MSGSIZE = -14,   /* a UDP datagram larger than can be sent (65507 bytes over IPv4, 65527 over IPv6, the send queue) */
    ETHOX_E_BUSY = -15,      /* another thread is inside a call on this stack */
    ETHOX_E_INTERNAL = -16   /* unexpected failure inside, caught at the boundary: the stack is unusable, destroy it */
};

/* ethox_poll's answer when no timer is pending. */
#define ETHOX_NEVER INT64_MAX

/* ethox_config.medium */
#define ETHOX_MEDIUM_ETHERNET 0u /* Ethernet II frames without FCS (TAP, AF_PACKET, a NIC) */
#define ETHOX_MEDIUM_IP 1u       /* bare IPv4/IPv6 packets, no link header (TUN, a VPN's packet interface) */

/* ethox_config.flags */
#define ETHOX_CONFIG_IPV6_AUTOCONF 1u /* Ethernet only: EUI-64 link-local address, router solicitation, SLAAC (RFC 4862) */

/* ethox_endpoint.family */
#define ETHOX_FAMILY_IPV4 4
#define ETHOX_FAMILY_IPV6 6

/* Readiness bits (ethox_socket_events, ethox_event.events). */
#define ETHOX_EV_READABLE 1u    /* read/accept/recv will not return ETHOX_E_AGAIN: data, end of stream, an error, a connection, a datagram */
#define ETHOX_EV_WRITABLE 2u    /* write takes at least one byte (an open connection with room), or the UDP send queue has room */
#define ETHOX_EV_PEER_CLOSED 4u /* the peer sent FIN: after the bytes before it, reads return 0 */
#define ETHOX_EV_CLOSED 8u      /* the connection is over (closed both ways, reset, timed out, refused): close the handle */
#define ETHOX_EV_ERROR 16u      /* the connection failed; ethox_socket_error says how, reads and writes return it */
#define ETHOX_EV_CONNECTED 32u  /* the handshake completed */

/* Options of ethox_setsockopt / ethox_getsockopt (TCP connections and listeners). */
#define ETHOX_OPT_NODELAY 1   /* 1: Nagle's algorithm off (RFC 896); 0: on (default). A listener passes it to what it accepts. */
#define ETHOX_OPT_KEEPALIVE 2 /* 1: keep-alive probes (RFC 1122 4.2.3.6); 0: off (default). A listener passes it on. */
#define ETHOX_OPT_SNDBUF 3    /* send ring bytes, 1..tcp_send_buffer. Listeners only: a connection's rings are fixed (ETHOX_E_STATE). */
#define ETHOX_OPT_RCVBUF 4    /* receive ring bytes (the largest window), 1..tcp_receive_buffer. Listeners only. */

/*
 * Everything a stack is made of. Fill it with ethox_config_init, then set the addresses; every capacity is fixed here.
 * Addresses are in network byte order; all-zero means "none".
 */
typedef struct ethox_config {
    uint32_t size;               /* sizeof(ethox_config): set by ethox_config_init; another value is ETHOX_E_INVAL */
    uint32_t medium;             /* ETHOX_MEDIUM_ETHERNET (default) or ETHOX_MEDIUM_IP */
    uint8_t mac[6];              /* Ethernet: our unicast station address (required) */
    uint16_t mtu;                /* the IP MTU, 576..9216 (1280 or more with IPv6); default 1500 */
    uint8_t ipv4[4];             /* our IPv4 address, or 0.0.0.0 */
    uint8_t ipv4_gateway[4];     /* IPv4 default gateway, or 0.0.0.0 */
    uint32_t ipv4_prefix;        /* 1..32 */
    uint32_t ipv6_prefix;        /* 1..128 */
    uint8_t ipv6[16];            /* our IPv6 address, or :: (over Ethernet it is tentative for a second: RFC 4862 DAD) */
    uint8_t ipv6_gateway[16];    /* IPv6 default gateway, or :: */
    uint32_t tcp_connections;    /* TCP connections with buffers at once (accepted, connecting, open, closing); default 64 */
    uint32_t tcp_send_buffer;    /* bytes of each connection's send ring (the largest one); default 65536, at most 16 MiB */
    uint32_t tcp_receive_buffer; /* bytes of each connection's receive ring (the largest window); default 65536, at most 16 MiB */
    uint32_t tcp_listeners;      /* listening ports at once, at most 1024; default 8 */
    uint32_t udp_sockets;        /* bound UDP sockets at once, at most 4096; default 8 */
    uint32_t udp_receive_queue;  /* bytes of received datagrams per UDP socket (each datagram takes 28 more); default 65536 */
    uint32_t udp_send_queue;     /* bytes of datagrams waiting for ethox_output, whole stack (28 more each); default 65536 */
    uint32_t neighbors;          /* Ethernet: neighbour cache entries (ARP and NDISC); default 64 */
    uint32_t flags;              /* ETHOX_CONFIG_* */
    uint32_t tcp_fin_timeout_ms; /* ms a closed connection waits in FIN-WAIT-2 for the peer's FIN, then is dropped (Linux's
                                    tcp_fin_timeout); default 60000; 0: dropped once our FIN is acknowledged */
    uint8_t key[16];             /* secret key of every keyed hash (ISNs, ports, SYN cookies, tables); all zero: getrandom(2) */
} ethox_config;

/* An IP address and a port. */
typedef struct ethox_endpoint {
    uint8_t family;       /* ETHOX_FAMILY_IPV4 or ETHOX_FAMILY_IPV6 */
    uint8_t reserved;     /* 0 */
    uint16_t port;        /* host byte order */
    uint8_t address[16];  /* network byte order; IPv4 in the first 4 bytes */
} ethox_endpoint;

/* Options of a connection being opened (ethox_tcp_connect); pass NULL for the defaults. */
typedef struct ethox_tcp_options {
    uint32_t nodelay;        /* 1: Nagle off */
    uint32_t keepalive;      /* 1: keep-alive probes */
    uint32_t send_buffer;    /* send ring bytes, 0 for the stack's tcp_send_buffer */
    uint32_t receive_buffer; /* receive ring bytes, 0 for the stack's tcp_receive_buffer */
} ethox_tcp_options;

/* A socket whose readiness changed (ethox_ready). */
typedef struct ethox_event {
    int64_t socket;   /* the socket handle */
    uint32_t events;  /* its ETHOX_EV_* bits at the time of the call */
    uint32_t reserved;
} ethox_event;

/* What a stack has done since it was made. */
typedef struct ethox_counters {
    uint64_t frames_in;          /* frames (or packets) handed to ethox_input */
    uint64_t frames_out;         /* frames handed out: in-place answers of ethox_input plus ethox_output's */
    uint64_t answered_in_place;  /* of frames_out, answers written into the received frame's buffer */
    uint64_t ethernet_dropped;   /* malformed, not for us, unknown EtherType, our own source */
    uint64_t ip_packets_in;
    uint64_t ip_packets_out;
    uint64_t ip_dropped;         /* bad headers, not for us, martian source, unresolved, no route, too big */
    uint64_t arp_out;            /* ARP requests, replies and announcements sent */
    uint64_t icmp_echo_replies;  /* echo replies sent (v4 and v6) */
    uint64_t icmp_errors_out;    /* ICMP errors sent */
    uint64_t tcp_segments_in;
    uint64_t tcp_segments_out;   /* retransmissions included */
    uint64_t tcp_retransmits;
    uint64_t tcp_active_opens;   /* ethox_tcp_connect */
    uint64_t tcp_passive_opens;  /* connections accepted on a listening port */
    uint64_t tcp_resets;         /* connections reset, by the peer or by us */
    uint64_t tcp_errors;         /* malformed segments, bad checksums */
    uint64_t tcp_accept_drops;   /* SYNs dropped because the backlog or the stack's sockets were full (the client retries) */
    uint64_t udp_datagrams_in;
    uint64_t udp_datagrams_out;
    uint64_t udp_no_port;        /* datagrams to a port nobody bound (answered with ICMP port unreachable) */
    uint64_t udp_errors;         /* malformed datagrams, bad checksums */
    uint64_t udp_queue_drops;    /* datagrams dropped because their socket's receive queue was full */
    uint64_t udp_send_failures;  /* queued datagrams that could not leave (no route, no source address) */
} ethox_counters;

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(ethox_config) == 120, "ethox_config layout");
_Static_assert(offsetof(ethox_config, ipv6) == 32 && offsetof(ethox_config, tcp_connections) == 64 && offsetof(ethox_config, key) == 104, "ethox_config layout");
_Static_assert(sizeof(ethox_endpoint) == 20, "ethox_endpoint layout");
_Static_assert(sizeof(ethox_tcp_options) == 16, "ethox_tcp_options layout");
_Static_assert(sizeof(ethox_event) == 16, "ethox_event layout");
_Static_assert(sizeof(ethox_counters) == 24 * 8, "ethox_counters layout");
#endif

/* ---- stacks ------------------------------------------------------------------------------------------------ */

/* Fills *config with the defaults (Ethernet, MTU 1500, no address, 64 connections of 64 KiB rings, 8 listeners, 8 UDP
 * sockets, a random key). Returns 0, or ETHOX_E_INVAL for NULL. */
int ethox_config_init(ethox_config *config);

/* Makes a stack: all of its memory is allocated here (about tcp_connections x (tcp_send_buffer + tcp_receive_buffer) +
 * udp_sockets x udp_receive_queue + udp_send_queue + 200 KiB of tables). Its IPv4 address is announced by a gratuitous ARP
 * and an IPv6 one starts duplicate address detection with the first ethox_output calls. Returns the stack handle (> 0),
 * or ETHOX_E_INVAL (a bad configuration), ETHOX_E_NOSPACE (256 stacks exist, or the buffers exceed 2 GiB), ETHOX_E_TIME. */
int64_t ethox_create(const ethox_config *config, int64_t now);

/* Destroys a stack and everything it holds; its handle and its sockets' handles are stale afterwards. Returns 0,
 * ETHOX_E_BADHANDLE, or ETHOX_E_BUSY when another thread is inside a call on it. */
int ethox_destroy(int64_t stack);

/* The bytes every frame buffer lent to ethox_input and ethox_output must hold: the MTU plus 22 on Ethernet (header and
 * two VLAN tags), the MTU on the IP medium. Returns it, or ETHOX_E_BADHANDLE. */
int32_t ethox_frame_capacity(int64_t stack);

/* ---- frames ------------------------------------------------------------------------------------------------ */

/* Hands one received frame (or IP packet) to the stack: `length` bytes at `frame`, in a writable buffer of `capacity`
 * bytes (at least ethox_frame_capacity). The stack may answer in place: then the buffer holds the answer (an ACK with
 * data, an echo reply, an ARP reply, a RST) and the return value is its length, to be sent by the caller; 0 means
 * nothing to send. Bad frames are counted and dropped, never an error. Errors: ETHOX_E_INVAL, ETHOX_E_BUFSIZE,
 * ETHOX_E_BADHANDLE, ETHOX_E_TIME, ETHOX_E_BUSY, ETHOX_E_INTERNAL. */
int32_t ethox_input(int64_t stack, int64_t now, uint8_t *frame, int32_t length, int32_t capacity);

/* Writes the next frame to send into `buffer` (`capacity` at least ethox_frame_capacity): ARP/NDISC, retransmissions
 * and other due timers, connection data, queued datagrams. Returns its length, or 0 when nothing is due; call it until it
 * returns 0. Errors as ethox_input. */
int32_t ethox_output(int64_t stack, int64_t now, uint8_t *buffer, int32_t capacity);

/* When ethox_output must next be called even if no frame arrives: a time on the caller's clock (a time <= now means
 * at once), or ETHOX_NEVER. Wait for the device until then. Errors: ETHOX_E_BADHANDLE, ETHOX_E_TIME, ETHOX_E_BUSY. */
int64_t ethox_poll(int64_t stack, int64_t now);

/* Copies the stack's counters into *counters. Returns 0, ETHOX_E_INVAL, ETHOX_E_BADHANDLE or ETHOX_E_BUSY. */
int ethox_read_counters(int64_t stack, ethox_counters *counters);

/* ---- TCP ------------------------------------------------------------------------------------------------------- */

/* Listens on `port` (every local address) with room for `backlog` (>= 1) connections not yet accepted; SYNs beyond it
 * are dropped (the client retries). Returns the listener's handle, or ETHOX_E_INVAL, ETHOX_E_INUSE, ETHOX_E_NOSPACE. */
int64_t ethox_tcp_listen(int64_t stack, int64_t now, uint16_t port, int32_t backlog);

/* Takes the oldest established connection of `listener`; writes the peer's address and port into *peer (may be NULL).
 * Returns the connection's handle, ETHOX_E_AGAIN when none waits (ETHOX_EV_READABLE on the listener says one does), or
 * ETHOX_E_BADHANDLE. The connection has the listener's options and ring sizes. */
int64_t ethox_tcp_accept(int64_t stack, int64_t now, int64_t listener, ethox_endpoint *peer);

/* Opens a connection to *remote (the SYN leaves with the next ethox_output). Returns its handle at once; it becomes
 * ETHOX_EV_CONNECTED | ETHOX_EV_WRITABLE when the handshake completes, or ETHOX_EV_ERROR with ETHOX_E_REFUSED,
 * ETHOX_E_TIMEDOUT or ETHOX_E_UNREACH. Data written before waits in the send ring. Errors: ETHOX_E_INVAL,
 * ETHOX_E_NOROUTE, ETHOX_E_INUSE (no free port), ETHOX_E_NOSPACE. */
int64_t ethox_tcp_connect(int64_t stack, int64_t now, const ethox_endpoint *remote, const ethox_tcp_options *options);

/* Reads up to `capacity` received bytes into `buffer`. Returns their count (> 0); 0 at the end of the stream (the peer's
 * FIN, once everything before it was read); ETHOX_E_AGAIN when nothing arrived yet; the connection's error
 * (ETHOX_E_RESET, ETHOX_E_TIMEDOUT, ETHOX_E_REFUSED, ETHOX_E_UNREACH) once what arrived before it was read. */
int32_t ethox_tcp_read(int64_t stack, int64_t now, int64_t socket, void *buffer, int32_t capacity);

/* Copies up to `length` bytes into the connection's send ring; they leave as the windows allow, with ethox_output.
 * Returns the count taken (> 0, or 0 for length 0), ETHOX_E_AGAIN when the ring is full (wait for ETHOX_EV_WRITABLE),
 * ETHOX_E_STATE after shutdown or once the connection is over, or the connection's error. */
int32_t ethox_tcp_write(int64_t stack, int64_t now, int64_t socket, const void *data, int32_t length);

/* Half-close (RFC 9293 3.10.4): a FIN follows the bytes written; reading goes on until the peer's FIN. Twice is fine.
 * Returns 0, ETHOX_E_BADHANDLE, or the connection's error. */
int ethox_tcp_shutdown(int64_t stack, int64_t now, int64_t socket);

/* Resets the connection (a RST to the peer, RFC 9293 3.10.5) and releases the handle at once. Returns 0 or
 * ETHOX_E_BADHANDLE. */
int ethox_tcp_abort(int64_t stack, int64_t now, int64_t socket);

/* The local and remote address and port of a connection (also after it ended); either pointer may be NULL. Returns 0 or
 * ETHOX_E_BADHANDLE. */
int ethox_tcp_endpoints(int64_t stack, int64_t socket, ethox_endpoint *local, ethox_endpoint *remote);

/* ---- every socket ------------------------------------------------------------------------------------------- */

/* Closes a socket; the handle is stale afterwards. A connection closes gracefully: a FIN follows the data written, and
 * the stack finishes the close in the background, keeping the connection's buffers until then; if received bytes were
 * left unread, or arrive later, it is reset instead (RFC 1122 4.2.2.13). A peer that never sends its FIN has the
 * connection dropped tcp_fin_timeout_ms after our FIN was acknowledged (FIN-WAIT-2), its buffers freed. A listener resets the connections nobody
 * accepted. A UDP socket unbinds its port (its datagrams already queued still leave). Returns 0 or ETHOX_E_BADHANDLE. */
int ethox_close(int64_t stack, int64_t now, int64_t socket);

/* Sets an ETHOX_OPT_* option of a TCP connection or listener. Returns 0, ETHOX_E_INVAL (unknown option, bad value, a
 * UDP socket), ETHOX_E_STATE (a buffer size on a connection), ETHOX_E_BADHANDLE. */
int ethox_setsockopt(int64_t stack, int64_t now, int64_t socket, int32_t option, int64_t value);

/* The value of an ETHOX_OPT_* option (>= 0), or ETHOX_E_INVAL, ETHOX_E_BADHANDLE. */
int64_t ethox_getsockopt(int64_t stack, int64_t socket, int32_t option);

/* The socket's ETHOX_EV_* readiness now (level-triggered), or ETHOX_E_BADHANDLE. */
int32_t ethox_socket_events(int64_t stack, int64_t socket);

/* How a connection failed (ETHOX_E_RESET, ETHOX_E_REFUSED, ETHOX_E_TIMEDOUT, ETHOX_E_UNREACH), or 0 when it did not
 * (and for listeners and UDP sockets); ETHOX_E_BADHANDLE. */
int ethox_socket_error(int64_t stack, int64_t socket);

/* Fills up to `max` events with the sockets whose readiness changed since they were last listed, each once, with its
 * readiness now. Edge-triggered: act on each until ETHOX_E_AGAIN, it is listed again only after a new change. Returns
 * the count (0..max), or ETHOX_E_INVAL, ETHOX_E_BADHANDLE, ETHOX_E_BUSY. */
int32_t ethox_ready(int64_t stack, ethox_event *events, int32_t max);

/* ---- UDP ------------------------------------------------------------------------------------------------------- */

/* Binds UDP `port` (0: an unused one from 49152..65535). Returns the socket's handle, or ETHOX_E_INUSE, ETHOX_E_NOSPACE. */
int64_t ethox_udp_bind(int64_t stack, int64_t now, uint16_t port);

/* Queues a datagram of `length` bytes from the socket's port to *to; it leaves with the next ethox_output calls (fragmented
 * when larger than the path MTU). Returns `length`, ETHOX_E_AGAIN when the send queue is full, ETHOX_E_MSGSIZE,
 * ETHOX_E_INVAL, ETHOX_E_BADHANDLE. A datagram that finds no route is dropped and counted (udp_send_failures). */
int32_t ethox_udp_send(int64_t stack, int64_t now, int64_t socket, const ethox_endpoint *to, const void *data, int32_t length);

/* Takes the oldest datagram received on the socket: copies up to `capacity` bytes into `buffer` (the rest of a longer
 * one is dropped) and its sender into *from (may be NULL). Returns the bytes copied, ETHOX_E_AGAIN when none waits,
 * ETHOX_E_INVAL, ETHOX_E_BADHANDLE. */
int32_t ethox_udp_recv(int64_t stack, int64_t now, int64_t socket, void *buffer, int32_t capacity, ethox_endpoint *from);

/* A static, NUL-terminated English description of an ethox_status (any value). */
const char *ethox_strerror(int32_t status);

#ifdef __cplusplus
}
#endif

#endif /* ETHOX_H */
