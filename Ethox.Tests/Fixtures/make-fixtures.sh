#!/usr/bin/env bash
# Regenerates the pcap fixtures in this folder from real tools:
#   kernel-*.pcap   traffic between two Linux network namespaces joined by a veth pair,
#                   produced by ping, arping, curl, python3 http.server, socat and nc and
#                   captured by tcpdump on one end of the pair;
#   crafted-*.pcap  edge cases built by scapy (craft.py).
# Run as root. Safe to re-run: every run starts from scratch and removes everything it made
# (namespaces, servers, temp files) on exit, also when a step fails.
# Addresses are only from 198.18.0.0/15, 2001:db8::/32 and fe80::/10; nothing leaves the namespaces.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY=/usr/bin/python3            # Debian's python3 (python3-scapy), not a pyenv shim
NSA=ethoxfx-a
NSB=ethoxfx-b
IFA=efx-a                      # veth end in $NSA (the capture point)
IFB=efx-b                      # veth end in $NSB
MACA=02:00:00:00:00:01
MACB=02:00:00:00:00:02
V4A=198.18.0.1  V4B=198.18.0.2
V6A=2001:db8::1 V6B=2001:db8::2
TMP="$(mktemp -d /tmp/ethoxfx.XXXXXX)"
PIDS=()                        # background processes we started, killed by pid on exit

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    ip netns del "$NSA" 2>/dev/null || true
    ip netns del "$NSB" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $EUID -eq 0 ]] || { echo "run as root (needs network namespaces)" >&2; exit 1; }
for tool in ip ethtool tcpdump ping arping curl socat nc tshark; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
"$PY" -c 'import scapy' || { echo "missing python3-scapy" >&2; exit 1; }

ina() { ip netns exec "$NSA" "$@"; }
inb() { ip netns exec "$NSB" "$@"; }

# ---------------------------------------------------------------- topology
# A leftover from an interrupted run would make "netns add" fail: remove it first.
ip netns del "$NSA" 2>/dev/null || true
ip netns del "$NSB" 2>/dev/null || true
ip netns add "$NSA"
ip netns add "$NSB"
ip -n "$NSA" link add "$IFA" address "$MACA" type veth peer name "$IFB" address "$MACB" netns "$NSB"
for side in A B; do
    ns=NS$side; ifc=IF$side
    ns=${!ns}; ifc=${!ifc}
    # No router solicitations, no temporary addresses: the captures hold only what the tools send.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.router_solicitations=0 \
        net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.default.use_tempaddr=0
    # Checksums computed by the kernel in software, frames not merged or split by offloads.
    ip netns exec "$ns" ethtool -K "$ifc" tx off rx off gso off tso off gro off >/dev/null
    ip -n "$ns" link set lo up
done
ip -n "$NSA" addr add "$V4A/24" dev "$IFA"
ip -n "$NSB" addr add "$V4B/24" dev "$IFB"
ip -n "$NSA" addr add "$V6A/64" dev "$IFA" nodad
ip -n "$NSB" addr add "$V6B/64" dev "$IFB" nodad
ip -n "$NSA" link set "$IFA" up
ip -n "$NSB" link set "$IFB" up

# Wait until the link-local addresses have passed DAD, so the start-up MLD and DAD traffic is over.
for _ in $(seq 100); do
    if ! ip -n "$NSA" -6 addr show dev "$IFA" | grep -q tentative \
       && ! ip -n "$NSB" -6 addr show dev "$IFB" | grep -q tentative; then break; fi
    sleep 0.1
done
sleep 1

flush_neigh() {
    ip -n "$NSA" neigh flush dev "$IFA"
    ip -n "$NSB" neigh flush dev "$IFB"
}

