#!/usr/bin/env bash
# Bulk TCP and connection set-up over Pipe from the same sources run three ways, interleaved, in one go:
# the JIT with its default tiering (dynamic PGO), the JIT without tiering (DOTNET_TieredCompilation=0: no profile)
# and the NativeAOT binary (Ethox.Bench/Aot, published with the appliance's compiler settings), plus any other
# NativeAOT builds named in AOT_VARIANTS ("name=msbuild-properties;..."), e.g.
#   AOT_VARIANTS="v3=-p:IlcInstructionSet=x86-64-v3" Ethox.Bench/aot-compare.sh
# Prints each process's median line; REPS processes per variant, ROUNDS timed rounds each after WARMUP untimed ones
# (tcpbulk; tcphandshake warms up for 2 one-second rounds), pinned to CPU ${CPU:-0}.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3} ROUNDS=${ROUNDS:-10} WARMUP=${WARMUP:-20} MTU=${MTU:-1500} CPU=${CPU:-0}
out=${OUT:-$(mktemp -d)}; mkdir -p "$out"
dotnet build Ethox.Bench/Aot -c Release 2>&1 | grep -qE "Build succeeded" || { echo "build failed"; exit 1; }
dll=Ethox.Bench/Aot/bin/Release/net10.0/ethox-bench-aot.dll
declare -A run=([jit-tiered]="dotnet $dll" [jit-tc0]="env DOTNET_TieredCompilation=0 dotnet $dll")
order=(jit-tiered jit-tc0 aot)
publish() { # name, extra properties
  dotnet publish Ethox.Bench/Aot -c Release -r linux-x64 -o "$out/$1" "${@:2}" >"$out/$1.log" 2>&1 \
    && ! grep -qE "warning|ILC: Method" "$out/$1.log" || { echo "publish of $1 failed or warned: $out/$1.log"; exit 1; }
  run[$1]="$out/$1/ethox-bench-aot"
}
publish aot
IFS=';' read -ra extra <<< "${AOT_VARIANTS:-}"
for v in "${extra[@]}"; do
  [ -n "$v" ] || continue
  name=${v%%=*}; read -ra props <<< "${v#*=}"
  publish "$name" "${props[@]}"; order+=("$name")
done
for mode in "tcpbulk --mtu $MTU --mib 64 --rounds $ROUNDS --warmup $WARMUP" "tcphandshake --rounds $ROUNDS --warmup 2"; do
  echo "== $mode"
  for rep in $(seq 1 "$REPS"); do
    for v in "${order[@]}"; do
      printf '%-12s rep %d: ' "$v" "$rep"
      taskset -c "$CPU" ${run[$v]} $mode | grep '^median'
    done
  done
done
