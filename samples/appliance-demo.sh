#!/usr/bin/env bash
# The appliance demo: two network namespaces joined by a veth pair. Ethox (samples/Ethox.Appliance)
# owns one end through an AF_PACKET socket; from the other namespace the Linux kernel pings it (IPv4 and
# IPv6), ARP-pings it, exchanges UDP echo datagrams with it, and talks TCP to it (a line through the echo
# service with socat, 10 MB over HTTP with curl); then the appliance is stopped with SIGTERM and prints its
# counters. The veth keeps the kernel's default offloads: the appliance's virtio-net header takes the checksums the
# kernel leaves partial and its TSO/GSO super-segments as they are. Everything is torn down on exit, also on failure
# or Ctrl-C.
#
#   sudo samples/appliance-demo.sh              # builds and runs the appliance with dotnet
#   sudo ETHOX_APPLIANCE=path/to/ethox-appliance samples/appliance-demo.sh   # a published (NativeAOT) binary
#
# Addresses: 198.18.0.0/15 and 2001:db8::/32 (reserved for benchmarking and documentation) only.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "appliance-demo: needs root (network namespaces, raw sockets): run it as root, e.g. sudo $0"
  exit 1
fi
missing=()
for pair in ip:iproute2 ping:iputils-ping arping:arping socat:socat curl:curl sha256sum:coreutils; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "appliance-demo: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || { echo "appliance-demo: could not install ${missing[*]} (Debian: apt-get install ${missing[*]})"; exit 1; }
fi

root=$(cd "$(dirname "$0")/.." && pwd)
tag=$$
ns_app="ethoxdemo-$tag-app"
ns_peer="ethoxdemo-$tag-peer"
if_app="exd${tag}a"
if_peer="exd${tag}b"
app_v4=198.18.0.1 peer_v4=198.18.0.2
app_v6=2001:db8::1 peer_v6=2001:db8::2
log=$(mktemp /tmp/ethox-appliance-demo.XXXXXX)
app_pid=""

cleanup() {
  if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then kill -TERM "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true; fi
  ip netns del "$ns_app" 2>/dev/null || true
  ip netns del "$ns_peer" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The appliance: a given binary, or the sample built with dotnet.
if [ -n "${ETHOX_APPLIANCE:-}" ]; then
  appliance=("$ETHOX_APPLIANCE")
else
  command -v dotnet >/dev/null || { echo "appliance-demo: dotnet is missing (or set ETHOX_APPLIANCE to a published binary)"; exit 1; }
  echo "== building samples/Ethox.Appliance"
  dotnet build "$root/samples/Ethox.Appliance" -c Release -v quiet -nologo >/dev/null
  appliance=(dotnet "$root/samples/Ethox.Appliance/bin/Release/net10.0/ethox-appliance.dll")
fi

in_app() { ip netns exec "$ns_app" "$@"; }
in_peer() { ip netns exec "$ns_peer" "$@"; }

echo "== namespaces $ns_app and $ns_peer, veth $if_app <-> $if_peer"
ip netns add "$ns_app"
ip netns add "$ns_peer"
ip link add "$if_app" netns "$ns_app" type veth peer name "$if_peer" netns "$ns_peer"
# The appliance's side: no kernel addresses and no kernel IPv6, so only Ethox answers there.
in_app sysctl -qw "net.ipv6.conf.$if_app.disable_ipv6=1"
in_app ip link set lo up
in_app ip link set "$if_app" up
# The kernel's side, offloads as the kernel sets them.
in_peer ip link set lo up
in_peer ip addr add "$peer_v4/24" dev "$if_peer"
in_peer ip addr add "$peer_v6/64" dev "$if_peer" nodad
in_peer ip link set "$if_peer" up

echo "== starting: ethox-appliance --iface $if_app --ip $app_v4/24 --ip $app_v6/64"
# Started directly (not through a function) so that $! is the appliance itself: ip netns exec execs it.
ip netns exec "$ns_app" "${appliance[@]}" --iface "$if_app" --ip "$app_v4/24" --ip "$app_v6/64" --udp-echo 7 --tcp-echo 7 --http 80 >"$log" 2>&1 &
app_pid=$!
for _ in $(seq 100); do
  grep -q "running on" "$log" && break
  kill -0 "$app_pid" 2>/dev/null || { cat "$log"; echo "appliance-demo: the appliance did not start"; exit 1; }
  sleep 0.1
done
head -1 "$log"
sleep 1.2 # IPv6 duplicate address detection (RFC 4862: one probe, one second)

failures=0
step() { # step "title" command...: runs it, prints its output and whether it worked
  local title=$1; shift
  echo "== $title"
  if out=$("$@" 2>&1); then echo "$out" | sed 's/^/   /'; echo "   -> ok"; else echo "$out" | sed 's/^/   /'; echo "   -> FAILED"; failures=$((failures + 1)); fi
}
udp_echo() { # udp_echo FAMILY ADDRESS: sends a line to port 7 and checks that the same line comes back
  local sent="hello ethox over $1 $$" got
  got=$(echo "$sent" | in_peer socat -T 2 - "UDP$1:$2:7")
  echo "sent: $sent"; echo "got:  $got"
  [ "$got" = "$sent" ]
}

step "ping $app_v4"          in_peer ping -n -c 3 -i 0.2 -W 2 "$app_v4"
step "ping -6 $app_v6"       in_peer ping -6 -n -c 3 -i 0.2 -W 2 "$app_v6"
step "arping $app_v4"        in_peer arping -c 3 -i "$if_peer" "$app_v4"
step "UDP echo over IPv4"    udp_echo 4 "$app_v4"
step "UDP echo over IPv6"    udp_echo 6 "[$app_v6]"
tcp_echo() { # tcp_echo FAMILY ADDRESS: a line through the TCP echo service (RFC 862) and back
  local sent="hello ethox tcp over $1 $$" got
  got=$(echo "$sent" | in_peer socat -T 3 - "TCP$1:$2:7")
  echo "sent: $sent"; echo "got:  $got"
  [ "$got" = "$sent" ]
}
http_bytes() { # http_bytes URL N: curl fetches N bytes from the HTTP server; size and SHA-256 shown
  local out
  out=$(in_peer curl --silent --show-error --fail --max-time 20 "$1" | sha256sum | cut -c1-16)
  local size
  size=$(in_peer curl --silent --fail --max-time 20 -o /dev/null -w '%{http_code} %{size_download}' "$1")
  echo "status and size: $size; sha256: $out..."
  [ "$size" = "200 $2" ]
}

step "TCP echo over IPv4"    tcp_echo 4 "$app_v4"
step "TCP echo over IPv6"    tcp_echo 6 "[$app_v6]"
step "HTTP GET /bytes/10000000 over IPv4 (curl)" http_bytes "http://$app_v4/bytes/10000000" 10000000
step "HTTP GET /bytes/1000000 over IPv6 (curl)"  http_bytes "http://[$app_v6]/bytes/1000000" 1000000
step "kernel neighbour table" in_peer ip neigh show dev "$if_peer"

# SIGTERM: a background job of a script starts with SIGINT ignored, so Ctrl-C's signal would not reach it.
echo "== stopping the appliance (SIGTERM); its counters:"
kill -TERM "$app_pid"
wait "$app_pid" || { echo "appliance-demo: the appliance exited with $?"; failures=$((failures + 1)); }
app_pid=""
tail -n +2 "$log" | grep -Ev ' 0$' | sed 's/^/   /'
echo "   (counters at zero not shown)"

if [ "$failures" -eq 0 ]; then echo "== demo passed"; else echo "== demo: $failures step(s) failed"; exit 1; fi
