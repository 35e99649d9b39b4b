#!/usr/bin/env bash
# TCP stack to stack in memory on one core, side by side in one run (issue 10 §3, first bullet; docs/peers.md):
#   - Ethox: two stacks over Ethox.Nic's Pipe, `Ethox.Bench tcpbulk`, MTU 1500, 9000 and 65535, under two
#     runtime configurations: the default tiered JIT (dynamic PGO; it settles only after tens of 64 MiB
#     rounds, so only the last TIERED_COUNTED of TIERED_ROUNDS count) and DOTNET_TieredCompilation=0
#     (every method fully optimised at its first call, no PGO: steady from the first round, and the nearer
#     of the two to the NativeAOT build);
#   - gVisor's netstack (Debian's golang-gvisor-gvisor-dev): two stacks over gVisor's link/pipe,
#     `peers/gvisor` in mode `pipe`, GOMAXPROCS=1, the same MTUs;
#   - the Linux kernel: iperf3 client and server over `lo` in a network namespace of this script's own;
#   - a memory copy: `Ethox.Bench memcpy`, 64 KiB chunks into a 256 KiB ring;
#   - Ethox's ceiling: `Ethox.Bench copies`, what tcpbulk does with each payload byte at MTU 65535 without TCP (two
#     copies and a checksum pass; three copies before the receiver read in place, session 11).
# Every process is pinned to one CPU (taskset -c CPU). The peers run interleaved, PASSES times, and the
# summary gives medians over every counted round of every pass, with the load (uptime) seen during the run.
#
# Run as root on a machine with the .NET SDK:  Ethox.Bench/peers/side-by-side.sh [options]
#   --cpu N             the CPU everything is pinned to (0)
#   --passes N          interleaved passes over all peers (3)
#   --mib N             MiB per round, Ethox and gVisor (64)
#   --rounds N          rounds per gVisor run and per Ethox run without tiering (40) ...
#   --skip N            ... the first N of them not counted (15)
#   --tiered-rounds N   rounds per Ethox run under the tiered JIT (120) ...
#   --tiered-counted N  ... of which the last N count (40)
#   --tiered-warmup S   untimed seconds before those rounds (5): the tiered JIT promotes by time as well as by calls,
#                       and at MTU 65535 120 rounds (2 s) left the hot path unoptimized (32 Gbit/s instead of 130)
#   --seconds N         iperf3 duration per pass (10, after one omitted second of slow start)
#   --no-install        do not apt-get anything
#   --summary DIR       run nothing: print the summary of the logs of an earlier run in DIR again
# It installs golang-go, golang-gvisor-gvisor-dev, iperf3, util-linux (taskset) and iproute2 (ip netns)
# with apt-get. Logs go to artifacts/peers/<date>/ (ignored by git). It is not run by .ci/run: it takes
# several minutes and its figures say as much about the machine's load as about the stacks.
set -euo pipefail

summary_of= cpu=0 passes=3 rounds=40 skip=15 tiered_rounds=120 tiered_counted=40 tiered_warmup=5 mib=64 seconds=10 install=1
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) cpu=$2; shift 2 ;;
    --passes) passes=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --skip) skip=$2; shift 2 ;;
    --tiered-rounds) tiered_rounds=$2; shift 2 ;;
    --tiered-counted) tiered_counted=$2; shift 2 ;;
    --tiered-warmup) tiered_warmup=$2; shift 2 ;;
    --mib) mib=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --no-install) install=0; shift ;;
    --summary) summary_of=$2; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
[ "$skip" -lt "$rounds" ] || { echo "--skip must be less than --rounds" >&2; exit 2; }
[ "$tiered_counted" -gt 0 ] && [ "$tiered_counted" -le "$tiered_rounds" ] || { echo "--tiered-counted must be in 1..--tiered-rounds" >&2; exit 2; }
mtus=(1500 9000 65535)
if [ -n "$summary_of" ]; then
  logs=$(cd "$summary_of" && pwd)
