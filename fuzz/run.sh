#!/usr/bin/env bash
# Runs AFL++ on Ethox's SharpFuzz harness.
#   fuzz/run.sh TARGET [--seconds N]     fuzz one target for N seconds (default 60)
#   fuzz/run.sh --all [--seconds N]      fuzz every target for N seconds each
# Exits non-zero when AFL++ saved a crash or a hang-free run could not start. Results in fuzz/out/TARGET.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
seconds=60
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --all) targets=(ALL); shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || { echo "usage: fuzz/run.sh TARGET|--all [--seconds N]" >&2; exit 2; }
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found (Debian package afl++)" >&2; exit 2; }

bin="$here/out/bin"
echo "== building and instrumenting the harness"
(cd "$root" && dotnet tool restore >/dev/null)
rm -rf "$bin"
dotnet publish "$here/Ethox.Fuzz/Ethox.Fuzz.csproj" -c Release -o "$bin" --nologo -v q >/dev/null
(cd "$root" && dotnet tool run sharpfuzz "$bin/Ethox.Wire.dll" >/dev/null)
# The TCP state machine (tcpstate target) is coverage too.
(cd "$root" && dotnet tool run sharpfuzz "$bin/Ethox.Layer.dll" >/dev/null)

if [ "${targets[0]}" = ALL ]; then
  mapfile -t targets < <(dotnet "$bin/Ethox.Fuzz.dll" 2>&1 | sed -n 's/.*targets: //p' | tr ' ' '\n')
  [ ${#targets[@]} -gt 0 ] || { echo "could not list the fuzz targets" >&2; exit 1; }
fi

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
status=0
for t in "${targets[@]}"; do
  corpus="$here/corpus/$t"
  if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
    corpus=$(mktemp -d); printf '\0\0\0\0' > "$corpus/empty"
  fi
  out="$here/out/$t"
  rm -rf "$out"
  afl-fuzz -i "$corpus" -o "$out" -V "$seconds" -t 10000 -m none -- dotnet "$bin/Ethox.Fuzz.dll" "$t" >"$out.log" 2>&1 || {
    echo "afl-fuzz failed to run target $t (see $out.log)"; tail -5 "$out.log"; status=1; continue; }
  stats="$out/default/fuzzer_stats"
  execs=$(awk -F': *' '/^execs_done/ {print $2}' "$stats" 2>/dev/null || echo 0)
  paths=$(awk -F': *' '/^corpus_count/ {print $2}' "$stats" 2>/dev/null || echo 0)
  crashes=$(find "$out/default/crashes" -type f ! -name README.txt 2>/dev/null | wc -l)
  printf '%-10s %4ss  %8s execs  %5s paths  %s crashes\n' "$t" "$seconds" "$execs" "$paths" "$crashes"
  if [ "$crashes" -gt 0 ]; then
    status=1
    echo "  crash inputs in $out/default/crashes; replay: dotnet run --project fuzz/Ethox.Fuzz -- $t FILE"
  fi
done
exit $status
