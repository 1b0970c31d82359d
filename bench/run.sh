#!/usr/bin/env bash
# Reproduces the HTTP figures of docs/benchmarks.md: starts steward in a
# temporary folder, creates SUBJECTS subjects with a record each, then
# drives it with wrk (Debian package wrk): whoami with 32 connections,
# record writes and record reads with 16.
#
# Usage: bash bench/run.sh [DURATION]   (default 10s)
#
# MODE chooses the storage (default sqlite):
#   MODE=sqlite     one server on SQLite in the temporary folder
#   MODE=postgres   one server on PostgreSQL
#   MODE=replicas   two servers on one PostgreSQL database (shared master
#                   key file); wrk drives each with half the connections at
#                   the same time and the figure is the sum. Each server
#                   gets half the machine's CPUs (GOMAXPROCS, unless set),
#                   as a container CPU limit would give it: two Go runtimes
#                   each sized for the whole machine spend on their own
#                   scheduling and GC what the other one needs
#   MODE=sqlite-pair, MODE=postgres-pair
#                   the control for replicas: two servers that share
#                   nothing but the machine (each its own SQLite folder;
#                   each its own database on the PostgreSQL server), with
#                   their own keys and subjects, driven like replicas.
#                   Two replicas against one server shows what a second
#                   replica adds; a pair against one server shows what the
#                   machine lets any second server add, with no table, row
#                   or lock in common. Loads: writes and reads only.
# SERVER_CPUS=F limits each server to F CPUs (e.g. 0.5) with a cgroup CPU
# quota, as a container limit would (root, cgroup v1 or v2 with the cpu
# controller; GOMAXPROCS becomes F rounded up): with it, one server against
# two shows whether the server tier adds throughput when it, not the shared
# database or machine, is what limits. wrk uses 2 threads in all (1 per
# server with two), so that the load generator costs the same in every
# mode.
# The PostgreSQL modes need BENCH_POSTGRES, the DSN of a database the
# script may connect to in order to create (and at exit drop) its own
# database steward_bench_PID, e.g.
#   BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
# and psql. STEWARD_BIN uses a prebuilt binary; ONLY=writes,reads runs
# only those loads (names: whoami, writes, reads, one, disclose).
# BENCH=disclose runs on the content studio example and compares, in the
# same run, record reads with disclosures of one small record to an AI
# provider (POST /v1/subjects/{id}/disclosures), 16 connections each.
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-10s}
mode=${MODE:-sqlite}
only=${ONLY:-whoami,writes,reads,one}
policy=()
if [ "${BENCH:-vault}" = disclose ]; then
  policy=(--policy examples/content-studio.yaml)
  only=${ONLY:-reads,disclose}
fi
if [ -n "${SERVER_CPUS:-}" ] && ! awk -v f="$SERVER_CPUS" 'BEGIN {exit !(f ~ /^[0-9]*\.?[0-9]+$/ && f >= 0.01)}'; then
  echo "SERVER_CPUS must be a number of CPUs of at least 0.01, e.g. 0.5 (got: $SERVER_CPUS)" >&2
  exit 2
fi
# MODE and, for a pair, ONLY are checked before anything is built or created.
separate=
case "$mode" in
sqlite | postgres | replicas) ;;
sqlite-pair | postgres-pair)
  separate=1
  only=${ONLY:-writes,reads}
  for l in ${only//,/ }; do
    case "$l" in writes | reads) ;; *) echo "MODE=$mode runs the loads writes and reads only (ONLY=$only)" >&2; exit 2 ;; esac
  done
  ;;
*) echo "MODE must be sqlite, postgres, replicas, sqlite-pair or postgres-pair" >&2; exit 2 ;;
esac
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
tmp=$(mktemp -d)
pids=() cgroups=()
dsns=() admin_dsn= dbnames=()
# new_database: creates a database steward_bench_PID_N for this run (dropped
# at exit) and adds its DSN to dsns.
new_database() {
  local name=steward_bench_$$_$((${#dbnames[@]} + 1))
  psql -q "$admin_dsn" -c "CREATE DATABASE $name" >/dev/null
  dbnames+=("$name")
  # The admin DSN with the database name replaced.
  dsns+=("$(echo "$admin_dsn" | sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/$name#")")
}
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for g in "${cgroups[@]}"; do rmdir "$g" 2>/dev/null || true; done
  for d in "${dbnames[@]}"; do psql -q "$admin_dsn" -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
if [ -n "${STEWARD_BIN:-}" ]; then cp "$STEWARD_BIN" "$tmp/steward"; else go build -o "$tmp/steward" ./cmd/steward; fi
case "$mode" in
sqlite) replicas=1 ;;
sqlite-pair) replicas=2 ;;
postgres | replicas | postgres-pair)
  admin_dsn=${BENCH_POSTGRES:?set BENCH_POSTGRES to a PostgreSQL DSN (see the header of this script)}
  command -v psql >/dev/null || { echo "install psql (apt-get install postgresql-client)" >&2; exit 1; }
  new_database
  replicas=1
  case "$mode" in
  replicas) replicas=2 dsns+=("${dsns[0]}") ;;
  postgres-pair) replicas=2 && new_database ;;
  esac
  ;;
