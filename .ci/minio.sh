# shellcheck shell=bash
# Source this file (from .ci/run) to get a throwaway MinIO server for the S3
# tests:
#
#   source .ci/minio.sh || echo "MinIO unavailable: S3 tests will be skipped"
#   trap 'minio_stop' EXIT        # or call minio_stop from your own trap
#
# It finds `minio` on PATH or in $(go env GOPATH)/bin, installing it with
# `go install github.com/minio/minio@${MINIO_VERSION:-latest}` if missing (about
# 7 minutes the first time), starts it on a free port of 127.0.0.1 with a fresh
# temporary data folder and random credentials, waits until it is live, and
# exports STEWARD_TEST_S3, a DSN such as
#   http://USER:PASS@127.0.0.1:PORT/steward-test?region=us-east-1&create_bucket=true
# (the tests create the bucket). It installs no trap of its own. minio_stop
# stops the server and deletes its data; it is safe to call twice.

if ! (return 0 2>/dev/null); then
	echo "minio.sh: source this file, do not run it" >&2
	exit 2
fi

# minio_find prints the path of a minio binary, installing it if needed.
minio_find() {
	local bin
	bin=$(command -v minio 2>/dev/null) && { echo "$bin"; return 0; }
	bin="$(go env GOPATH)/bin/minio"
	[ -x "$bin" ] && { echo "$bin"; return 0; }
	echo "minio.sh: installing github.com/minio/minio@${MINIO_VERSION:-latest} (takes minutes)..." >&2
	if ! go install "github.com/minio/minio@${MINIO_VERSION:-latest}" >&2; then
		echo "minio.sh: go install of minio failed" >&2
		return 1
	fi
	[ -x "$bin" ] && echo "$bin"
}

# minio_free_port prints a TCP port of 127.0.0.1 that nothing listens on.
minio_free_port() {
	local port i
	for i in $(seq 1 100); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	echo "minio.sh: no free port found" >&2
	return 1
}

# minio_stop stops the server started by this file and removes its data.
minio_stop() {
	if [ -n "${MINIO_PID:-}" ]; then
		kill "$MINIO_PID" 2>/dev/null
		wait "$MINIO_PID" 2>/dev/null
	fi
	if [ -n "${MINIO_TMP:-}" ]; then
		rm -rf "$MINIO_TMP"
	fi
	unset MINIO_PID MINIO_TMP STEWARD_TEST_S3
	return 0
}

# minio_start starts the server and exports STEWARD_TEST_S3.
minio_start() {
	local bin port user pass url i
	bin=$(minio_find) || return 1
	port=$(minio_free_port) || return 1
	MINIO_TMP=$(mktemp -d "${TMPDIR:-/tmp}/steward-minio.XXXXXX") || return 1
	mkdir -m 700 "$MINIO_TMP/data"
	user="steward$(od -An -tx1 -N4 /dev/urandom | tr -d ' \n')"
	pass="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
	MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$pass" MINIO_BROWSER=off MINIO_UPDATE=off MINIO_CI_CD=1 \
		"$bin" server --quiet --address "127.0.0.1:$port" "$MINIO_TMP/data" >"$MINIO_TMP/minio.log" 2>&1 &
	MINIO_PID=$!
	url="http://127.0.0.1:$port/minio/health/live"
	for i in $(seq 1 120); do # up to 60 s
		if curl -fsS -o /dev/null "$url" 2>/dev/null; then
			export STEWARD_TEST_S3="http://$user:$pass@127.0.0.1:$port/steward-test?region=us-east-1&create_bucket=true"
			echo "minio.sh: MinIO live on 127.0.0.1:$port (pid $MINIO_PID); call minio_stop to stop it" >&2
			return 0
		fi
		if ! kill -0 "$MINIO_PID" 2>/dev/null; then
			break
		fi
		sleep 0.5
	done
	echo "minio.sh: MinIO did not become live on 127.0.0.1:$port within 60 s; its log ends with:" >&2
	tail -n 20 "$MINIO_TMP/minio.log" >&2
	minio_stop
	return 1
}

minio_start
