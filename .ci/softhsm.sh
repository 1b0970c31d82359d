# shellcheck shell=bash
# Source this file (from .ci/run) to get a throwaway SoftHSM2 token for the
# PKCS#11 tests:
#
#   source .ci/softhsm.sh || echo "SoftHSM2 unavailable: PKCS#11 tests will be skipped"
#
# It installs the Debian package softhsm2 if missing (apt-get), creates a
# token in a fresh temporary folder (SOFTHSM2_CONF points at it) and exports
# STEWARD_TEST_PKCS11="MODULE|TOKEN_LABEL|PIN". softhsm_stop deletes it.

if ! (return 0 2>/dev/null); then
	echo "softhsm.sh: source this file, do not run it" >&2
	exit 2
fi

softhsm_module() {
	local m
	for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do
		[ -f "$m" ] && { echo "$m"; return 0; }
	done
	return 1
}

if ! command -v softhsm2-util >/dev/null 2>&1 || ! softhsm_module >/dev/null; then
	echo "softhsm.sh: installing softhsm2 (apt-get)" >&2
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq softhsm2; } >&2 || return 1
fi
SOFTHSM_DIR=$(mktemp -d)
mkdir -p "$SOFTHSM_DIR/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$SOFTHSM_DIR" >"$SOFTHSM_DIR/softhsm2.conf"
export SOFTHSM2_CONF="$SOFTHSM_DIR/softhsm2.conf"
SOFTHSM_PIN=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
softhsm2-util --init-token --free --label steward-test --pin "$SOFTHSM_PIN" --so-pin "$SOFTHSM_PIN" >/dev/null || return 1
export STEWARD_TEST_PKCS11="$(softhsm_module)|steward-test|$SOFTHSM_PIN"
echo "ci: SoftHSM2 token steward-test in $SOFTHSM_DIR"

softhsm_stop() {
	[ -n "${SOFTHSM_DIR:-}" ] && rm -rf "$SOFTHSM_DIR"
	SOFTHSM_DIR=
}