else
  [ "$(id -u)" -eq 0 ] || { echo "run as root (network namespace for iperf3, apt-get)" >&2; exit 1; }

  here=$(cd "$(dirname "$0")" && pwd)
  root=$(cd "$here/../.." && pwd)
  out="$root/artifacts/peers"
  logs="$out/$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$logs" "$out/gopath"
  # What the summary needs to read the logs again (--summary).
  printf 'cpu=%s passes=%s rounds=%s skip=%s tiered_rounds=%s tiered_counted=%s mib=%s seconds=%s\n' \
    "$cpu" "$passes" "$rounds" "$skip" "$tiered_rounds" "$tiered_counted" "$mib" "$seconds" > "$logs/params.sh"

  # ---- clean-up, even on failure ----
  ns="ethox-peers-lo-$$"
  iperf_server=
  cleanup() {
    if [ -n "$iperf_server" ]; then kill "$iperf_server" 2>/dev/null || true; wait "$iperf_server" 2>/dev/null || true; fi
    ip netns del "$ns" 2>/dev/null || true
  }
  trap cleanup EXIT
  trap 'exit 130' INT TERM

  # ---- peers from Debian ----
  if [ "$install" = 1 ]; then
    need=(golang-go golang-gvisor-gvisor-dev iperf3 util-linux iproute2)
    missing=()
    for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
      echo "== installing ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
  fi
  for tool in dotnet go iperf3 taskset ip; do
    command -v "$tool" >/dev/null || { echo "$tool not found (the .NET SDK is not installed by this script)" >&2; exit 1; }
  done

  # ---- build ----
  echo "== building Ethox.Bench (Release) and the gVisor peer"
  dotnet build "$root/Ethox.Bench" -c Release -v q -nologo > "$logs/build-dotnet.log" 2>&1 \
    || { tail -20 "$logs/build-dotnet.log"; exit 1; }
  bench="$root/Ethox.Bench/bin/Release/net10.0/Ethox.Bench.dll"
  gvisor="$out/gvisor-peer"
  (cd "$here/gvisor" && GO111MODULE=off GOPROXY=off GOFLAGS= GOCACHE="$out/go-cache" \
    GOPATH="$out/gopath:/usr/share/gocode" go build -o "$gvisor" .) > "$logs/build-go.log" 2>&1 \
    || { cat "$logs/build-go.log"; exit 1; }

  # ---- the kernel's loopback, in a namespace of our own ----
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  echo "lo_mtu=$(ip netns exec "$ns" cat /sys/class/net/lo/mtu)" >> "$logs/params.sh"

  pin() { taskset -c "$cpu" "$@"; }

  kernel_loopback() { # $1: log file
    ip netns exec "$ns" taskset -c "$cpu" iperf3 -s -1 -p 5201 > "$1.server" 2>&1 &
    iperf_server=$!
    for _ in $(seq 50); do
      ip netns exec "$ns" ss -Hltn 'sport = :5201' | grep -q . && break
      sleep 0.1
    done
    ip netns exec "$ns" taskset -c "$cpu" iperf3 -c 127.0.0.1 -p 5201 -t "$seconds" -O 1 -i 1 -f g > "$1"
    wait "$iperf_server" || true
    iperf_server=
  }

  {
    echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), Linux $(uname -r)"
    echo "peers:   $(dotnet --version | sed 's/^/.NET SDK /'), $(go version | cut -d' ' -f3), gVisor $(dpkg-query -W -f '${Version}' golang-gvisor-gvisor-dev), iperf3 $(dpkg-query -W -f '${Version}' iperf3)"
    echo "runs:    pinned to CPU $cpu; $passes passes; $mib MiB per round; gVisor and Ethox without tiering $rounds rounds, first $skip not counted;"
    echo "         Ethox under the tiered JIT $tiered_warmup s untimed, then $tiered_rounds rounds, last $tiered_counted counted; iperf3 ${seconds} s after 1 s omitted"
  } | tee "$logs/about.txt"

  echo "uptime at start: $(uptime)" | tee "$logs/load.txt"
  for pass in $(seq "$passes"); do
    echo "== pass $pass of $passes"
    pin dotnet "$bench" memcpy --rounds 20 > "$logs/memcpy.$pass.log"
    pin dotnet "$bench" copies --mtu 65535 --mib 512 --rounds 20 > "$logs/copies.$pass.log"
    for mtu in "${mtus[@]}"; do
      echo "   Ethox tcpbulk, MTU $mtu, tiered JIT"
      pin dotnet "$bench" tcpbulk --mtu "$mtu" --mib "$mib" --rounds "$tiered_rounds" --warmup-seconds "$tiered_warmup" > "$logs/ethox-tiered.$mtu.$pass.log"
      echo "   Ethox tcpbulk, MTU $mtu, DOTNET_TieredCompilation=0"
      DOTNET_TieredCompilation=0 pin dotnet "$bench" tcpbulk --mtu "$mtu" --mib "$mib" --rounds "$rounds" > "$logs/ethox-full.$mtu.$pass.log"
      echo "   gVisor pipe, MTU $mtu"
      GOMAXPROCS=1 pin "$gvisor" pipe -mtu "$mtu" -mib "$mib" -rounds "$rounds" > "$logs/gvisor.$mtu.$pass.log"
    done
    echo "   kernel TCP over lo (iperf3)"
    kernel_loopback "$logs/kernel.$pass.log"
    echo "uptime after pass $pass: $(uptime)" | tee -a "$logs/load.txt"
  done
