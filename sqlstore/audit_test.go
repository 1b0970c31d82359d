package sqlstore_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/sqlstore"
)

// chainSeal numbers events and gives each a distinct fake hash; it makes a
// checkpoint at every multiple of 5. (The audit package computes real hashes;
// the store only keeps what it is given.)
func chainSeal(h steward.AuditHead, events []*steward.AuditEvent) ([]*steward.AuditCheckpoint, error) {
	var cps []*steward.AuditCheckpoint
	prev := h.Hash
	for i, e := range events {
		e.Seq = h.Seq + int64(i) + 1
		e.PrevHash, e.Hash = prev, bytes.Repeat([]byte{byte(e.Seq)}, 32)
		prev = e.Hash
		if e.Seq%5 == 0 {
			cps = append(cps, &steward.AuditCheckpoint{TenantID: e.TenantID, Seq: e.Seq, Hash: e.Hash, Time: e.Time,
				Every: 5, KeyID: 1, Signature: []byte("sig")})
		}
	}
	return cps, nil
}

func auditEvents(tenant string, n int) []*steward.AuditEvent {
	var out []*steward.AuditEvent
	for i := range n {
		e := &steward.AuditEvent{TenantID: tenant, Time: t0.Add(time.Duration(i) * time.Minute),
			Actor: fmt.Sprintf("api_key:key_%d", i%2), Action: []string{steward.ActionRecordRead, steward.ActionRecordWrite}[i%2],
			SubjectID: fmt.Sprintf("sub_%d", i%3), Purpose: "essential.service", RequestID: fmt.Sprintf("r%d", i)}
		if i%4 == 0 {
			e.Categories, e.Reasons, e.Purpose = []string{"user.contact.email", "user.name"}, []string{"a", "b"}, "marketing"
		}
		out = append(out, e)
	}
	return out
}

func TestAuditAppendAndRead(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a, other := mustTenant(t, db, "A"), mustTenant(t, db, "B")
		// Two tenants in one batch, interleaved, then a second batch.
		evA, evB := auditEvents(a.ID, 12), auditEvents(other.ID, 3)
		mixed := append(append([]*steward.AuditEvent{}, evA[:6]...), evB...)
		mixed = append(mixed, evA[6:8]...)
		if err := db.AppendAudit(ctx, mixed, chainSeal, nil); err != nil {
			t.Fatal(err)
		}
		if err := db.AppendAudit(ctx, evA[8:], chainSeal, nil); err != nil {
			t.Fatal(err)
		}
		head, err := db.AuditHead(ctx, a.ID)
		if err != nil || head.Seq != 12 || head.CheckpointSeq != 10 || !bytes.Equal(head.Hash, evA[11].Hash) {
			t.Fatalf("head = %+v, %v", head, err)
		}
		var scanned []*steward.AuditEvent
		err = db.ScanAudit(ctx, a.ID, 3, func(e *steward.AuditEvent) error {
			c := *e
			c.Categories, c.Reasons = append([]string(nil), e.Categories...), append([]string(nil), e.Reasons...)
			scanned = append(scanned, &c)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(evA[3:], scanned); diff != "" {
			t.Fatalf("ScanAudit after 3 (-appended +read):\n%s", diff)
		}
		cps, err := db.AuditCheckpoints(ctx, a.ID)
		if err != nil || len(cps) != 2 || cps[0].Seq != 5 || cps[1].Seq != 10 || string(cps[1].Signature) != "sig" {
			t.Fatalf("checkpoints = %+v, %v", cps, err)
		}
		if ts, _ := db.AuditTenants(ctx); len(ts) != 2 {
			t.Fatalf("AuditTenants = %v", ts)
		}
		if h, err := db.AuditHead(ctx, "ten_none"); err != nil || h.Seq != 0 {
			t.Fatalf("head of a tenant without events = %+v, %v", h, err)
		}
		// A sequence number used twice is a conflict and changes nothing.
		dup := func(h steward.AuditHead, es []*steward.AuditEvent) ([]*steward.AuditCheckpoint, error) {
			es[0].Seq, es[0].PrevHash, es[0].Hash = 3, h.Hash, h.Hash
			return nil, nil
		}
		wantCode(t, db.AppendAudit(ctx, auditEvents(a.ID, 1), dup, nil), steward.ECONFLICT)
		if h, _ := db.AuditHead(ctx, a.ID); h.Seq != 12 {
			t.Fatalf("a failed append moved the head to %d", h.Seq)
		}
	})
}

