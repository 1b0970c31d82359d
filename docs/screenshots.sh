#!/usr/bin/env bash
# Regenerates the console screenshots in docs/screenshots (desktop and phone
# width) by running the browser test with Chromium and axe-core, which
# .ci/browser.sh installs if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=/dev/null
source .ci/browser.sh
mkdir -p docs/screenshots
STEWARD_SCREENSHOTS="$PWD/docs/screenshots" go test -count=1 ./internal/blackbox -run '^TestConsoleInBrowser$'
ls docs/screenshots
