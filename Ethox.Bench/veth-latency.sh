#!/usr/bin/env bash
# Latency over a veth pair, side by side in one run (issue 10 §3, "Latency"; docs/performance.md): on two veth pairs set
# up the same way (two namespaces each, IPv6 off, the kernel's default offloads), from the client namespace
#   - `ping -f -c COUNT -q`: one echo request in flight at a time, so replies per second are one over the round trip;
#   - tcp_rr.py: one TCP connection, one byte each way, the next request once the answer is in (netperf's TCP_RR), for
#     SECONDS seconds: transactions per second;
# answered by the kernel (ICMP in its softirq; TCP by `socat TCP-LISTEN:7,fork PIPE`, an echo through a pipe) and by Ethox
# (the appliance: ICMP answered in place, TCP echo on port 7) in four modes: plain AF_PACKET socket or PACKET_MMAP rings,
# each sleeping in poll(2) between frames or with --busy-poll BUSY (spinning on the device for BUSY microseconds after the
# last frame before it sleeps, and yielding the CPU between two looks). Each in two placements: "split", the server
# (socat, the appliance; every thread) pinned to CPU 0 and the client to CPU 1, and "shared", both on CPU 1. The
# appliance's CPU time (user + system, all threads, /proc/PID/stat) is taken over each measurement and over IDLE seconds
# with no traffic, and given per second of wall time: the cost of busy polling. Everything runs PASSES times,
# interleaved; the summary gives medians.
#
# Run as root on a machine with the .NET SDK:  Ethox.Bench/veth-latency.sh [options]
#   --passes N    interleaved passes (3)
#   --count N     ping -f requests per measurement (50000)
#   --seconds N   tcp_rr.py duration (5)
#   --busy N      --busy-poll microseconds for the busy modes (200)
#   --idle N      seconds of idleness over which the appliance's CPU is taken (3)
#   --modes LIST  the Ethox modes to run, comma-separated (socket,mmap,socket-busy,mmap-busy)
#   --aot         run the appliance's NativeAOT build (published first) instead of the JIT build
#   --no-install  do not apt-get anything
#   --summary DIR run nothing: print the summary of an earlier run's logs in DIR again
# It installs iputils-ping, socat, iproute2, nftables, util-linux and python3 with apt-get; logs go to artifacts/veth/<date>/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/veth-common.sh"
passes=3 count=50000 seconds=5 busy=200 idle=3
modes=(socket mmap socket-busy mmap-busy)
while [ $# -gt 0 ]; do
  case "$1" in
    --passes) passes=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --busy) busy=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --modes) IFS=, read -r -a modes <<< "$2"; shift 2 ;;
    *) vt_option "$@"; shift "$vt_shifted" ;;
  esac
done
places=(split shared)
mode_options() {
  case "$1" in
    socket) echo "" ;;
    mmap) echo "--mmap" ;;
    socket-busy) echo "--busy-poll $busy" ;;
    mmap-busy) echo "--mmap --busy-poll $busy" ;;
  esac
}

