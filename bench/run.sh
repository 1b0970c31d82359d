#!/usr/bin/env bash
# Reproduces the HTTP figures of docs/benchmarks.md: starts steward on
# SQLite in a temporary folder, creates SUBJECTS subjects with a record
# each, then drives it with wrk (Debian package wrk): whoami with 32
# connections, record writes and record reads with 16.
# Usage: bash bench/run.sh [DURATION]   (default 10s)
# BENCH=disclose instead runs on the content studio example and compares,
# in the same run, record reads with disclosures of one small record to an
# AI provider (POST /v1/subjects/{id}/disclosures), 16 connections each.
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-10s}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
go build -o "$tmp/steward" ./cmd/steward
mode=${BENCH:-vault}
policy=()
[ "$mode" = disclose ] && policy=(--policy examples/content-studio.yaml)
"$tmp/steward" serve --data "$tmp/data" --listen 127.0.0.1:0 --log-level warn --rate-limit-key 0 "${policy[@]}" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 1 50); do grep -q "listening on" "$tmp/out" 2>/dev/null && break; sleep 0.2; done
url=$(sed -n 's/^steward is listening on //p' "$tmp/out")
admin=$(grep '^stw_' "$tmp/out")
key=$(curl -sf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"name": "bench", "scopes": ["records:read", "records:write", "disclosures:write"]}' "$url/v1/apikeys" | sed 's/.*"secret":"\([^"]*\)".*/\1/')
n=${SUBJECTS:-1000}
: >"$tmp/subjects"
for i in $(seq 1 "$n"); do
  id=$(curl -sf -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d "{\"external_id\": \"bench-$i\"}" "$url/v1/subjects" | sed 's/.*"id":"\([^"]*\)".*/\1/')
  echo "$id" >>"$tmp/subjects"
  curl -sf -X PUT -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"value": "seed"}' "$url/v1/subjects/$id/data/user.content.prompt" >/dev/null
done
export KEY=$key SUBJECTS=$tmp/subjects BENCH_DIR=$PWD/bench
# Runs wrk and fails the benchmark when any response was not a success.
bench() {
  wrk "$@" | tee "$tmp/wrk"
  if grep -q "Non-2xx" "$tmp/wrk"; then echo "bench: some responses were not 2xx" >&2; exit 1; fi
}
if [ "$mode" = disclose ]; then
  echo "== record reads (GET with purpose), 16 connections"
  bench -t2 -c16 -d"$dur" -s bench/read.lua "$url"
  echo "== disclosures of one small record (POST), 16 connections"
  BENCH_PATH=disclosures BENCH_BODY='{"processor": "quill-text", "purpose": "essential.service.generation", "categories": ["user.content.prompt"]}' \
    bench -t2 -c16 -d"$dur" -s bench/read.lua "$url"
  exit 0
fi
echo "== GET /v1/whoami, 32 connections"
bench -t2 -c32 -d"$dur" -H "Authorization: Bearer $admin" "$url/v1/whoami"
echo "== record writes (PUT), 16 connections"
bench -t2 -c16 -d"$dur" -s bench/write.lua "$url"
echo "== record reads (GET with purpose), 16 connections"
bench -t2 -c16 -d"$dur" -s bench/read.lua "$url"
echo "== record reads of one subject without a Lua script (wrk's own CPU is lower), 16 connections"
one=$(head -1 "$tmp/subjects")
bench -t2 -c16 -d"$dur" -H "Authorization: Bearer $key" "$url/v1/subjects/$one/data/user.content.prompt?purpose=essential.service"
