package examples

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/internal/engine"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/policy/notice"
)

// TestNoticeSaysWhatTheEngineEnforces (G8): for every example, the
// retention, sub-processors, rights deadlines, purposes and minimum age the
// rendered notice states are those the compiled Decider enforces, and its
// security promises are ones this build keeps.
func TestNoticeSaysWhatTheEngineEnforces(t *testing.T) {
	names, _ := fs.Glob(FS, "*.yaml")
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			src, _ := FS.ReadFile(name)
			p, err := policy.Parse(name, src)
			if err != nil {
				t.Fatal(err)
			}
			d, err := policy.Compile(p)
			if err != nil {
				t.Fatal(err)
			}
			doc := notice.Build(p)

			// Every security promise is one this build keeps.
			if ps := p.CheckEngine(engine.Facts()); len(ps) > 0 {
				t.Errorf("security promises the engine does not keep: %v", ps)
			}

			// Every retention row is the decider's rule for that key, and every
			// declared category has a row.
			rows := table(t, doc, "retention")
			if len(rows) != len(d.Categories()) {
				t.Errorf("retention table has %d rows; the decider knows %d categories", len(rows), len(d.Categories()))
			}
			for _, row := range rows {
				key := row[0][len(row[0])-1].Text // the code span
				r, ok := d.Retention(key)
				if !ok || row[1].String() != capitalized(r.Human()) {
					t.Errorf("notice keeps %s for %q; the decider: %q, %v", key, row[1], r.Human(), ok)
				}
			}

			// The sub-processor table lists exactly the decider's processors.
			var procs []string
			for _, pr := range d.Processors() {
				procs = append(procs, pr.Name)
			}
			var listed []string
			for _, row := range table(t, doc, "sharing") {
				listed = append(listed, row[0].String())
			}
			if !slices.Equal(listed, procs) {
				t.Errorf("notice lists processors %v; the decider %v", listed, procs)
			}

			// Rights and their deadlines.
			var deadlines []string
			for _, row := range table(t, doc, "rights") {
				deadlines = append(deadlines, row[2].String())
			}
			var want []string
			for _, r := range d.Rights() {
				want = append(want, r.Deadline.Human())
			}
			if !slices.Equal(deadlines, want) {
				t.Errorf("notice deadlines %v; the decider %v", deadlines, want)
			}

			// One sub-heading per purpose the decider knows, and the age rule.
			if got, want := len(headings(doc, "uses")), len(d.Purposes()); got != want {
				t.Errorf("notice explains %d purposes; the decider has %d", got, want)
			}
			age, _ := d.MinimumAge()
			if md := string(notice.RenderMarkdown(doc)); !strings.Contains(md, fmt.Sprintf("not meant for children under %d.", age)) {
				t.Errorf("notice does not state the minimum age %d", age)
			}
		})
	}
}

// table returns the rows of the first table of a section, or nil when the
// section has none.
func table(t *testing.T, doc notice.Document, section string) [][]notice.Text {
	t.Helper()
	for _, s := range doc.Sections {
		if s.ID != section {
			continue
		}
		for _, b := range s.Blocks {
			if b.Table != nil {
				return b.Table.Rows
			}
		}
	}
	return nil
}

func headings(doc notice.Document, section string) []string {
	var out []string
	for _, s := range doc.Sections {
		if s.ID == section {
			for _, b := range s.Blocks {
				if b.Heading != "" {
					out = append(out, b.Heading)
				}
			}
		}
	}
	return out
}

func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
