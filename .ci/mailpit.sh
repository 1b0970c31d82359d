# shellcheck shell=bash
# Source this file (from .ci/run) to get a throwaway Mailpit (a real SMTP
# server with an HTTP API to read what was sent) for the email tests:
#
#   source .ci/mailpit.sh || echo "Mailpit unavailable: email tests will be skipped"
#   trap 'mailpit_stop' EXIT
#
# It finds mailpit on PATH or in $(go env GOPATH)/bin, installing
# github.com/axllent/mailpit@v1.33.1 if missing, starts it on free loopback
# ports with a temporary database, waits until its API answers, and exports
# STEWARD_TEST_SMTP="smtp://127.0.0.1:SMTPPORT|http://127.0.0.1:APIPORT".

if ! (return 0 2>/dev/null); then
	echo "mailpit.sh: source this file, do not run it" >&2
	exit 2
fi

mailpit_find() {
	local bin
	bin=$(command -v mailpit 2>/dev/null) && { echo "$bin"; return 0; }
	bin="$(go env GOPATH)/bin/mailpit"
	[ -x "$bin" ] && { echo "$bin"; return 0; }
	echo "mailpit.sh: installing github.com/axllent/mailpit@v1.33.1..." >&2
	go install github.com/axllent/mailpit@v1.33.1 >&2 || return 1
	echo "$bin"
}

# mailpit_port prints a free loopback TCP port.
mailpit_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

MAILPIT_BIN=$(mailpit_find) || return 1
MAILPIT_DIR=$(mktemp -d)
MAILPIT_SMTP=$(mailpit_port)
MAILPIT_API=$(mailpit_port)
"$MAILPIT_BIN" --smtp "127.0.0.1:$MAILPIT_SMTP" --listen "127.0.0.1:$MAILPIT_API" --database "$MAILPIT_DIR/mailpit.db" \
	--disable-version-check --smtp-auth-accept-any --smtp-auth-allow-insecure --max 0 >"$MAILPIT_DIR/mailpit.log" 2>&1 &
MAILPIT_PID=$!
for _ in $(seq 1 50); do
	curl -fsS "http://127.0.0.1:$MAILPIT_API/api/v1/info" >/dev/null 2>&1 && break
	sleep 0.2
done
if ! curl -fsS "http://127.0.0.1:$MAILPIT_API/api/v1/info" >/dev/null 2>&1; then
	cat "$MAILPIT_DIR/mailpit.log" >&2
	kill "$MAILPIT_PID" 2>/dev/null
	return 1
fi
export STEWARD_TEST_SMTP="smtp://127.0.0.1:$MAILPIT_SMTP|http://127.0.0.1:$MAILPIT_API"
echo "ci: Mailpit SMTP 127.0.0.1:$MAILPIT_SMTP, API 127.0.0.1:$MAILPIT_API"

mailpit_stop() {
	[ -n "${MAILPIT_PID:-}" ] && kill "$MAILPIT_PID" 2>/dev/null
	[ -n "${MAILPIT_DIR:-}" ] && rm -rf "$MAILPIT_DIR"
	MAILPIT_PID= MAILPIT_DIR=
}
