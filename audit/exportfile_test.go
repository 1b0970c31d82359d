package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/internal/testdb"
)

// exportFixture returns the export of a 25-event chain checkpointed every
// 10 and at its end, and the keys that verify it.
func exportFixture(tb testing.TB) ([]byte, audit.PublicKeys) {
	tb.Helper()
	f := newFixture(tb, testdb.SQLite(tb), chainEvery)
	f.appendN(tb, chainLen)
	if err := f.log.CheckpointAll(context.Background()); err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.log.Export(context.Background(), &buf, f.tenant); err != nil {
		tb.Fatal(err)
	}
	keys, err := audit.TrustedKeys(context.Background(), f.db, f.wrapper)
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), keys
}

func TestExportVerifiesOffline(t *testing.T) {
	data, keys := exportFixture(t)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 1+3+chainLen { // header, checkpoints at 10, 20, 25, events
		t.Fatalf("%d lines", len(lines))
	}
	r, h, err := audit.VerifyExport(bytes.NewReader(data), keys, audit.VerifyOptions{})
	if err != nil || !r.OK || r.Events != chainLen || r.LastCheckpoint.Seq != chainLen || h.HeadSeq != chainLen {
		t.Fatalf("VerifyExport = %+v, %v", r, err)
	}
	join := func(ls []string) []byte { return []byte(strings.Join(ls, "\n")) }
	edit := func(fn func(ls []string) []string) []byte { return join(fn(append([]string(nil), lines...))) }
	cases := []struct {
		name   string
		data   []byte
		keys   audit.PublicKeys
		badSeq int64
	}{
		{"an event altered", edit(func(ls []string) []string {
			ls[4+6] = strings.Replace(ls[4+6], `"actor":"api_key:key_test"`, `"actor":"api_key:key_tesx"`, 1)
			return ls
		}), keys, 7},
		{"an event removed", edit(func(ls []string) []string { return append(ls[:4+11], ls[4+12:]...) }), keys, 12},
		{"two events swapped", edit(func(ls []string) []string { ls[4+2], ls[4+3] = ls[4+3], ls[4+2]; return ls }), keys, 3},
		{"the tail cut off", edit(func(ls []string) []string { return ls[:4+22] }), keys, 23},
		{"checked against another key", data, func() audit.PublicKeys { _, k := exportFixture(t); return k }(), 10},
	}
	for _, c := range cases {
		r, _, err := audit.VerifyExport(bytes.NewReader(c.data), c.keys, audit.VerifyOptions{})
		if err != nil || r.OK || r.BadSeq != c.badSeq {
			t.Errorf("%s: %+v, %v; want a fault at %d", c.name, r, err, c.badSeq)
		}
	}
	for _, bad := range []string{"", "not json\n", `{"type":"event"}` + "\n", lines[0] + "\n{\n", lines[0] + "\n" + `{"type":"x"}` + "\n"} {
		if _, _, err := audit.VerifyExport(strings.NewReader(bad), keys, audit.VerifyOptions{}); steward.ErrorCode(err) != steward.EINVALID {
			t.Errorf("VerifyExport(%.30q) error = %v; want EINVALID", bad, err)
		}
	}
}

// TestWriteFuzzSeed rewrites the seed export of audit/fuzz when
// STEWARD_UPDATE_SEED is set. (The fuzz target lives in a package of its
// own: a test binary linking SQLite is too large to fuzz quickly.)
func TestWriteFuzzSeed(t *testing.T) {
	if os.Getenv("STEWARD_UPDATE_SEED") == "" {
		t.Skip("set STEWARD_UPDATE_SEED=1 to rewrite fuzz/testdata")
	}
	data, keys := exportFixture(t)
	k, err := json.Marshal(map[string]any{"keys": keys.PublicKeyList()})
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"export.jsonl": data, "keys.json": k} {
		if err := os.WriteFile(filepath.Join("fuzz", "testdata", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