esac
# limit_cpu PID N: puts process PID in a new cgroup limited to SERVER_CPUS.
limit_cpu() {
  local quota root g
  quota=$(awk -v f="$SERVER_CPUS" 'BEGIN {printf "%d", f * 100000}')
  if grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    root=/sys/fs/cgroup
    echo +cpu >"$root/cgroup.subtree_control" 2>/dev/null || true
  elif [ -w /sys/fs/cgroup/cpu ]; then
    root=/sys/fs/cgroup/cpu
  else
    echo "SERVER_CPUS needs a writable cgroup cpu controller (run as root)" >&2
    exit 1
  fi
  g=$root/steward-bench-$$-$2
  mkdir "$g" || { echo "SERVER_CPUS: cannot create a cgroup under $root" >&2; exit 1; }
  cgroups+=("$g")
  if [ "$root" = /sys/fs/cgroup ]; then
    echo "$quota 100000" >"$g/cpu.max"
  else
    echo 100000 >"$g/cpu.cfs_period_us" && echo "$quota" >"$g/cpu.cfs_quota_us"
  fi || { echo "SERVER_CPUS: cannot set a CPU quota in $g (is the cpu controller delegated here?)" >&2; exit 1; }
  echo "$1" >"$g/cgroup.procs"
}
# start N: starts server N (1 or 2) and waits for its URL.
urls=()
start() {
  local args=(serve --data "$tmp/data$1" --listen 127.0.0.1:0 --log-level warn --rate-limit-key 0 --master-key-file "$tmp/master.key")
  [ ${#dsns[@]} -gt 0 ] && args+=(--database "${dsns[$(($1 - 1))]}")
  args+=("${policy[@]}")
  local procs=${GOMAXPROCS:-}
  if [ -z "$procs" ] && [ -n "${SERVER_CPUS:-}" ]; then
    procs=$(awk -v f="$SERVER_CPUS" 'BEGIN {n = int(f); if (n < f) n++; print n}')
  elif [ -z "$procs" ] && [ "$replicas" = 2 ]; then
    procs=$(( $(getconf _NPROCESSORS_ONLN) / 2 > 0 ? $(getconf _NPROCESSORS_ONLN) / 2 : 1 ))
  fi
  if [ -n "$procs" ]; then
    GOMAXPROCS=$procs "$tmp/steward" "${args[@]}" >"$tmp/out$1" 2>"$tmp/err$1" &
  else
    "$tmp/steward" "${args[@]}" >"$tmp/out$1" 2>"$tmp/err$1" &
  fi
  pids+=($!)
  [ -n "${SERVER_CPUS:-}" ] && limit_cpu "$!" "$1"
  for _ in $(seq 1 100); do grep -q "listening on" "$tmp/out$1" 2>/dev/null && break; sleep 0.2; done
  urls+=("$(sed -n 's/^steward is listening on //p' "$tmp/out$1")")
  [ -n "${urls[$(($1 - 1))]}" ] || { echo "server $1 did not start:" >&2; cat "$tmp/err$1" >&2; exit 1; }
}
start 1
# The master key file exists now: the second server shares it.
[ "$replicas" = 2 ] && start 2
n=${SUBJECTS:-1000}
# populate N: creates an API key and n subjects with a record each through
# server N, into $tmp/key.N and $tmp/subjects.N.
populate() {
  local url=${urls[$(($1 - 1))]} admin key i id
  admin=$(grep '^stw_' "$tmp/out$1")
  key=$(curl -sf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d '{"name": "bench", "scopes": ["records:read", "records:write", "disclosures:write"]}' "$url/v1/apikeys" | sed 's/.*"secret":"\([^"]*\)".*/\1/')
  echo "$key" >"$tmp/key.$1"
  : >"$tmp/subjects.$1"
  for i in $(seq 1 "$n"); do
    id=$(curl -sf -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
      -d "{\"external_id\": \"bench-$i\"}" "$url/v1/subjects" | sed 's/.*"id":"\([^"]*\)".*/\1/')
    echo "$id" >>"$tmp/subjects.$1"
    curl -sf -X PUT -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
      -d '{"value": "seed"}' "$url/v1/subjects/$id/data/user.content.prompt" >/dev/null
  done
}
populate 1
# Replicas share server 1's tenant; a pair's servers have their own.
if [ -n "$separate" ]; then populate 2; else cp "$tmp/key.1" "$tmp/key.2"; cp "$tmp/subjects.1" "$tmp/subjects.2"; fi
admin=$(grep '^stw_' "$tmp/out1")
key=$(cat "$tmp/key.1")
export BENCH_DIR=$PWD/bench
# bench CONNECTIONS PATH WRK-ARGS...: runs wrk with CONNECTIONS against
# every server at once (split evenly), prints each output and, with two
# servers, the summed rate; fails when any response was not a success.
bench() {
  local c=$1 path=$2 i
  shift 2
  local per=$((c / replicas)) w=() failed=0 cpu0
  cpu0=$(server_cpu)
  local threads=$((per < 2 || replicas > 1 ? 1 : 2))
  for i in $(seq 0 $((replicas - 1))); do
    # TID_BASE: the threads of every wrk process get distinct ids (common.lua).
    TID_BASE=$((i * threads)) KEY=$(cat "$tmp/key.$((i + 1))") SUBJECTS=$tmp/subjects.$((i + 1)) wrk -t"$threads" -c"$per" -d"$dur" "$@" "${urls[$i]}$path" >"$tmp/wrk$i" &
    w+=($!)
  done
  for p in "${w[@]}"; do wait "$p" || failed=1; done
  for i in $(seq 0 $((replicas - 1))); do
    cat "$tmp/wrk$i"
    if grep -q "Non-2xx" "$tmp/wrk$i"; then echo "bench: some responses were not 2xx" >&2; exit 1; fi
  done
  [ "$failed" = 0 ] || { echo "bench: wrk failed" >&2; exit 1; }
  # The servers' CPU time per request: steadier than a rate on a shared
  # machine, for comparing two builds.
  awk -v cpu="$(($(server_cpu) - cpu0))" -v tick="$(getconf CLK_TCK)" '/requests in/ {n += $1}
    END {if (n > 0 && cpu > 0) printf "server CPU per request: %.1f us\n", cpu / tick / n * 1e6}' "$tmp"/wrk*
  if [ "$replicas" = 2 ]; then
    awk -v what="$([ -n "$separate" ] && echo servers || echo replicas)" '/^Requests\/sec/ {s += $2} END {printf "Requests/sec (sum of 2 %s): %.2f\n", what, s}' "$tmp"/wrk0 "$tmp"/wrk1
  fi
  # The rate, summed over the servers, for the rounds' summary.
  awk '/^Requests\/sec/ {s += $2} END {print s}' "$tmp"/wrk* >>"$tmp/rates.${load:-other}"
}
# server_cpu prints the CPU time (user + system, in clock ticks) the
# servers have used so far.
server_cpu() {
  local p t=0
  for p in "${pids[@]}"; do
    [ -r "/proc/$p/stat" ] || continue # no /proc (not Linux): no figure is printed
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t"
}
want() { [[ ",$only," == *",$1,"* ]]; }
echo "== mode $mode"
# ROUNDS=N runs the chosen loads N times in turn (default 1): alternating
# them spreads the machine's drift over both, and a summary compares their
# mean rates at the end.
for round in $(seq 1 "${ROUNDS:-1}"); do
  [ "${ROUNDS:-1}" -gt 1 ] && echo "== round $round"
  if want whoami; then
    echo "== GET /v1/whoami, 32 connections"
    load=whoami bench 32 /v1/whoami -H "Authorization: Bearer $admin"
  fi
  if want writes; then
    echo "== record writes (PUT), 16 connections"
    load=writes bench 16 "" -s bench/write.lua
  fi
  if want reads; then
    echo "== record reads (GET with purpose), 16 connections"
    load=reads bench 16 "" -s bench/read.lua
  fi
  if want one; then
    echo "== record reads of one subject without a Lua script (wrk's own CPU is lower), 16 connections"
    one=$(head -1 "$tmp/subjects.1")
    load=one bench 16 "/v1/subjects/$one/data/user.content.prompt?purpose=essential.service" -H "Authorization: Bearer $key"
  fi
  if want disclose; then
    echo "== disclosures of one small record (POST), 16 connections"
    load=disclose BENCH_PATH=disclosures BENCH_BODY='{"processor": "quill-text", "purpose": "essential.service.generation", "categories": ["user.content.prompt"]}' \
      bench 16 "" -s bench/read.lua
  fi
done
if [ "${ROUNDS:-1}" -gt 1 ]; then
  echo "== mean rates over $ROUNDS rounds"
  for f in "$tmp"/rates.*; do
    awk -v l="${f##*/rates.}" '{s += $1; n++} END {printf "%s: %.0f /s\n", l, s / n}' "$f"
  done
  if [ -f "$tmp/rates.reads" ] && [ -f "$tmp/rates.disclose" ]; then
    awk 'NR == FNR {r += $1; next} {d += $1} END {printf "disclosures vs reads: %.0f %%\n", 100 * d / r}' "$tmp/rates.reads" "$tmp/rates.disclose"
  fi
fi
