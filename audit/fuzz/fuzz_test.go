// Package fuzz fuzzes the parser of audit exports. It is a package of its
// own, with the seed export in testdata (rewritten by the audit package's
// TestWriteFuzzSeed), so that its test binary does not link SQLite, whose
// size would slow coverage-guided fuzzing to a crawl.
package fuzz

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
)

func seed(tb testing.TB) ([]byte, audit.PublicKeys) {
	tb.Helper()
	data, err := os.ReadFile("testdata/export.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	b, err := os.ReadFile("testdata/keys.json")
	if err != nil {
		tb.Fatal(err)
	}
	var list struct {
		Keys []audit.PublicKey `json:"keys"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		tb.Fatal(err)
	}
	keys := audit.PublicKeys{}
	for _, k := range list.Keys {
		keys[k.ID] = k.Key
	}
	return data, keys
}

// TestSeedVerifies keeps the seed honest: it is a valid export (so the
// fuzzer starts from the interesting case), and it fails once changed.
func TestSeedVerifies(t *testing.T) {
	data, keys := seed(t)
	r, _, err := audit.VerifyExport(bytes.NewReader(data), keys, audit.VerifyOptions{})
	if err != nil || !r.OK || r.Events != 25 || r.LastCheckpoint == nil {
		t.Fatalf("seed: %+v, %v", r, err)
	}
	bad := bytes.Replace(data, []byte(`"seq":7,`), []byte(`"seq":8,`), 1)
	if r, _, _ := audit.VerifyExport(bytes.NewReader(bad), keys, audit.VerifyOptions{}); r == nil || r.OK {
		t.Fatal("an altered seed verified")
	}
}

// FuzzVerifyExport: whatever the input, VerifyExport neither panics nor
// fails with an uncoded error, and stays fast.
func FuzzVerifyExport(f *testing.F) {
	data, keys := seed(f)
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add([]byte(`{"type":"header","format":"steward-audit-export/1","every":-1,"head_seq":-5}` + "\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		start := time.Now()
		_, _, err := audit.VerifyExport(bytes.NewReader(in), keys, audit.VerifyOptions{})
		if err != nil && steward.ErrorCode(err) != steward.EINVALID {
			t.Fatalf("uncoded error: %v", err)
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("too slow")
		}
	})
}
