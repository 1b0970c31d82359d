package audit_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/internal/testdb"
)

// The chain used by the tamper tests: 25 events, a checkpoint every 10, and
// the periodic checkpoint a minute later, so checkpoints sit at 10, 20, 25.
const (
	chainLen   = 25
	chainEvery = 10
)

func tamperFixture(t *testing.T, b testdb.Backend) *fixture {
	f := newFixture(t, b.Open(t), chainEvery)
	f.appendN(t, chainLen)
	f.clock.Add(time.Minute)
	if err := f.log.CheckpointAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := f.verify(t, audit.VerifyOptions{}); !r.OK || r.Events != chainLen || r.LastCheckpoint.Seq != chainLen || r.Unsigned != 0 {
		t.Fatalf("untampered chain: %+v", r)
	}
	return f
}

// mutate changes one stored value of event seq: an integer by one, a string
// or byte string in its last byte (or by adding one when it is empty).
func mutate(v any) any {
	switch x := v.(type) {
	case int64:
		return x + 1000
	case string:
		if x == "" {
			return "x"
		}
		return x[:len(x)-1] + string(x[len(x)-1]^1)
	case []byte:
		y := append([]byte(nil), x...)
		y[len(y)-1] ^= 1
		return y
	}
	panic("unexpected column type")
}

func TestOneByteOfOneEventChanged(t *testing.T) {
	columns := []string{"seq", "at", "actor", "action", "subject_id", "categories", "purpose", "decision", "reasons",
		"justification", "request_id", "client_ip", "target", "prev_hash", "hash"}
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		for _, col := range columns {
			t.Run(col, func(t *testing.T) {
				f := tamperFixture(t, b)
				var v any
				if err := f.db.Writer().QueryRow(`SELECT `+col+` FROM audit_events WHERE tenant_id = $1 AND seq = 7`, f.tenant).Scan(&v); err != nil {
					t.Fatal(err)
				}
				f.exec(t, `UPDATE audit_events SET `+col+` = $1 WHERE tenant_id = $2 AND seq = 7`, mutate(v), f.tenant)
				for _, seg := range segmentings {
					restore := audit.SetSegments(seg.size, seg.n)
					r := f.verify(t, audit.VerifyOptions{})
					restore()
					if r.OK || r.BadSeq != 7 {
						t.Fatalf("%s: changing %s of event 7 not detected at 7: %+v", seg.name, col, r)
					}
				}
			})
		}
	})
}

