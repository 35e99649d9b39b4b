/*
 * echo_server: an RFC 862 TCP echo server in C on Ethox (libethox.a), over a TAP interface it creates itself.
 *
 *   echo_server TAP ADDRESS/PREFIX [PORT]     e.g. echo_server tap0 198.18.0.3/24 7
 *
 * It opens /dev/net/tun (IFF_TAP, no packet information, no virtio-net header: the kernel hands over finished
 * frames), makes an Ethernet stack with the address, listens on PORT (7 by default) and echoes every byte of every
 * connection; a client's FIN is answered with ours once everything before it was echoed. It prints one line when it is
 * ready ("echo_server: listening on ..."), and the stack's counters when SIGTERM or SIGINT stops it (exit status 0).
 * The loop is the whole of a user-space stack's life: poll() on the descriptor until the stack's next deadline, frames
 * in, frames out, then the sockets that became ready. Time is CLOCK_MONOTONIC in microseconds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "ethox.h"

#define MAX_CONNECTIONS 64
#define PENDING_BYTES 65536
#define FRAME_BYTES 2048

/* A connection and the bytes read from it that its send ring did not take yet. */
struct connection {
    int64_t socket; /* 0: free */
    int32_t length, offset;
    int reading_done; /* the client's FIN was read: shut down once the pending bytes are written */
    uint8_t pending[PENDING_BYTES];
};

static struct connection connections[MAX_CONNECTIONS];
static volatile sig_atomic_t stopping;
static uint64_t echoed;

static void on_signal(int sig) { (void)sig; stopping = 1; }

