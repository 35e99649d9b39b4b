# Shared by veth-throughput.sh and veth-latency.sh (sourced, not run): their common options, the start of a run (logs,
# clean-up, installing the peers, building the appliance), making and deleting veth pairs in network namespaces of the
# run's own, starting and stopping background servers, medians.
# Every namespace is named ethoxvt-<pid>-*, every interface vt<pid>*; all of them, and every server started, go on exit.
# Addresses come from 198.18.0.0/15 (RFC 2544) only.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tag=$$
ns_prefix="ethoxvt-$tag"
background_pids=()

vt_cleanup() {
  local pid
  for pid in "${background_pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  local ns
  for ns in $(ip netns list 2>/dev/null | awk -v p="$ns_prefix-" 'index($1, p) == 1 { print $1 }'); do ip netns del "$ns" 2>/dev/null || true; done
}

# The options both scripts take (see their headers), with their defaults.
aot=0 install=1 summary_of=

# vt_option ARG...: takes the option at the start of ARG... if it is one of both scripts' (--aot, --no-install,
# --summary DIR) and sets vt_shifted to the arguments it used; any other option is an error (exit 2).
vt_option() {
  case "$1" in
    --aot) aot=1; vt_shifted=1 ;;
    --no-install) install=0; vt_shifted=1 ;;
    --summary) summary_of=$2; vt_shifted=2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
}

# vt_begin NAME PACKAGES TOOL...: sets logs. With --summary DIR, to DIR (nothing is to run). Otherwise, as root only: to a
# new artifacts/veth/NAME-<date>; the namespaces and servers go on exit; the Debian PACKAGES (one argument, words apart)
# are installed unless --no-install; every TOOL must be on the PATH; and the appliance is built (vt_build_appliance).
vt_begin() {
  local name=$1 packages=$2 tool
  shift 2
  if [ -n "$summary_of" ]; then
    logs=$(cd "$summary_of" && pwd)
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || { echo "run as root (network namespaces, raw sockets, apt-get)" >&2; exit 1; }
  logs="$root/artifacts/veth/$name-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$logs"
  trap vt_cleanup EXIT
  trap 'exit 130' INT TERM
  # shellcheck disable=SC2086 # the packages are words apart
  if [ "$install" = 1 ]; then vt_install $packages; fi
  for tool in "$@"; do command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 1; }; done
  vt_build_appliance "$logs" "$aot"
}

# vt_install PACKAGE...: apt-get the Debian packages that are missing (skipped with --no-install).
vt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# vt_build_appliance LOGDIR AOT: sets the array `appliance` to the command that runs the appliance: the JIT build
# (`dotnet ethox-appliance.dll`, tiered compilation with dynamic PGO) or, with AOT=1, the NativeAOT binary it ships as.
vt_build_appliance() {
  local logs=$1 aot=$2
  if [ "$aot" = 1 ]; then
    echo "== publishing the appliance with NativeAOT"
    dotnet publish "$root/samples/Ethox.Appliance" -c Release -r linux-x64 -p:PublishAot=true -o "$root/artifacts/veth/aot" > "$logs/build-appliance.log" 2>&1 \
      || { tail -20 "$logs/build-appliance.log"; exit 1; }
    appliance=("$root/artifacts/veth/aot/ethox-appliance")
  else
    echo "== building the appliance (Release)"
    dotnet build "$root/samples/Ethox.Appliance" -c Release -v q -nologo > "$logs/build-appliance.log" 2>&1 \
      || { tail -20 "$logs/build-appliance.log"; exit 1; }
    appliance=(dotnet "$root/samples/Ethox.Appliance/bin/Release/net10.0/ethox-appliance.dll")
  fi
}

# vt_pair NAME SUBNET OFFLOADS SERVER_ADDRESS: two namespaces $ns_prefix-NAME-s and -c joined by a veth pair
# (vt<pid>NAMEs / vt<pid>NAMEc), IPv6 off, the client end with SUBNET.2/24. SERVER_ADDRESS=kernel gives the server end
# SUBNET.1/24 (a kernel peer); anything else leaves it without an address (Ethox or gVisor owns that end) and keeps that
# namespace's kernel off it: an nftables netdev ingress rule drops every frame after the packet sockets had their copy,
# as an appliance that owns its NIC would want (without it the kernel looks up a route for every frame to the address it
# does not hold and drops it with an error, on the sender's CPU). OFFLOADS=off switches every checksum and segmentation
# offload off on both ends (ethtool), as a peer without virtio-net headers needs.
vt_pair() {
  local name=$1 subnet=$2 offloads=$3 server=$4
  local s="$ns_prefix-$name-s" c="$ns_prefix-$name-c" is="vt$tag${name}s" ic="vt$tag${name}c"
  ip netns add "$s"
  ip netns add "$c"
  ip link add "$is" netns "$s" type veth peer name "$ic" netns "$c"
  ip netns exec "$s" sysctl -qw "net.ipv6.conf.$is.disable_ipv6=1"
  ip netns exec "$c" sysctl -qw "net.ipv6.conf.$ic.disable_ipv6=1"
  if [ "$offloads" = off ]; then
    ip netns exec "$s" ethtool -K "$is" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
    ip netns exec "$c" ethtool -K "$ic" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
  fi
  ip -n "$s" link set lo up
  ip -n "$c" link set lo up
  if [ "$server" = kernel ]; then
    ip -n "$s" addr add "$subnet.1/24" dev "$is"
  else
    ip netns exec "$s" nft add table netdev owned
    ip netns exec "$s" nft add chain netdev owned ingress "{ type filter hook ingress device $is priority 0; }"
    ip netns exec "$s" nft add rule netdev owned ingress drop
  fi
  ip -n "$c" addr add "$subnet.2/24" dev "$ic"
  ip -n "$s" link set "$is" up
  ip -n "$c" link set "$ic" up
  # The carrier and the qdisc come up a little later; frames sent before are lost.
  local _
  for _ in $(seq 50); do
    ip -n "$c" -o link show dev "$ic" | grep -q "LOWER_UP" && ! ip -n "$c" -o link show dev "$ic" | grep -q "qdisc noop" && break
    sleep 0.1
  done
}
vt_ns_server() { echo "$ns_prefix-$1-s"; }
vt_ns_client() { echo "$ns_prefix-$1-c"; }
vt_if_server() { echo "vt$tag${1}s"; }

# vt_start LOG CMD...: starts CMD in the background with its output in LOG; the pid is in $started.
vt_start() {
  local log=$1; shift
  "$@" > "$log" 2>&1 &
  started=$!
  background_pids+=("$started")
}

# vt_stop PID: SIGTERM and wait (the appliance prints its counters then).
vt_stop() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# vt_wait_for LOG TEXT: until LOG holds TEXT (a server's start-up line), at most 20 s.
vt_wait_for() {
  local _
  for _ in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1:" >&2
  cat "$1" >&2
  exit 1
}

# vt_wait_listen NS PORT: until a kernel socket listens on PORT in NS.
vt_wait_listen() {
  local _
  for _ in $(seq 100); do ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0; sleep 0.1; done
  echo "nothing listens on port $2 in $1" >&2
  exit 1
}

# vt_cpu_ticks PID: user + system CPU time of a process and all its threads, in clock ticks (/proc/PID/stat fields 14, 15).
vt_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a == a + 0) printf "%.2f", a / b; else print "-" }'; }