fi
# The parameters of the run the logs come from (the same as above unless --summary), and lo's MTU.
. "$logs/params.sh"
tiered_skip=$((tiered_rounds - tiered_counted))

# ---- summary ----
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Lines "round N: X Gbit/s (...), Y Gbit/s per CPU second": column 3 is X, column 7 is Y (Ethox and gVisor
# print alike). rounds_of SKIP FILES... keeps the rounds numbered SKIP and later.
rounds_of() { local from=$1; shift; cat "$@" | awk -v skip="$from" '$1 == "round" && $2 + 0 >= skip && $4 == "Gbit/s"'; }
wall() { rounds_of "$@" | awk '{ print $3 }' | median; }
per_cpu() { rounds_of "$@" | awk '$8 == "Gbit/s" && $9 == "per" { print $7 }' | median; }
count() { rounds_of "$@" | wc -l; }
# iperf3's one-second intervals, the omitted one and the totals left out.
kernel_intervals() { cat "$@" | awk '/Gbits\/sec/ && !/omitted|sender|receiver/ { for (i = 1; i <= NF; i++) if ($i == "Gbits/sec") print $(i - 1) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
f2() { awk -v v="$1" 'BEGIN { printf "%.2f", v }'; }

declare -A tw tc fw fc gw gc tn fn gn
for mtu in "${mtus[@]}"; do
  tw[$mtu]=$(wall "$tiered_skip" "$logs"/ethox-tiered."$mtu".*.log); tc[$mtu]=$(per_cpu "$tiered_skip" "$logs"/ethox-tiered."$mtu".*.log)
  tn[$mtu]=$(count "$tiered_skip" "$logs"/ethox-tiered."$mtu".*.log)
  fw[$mtu]=$(wall "$skip" "$logs"/ethox-full."$mtu".*.log); fc[$mtu]=$(per_cpu "$skip" "$logs"/ethox-full."$mtu".*.log)
  fn[$mtu]=$(count "$skip" "$logs"/ethox-full."$mtu".*.log)
  gw[$mtu]=$(wall "$skip" "$logs"/gvisor."$mtu".*.log); gc[$mtu]=$(per_cpu "$skip" "$logs"/gvisor."$mtu".*.log)
  gn[$mtu]=$(count "$skip" "$logs"/gvisor."$mtu".*.log)
done
kw=$(kernel_intervals "$logs"/kernel.*.log | median)
kn=$(kernel_intervals "$logs"/kernel.*.log | wc -l)
mem=$(cat "$logs"/memcpy.*.log | awk '$1 == "round" { print $3 }' | median)
memn=$(cat "$logs"/memcpy.*.log | awk '$1 == "round"' | wc -l)
memgbit=$(awk -v m="$mem" 'BEGIN { printf "%.1f", m * 8 }')
# tcpbulk's copies and sums without TCP (Ethox.Bench copies), its ceiling; runs from before that mode have no such logs.
copies=nan copiesn=0
if compgen -G "$logs/copies.*.log" >/dev/null; then
  copies=$(cat "$logs"/copies.*.log | awk '$1 == "round" { print $3 }' | median)
  copiesn=$(cat "$logs"/copies.*.log | awk '$1 == "round"' | wc -l)
fi
# best_of NAME: the MTU at which the associative array NAME has its highest median.
best_of() { local -n figures=$1; local mtu top=; for mtu in "${mtus[@]}"; do
  if [ -z "$top" ] || awk -v a="${figures[$mtu]}" -v b="${figures[$top]}" 'BEGIN { exit !(a > b) }'; then top=$mtu; fi; done; echo "$top"; }
tb=$(best_of tw) fb=$(best_of fw) gb=$(best_of gw)

{
  echo
  cat "$logs/about.txt"
  echo
  echo "TCP bulk transfer, one connection, one core (CPU $cpu); medians over all passes"
  row() { printf '| %-40s | %5s | %8s | %12s | %10s | %10s | %10s |\n' "$@"; }
  row "peer" "MTU" "Gbit/s" "Gbit/s/CPU s" "samples" "tiered/it" "no-tier/it"
  echo "|$(printf -- '-%.0s' {1..42})|------:|---------:|-------------:|-----------:|-----------:|-----------:|"
  for mtu in "${mtus[@]}"; do
    row "Ethox over Pipe, tiered JIT (default)" "$mtu" "$(f2 "${tw[$mtu]}")" "$(f2 "${tc[$mtu]}")" "${tn[$mtu]} rounds" "" ""
  done
  for mtu in "${mtus[@]}"; do
    row "Ethox over Pipe, TieredCompilation=0" "$mtu" "$(f2 "${fw[$mtu]}")" "$(f2 "${fc[$mtu]}")" "${fn[$mtu]} rounds" "" ""
  done
  for mtu in "${mtus[@]}"; do
    row "gVisor over link/pipe, GOMAXPROCS=1" "$mtu" "$(f2 "${gw[$mtu]}")" "$(f2 "${gc[$mtu]}")" "${gn[$mtu]} rounds" \
      "$(ratio "${tw[$mtu]}" "${gw[$mtu]}")" "$(ratio "${fw[$mtu]}" "${gw[$mtu]}")"
  done
  row "kernel over lo, iperf3 -c and -s" "$lo_mtu" "$(f2 "$kw")" "n/a" "$kn s" "$(ratio "${tw[$tb]}" "$kw")" "$(ratio "${fw[$fb]}" "$kw")"
  row "memcpy 64 KiB chunks, $(awk -v m="$mem" 'BEGIN { printf "%.1f GB/s", m }')" "-" "$memgbit" "-" "$memn rounds" \
    "$(ratio "${tw[$tb]}" "$memgbit")" "$(ratio "${fw[$fb]}" "$memgbit")"
  if [ "$copiesn" -gt 0 ]; then
    row "Ethox's copies and sums alone (copies)" "65535" "$(f2 "$copies")" "-" "$copiesn rounds" \
      "$(ratio "${tw[65535]}" "$copies")" "$(ratio "${fw[65535]}" "$copies")"
  fi
  echo "tiered/it, no-tier/it: Ethox (tiered JIT; TieredCompilation=0) divided by that row, by wall clock: Ethox at the"
  echo "same MTU for gVisor and the copies; at its best MTU for the kernel and memcpy (tiered: $tb, TieredCompilation=0: $fb)."
  echo
  echo "Best MTU each: Ethox tiered $tb ($(f2 "${tw[$tb]}") Gbit/s), Ethox TieredCompilation=0 $fb ($(f2 "${fw[$fb]}")), gVisor $gb ($(f2 "${gw[$gb]}"))"
  echo "Ethox / gVisor, each at its best MTU: tiered $(ratio "${tw[$tb]}" "${gw[$gb]}"), TieredCompilation=0 $(ratio "${fw[$fb]}" "${gw[$gb]}") by wall clock;" \
    "tiered $(ratio "${tc[$tb]}" "${gc[$gb]}"), TieredCompilation=0 $(ratio "${fc[$fb]}" "${gc[$gb]}") per CPU second"
  for mtu in "${mtus[@]}"; do
    echo "MTU $mtu: Ethox / gVisor per CPU second: tiered $(ratio "${tc[$mtu]}" "${gc[$mtu]}"), TieredCompilation=0 $(ratio "${fc[$mtu]}" "${gc[$mtu]}");" \
      "Ethox / kernel loopback: tiered $(ratio "${tw[$mtu]}" "$kw"), TieredCompilation=0 $(ratio "${fw[$mtu]}" "$kw")"
  done
  echo
  cat "$logs/load.txt"
  echo "logs: $logs"
} | tee "$logs/summary.txt"