func TestTampering(t *testing.T) {
	cases := []struct {
		name    string
		tamper  func(t *testing.T, f *fixture)
		opts    audit.VerifyOptions
		badSeq  int64
		problem string
	}{
		{"event deleted", func(t *testing.T, f *fixture) {
			f.exec(t, `DELETE FROM audit_events WHERE tenant_id = $1 AND seq = 12`, f.tenant)
		}, audit.VerifyOptions{}, 12, "event 12 is missing"},
		{"event inserted", func(t *testing.T, f *fixture) {
			f.exec(t, `UPDATE audit_events SET seq = seq + 1000 WHERE tenant_id = $1 AND seq >= 8`, f.tenant)
			f.exec(t, `UPDATE audit_events SET seq = seq - 999 WHERE tenant_id = $1 AND seq >= 1000`, f.tenant)
			prev := storedEvent(t, f, 7)
			forged := f.event(99)
			forged.Time = prev.Time
			if err := forged.Validate(); err != nil {
				t.Fatal(err)
			}
			forged.Seq, forged.PrevHash = 8, prev.Hash
			forged.Hash = audit.Hash(prev.Hash, forged)
			insertEvent(t, f, forged)
		}, audit.VerifyOptions{}, 9, "prev_hash does not match"},
		{"two events swapped", func(t *testing.T, f *fixture) {
			f.exec(t, `UPDATE audit_events SET seq = -3 WHERE tenant_id = $1 AND seq = 3`, f.tenant)
			f.exec(t, `UPDATE audit_events SET seq = 3 WHERE tenant_id = $1 AND seq = 4`, f.tenant)
			f.exec(t, `UPDATE audit_events SET seq = 4 WHERE tenant_id = $1 AND seq = -3`, f.tenant)
		}, audit.VerifyOptions{}, 3, "prev_hash does not match"},
		{"tail truncated", func(t *testing.T, f *fixture) {
			f.exec(t, `DELETE FROM audit_events WHERE tenant_id = $1 AND seq > 22`, f.tenant)
		}, audit.VerifyOptions{}, 23, "the tail was cut off"},
		{"tail truncated with head rewound", func(t *testing.T, f *fixture) {
			f.exec(t, `DELETE FROM audit_events WHERE tenant_id = $1 AND seq > 22`, f.tenant)
			f.exec(t, `UPDATE audit_heads SET seq = 22, hash = $1 WHERE tenant_id = $2`, storedEvent(t, f, 22).Hash, f.tenant)
		}, audit.VerifyOptions{}, 23, "checkpoint names event 25, which is missing"},
		{"tail truncated with its checkpoint removed, caught by age", func(t *testing.T, f *fixture) {
			truncateCovered(t, f)
			f.clock.Add(30 * time.Second)
		}, audit.VerifyOptions{MaxAge: time.Minute}, 20, "newest checkpoint is older"},
		{"tail truncated with its checkpoint removed, caught by an anchor", func(t *testing.T, f *fixture) {
			anchor := storedEvent(t, f, 25)
			truncateCovered(t, f)
			f.anchor = &steward.AuditHead{Seq: 25, Hash: anchor.Hash}
		}, audit.VerifyOptions{}, 21, "the anchor names event 25"},
		{"chain rewritten without the signing key", func(t *testing.T, f *fixture) {
			rewrite(t, f)
		}, audit.VerifyOptions{}, 10, "signed checkpoint does not match"},
		{"chain rewritten and its checkpoints removed", func(t *testing.T, f *fixture) {
			rewrite(t, f)
			f.exec(t, `DELETE FROM audit_checkpoints WHERE tenant_id = $1`, f.tenant)
		}, audit.VerifyOptions{}, 1, "checkpoints were removed"},
		{"chain rewritten and re-signed with a key of the attacker's", func(t *testing.T, f *fixture) {
			rewrite(t, f)
			resign(t, f)
		}, audit.VerifyOptions{}, 10, "signed by unknown key 2"},
	}
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				for _, seg := range segmentings {
					t.Run(seg.name, func(t *testing.T) {
						defer audit.SetSegments(seg.size, seg.n)()
						checkTampering(t, b, c.tamper, c.opts, c.badSeq, c.problem)
					})
				}
			})
		}
	})
}

// segmentings are the ways verification is run: one pass, and cut into
// many segments read in parallel (boundaries at 4, 8, 12, ...).
var segmentings = []struct {
	name string
	size int64
	n    int
}{{"one segment", 1 << 40, 1}, {"segments of 4", 4, 16}}

func checkTampering(t *testing.T, b testdb.Backend, tamper func(*testing.T, *fixture), opts audit.VerifyOptions, badSeq int64, problem string) {
	t.Helper()
	f := tamperFixture(t, b)
	tamper(t, f)
	opts.Anchor = f.anchor
	// Keys are read again after the tampering, as a fresh `steward audit
	// verify` would.
	keys, err := audit.TrustedKeys(context.Background(), f.db, f.wrapper)
	if err != nil {
		t.Fatal(err)
	}
	opts.Every, opts.Now = chainEvery, f.clock.Now
	r, err := audit.Verify(context.Background(), f.db, f.tenant, keys, opts)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK || r.BadSeq != badSeq || !strings.Contains(r.Problem, problem) {
		t.Fatalf("report = %+v; want a fault at %d containing %q", r, badSeq, problem)
	}
}

