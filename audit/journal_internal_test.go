package audit

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/internal/testdb"
)

type testWrapper struct{ k *crypt.Key }

func (w testWrapper) Wrap(_ context.Context, key crypt.Secret, aad []byte) ([]byte, error) {
	return crypt.Seal(w.k, key, aad), nil
}

func (w testWrapper) Unwrap(_ context.Context, wrapped, aad []byte) (crypt.Secret, error) {
	b, err := crypt.Open(w.k, wrapped, aad)
	return crypt.Secret(b), err
}

// TestJournalWriteFailureStoresDirectly: when the journal cannot be
// written, an append is stored in the chain directly instead of failing
// or being lost.
func TestJournalWriteFailureStoresDirectly(t *testing.T) {
	ctx := context.Background()
	db := testdb.SQLite(t)
	tn := &steward.Tenant{Name: "acme", HomeRegion: "eu", CreatedAt: time.Now()}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	signer, err := OpenSigner(ctx, db, testWrapper{crypt.MustKey(1, crypt.Secret(raw))}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(ctx, db, signer, Options{Journal: filepath.Join(t.TempDir(), "journal"), JournalDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	event := func() *steward.AuditEvent {
		return &steward.AuditEvent{TenantID: tn.ID, Actor: "api_key:key_a", Action: steward.ActionRecordRead,
			Decision: steward.DecisionAllow}
	}
	first := event()
	if err := l.Append(ctx, first); err != nil || first.Seq != 0 {
		t.Fatalf("journaled append: seq %d, %v", first.Seq, err)
	}
	l.jmu.Lock()
	l.journal.f.Close() // every later journal write fails
	l.jmu.Unlock()
	second := event()
	if err := l.Append(ctx, second); err != nil {
		t.Fatalf("append with a failing journal: %v", err)
	}
	if second.Seq != 2 {
		t.Fatalf("the fallback stored the event at seq %d, want 2 (after the journaled one)", second.Seq)
	}
	if !l.journalFailing.Load() {
		t.Fatal("the failure was not noted")
	}
}
