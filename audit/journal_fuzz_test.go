package audit

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
)

// FuzzReadJournal feeds arbitrary bytes to the journal reader, alone and
// after valid frames: it must never panic, and whatever it returns
// without an error must re-encode to a prefix of the input.
func FuzzReadJournal(f *testing.F) {
	e := &steward.AuditEvent{TenantID: "ten_a", Time: time.UnixMicro(1763800000000000).UTC(), Actor: "api_key:key_a",
		Action: steward.ActionRecordRead, SubjectID: "sub_a", Categories: []string{"user.contact.email"},
		Purpose: "essential.service", Decision: steward.DecisionAllow, Reasons: []string{"policy.allow"}, RequestID: "req1"}
	valid := slices.Clone((&journal{}).frames([]*steward.AuditEvent{e, e}))
	f.Add(valid)
	f.Add(valid[:len(valid)-3])
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0, 1})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, b := range [][]byte{data, append(slices.Clone(valid), data...)} {
			path := filepath.Join(dir, "fuzz.journal")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			events, _, err := readJournal(path)
			if err != nil {
				continue
			}
			if again := (&journal{}).frames(events); !bytes.HasPrefix(b, again) {
				t.Fatalf("events read back do not encode to a prefix of the file")
			}
		}
	})
}
