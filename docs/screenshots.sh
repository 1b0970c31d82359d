#!/usr/bin/env bash
# Regenerates the screenshots of the console and the privacy center in
# docs/screenshots (desktop and phone width) by running the browser tests
# with Chromium and axe-core, which .ci/browser.sh installs if missing, and
# Mailpit (the privacy center signs in with an emailed code).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=/dev/null
source .ci/browser.sh
# shellcheck source=/dev/null
source .ci/mailpit.sh
trap mailpit_stop EXIT
mkdir -p docs/screenshots
STEWARD_SCREENSHOTS="$PWD/docs/screenshots" go test -count=1 ./internal/blackbox -run '^(TestConsoleInBrowser|TestPrivacyCenterInBrowser)$'
ls docs/screenshots