static int64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int open_tap(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A frame to the kernel. Until the interface is up the kernel refuses them (EIO): the stack's first ARP announcement goes
 * nowhere, as on a cable not yet plugged in; a full queue (EAGAIN) is a loss TCP repairs. */
static void send_frame(int tap, const uint8_t *frame, int32_t length)
{
    if (write(tap, frame, (size_t)length) < 0 && errno != EAGAIN && errno != EIO) perror("echo_server: write");
}

static struct connection *find(int64_t socket)
{
    for (int i = 0; i < MAX_CONNECTIONS; i++)
        if (connections[i].socket == socket) return &connections[i];
    return NULL;
}

static void release(int64_t stack, struct connection *c)
{
    ethox_close(stack, now_us(), c->socket);
    c->socket = 0;
}

/* Moves bytes from the connection's receive ring to its send ring until one of them says ETHOX_E_AGAIN. */
static void echo(int64_t stack, struct connection *c)
{
    for (;;) {
        while (c->offset < c->length) {
            int32_t n = ethox_tcp_write(stack, now_us(), c->socket, c->pending + c->offset, c->length - c->offset);
            if (n == ETHOX_E_AGAIN) return; /* ETHOX_EV_WRITABLE brings us back */
            if (n < 0) {
                release(stack, c);
                return;
            }
            c->offset += n;
            echoed += (uint64_t)n;
        }
        c->offset = c->length = 0;
        if (c->reading_done) {
            ethox_tcp_shutdown(stack, now_us(), c->socket);
            return;
        }
        int32_t n = ethox_tcp_read(stack, now_us(), c->socket, c->pending, PENDING_BYTES);
        if (n == ETHOX_E_AGAIN) return; /* ETHOX_EV_READABLE brings us back */
        if (n < 0) {
            release(stack, c);
            return;
        }
        if (n == 0) c->reading_done = 1;
        c->length = n;
    }
}

static void accept_all(int64_t stack, int64_t listener)
{
    for (;;) {
        ethox_endpoint peer;
        int64_t socket = ethox_tcp_accept(stack, now_us(), listener, &peer);
        if (socket < 0) return;
        struct connection *c = find(0);
        if (c == NULL) {
            ethox_tcp_abort(stack, now_us(), socket);
            continue;
        }
        c->socket = socket;
        c->length = c->offset = c->reading_done = 0;
        echo(stack, c);
    }
}

static void serve_ready(int64_t stack, int64_t listener)
{
    ethox_event events[64];
    int32_t n;
    while ((n = ethox_ready(stack, events, 64)) > 0) {
        for (int i = 0; i < n; i++) {
            if (events[i].socket == listener) {
                accept_all(stack, listener);
                continue;
            }
            struct connection *c = find(events[i].socket);
            if (c == NULL) continue;
            echo(stack, c);
            /* Over (both FINs, or an error): the handle goes. */
            if (c->socket != 0 && (events[i].events & ETHOX_EV_CLOSED) && c->offset == c->length) release(stack, c);
        }
    }
}

static int parse_address(const char *text, uint8_t address[4], uint32_t *prefix)
{
    char copy[64];
    strncpy(copy, text, sizeof copy - 1);
    copy[sizeof copy - 1] = 0;
    char *slash = strchr(copy, '/');
    if (slash == NULL) return -1;
    *slash = 0;
    *prefix = (uint32_t)atoi(slash + 1);
    return inet_pton(AF_INET, copy, address) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: echo_server TAP ADDRESS/PREFIX [PORT]\n");
        return 2;
    }
    uint16_t port = argc > 3 ? (uint16_t)atoi(argv[3]) : 7;
    ethox_config config;
    ethox_config_init(&config);
    if (parse_address(argv[2], config.ipv4, &config.ipv4_prefix) != 0) {
        fprintf(stderr, "echo_server: '%s' is not an IPv4 address with a prefix length\n", argv[2]);
        return 2;
    }
    const uint8_t mac[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x03}; /* locally administered */
    memcpy(config.mac, mac, sizeof mac);

    int tap = open_tap(argv[1]);
    if (tap < 0) {
        fprintf(stderr, "echo_server: cannot open TAP interface '%s': %s\n", argv[1], strerror(errno));
        return 1;
    }
    int64_t stack = ethox_create(&config, now_us());
    if (stack < 0) {
        fprintf(stderr, "echo_server: ethox_create: %s\n", ethox_strerror((int32_t)stack));
        return 1;
    }
    int64_t listener = ethox_tcp_listen(stack, now_us(), port, 16);
    if (listener < 0) {
        fprintf(stderr, "echo_server: ethox_tcp_listen: %s\n", ethox_strerror((int32_t)listener));
        return 1;
    }
    int32_t capacity = ethox_frame_capacity(stack);
    if (capacity > FRAME_BYTES) return 1;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("echo_server: listening on TAP %s %s port %u\n", argv[1], argv[2], port);
    fflush(stdout);

    uint8_t frame[FRAME_BYTES];
    while (!stopping) {
        int64_t now = now_us();
        int64_t deadline = ethox_poll(stack, now);
        int timeout = deadline == ETHOX_NEVER ? 1000 : deadline <= now ? 0 : (int)((deadline - now + 999) / 1000);
        if (timeout > 1000) timeout = 1000; /* look at the stop flag now and then */
        struct pollfd p = {.fd = tap, .events = POLLIN};
        if (poll(&p, 1, timeout) < 0 && errno != EINTR) break;
        for (int i = 0; i < 64; i++) {
            ssize_t n = read(tap, frame, sizeof frame);
            if (n <= 0) break;
            int32_t answer = ethox_input(stack, now_us(), frame, (int32_t)n, (int32_t)sizeof frame);
            if (answer > 0) send_frame(tap, frame, answer);
        }
        serve_ready(stack, listener);
        int32_t n;
        while ((n = ethox_output(stack, now_us(), frame, (int32_t)sizeof frame)) > 0)
            send_frame(tap, frame, n);
        serve_ready(stack, listener);
        if (n < 0) {
            fprintf(stderr, "echo_server: ethox_output: %s\n", ethox_strerror(n));
            return 1;
        }
    }

    ethox_counters counters;
    ethox_read_counters(stack, &counters);
    printf("echoed %llu\nframes_in %llu\nframes_out %llu\ntcp_passive_opens %llu\ntcp_retransmits %llu\ntcp_errors %llu\n",
           (unsigned long long)echoed, (unsigned long long)counters.frames_in, (unsigned long long)counters.frames_out,
           (unsigned long long)counters.tcp_passive_opens, (unsigned long long)counters.tcp_retransmits,
           (unsigned long long)counters.tcp_errors);
    ethox_destroy(stack);
    close(tap);
    return 0;
}
