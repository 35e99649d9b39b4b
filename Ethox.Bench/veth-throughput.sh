#!/usr/bin/env bash
# TCP throughput over a veth pair, side by side in one run (issue 10 §3, second bullet and "two queues"; docs/performance.md):
# on veth pairs set up the same way (two namespaces each, IPv6 off, the kernel's default offloads unless said), a stock
# kernel iperf3 client measures
#   - Ethox (the appliance's iperf3 server, --iperf) receiving (iperf3 -c) and sending (iperf3 -c -R), once with the
#     appliance's defaults (plain AF_PACKET socket, 256 KiB rings) and once tuned (--mmap --tcp-buffer 1024);
#   - the kernel's own iperf3 -s in the same two directions (kernel <-> kernel, both ends in namespaces);
# and socat pushes BYTES into TCP discard (port 9), timed, against
#   - gVisor's netstack on AF_PACKET (Ethox.Bench/peers/gvisor, serve -sockbuf 8388608: its best, see docs/peers.md) on a
#     pair with every offload off, which it needs (it reads no virtio-net header);
#   - Ethox on an identical pair with every offload off (--offloads off), and Ethox on a default pair (tuned).
# The server side (Ethox, iperf3 -s, gVisor; every thread) is pinned to CPU 0, the client side to CPU 1. Then, with both
# CPUs for each side, Ethox with --queues 2 (two stacks on two threads, AF_PACKET fanout) and the kernel, each with one
# flow (-P 1) and two (-P 2), both directions. Everything runs PASSES times interleaved; the summary gives medians.
#
# Run as root on a machine with the .NET SDK:  Ethox.Bench/veth-throughput.sh [options]
#   --passes N      interleaved passes (3)
#   --seconds N     iperf3 -t per test, after one omitted second (-O 1) (5)
#   --bytes N       bytes socat pushes into discard (2000000000)
#   --aot           run the appliance's NativeAOT build (published first) instead of the JIT build
#   --no-install    do not apt-get anything
#   --summary DIR   run nothing: print the summary of an earlier run's logs in DIR again
# It installs iperf3, socat, ethtool, iproute2, nftables, util-linux, python3, golang-go and golang-gvisor-gvisor-dev with apt-get;
# builds the appliance and the gVisor peer; logs go to artifacts/veth/<date>/ (ignored by git). Not run by .ci/run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/veth-common.sh"
passes=3 seconds=5 bytes=2000000000
while [ $# -gt 0 ]; do
  case "$1" in
    --passes) passes=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --bytes) bytes=$2; shift 2 ;;
    *) vt_option "$@"; shift "$vt_shifted" ;;
  esac
done

# The rows of the summary: label, how its figure is read.
ethox_default=(--max-connections 16)
ethox_tuned=(--mmap --tcp-buffer 1024 --max-connections 16)

vt_begin throughput "iperf3 socat ethtool iproute2 nftables util-linux python3 golang-go golang-gvisor-gvisor-dev" \
  dotnet go iperf3 socat ethtool taskset ip nft python3
