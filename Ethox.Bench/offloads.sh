#!/usr/bin/env bash
# The appliance over AF_PACKET on a veth pair, with and without offloads, side by side in one run: the kernel's curl
# fetches 20 MB from Ethox's HTTP server (Ethox sends) and socat pushes 50 MB through Ethox's TCP echo (both send),
# RUNS times per mode. Modes:
#   on   the kernel's default offloads on its veth, the appliance with --offloads on (virtio-net header: partial checksums
#        and super-segments taken whole, Ethox's checksums and TCP segmentation left to the kernel)
#   rx   the kernel's defaults, the appliance with --offloads rx (it takes the kernel's offloads, does its own work itself)
#   off  every offload off on both veth ends (ethtool) and the appliance with --offloads off: the set-up before the header
# Prints one line per transfer and the median per mode. Addresses 198.18.0.0/15 only; namespaces deleted on exit.
#
#   sudo Ethox.Bench/offloads.sh            # RUNS=5 MODES="on rx off" by default
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "offloads.sh: needs root (namespaces, raw sockets)"; exit 1; }
for tool in ip ethtool curl socat sha256sum taskset; do command -v "$tool" >/dev/null || { echo "offloads.sh: $tool is missing"; exit 1; }; done

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-5}
modes=${MODES:-on rx off}
tag=$$
ns_app="ethoxoff-$tag-app" ns_peer="ethoxoff-$tag-peer" if_app="exo${tag}a" if_peer="exo${tag}b"
app_v4=198.18.0.1 peer_v4=198.18.0.2
log=$(mktemp /tmp/ethox-offloads.XXXXXX) data=$(mktemp /tmp/ethox-offloads-data.XXXXXX)
app_pid=""

cleanup() {
  if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then kill -TERM "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true; fi
  ip netns del "$ns_app" 2>/dev/null || true
  ip netns del "$ns_peer" 2>/dev/null || true
  rm -f "$log" "$data"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dotnet build "$root/samples/Ethox.Appliance" -c Release -v quiet -nologo >/dev/null
appliance=(dotnet "$root/samples/Ethox.Appliance/bin/Release/net10.0/ethox-appliance.dll")
head -c 50000000 /dev/urandom >"$data"

in_peer() { ip netns exec "$ns_peer" "$@"; }
seconds() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

setup() { # setup MODE: a fresh pair of namespaces and veth ends for one mode
  ip netns del "$ns_app" 2>/dev/null || true
  ip netns del "$ns_peer" 2>/dev/null || true
  ip netns add "$ns_app"
  ip netns add "$ns_peer"
  ip link add "$if_app" netns "$ns_app" type veth peer name "$if_peer" netns "$ns_peer"
  ip netns exec "$ns_app" sysctl -qw "net.ipv6.conf.$if_app.disable_ipv6=1"
  in_peer sysctl -qw "net.ipv6.conf.$if_peer.disable_ipv6=1"
  if [ "$1" = off ]; then
    ip netns exec "$ns_app" ethtool -K "$if_app" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
    in_peer ethtool -K "$if_peer" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
  fi
  ip netns exec "$ns_app" ip link set lo up
  ip netns exec "$ns_app" ip link set "$if_app" up
  in_peer ip link set lo up
  in_peer ip addr add "$peer_v4/24" dev "$if_peer"
  in_peer ip link set "$if_peer" up
}

for mode in $modes; do
  setup "$mode"
  # The appliance on core 0, the kernel's tools on core 1: each side has a core of its own.
  ip netns exec "$ns_app" taskset -c 0 "${appliance[@]}" --iface "$if_app" --ip "$app_v4/24" --offloads "$mode" --http 80 --tcp-echo 7 >"$log" 2>&1 &
  app_pid=$!
  for _ in $(seq 100); do grep -q "running on" "$log" && break; sleep 0.1; done
  in_peer ping -c 1 -W 2 "$app_v4" >/dev/null
  curl_times=() echo_times=()
  for run in $(seq "$runs"); do
    start=$(seconds)
    in_peer taskset -c 1 curl --silent --fail --max-time 60 -o /dev/null "http://$app_v4/bytes/20000000"
    t=$(echo "$(seconds) - $start" | bc); curl_times+=("$t")
    start=$(seconds)
    got=$(in_peer taskset -c 1 socat -t 60 -T 60 - "TCP4:$app_v4:7" <"$data" | sha256sum | cut -c1-64)
    t=$(echo "$(seconds) - $start" | bc); echo_times+=("$t")
    [ "$got" = "$(sha256sum <"$data" | cut -c1-64)" ] || { echo "offloads.sh: the echo came back wrong in mode $mode"; exit 1; }
    printf '%-4s run %d: curl 20 MB %.3f s, socat echo 50 MB each way %.3f s\n' "$mode" "$run" "${curl_times[-1]}" "${echo_times[-1]}"
  done
  kill -TERM "$app_pid"; wait "$app_pid" || true; app_pid=""
  grep -E '^device\.(rx_segmented|tx_segmented|rx_checksum_partial|tx_checksum_partial) ' "$log" | tr '\n' ' ' | sed "s/^/$mode counters: /"; echo
  printf '%-4s median: curl 20 MB %.3f s (%.2f Gbit/s), socat echo 50 MB each way %.3f s\n' "$mode" \
    "$(printf '%s\n' "${curl_times[@]}" | median)" "$(echo "0.16 / $(printf '%s\n' "${curl_times[@]}" | median)" | bc -l)" \
    "$(printf '%s\n' "${echo_times[@]}" | median)"
done