vt_begin latency "iputils-ping socat iproute2 nftables util-linux python3" dotnet ping socat taskset ip nft python3
if [ -z "$summary_of" ]; then
  { echo "busy=$busy"; declare -p modes; } > "$logs/params.sh"
  hz=$(getconf CLK_TCK)

  vt_pair E 198.18.40 on none
  vt_pair K 198.18.41 on kernel
  {
    echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), Linux $(uname -r)"
    echo "run:     $passes passes; ping -f -c $count; tcp_rr.py $seconds s; busy modes --busy-poll $busy; idle CPU over $idle s"
    echo "         appliance ${appliance[*]}; clients on CPU 1, servers on CPU 0 (split) or 1 (shared)"
  } | tee "$logs/about.txt"

  # ping_test LABEL PAIR TARGET [PID]: replies per second in LABEL.ping.PASS; with PID, that process's CPU seconds per second.
  ping_test() {
    local label=$1 pair=$2 target=$3 pid=${4:-} before after start end out
    [ -n "$pid" ] && before=$(vt_cpu_ticks "$pid")
    start=$(date +%s.%N)
    out=$(ip netns exec "$(vt_ns_client "$pair")" taskset -c 1 ping -f -c "$count" -q -w 300 "$target")
    end=$(date +%s.%N)
    echo "$out" > "$logs/$label.ping-output.$pass"
    echo "$out" | awk '/packets transmitted/ { for (i = 1; i <= NF; i++) { if ($(i + 1) == "received,") r = $i; if ($i == "time") t = $(i + 1) } }
      END { sub("ms", "", t); printf "%.0f\n", r / (t / 1000) }' > "$logs/$label.ping.$pass"
    if [ -n "$pid" ]; then
      after=$(vt_cpu_ticks "$pid")
      awk -v a="$after" -v b="$before" -v hz="$hz" -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", (a - b) / hz / (e - s) }' > "$logs/$label.ping-cpu.$pass"
    fi
    printf '   %-28s ping -f: %8s replies/s%s\n' "$label" "$(cat "$logs/$label.ping.$pass")" "${pid:+, appliance CPU $(cat "$logs/$label.ping-cpu.$pass") s/s}"
  }
  # rr_test LABEL PAIR TARGET [PID]: TCP_RR transactions per second in LABEL.rr.PASS (and the CPU, as above).
  rr_test() {
    local label=$1 pair=$2 target=$3 pid=${4:-} before after start end
    [ -n "$pid" ] && before=$(vt_cpu_ticks "$pid")
    start=$(date +%s.%N)
    ip netns exec "$(vt_ns_client "$pair")" taskset -c 1 python3 "$here/tcp_rr.py" "$target" 7 "$seconds" > "$logs/$label.rr-output.$pass"
    end=$(date +%s.%N)
    awk '{ print $1; exit }' "$logs/$label.rr-output.$pass" > "$logs/$label.rr.$pass"
    if [ -n "$pid" ]; then
      after=$(vt_cpu_ticks "$pid")
      awk -v a="$after" -v b="$before" -v hz="$hz" -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", (a - b) / hz / (e - s) }' > "$logs/$label.rr-cpu.$pass"
    fi
    printf '   %-28s TCP_RR:  %8s trans/s%s\n' "$label" "$(cat "$logs/$label.rr.$pass")" "${pid:+, appliance CPU $(cat "$logs/$label.rr-cpu.$pass") s/s}"
  }

  echo "uptime at start: $(uptime)" | tee "$logs/load.txt"
  for pass in $(seq "$passes"); do
    echo "== pass $pass of $passes"
    for place in "${places[@]}"; do
      server_cpu=$([ "$place" = split ] && echo 0 || echo 1)
      vt_start "$logs/socat.$place.$pass.log" ip netns exec "$(vt_ns_server K)" taskset -c "$server_cpu" socat TCP-LISTEN:7,fork,reuseaddr PIPE
      socat_pid=$started
      vt_wait_listen "$(vt_ns_server K)" 7
      ping_test "$place-kernel" K 198.18.41.1
      rr_test "$place-kernel" K 198.18.41.1
      vt_stop "$socat_pid"
      for mode in "${modes[@]}"; do
        label="$place-ethox-$mode"
        # shellcheck disable=SC2046 # the options are words
        vt_start "$logs/$label.$pass.log" ip netns exec "$(vt_ns_server E)" taskset -c "$server_cpu" "${appliance[@]}" \
          --iface "$(vt_if_server E)" --ip 198.18.40.1/24 --max-connections 16 $(mode_options "$mode")
        pid=$started
        vt_wait_for "$logs/$label.$pass.log" "running on"
        ip netns exec "$(vt_ns_client E)" ping -c 3 -i 0.2 -W 5 198.18.40.1 >/dev/null
        # Idle first (after the JIT's start-up work has settled), then the two measurements.
        sleep 1
        before=$(vt_cpu_ticks "$pid"); sleep "$idle"; after=$(vt_cpu_ticks "$pid")
        awk -v a="$after" -v b="$before" -v hz="$hz" -v s="$idle" 'BEGIN { printf "%.3f\n", (a - b) / hz / s }' > "$logs/$label.idle-cpu.$pass"
        ping_test "$label" E 198.18.40.1 "$pid"
        rr_test "$label" E 198.18.40.1 "$pid"
        printf '   %-28s idle:    appliance CPU %s s/s\n' "$label" "$(cat "$logs/$label.idle-cpu.$pass")"
        vt_stop "$pid"
      done
    done
    echo "uptime after pass $pass: $(uptime)" | tee -a "$logs/load.txt"
  done
fi

# ---- summary ----
. "$logs/params.sh"
med() { cat "$logs/$1".* 2>/dev/null | median; }
f() { awk -v v="$1" -v d="$2" 'BEGIN { if (v == v + 0) printf "%." d "f", v; else print v }'; }
{
  echo
  cat "$logs/about.txt"
  echo
  echo "Medians over the passes. CPU: the appliance's user + system time per second of wall time during the measurement."
  echo
  echo "| placement | answered by | ping -f replies/s | vs kernel | CPU s/s | TCP_RR trans/s | vs kernel | CPU s/s | idle CPU s/s |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for place in "${places[@]}"; do
    kp=$(med "$place-kernel.ping") kr=$(med "$place-kernel.rr")
    echo "| $place | kernel (ICMP in softirq; TCP: socat PIPE echo) | $(f "$kp" 0) | 1.00 | - | $(f "$kr" 0) | 1.00 | - | - |"
    for mode in "${modes[@]}"; do
      l="$place-ethox-$mode"
      p=$(med "$l.ping") r=$(med "$l.rr")
      echo "| $place | Ethox, $mode | $(f "$p" 0) | $(ratio "$p" "$kp") | $(f "$(med "$l.ping-cpu")" 2) | $(f "$r" 0) | $(ratio "$r" "$kr") | $(f "$(med "$l.rr-cpu")" 2) | $(f "$(med "$l.idle-cpu")" 3) |"
    done
  done
  echo
  echo "split: servers on CPU 0, clients on CPU 1; shared: both on CPU 1. socket/mmap: AF_PACKET plain socket or PACKET_MMAP rings;"
  echo "-busy: --busy-poll $busy (spin, yielding the CPU between looks, for $busy us after the last frame before sleeping)." 
  echo
  cat "$logs/load.txt"
  echo "logs: $logs"
} | tee "$logs/summary.txt"