# capture FILE FILTER [tcpdump options...]: starts tcpdump on $IFA; stop_capture ends it.
CAP_PID=
capture() {
    local file=$1 filter=$2; shift 2
    rm -f "$HERE/$file"
    # Started directly (not through a function or subshell) so $! is tcpdump itself; immediate mode
    # so no frame is still waiting in the kernel ring buffer when tcpdump is stopped.
    ip netns exec "$NSA" tcpdump -i "$IFA" -n -U --immediate-mode -Z root -s 262144 "$@" -w "$TMP/$file" "$filter" 2>"$TMP/$file.err" &
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    for _ in $(seq 100); do grep -q "listening on" "$TMP/$file.err" 2>/dev/null && break; sleep 0.05; done
    CAP_FILE=$file
}
stop_capture() {
    sleep 0.5                       # let the last replies arrive
    kill -TERM "$CAP_PID"          # tcpdump closes the file cleanly on SIGTERM
    wait "$CAP_PID" || true
    mv "$TMP/$CAP_FILE" "$HERE/$CAP_FILE"
    echo "$CAP_FILE: $(tshark -r "$HERE/$CAP_FILE" 2>/dev/null | wc -l) frames"
}

# ---------------------------------------------------------------- kernel captures
flush_neigh
capture kernel-ping4.pcap 'arp or icmp'
ina ping -n -c 3 -i 0.2 "$V4B" >/dev/null
stop_capture

flush_neigh
capture kernel-ping6-nd.pcap 'icmp6'
ina ping -6 -n -c 3 -i 0.2 "$V6B" >/dev/null
stop_capture

flush_neigh
capture kernel-arp.pcap 'arp'
ina arping -c 2 -w 2 -I "$IFA" "$V4B" >/dev/null || true
stop_capture

mkdir -p "$TMP/www"
printf 'Ethox fixture: hello from the peer namespace.\n' >"$TMP/www/hello.txt"
(cd "$TMP/www" && exec ip netns exec "$NSB" "$PY" -m http.server --bind "$V4B" 8080 >/dev/null 2>&1) &
PIDS+=("$!")
for _ in $(seq 100); do inb ss -ltnH "sport = :8080" | grep -q 8080 && break; sleep 0.05; done
ina ping -n -c 1 "$V4B" >/dev/null   # resolve ARP outside the capture
# Nanosecond timestamps, so the fixtures cover both pcap resolutions.
capture kernel-tcp-curl.pcap 'tcp port 8080' --time-stamp-precision=nano
ina curl -s -o /dev/null --max-time 5 "http://$V4B:8080/hello.txt"
stop_capture

# UDP echo server (socat runs cat per datagram), one exchange each over IPv4 and IPv6,
# plus one datagram to a closed port that the kernel answers with ICMP port unreachable.
ip netns exec "$NSB" socat UDP4-RECVFROM:9999,bind="$V4B",fork EXEC:cat >/dev/null 2>&1 &
PIDS+=("$!")
ip netns exec "$NSB" socat UDP6-RECVFROM:9999,bind="[$V6B]",fork EXEC:cat >/dev/null 2>&1 &
PIDS+=("$!")
for _ in $(seq 100); do [[ $(inb ss -lunH "sport = :9999" | wc -l) -ge 2 ]] && break; sleep 0.05; done
ina ping -6 -n -c 1 "$V6B" >/dev/null
capture kernel-udp.pcap 'udp or icmp or (icmp6 and ip6[40] < 128)'
echo 'hello over udp4' | ina nc -u -w 1 "$V4B" 9999 >/dev/null || true
echo 'hello over udp6' | ina nc -6 -u -w 1 "$V6B" 9999 >/dev/null || true
echo 'nobody listens here' | ina nc -u -w 1 "$V4B" 9998 >/dev/null || true
stop_capture

capture kernel-frag4.pcap 'ip'
ina ping -n -c 1 -s 8000 "$V4B" >/dev/null
stop_capture

capture kernel-frag6.pcap 'ip6 and not (icmp6 and (ip6[40] >= 133 and ip6[40] <= 137))'
ina ping -6 -n -c 1 -s 4000 "$V6B" >/dev/null
stop_capture

# ---------------------------------------------------------------- crafted edge cases
"$PY" "$HERE/craft.py" "$HERE"
for f in "$HERE"/crafted-*.pcap; do
    echo "$(basename "$f"): $(tshark -r "$f" 2>/dev/null | wc -l) frames"
done
