#!/usr/bin/env python3
"""TCP request/response, as netperf's TCP_RR does it: one connection, one byte each way, the next request only once
the answer is in, for SECONDS seconds (after 1000 unmeasured ones). Prints transactions per second.

    python3 tcp_rr.py HOST PORT SECONDS        # the server must echo (RFC 862)
"""
import socket
import sys
import time


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    s = socket.create_connection((host, port), timeout=10)
    # Each request leaves at once (no Nagle); the answer's ACK rides on the next request.
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    request = b"x"
    send, recv = s.send, s.recv

    def run(count):
        for _ in range(count):
            send(request)
            if recv(1) != request:
                sys.exit("tcp_rr: the echo did not come back")

    run(1000)
    done, start = 0, time.perf_counter()
    end = start + seconds
    while True:
        run(1000)  # the clock is read every 1000 transactions
        done += 1000
        now = time.perf_counter()
        if now >= end:
            break
    s.close()
    print(f"{done / (now - start):.0f} transactions/s ({done} in {now - start:.3f} s, {1e6 * (now - start) / done:.1f} us each)")


if __name__ == "__main__":
    main()