func TestAuditFilters(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a, other := mustTenant(t, db, "A"), mustTenant(t, db, "B")
		if err := db.AppendAudit(ctx, append(auditEvents(a.ID, 12), auditEvents(other.ID, 12)...), chainSeal, nil); err != nil {
			t.Fatal(err)
		}
		seqs := func(f steward.AuditFilter) []int64 {
			t.Helper()
			f.TenantID = a.ID
			es, err := db.AuditEvents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			out := []int64{}
			for _, e := range es {
				if e.TenantID != a.ID {
					t.Fatalf("an event of another tenant: %+v", e)
				}
				out = append(out, e.Seq)
			}
			return out
		}
		for _, c := range []struct {
			name string
			f    steward.AuditFilter
			want []int64
		}{
			{"all, newest first", steward.AuditFilter{}, []int64{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
			{"subject", steward.AuditFilter{SubjectID: "sub_1"}, []int64{11, 8, 5, 2}},
			{"actor", steward.AuditFilter{Actor: "api_key:key_0"}, []int64{11, 9, 7, 5, 3, 1}},
			{"action", steward.AuditFilter{Action: steward.ActionRecordWrite}, []int64{12, 10, 8, 6, 4, 2}},
			{"purpose", steward.AuditFilter{Purpose: "marketing"}, []int64{9, 5, 1}},
			{"time range", steward.AuditFilter{Since: t0.Add(2 * time.Minute), Until: t0.Add(5 * time.Minute)}, []int64{5, 4, 3}},
			{"cursor and limit", steward.AuditFilter{Before: 9, Limit: 3}, []int64{8, 7, 6}},
			{"combined", steward.AuditFilter{SubjectID: "sub_0", Action: steward.ActionRecordRead}, []int64{7, 1}},
			{"no match", steward.AuditFilter{SubjectID: "sub_9"}, []int64{}},
		} {
			if got := seqs(c.f); !cmp.Equal(got, c.want) {
				t.Errorf("%s: %v; want %v", c.name, got, c.want)
			}
		}
	})
}

func TestAuditCheckpointsAndKeys(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a := mustTenant(t, db, "A")
		sign := func(h steward.AuditHead) (*steward.AuditCheckpoint, error) {
			return &steward.AuditCheckpoint{TenantID: a.ID, Seq: h.Seq, Hash: h.Hash, Time: t0, Every: 5, KeyID: 1, Signature: []byte("s1")}, nil
		}
		wantCode(t, db.CheckpointAudit(ctx, a.ID, sign), steward.ENOTFOUND)
		if err := db.AppendAudit(ctx, auditEvents(a.ID, 3), chainSeal, nil); err != nil {
			t.Fatal(err)
		}
		if err := db.CheckpointAudit(ctx, a.ID, sign); err != nil {
			t.Fatal(err)
		}
		// Re-signing at the same sequence number replaces the checkpoint.
		resign := func(h steward.AuditHead) (*steward.AuditCheckpoint, error) {
			cp, _ := sign(h)
			cp.Time, cp.Signature = t0.Add(time.Hour), []byte("s2")
			return cp, nil
		}
		if err := db.CheckpointAudit(ctx, a.ID, resign); err != nil {
			t.Fatal(err)
		}
		cps, _ := db.AuditCheckpoints(ctx, a.ID)
		if len(cps) != 1 || cps[0].Seq != 3 || string(cps[0].Signature) != "s2" || !cps[0].Time.Equal(t0.Add(time.Hour)) {
			t.Fatalf("checkpoints = %+v", cps)
		}
		if h, _ := db.AuditHead(ctx, a.ID); h.CheckpointSeq != 3 {
			t.Fatalf("head checkpoint = %d", h.CheckpointSeq)
		}
		k := &steward.AuditSigningKey{ID: 1, PublicKey: []byte("pub"), Wrapped: []byte("wrapped"), CreatedAt: t0}
		if err := db.CreateAuditSigningKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.CreateAuditSigningKey(ctx, k), steward.ECONFLICT)
		keys, err := db.AuditSigningKeys(ctx)
		if err != nil || len(keys) != 1 || !cmp.Equal(keys[0], k) {
			t.Fatalf("keys = %+v, %v", keys, err)
		}
	})
}

