#!/usr/bin/env bash
# Interleaved rounds of bench/run.sh for the figures of docs/benchmarks.md
# that compare storage modes: each round runs every MODE in turn (record
# writes and reads only), so that the machine's load, shared with other
# work, weighs on every mode alike. Prints one line per mode and load.
# Usage: BENCH_POSTGRES=... bash bench/rounds.sh [ROUNDS] [DURATION]
#   (default 2 rounds of 10s; MODES default "sqlite postgres replicas";
#    STEWARD_BIN as for run.sh, BINS="label=path ..." to compare builds)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
dur=${2:-10s}
modes=${MODES:-sqlite postgres replicas}
bins=${BINS:-}
if [ -z "$bins" ]; then
  go build -o "${TMPDIR:-/tmp}/steward-rounds-$$" ./cmd/steward
  bins="current=${TMPDIR:-/tmp}/steward-rounds-$$"
  trap 'rm -f "${TMPDIR:-/tmp}/steward-rounds-$$"' EXIT
fi
for r in $(seq 1 "$rounds"); do
  for b in $bins; do
    for m in $modes; do
      out=$(MODE=$m STEWARD_BIN=${b#*=} ONLY=writes,reads bash bench/run.sh "$dur" 2>&1) || { echo "$out" >&2; exit 1; }
      rate() { echo "$out" | awk -v want="$1" '/^== record/ {cur = $3} /^Requests\/sec/ && cur == want {v = $2} /^Requests\/sec \(sum/ && cur == want {v = $NF} END {print v}'; }
      printf 'round %d  %-8s %-9s writes/s %8s  reads/s %8s\n' "$r" "${b%%=*}" "$m" "$(rate writes)" "$(rate reads)"
    done
  done
done