// truncateCovered cuts events 21-25 and removes the checkpoint that covered
// them, rewinding the head: what a careful attacker with database access
// but without the signing key can do.
func truncateCovered(t *testing.T, f *fixture) {
	t.Helper()
	f.exec(t, `DELETE FROM audit_events WHERE tenant_id = $1 AND seq > 20`, f.tenant)
	f.exec(t, `DELETE FROM audit_checkpoints WHERE tenant_id = $1 AND seq > 20`, f.tenant)
	f.exec(t, `UPDATE audit_heads SET seq = 20, hash = $1, checkpoint_seq = 20 WHERE tenant_id = $2`, storedEvent(t, f, 20).Hash, f.tenant)
}

// rewrite changes event 3 and recomputes every hash after it, and the head,
// so that the chain itself is consistent again.
func rewrite(t *testing.T, f *fixture) {
	t.Helper()
	prev := storedEvent(t, f, 2).Hash
	for seq := int64(3); seq <= chainLen; seq++ {
		e := storedEvent(t, f, seq)
		if seq == 3 {
			e.Actor = "staff:stf_someone_else"
		}
		e.PrevHash = prev
		e.Hash = audit.Hash(prev, e)
		f.exec(t, `UPDATE audit_events SET actor = $1, prev_hash = $2, hash = $3 WHERE tenant_id = $4 AND seq = $5`,
			e.Actor, e.PrevHash, e.Hash, f.tenant, seq)
		prev = e.Hash
	}
	f.exec(t, `UPDATE audit_heads SET hash = $1 WHERE tenant_id = $2`, prev, f.tenant)
}

// resign replaces every checkpoint with one signed by a key the attacker
// generated and added to the key table (with made-up wrapped bytes).
func resign(t *testing.T, f *fixture) {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	f.exec(t, `INSERT INTO audit_signing_keys (id, public_key, wrapped, created_at) VALUES (2, $1, $2, 0)`, []byte(pub), []byte("forged"))
	cps, err := f.db.AuditCheckpoints(context.Background(), f.tenant)
	if err != nil {
		t.Fatal(err)
	}
	for _, cp := range cps {
		cp.Hash = storedEvent(t, f, cp.Seq).Hash
		cp.KeyID = 2
		cp.Signature = ed25519.Sign(priv, audit.CheckpointMessage(cp))
		f.exec(t, `UPDATE audit_checkpoints SET hash = $1, key_id = 2, signature = $2 WHERE tenant_id = $3 AND seq = $4`,
			cp.Hash, cp.Signature, f.tenant, cp.Seq)
	}
}

func storedEvent(t *testing.T, f *fixture, seq int64) *steward.AuditEvent {
	t.Helper()
	var out *steward.AuditEvent
	err := f.db.ScanAudit(context.Background(), f.tenant, seq-1, func(e *steward.AuditEvent) error {
		if out == nil && e.Seq == seq {
			c := *e
			c.Categories, c.Reasons = append([]string(nil), e.Categories...), append([]string(nil), e.Reasons...)
			out = &c
		}
		return nil
	})
	if err != nil || out == nil {
		t.Fatalf("event %d: %v", seq, err)
	}
	return out
}

func insertEvent(t *testing.T, f *fixture, e *steward.AuditEvent) {
	t.Helper()
	f.exec(t, `INSERT INTO audit_events (tenant_id, seq, at, actor, action, subject_id, categories, purpose, decision, reasons,
		justification, request_id, client_ip, target, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		e.TenantID, e.Seq, e.Time.UnixMicro(), e.Actor, e.Action, e.SubjectID, strings.Join(e.Categories, " "), e.Purpose, e.Decision,
		strings.Join(e.Reasons, " "), e.Justification, e.RequestID, e.ClientIP, e.Target, e.PrevHash, e.Hash)
}
