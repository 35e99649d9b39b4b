#!/usr/bin/env bash
# gVisor's netstack as a peer over a veth pair (issue 10 §3, second bullet; docs/peers.md): the kernel in one
# network namespace, `gvisor-peer serve` on an AF_PACKET socket on the other end in a second namespace, and
# socat pushing BYTES into gVisor's TCP discard service (port 9), timed, PASSES times; echo (port 7) is
# checked once. Offloads are switched off on both veth ends (ethtool -K ... tx off tso off gso off, and gro
# off on gVisor's end): this gVisor build reads plain frames, with no virtio-net header, so it can neither
# take the kernel's partial checksums nor its GSO super-frames. With --tap, gVisor sits behind a TAP device
# in one namespace instead (the kernel holds the TAP interface's address).
#
# Run as root after side-by-side.sh has built artifacts/peers/gvisor-peer (or give its path in GVISOR_PEER):
#   Ethox.Bench/peers/gvisor-veth.sh [--bytes N] [--passes N] [--sockbuf BYTES] [--mmap | --tap]
#   --sockbuf: SO_RCVBUF/SO_SNDBUF of gVisor's AF_PACKET socket (0, the default, keeps the kernel's)
# Addresses: 198.18.7.1 (kernel) and 198.18.7.2 (gVisor), RFC 2544's benchmarking range.
set -euo pipefail

bytes=200000000 passes=3 sockbuf=0 mmap= tap=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bytes) bytes=$2; shift 2 ;;
    --passes) passes=$2; shift 2 ;;
    --sockbuf) sockbuf=$2; shift 2 ;;
    --mmap) mmap=-mmap; shift ;;
    --tap) tap=1; shift ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "run as root (network namespaces)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
gvisor=${GVISOR_PEER:-$(cd "$here/../.." && pwd)/artifacts/peers/gvisor-peer}
[ -x "$gvisor" ] || { echo "$gvisor not built: run side-by-side.sh first" >&2; exit 1; }
for tool in socat ethtool ip nstat; do command -v "$tool" >/dev/null || { echo "$tool not found (apt-get install socat ethtool iproute2)" >&2; exit 1; }; done

kernel="ethox-peers-k-$$" stack="ethox-peers-g-$$"
server= log=$(mktemp)
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  ip netns del "$kernel" 2>/dev/null || true
  ip netns del "$stack" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$kernel"
ip -n "$kernel" link set lo up
if [ "$tap" = 1 ]; then
  # gVisor attaches to the TAP device; the kernel's side of it gets the address once gVisor holds it open.
  ip -n "$kernel" tuntap add dev tg mode tap
  ip netns exec "$kernel" "$gvisor" serve -tap -iface tg -addr 198.18.7.2/24 > "$log" 2>&1 &
  server=$!
  sleep 1
  ip -n "$kernel" addr add 198.18.7.1/24 dev tg
  ip -n "$kernel" link set tg up
  ip netns exec "$kernel" ethtool -K tg tx off tso off gso off >/dev/null 2>&1 || true
else
  ip netns add "$stack"
  ip link add vk netns "$kernel" type veth peer name vg netns "$stack"
  ip -n "$kernel" addr add 198.18.7.1/24 dev vk
  ip -n "$kernel" link set vk up
  ip -n "$stack" link set vg up
  ip netns exec "$kernel" ethtool -K vk tx off tso off gso off >/dev/null
  ip netns exec "$stack" ethtool -K vg tx off tso off gso off gro off >/dev/null
  # The stack's end has no kernel address: only gVisor answers there.
  ip netns exec "$stack" "$gvisor" serve -iface vg -addr 198.18.7.2/24 -sockbuf "$sockbuf" $mmap > "$log" 2>&1 &
  server=$!
fi
ip netns exec "$kernel" ping -c 1 -W 5 198.18.7.2 >/dev/null || { cat "$log"; echo "gVisor does not answer ping" >&2; exit 1; }
reply=$(echo hello | ip netns exec "$kernel" timeout 5 socat -t 2 - TCP:198.18.7.2:7)
[ "$reply" = hello ] || { echo "echo answered '$reply'" >&2; exit 1; }

echo "load: $(uptime)"
for pass in $(seq "$passes"); do
  start=$(date +%s.%N)
  head -c "$bytes" /dev/zero | ip netns exec "$kernel" socat -u - TCP:198.18.7.2:9
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v b="$bytes" -v p="$pass" \
    'BEGIN { printf "pass %d: %d bytes into discard in %.2f s = %.2f Gbit/s\n", p, b, e - s, b * 8 / (e - s) / 1e9 }'
done
echo "load: $(uptime)"
echo "kernel side: $(ip netns exec "$kernel" nstat -az TcpOutSegs TcpRetransSegs | awk 'NR > 1 { printf "%s %s  ", $1, $2 }')"
kill -INT "$server"; wait "$server" || true; server=
cat "$log"
