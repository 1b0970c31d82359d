#!/usr/bin/env bash
# Reproduces the consent figures of docs/benchmarks.md: steward on SQLite
# (starter policy), SUBJECTS subjects each with a record and a consent to
# essential.service.generation; then, in one run, with 16 connections:
# reads under the contract purpose essential.service and under the
# consent-based essential.service.generation (alternated, ROUNDS times),
# then consent writes.
# Usage: bash bench/consent.sh [DURATION]   (default 10s)
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-10s}
rounds=${ROUNDS:-2}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
go build -o "$tmp/steward" ./cmd/steward
"$tmp/steward" serve --data "$tmp/data" --listen 127.0.0.1:0 --log-level warn --rate-limit-key 0 >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 1 50); do grep -q "listening on" "$tmp/out" 2>/dev/null && break; sleep 0.2; done
url=$(sed -n 's/^steward is listening on //p' "$tmp/out")
admin=$(grep '^stw_' "$tmp/out")
post() { curl -sf -X "$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3" "$url$4"; }
key=$(post POST "$admin" '{"name": "bench", "scopes": ["records:read", "records:write", "consents:write"]}' /v1/apikeys |
  sed 's/.*"secret":"\([^"]*\)".*/\1/')
grant='{"purpose": "essential.service.generation", "granted": true, "channel": "web", "proof": {"notice_version": "2026-05-21", "form": "bench", "text_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}}'
: >"$tmp/subjects"
for i in $(seq 1 "${SUBJECTS:-1000}"); do
  id=$(post POST "$key" "{\"external_id\": \"consent-bench-$i\"}" /v1/subjects | sed 's/.*"id":"\([^"]*\)".*/\1/')
  post PUT "$key" '{"value": "seed"}' "/v1/subjects/$id/data/user.content.prompt" >/dev/null
  post POST "$key" "$grant" "/v1/subjects/$id/consents" >/dev/null
  echo "$id" >>"$tmp/subjects"
done
export KEY=$key SUBJECTS=$tmp/subjects BENCH_DIR=$PWD/bench
bench() {
  wrk "$@" | tee "$tmp/wrk"
  if grep -q "Non-2xx" "$tmp/wrk"; then echo "bench: some responses were not 2xx" >&2; exit 1; fi
}
for r in $(seq 1 "$rounds"); do
  echo "== round $r: reads under the contract purpose essential.service, 16 connections"
  PURPOSE=essential.service bench -t2 -c16 -d"$dur" -s bench/read.lua "$url"
  echo "== round $r: reads under the consent-based purpose essential.service.generation, 16 connections"
  PURPOSE=essential.service.generation bench -t2 -c16 -d"$dur" -s bench/read.lua "$url"
done
echo "== consent writes (POST /v1/subjects/{id}/consents), 16 connections"
bench -t2 -c16 -d"$dur" -s bench/consent_write.lua "$url"
