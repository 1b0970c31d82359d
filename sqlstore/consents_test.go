package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
)

// TestConsentLedger: consents and signals are appended with their events in
// one transaction, read back current, in history and by id, never updated;
// with the subject cache (SQLite) the consent state is cached with its
// subject and evicted by a consent or a signal of that subject.
func TestConsentLedger(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		cached := b.Name == "sqlite"
		if cached {
			db.CacheSubjects(time.Hour)
		}
		ctx := context.Background()
		a := mustTenant(t, db, "A")
		s := mustSubject(t, db, a.ID, "ext1", nil)
		state := func() *steward.ConsentState {
			t.Helper()
			st, err := db.ConsentState(ctx, a.ID, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		if _, _, err := db.SubjectRecord(ctx, a.ID, s.ID, "user.contact.email"); err != nil { // caches the subject
			t.Fatal(err)
		}
		if st := state(); len(st.Consents) != 0 || st.GPC {
			t.Fatalf("fresh state = %+v", st)
		}
		grant := func(subject string, g bool) error {
			ev, _ := steward.NewEvent(a.ID, steward.EventConsentChanged, t0, map[string]any{"subject_id": subject})
			return db.AddConsent(ctx, &steward.ConsentRecord{TenantID: a.ID, SubjectID: subject, Purpose: "marketing",
				Granted: g, PolicyVersion: "1", Channel: "api", At: t0,
				Proof: steward.ConsentProof{NoticeVersion: "1", Form: "signup", TextSHA256: "ab"}}, ev)
		}
		if err := grant(s.ID, true); err != nil {
			t.Fatal(err)
		}
		if st := state(); len(st.Consents) != 1 || !st.Consents[0].Granted || st.Consents[0].Proof.Form != "signup" {
			t.Fatalf("after a grant: %+v", st)
		}
		if _, _, err := db.SubjectRecord(ctx, a.ID, s.ID, "user.contact.email"); err != nil { // the grant evicted the subject
			t.Fatal(err)
		}
		if first, again := state(), state(); cached && first != again {
			t.Fatal("the consent state is not served from the cache")
		}
		if err := grant(s.ID, false); err != nil {
			t.Fatal(err)
		}
		if st := state(); len(st.Consents) != 1 || st.Consents[0].Granted {
			t.Fatalf("after a withdrawal: %+v", st)
		}
		// An unknown subject: nothing stored, not even the event.
		wantCode(t, grant("sub_nobody", true), steward.ENOTFOUND)
		if evs, err := db.Events(ctx, a.ID, 0, 10); err != nil || len(evs) != 2 {
			t.Fatalf("events = %d, %v; want the two of the stored consents", len(evs), err)
		}
		if err := db.AddSignal(ctx, &steward.Signal{TenantID: a.ID, SubjectID: s.ID, GPC: true, Source: "header", PolicyVersion: "1", At: t0}); err != nil {
			t.Fatal(err)
		}
		if st := state(); !st.GPC || len(st.Consents) != 1 {
			t.Fatalf("after a GPC signal: %+v", st)
		}
		wantCode(t, db.AddSignal(ctx, &steward.Signal{TenantID: "ten_other", SubjectID: s.ID, GPC: true, Source: "api", At: t0}), steward.ENOTFOUND)
		hist, err := db.ConsentHistory(ctx, a.ID, s.ID)
		if err != nil || len(hist) != 2 || !hist[0].Granted || hist[1].Granted || hist[0].ID == hist[1].ID {
			t.Fatalf("history = %+v, %v", hist, err)
		}
		one, err := db.Consent(ctx, a.ID, hist[0].ID)
		if err != nil || one.SubjectID != s.ID || !one.Granted || one.Proof.TextSHA256 != "ab" {
			t.Fatalf("Consent = %+v, %v", one, err)
		}
		_, err = db.Consent(ctx, "ten_other", hist[0].ID)
		wantCode(t, err, steward.ENOTFOUND)
		// Append-only: the database refuses to rewrite history.
		if _, err := db.Writer().ExecContext(ctx, `UPDATE consents SET granted = 1`); err == nil {
			t.Fatal("a consent row could be updated")
		}
		if _, err := db.Writer().ExecContext(ctx, `UPDATE signals SET gpc = 0`); err == nil {
			t.Fatal("a signal row could be updated")
		}
		// Erasure takes consents and signals with the subject.
		if _, err := db.EraseSubject(ctx, a.ID, s.ID, t0); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.Writer().QueryRowContext(ctx, `SELECT COUNT(*) FROM signals`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("signals after erasure: %d, %v", n, err)
		}
	})
}

// TestConsentWritesShareTransactions: concurrent consent writes, half of
// them for an unknown subject, share group-committed transactions on
// SQLite; each failing one is undone alone (its consent and its event),
// the others all stand.
func TestConsentWritesShareTransactions(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a := mustTenant(t, db, "A")
		s := mustSubject(t, db, a.ID, "ext1", nil)
		errs := make(chan error, 40)
		for i := range 40 {
			go func() {
				subject := s.ID
				if i%2 == 1 {
					subject = "sub_nobody"
				}
				ev, _ := steward.NewEvent(a.ID, steward.EventConsentChanged, t0, map[string]any{"n": i})
				errs <- db.AddConsent(ctx, &steward.ConsentRecord{TenantID: a.ID, SubjectID: subject, Purpose: "marketing",
					Granted: true, PolicyVersion: "1", Channel: "api", At: t0}, ev)
			}()
		}
		failed := 0
		for range 40 {
			if err := <-errs; err != nil {
				wantCode(t, err, steward.ENOTFOUND)
				failed++
			}
		}
		hist, err := db.ConsentHistory(ctx, a.ID, s.ID)
		evs, err2 := db.Events(ctx, a.ID, 0, 100)
		if failed != 20 || err != nil || err2 != nil || len(hist) != 20 || len(evs) != 20 {
			t.Fatalf("%d failed; %d consents (%v), %d events (%v); want 20 of each", failed, len(hist), err, len(evs), err2)
		}
	})
}
