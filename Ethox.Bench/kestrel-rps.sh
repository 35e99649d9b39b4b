#!/usr/bin/env bash
# Requests per second of one ASP.NET Core minimal-API app (samples/Ethox.Kestrel) served two ways at once, side by side in
# one run, on the same veth pair and with the same client (wrk, HTTP/1.1 keep-alive, in the peer namespace):
#   ethox    Kestrel over Ethox: the app's EthoxHost on an AF_PACKET socket of the app's veth end, 198.18.0.1:8080
#   kernel   Kestrel's socket transport over the kernel's TCP on the same veth end, 198.18.0.3:8081
# Both listeners are in one process (the same app, the same thread pool). The two are measured in turn, alternating, RUNS
# times per path; prints one line per run and the median per path. Offloads at the kernel's defaults. Addresses
# 198.18.0.0/15 only; namespaces deleted on exit.
#
#   sudo Ethox.Bench/kestrel-rps.sh          # RUNS=3 SECONDS_PER_RUN=10 CONNECTIONS=64 PATHS="/hello /bytes/16384"
#   ETHOX_ARGS="--mmap" sudo -E Ethox.Bench/kestrel-rps.sh     # options of ethox-kestrel (--mmap, --receive-buffer N,
#                                                              # --busy-poll USEC, --queues N); default
#                                                              # "--queues 2 --busy-poll 50" (session 13; before, one queue)
#   PLACEMENT=split sudo -E Ethox.Bench/kestrel-rps.sh         # the app (every thread) pinned to CPU 0 and wrk to CPU 1,
#                                                              # as veth-throughput.sh places server and client; default
#                                                              # "free": the scheduler places every thread
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "kestrel-rps.sh: needs root (namespaces, raw sockets)"; exit 1; }
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }
for tool in ip wrk curl; do command -v "$tool" >/dev/null || { echo "kestrel-rps.sh: $tool is missing"; exit 1; }; done

root=$(cd "$(dirname "$0")/.." && pwd)
ethox_args=${ETHOX_ARGS---queues 2 --busy-poll 50}
runs=${RUNS:-3} duration=${SECONDS_PER_RUN:-10} connections=${CONNECTIONS:-64} paths=${PATHS:-/hello /bytes/16384}
placement=${PLACEMENT:-free}
case "$placement" in
  free) app_cpus=() peer_cpus=() ;;
  split)
    [ "$(nproc)" -ge 2 ] || { echo "kestrel-rps.sh: PLACEMENT=split needs two CPUs"; exit 1; }
    command -v taskset >/dev/null || { echo "kestrel-rps.sh: taskset is missing (util-linux)"; exit 1; }
    app_cpus=(taskset -c 0) peer_cpus=(taskset -c 1) ;;
  *) echo "kestrel-rps.sh: PLACEMENT must be free or split"; exit 2 ;;
esac
tag=$$
ns_app="ethoxrps-$tag-app" ns_peer="ethoxrps-$tag-peer" if_app="exr${tag}a" if_peer="exr${tag}b"
ethox_v4=198.18.0.1 peer_v4=198.18.0.2 kernel_v4=198.18.0.3
log=$(mktemp /tmp/ethox-kestrel-rps.XXXXXX)
app_pid=""

cleanup() {
  if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then kill -TERM "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true; fi
  ip netns del "$ns_app" 2>/dev/null || true
  ip netns del "$ns_peer" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dotnet build "$root/samples/Ethox.Kestrel" -c Release -v quiet -nologo >/dev/null

ip netns add "$ns_app"
ip netns add "$ns_peer"
ip link add "$if_app" netns "$ns_app" type veth peer name "$if_peer" netns "$ns_peer"
ip -n "$ns_app" link set lo up
ip -n "$ns_app" link set "$if_app" up
ip -n "$ns_app" addr add "$kernel_v4/24" dev "$if_app"
ip -n "$ns_peer" link set lo up
ip -n "$ns_peer" addr add "$peer_v4/24" dev "$if_peer"
ip -n "$ns_peer" link set "$if_peer" up

# Ethox has a MAC of its own on the app's veth end (received promiscuously); the kernel keeps the interface's.
ip netns exec "$ns_app" "${app_cpus[@]}" dotnet "$root/samples/Ethox.Kestrel/bin/Release/net10.0/ethox-kestrel.dll" --iface "$if_app" \
  --ip "$ethox_v4/24" --mac 02:00:5e:10:00:01 --port 8080 --kernel "$kernel_v4:8081" --max-connections 1024 $ethox_args >"$log" 2>&1 &
app_pid=$!
for _ in $(seq 1 100); do grep -q "serving on" "$log" && break; sleep 0.2; done
grep -q "serving on" "$log" || { cat "$log"; echo "kestrel-rps.sh: the app did not start"; exit 1; }

in_peer() { ip netns exec "$ns_peer" "${peer_cpus[@]}" "$@"; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
in_peer curl -sS --fail --max-time 10 "http://$ethox_v4:8080/hello" >/dev/null
in_peer curl -sS --fail --max-time 10 "http://$kernel_v4:8081/hello" >/dev/null

echo "wrk -t2 -c$connections -d${duration}s, $runs runs per transport, alternating; $(nproc) CPUs, placement $placement; ethox-kestrel ${ethox_args:-(no options)}"
declare -A results
for path in $paths; do
  for run in $(seq 1 "$runs"); do
    for transport in ethox kernel; do
      if [ "$transport" = ethox ]; then url="http://$ethox_v4:8080$path"; else url="http://$kernel_v4:8081$path"; fi
      # A warm-up (connections; the JIT: 5 s the first time, as the tiered JIT takes seconds to finish the hot paths), then
      # the measured run.
      in_peer wrk -t2 -c"$connections" -d"$([ "$run" = 1 ] && echo 5 || echo 2)s" "$url" >/dev/null
      out=$(in_peer wrk -t2 -c"$connections" -d"${duration}s" "$url")
      rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
      errors=$(awk '/Non-2xx|Socket errors/ { print }' <<<"$out" | tr '\n' ' ')
      printf '%-14s %-7s run %d: %10.0f req/s %s\n' "$path" "$transport" "$run" "$rps" "$errors"
      results["$path $transport"]+="$rps "
    done
  done
done
echo "median requests per second:"
for path in $paths; do
  e=$(tr ' ' '\n' <<<"${results["$path ethox"]}" | grep . | median)
  k=$(tr ' ' '\n' <<<"${results["$path kernel"]}" | grep . | median)
  printf '%-14s ethox %10.0f   kernel sockets %10.0f   ethox/kernel %.2f\n' "$path" "$e" "$k" "$(awk -v e="$e" -v k="$k" 'BEGIN { print e / k }')"
done
kill -TERM "$app_pid"; wait "$app_pid" || true; app_pid=""
tail -n 1 "$log"