if [ -z "$summary_of" ]; then
  mkdir -p "$root/artifacts/peers/gopath"
  echo "== building the gVisor peer"
  gvisor="$root/artifacts/peers/gvisor-peer"
  (cd "$here/peers/gvisor" && GO111MODULE=off GOPROXY=off GOFLAGS= GOCACHE="$root/artifacts/peers/go-cache" \
    GOPATH="$root/artifacts/peers/gopath:/usr/share/gocode" go build -o "$gvisor" .) > "$logs/build-go.log" 2>&1 || { cat "$logs/build-go.log"; exit 1; }

  # E: Ethox (defaults on), K: kernel <-> kernel, G: gVisor (offloads off), F: Ethox with offloads off like G's.
  vt_pair E 198.18.30 on none
  vt_pair K 198.18.31 on kernel
  vt_pair G 198.18.32 off none
  vt_pair F 198.18.33 off none

  {
    echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), Linux $(uname -r)"
    echo "peers:   $(dotnet --version | sed 's/^/.NET SDK /'), iperf3 $(dpkg-query -W -f '${Version}' iperf3), $(go version | cut -d' ' -f3), gVisor $(dpkg-query -W -f '${Version}' golang-gvisor-gvisor-dev)"
    echo "run:     $passes passes; iperf3 -t $seconds -O 1; socat $bytes bytes into discard; appliance ${appliance[*]}"
    echo "         Ethox defaults: ${ethox_default[*]}; tuned: ${ethox_tuned[*]}; servers on CPU 0, clients on CPU 1 (two-queue rows: both CPUs)"
  } | tee "$logs/about.txt"

  # iperf_test LABEL PAIR TARGET TASKSET IPERF-OPTIONS...: one kernel iperf3 client run; its -J report in LABEL.PASS.json.
  iperf_test() {
    local label=$1 pair=$2 target=$3 cpus=$4; shift 4
    ip netns exec "$(vt_ns_client "$pair")" taskset -c "$cpus" iperf3 -c "$target" -t "$seconds" -O 1 -J "$@" > "$logs/$label.$pass.json" || true
    printf '   %-28s %s Gbit/s\n' "$label" "$(iperf_gbits "$logs/$label.$pass.json")"
  }
  # socat_test LABEL PAIR TARGET: BYTES into discard (port 9) from the client namespace, pinned to CPU 1; Gbit/s in LABEL.PASS.txt.
  socat_test() {
    local label=$1 pair=$2 target=$3 start end
    start=$(date +%s.%N)
    ip netns exec "$(vt_ns_client "$pair")" taskset -c 1 socat -u -b 1048576 "OPEN:/dev/zero,readbytes=$bytes" "TCP4:$target:9" || true
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" -v b="$bytes" 'BEGIN { printf "%.3f\n", b * 8 / (e - s) / 1e9 }' > "$logs/$label.$pass.txt"
    printf '   %-28s %s Gbit/s\n' "$label" "$(cat "$logs/$label.$pass.txt")"
  }
  # ethox_start PAIR CPUS OPTIONS...: the appliance on the server end of PAIR (SUBNET.1), iperf3 on 5201, discard on 9.
  ethox_start() {
    local pair=$1 cpus=$2 subnet; shift 2
    subnet=$(case "$pair" in E) echo 198.18.30 ;; F) echo 198.18.33 ;; esac)
    vt_start "$logs/ethox.$pair.$pass.$label_suffix.log" ip netns exec "$(vt_ns_server "$pair")" taskset -c "$cpus" "${appliance[@]}" \
      --iface "$(vt_if_server "$pair")" --ip "$subnet.1/24" --iperf 5201 "$@"
    ethox_pid=$started
    vt_wait_for "$logs/ethox.$pair.$pass.$label_suffix.log" "running on"
    ip netns exec "$(vt_ns_client "$pair")" ping -c 1 -W 5 "$subnet.1" >/dev/null
  }
  iperf_gbits() { python3 -c 'import json,sys
try:
    d = json.load(open(sys.argv[1])); print("%.3f" % (d["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception: print("nan")' "$1"; }

  # The kernel's iperf3 server serves every test of the run.
  vt_start "$logs/kernel-server.log" ip netns exec "$(vt_ns_server K)" taskset -c 0 iperf3 -s -p 5201
  kernel_server=$started
  vt_wait_listen "$(vt_ns_server K)" 5201
  vt_start "$logs/gvisor.log" ip netns exec "$(vt_ns_server G)" taskset -c 0 "$gvisor" serve -iface "$(vt_if_server G)" -addr 198.18.32.1/24 -sockbuf 8388608
  gvisor_pid=$started
  sleep 1
  ip netns exec "$(vt_ns_client G)" ping -c 1 -W 5 198.18.32.1 >/dev/null

  echo "uptime at start: $(uptime)" | tee "$logs/load.txt"
  for pass in $(seq "$passes"); do
    echo "== pass $pass of $passes"
    label_suffix=default; ethox_start E 0 "${ethox_default[@]}"
    iperf_test ethox-default-rx E 198.18.30.1 1
    iperf_test ethox-default-tx E 198.18.30.1 1 -R
    vt_stop "$ethox_pid"
    label_suffix=tuned; ethox_start E 0 "${ethox_tuned[@]}"
    iperf_test ethox-tuned-rx E 198.18.30.1 1
    iperf_test ethox-tuned-tx E 198.18.30.1 1 -R
    socat_test ethox-tuned-discard E 198.18.30.1
    vt_stop "$ethox_pid"
    iperf_test kernel-rx K 198.18.31.1 1
    iperf_test kernel-tx K 198.18.31.1 1 -R
    socat_test gvisor-discard G 198.18.32.1
    label_suffix=off; ethox_start F 0 "${ethox_tuned[@]}" --offloads off
    socat_test ethox-off-discard F 198.18.33.1
    vt_stop "$ethox_pid"
    label_suffix=queues; ethox_start E 0,1 "${ethox_tuned[@]}" --queues 2
    iperf_test ethox-q2-rx-P1 E 198.18.30.1 0,1
    iperf_test ethox-q2-rx-P2 E 198.18.30.1 0,1 -P 2
    iperf_test ethox-q2-tx-P1 E 198.18.30.1 0,1 -R
    iperf_test ethox-q2-tx-P2 E 198.18.30.1 0,1 -R -P 2
    vt_stop "$ethox_pid"
    # The kernel's server is pinned to CPU 0: for the two-flow rows a second one, unpinned, on another port.
    vt_start "$logs/kernel-server-2.$pass.log" ip netns exec "$(vt_ns_server K)" iperf3 -s -p 5202
    both=$started
    vt_wait_listen "$(vt_ns_server K)" 5202
    iperf_test kernel-2cpu-rx-P1 K 198.18.31.1 0,1 -p 5202
    iperf_test kernel-2cpu-rx-P2 K 198.18.31.1 0,1 -p 5202 -P 2
    iperf_test kernel-2cpu-tx-P1 K 198.18.31.1 0,1 -p 5202 -R
    iperf_test kernel-2cpu-tx-P2 K 198.18.31.1 0,1 -p 5202 -R -P 2
    vt_stop "$both"
    echo "uptime after pass $pass: $(uptime)" | tee -a "$logs/load.txt"
  done
  vt_stop "$gvisor_pid"
  vt_stop "$kernel_server"
fi

# ---- summary ----
json_gbits() { for f in "$@"; do [ -e "$f" ] && python3 -c 'import json,sys
try:
    d = json.load(open(sys.argv[1])); print(d["end"]["sum_received"]["bits_per_second"] / 1e9)
except Exception: pass' "$f"; done; }
iperf_median() { json_gbits "$logs/$1".*.json | median; }
socat_median() { cat "$logs/$1".*.txt 2>/dev/null | median; }
f2() { awk -v v="$1" 'BEGIN { if (v == v + 0) printf "%.2f", v; else print v }'; }
samples() { ls "$logs/$1".*."$2" 2>/dev/null | wc -l; }
{
  echo
  cat "$logs/about.txt"
  echo
  echo "Medians over the passes, Gbit/s received (iperf3: the receiver's figure; socat: bytes / wall time of the transfer)"
  echo
  echo "| test | Gbit/s | samples | vs the kernel |"
  echo "| --- | ---: | ---: | ---: |"
  kr=$(iperf_median kernel-rx) kt=$(iperf_median kernel-tx)
  for row in "kernel-rx:kernel iperf3 -c -> kernel iperf3 -s" "kernel-tx:kernel iperf3 -c -R <- kernel iperf3 -s" \
             "ethox-default-rx:kernel iperf3 -c -> Ethox, defaults" "ethox-default-tx:kernel iperf3 -c -R <- Ethox, defaults" \
             "ethox-tuned-rx:kernel iperf3 -c -> Ethox, tuned" "ethox-tuned-tx:kernel iperf3 -c -R <- Ethox, tuned"; do
    key=${row%%:*} text=${row#*:}
    v=$(iperf_median "$key")
    case "$key" in *-rx) ref=$kr ;; *) ref=$kt ;; esac
    echo "| $text | $(f2 "$v") | $(samples "$key" json) | $(ratio "$v" "$ref") |"
  done
  g=$(socat_median gvisor-discard)
  echo
  echo "| socat -u into TCP discard | Gbit/s | samples | vs gVisor |"
  echo "| --- | ---: | ---: | ---: |"
  for row in "gvisor-discard:gVisor on AF_PACKET, offloads off, -sockbuf 8 MiB" "ethox-off-discard:Ethox, tuned, offloads off (same pair set-up as gVisor)" \
             "ethox-tuned-discard:Ethox, tuned, default offloads"; do
    key=${row%%:*} text=${row#*:}
    v=$(socat_median "$key")
    echo "| $text | $(f2 "$v") | $(samples "$key" txt) | $(ratio "$v" "$g") |"
  done
  echo
  echo "| two CPUs each side | one flow (-P 1) | two flows (-P 2) | two / one |"
  echo "| --- | ---: | ---: | ---: |"
  for row in "ethox-q2-rx:Ethox --queues 2, kernel sends" "ethox-q2-tx:Ethox --queues 2, Ethox sends (-R)" \
             "kernel-2cpu-rx:kernel <-> kernel, client sends" "kernel-2cpu-tx:kernel <-> kernel, server sends (-R)"; do
    key=${row%%:*} text=${row#*:}
    one=$(iperf_median "$key-P1") two=$(iperf_median "$key-P2")
    echo "| $text | $(f2 "$one") | $(f2 "$two") | $(ratio "$two" "$one") |"
  done
  echo
  cat "$logs/load.txt"
  echo "logs: $logs"
} | tee "$logs/summary.txt"
