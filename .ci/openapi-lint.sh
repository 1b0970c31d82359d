#!/usr/bin/env bash
# Lints the OpenAPI document a real steward server serves with Redocly's
# CLI (from the npm registry), treating warnings as errors. The black-box
# tests validate every response against the same document; this checks the
# document itself.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
pid=""
finish() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap finish EXIT

go build -o "$work/steward" ./cmd/steward
"$work/steward" serve --data "$work/data" --listen 127.0.0.1:0 >"$work/out" 2>"$work/err" &
pid=$!
url=""
for _ in $(seq 1 100); do
	url=$(sed -n 's/^steward is listening on //p' "$work/out")
	[ -n "$url" ] && break
	sleep 0.1
done
if [ -z "$url" ]; then
	echo "openapi-lint: steward did not start" >&2
	cat "$work/err" >&2
	exit 1
fi
curl -fsS "$url/openapi.json" -o "$work/openapi.json"
npx --yes @redocly/cli@2.77.0 lint --extends recommended-strict "$work/openapi.json"