// TestAuditJournalMark: a mark is stored with the events it covers, and
// not at all when their transaction fails; events of a tenant that does not
// exist are refused (through audit_heads) although audit_events has no
// foreign key.
func TestAuditJournalMark(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a := mustTenant(t, db, "A")
		if done, err := db.AuditJournalDone(ctx, "j1"); err != nil || done != 0 {
			t.Fatalf("no mark yet: %d, %v", done, err)
		}
		if err := db.AppendAudit(ctx, auditEvents(a.ID, 3), chainSeal, &steward.AuditJournalMark{Journal: "j1", Done: 7}); err != nil {
			t.Fatal(err)
		}
		if err := db.AppendAudit(ctx, auditEvents(a.ID, 2), chainSeal, &steward.AuditJournalMark{Journal: "j1", Done: 9}); err != nil {
			t.Fatal(err)
		}
		bad := auditEvents("ten_nosuchtenant", 1)
		if err := db.AppendAudit(ctx, bad, chainSeal, &steward.AuditJournalMark{Journal: "j1", Done: 12}); err == nil {
			t.Fatal("events of an unknown tenant were stored")
		}
		if done, err := db.AuditJournalDone(ctx, "j1"); err != nil || done != 9 {
			t.Fatalf("mark = %d, %v; want 9 (the failed transaction's 12 not stored)", done, err)
		}
		if done, _ := db.AuditJournalDone(ctx, "j2"); done != 0 {
			t.Fatalf("another journal's mark = %d", done)
		}
		if h, _ := db.AuditHead(ctx, a.ID); h.Seq != 5 {
			t.Fatalf("head = %d, want 5", h.Seq)
		}
	})
}

var _ steward.AuditStore = (*sqlstore.DB)(nil)

// BenchmarkAppendAudit measures the store alone on SQLite: one writer
// appending batches of 256 realistic events (fake hashes), the floor under
// the audit log's group commit (no hashing, no checkpoints).
func BenchmarkAppendAudit(b *testing.B) {
	db := testdb.SQLite(b)
	tn := mustTenantB(b, db)
	batch := make([]*steward.AuditEvent, 256)
	for i := range batch {
		batch[i] = &steward.AuditEvent{TenantID: tn, Time: t0, Actor: "api_key:key_" + fmt.Sprint(i%20), Action: steward.ActionRecordRead,
			SubjectID: fmt.Sprintf("sub_%d", i*7919%100_000), Categories: []string{"user.contact.email", "user.device.ip_address"},
			Purpose: "essential.service", Decision: steward.DecisionAllow, Reasons: []string{"policy.allow"},
			RequestID: "0123456789abcdef", ClientIP: "203.0.113.0"}
	}
	hash := bytes.Repeat([]byte{7}, 32)
	seal := func(h steward.AuditHead, es []*steward.AuditEvent) ([]*steward.AuditCheckpoint, error) {
		for i, e := range es {
			e.Seq, e.PrevHash, e.Hash = h.Seq+int64(i)+1, hash, hash
		}
		return nil, nil
	}
	b.ResetTimer()
	for range b.N {
		if err := db.AppendAudit(context.Background(), batch, seal, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "events/s")
}

func mustTenantB(b *testing.B, db *sqlstore.DB) string {
	tn := &steward.Tenant{Name: "bench", HomeRegion: "eu", CreatedAt: t0}
	if err := db.CreateTenant(context.Background(), tn); err != nil {
		b.Fatal(err)
	}
	return tn.ID
}
