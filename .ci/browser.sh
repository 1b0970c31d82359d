# shellcheck shell=bash
# Source this file (from .ci/run) for the browser tests: Debian's Chromium
# (installed with apt-get if missing) and axe-core 4.14.1 from the npm
# registry (cached under ~/.cache/steward-ci). Exports STEWARD_TEST_CHROME
# and STEWARD_TEST_AXE; without them the browser tests skip.

if ! (return 0 2>/dev/null); then
	echo "browser.sh: source this file, do not run it" >&2
	exit 2
fi

if ! command -v chromium >/dev/null 2>&1; then
	echo "browser.sh: installing chromium (apt-get)" >&2
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >&2 || return 1
fi
AXE_VERSION=4.14.1
axe_dir="${XDG_CACHE_HOME:-$HOME/.cache}/steward-ci/axe-core-$AXE_VERSION"
if [ ! -f "$axe_dir/axe.min.js" ]; then
	tmp=$(mktemp -d)
	(cd "$tmp" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null && tar xzf "axe-core-$AXE_VERSION.tgz") || { rm -rf "$tmp"; return 1; }
	mkdir -p "$axe_dir" && cp "$tmp/package/axe.min.js" "$axe_dir/axe.min.js"
	rm -rf "$tmp"
fi
export STEWARD_TEST_CHROME="$(command -v chromium)"
export STEWARD_TEST_AXE="$axe_dir/axe.min.js"
echo "ci: Chromium $STEWARD_TEST_CHROME, axe-core $AXE_VERSION"
