package blackbox

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEWalkthrough: the README's "Five minutes with curl" block is
// docs/walkthrough.sh between its "# >>> README" and "# <<< README" lines,
// minus the script's own check lines, line for line. .ci/run runs the
// script against a fresh server, so what the README shows is what works.
func TestREADMEWalkthrough(t *testing.T) {
	readme := readRepoFile(t, "README.md")
	script := readRepoFile(t, "docs/walkthrough.sh")

	_, section, ok := strings.Cut(readme, "## Five minutes with curl\n")
	_, block, ok2 := strings.Cut(section, "```sh\n")
	block, _, ok3 := strings.Cut(block, "```\n")
	if !ok || !ok2 || !ok3 {
		t.Fatal(`README.md has no "## Five minutes with curl" section with a sh code block`)
	}
	_, region, ok := strings.Cut(script, "\n# >>> README\n")
	region, _, ok2 = strings.Cut(region, "\n# <<< README\n")
	if !ok || !ok2 {
		t.Fatal(`docs/walkthrough.sh has no "# >>> README" ... "# <<< README" region`)
	}
	var shown []string
	for _, line := range strings.Split(region, "\n") {
		if !strings.HasPrefix(line, "check ") {
			shown = append(shown, line)
		}
	}
	want, got := shown, strings.Split(strings.TrimSuffix(block, "\n"), "\n")
	for i := range max(len(want), len(got)) {
		w, g := "(end)", "(end)"
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			t.Fatalf("README walkthrough line %d differs from docs/walkthrough.sh:\n README: %s\n script: %s\n(the script is the source: copy its region, without check lines, into the README)", i+1, g, w)
		}
	}
	if !strings.Contains(script, "set -euo pipefail") {
		t.Error("docs/walkthrough.sh must stop at the first failing command (set -euo pipefail)")
	}
}

// readRepoFile reads a file relative to the repository root.
func readRepoFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile("../../" + path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
