package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/postgres"
	"github.com/steward-privacy/steward/sqlstore"
)

// TestHolds: holds are created, listed (released ones on request),
// released once; HoldsOn finds a subject's own holds and the category
// holds covering one of its records, while active only; everything is
// scoped to the tenant.
func TestHolds(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a, other := mustTenant(t, db, "A"), mustTenant(t, db, "B")
		s := mustSubject(t, db, a.ID, "s", nil)
		u := mustSubject(t, db, a.ID, "u", nil)
		if err := db.PutRecord(ctx, &steward.Record{TenantID: a.ID, SubjectID: u.ID, Category: "user.content.prompt", Sealed: []byte("x"), UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		end := t0.Add(time.Hour)
		hs := &steward.Hold{TenantID: a.ID, SubjectID: s.ID, ReasonSealed: []byte("sealed"), Until: &end, CreatedBy: "api_key:k", CreatedAt: t0}
		hc := &steward.Hold{TenantID: a.ID, Category: "user.content", ReasonSealed: []byte("sealed"), CreatedBy: "api_key:k", CreatedAt: t0.Add(time.Second)}
		for _, h := range []*steward.Hold{hs, hc} {
			if err := db.CreateHold(ctx, h); err != nil {
				t.Fatal(err)
			}
		}
		on := func(subject string, at time.Time) int {
			t.Helper()
			got, err := db.HoldsOn(ctx, a.ID, subject, at)
			if err != nil {
				t.Fatal(err)
			}
			return len(got)
		}
		if on(s.ID, t0) != 1 || on(u.ID, t0) != 1 || on(s.ID, end) != 0 {
			t.Fatalf("HoldsOn: s %d, u %d, s after the end %d; want 1, 1, 0", on(s.ID, t0), on(u.ID, t0), on(s.ID, end))
		}
		if got, _ := db.Holds(ctx, a.ID, false); len(got) != 2 || got[0].ID != hc.ID || got[1].Until == nil || !got[1].Until.Equal(end) {
			t.Fatalf("Holds = %+v", got)
		}
		if got, _ := db.Holds(ctx, other.ID, true); len(got) != 0 {
			t.Fatalf("another tenant sees %d holds", len(got))
		}
		_, err := db.ReleaseHold(ctx, other.ID, hc.ID, "x", t0)
		wantCode(t, err, steward.ENOTFOUND)
		r, err := db.ReleaseHold(ctx, a.ID, hc.ID, "staff:p", t0.Add(time.Minute))
		if err != nil || r.ReleasedAt == nil || r.ReleasedBy != "staff:p" || r.Category != "user.content" {
			t.Fatalf("ReleaseHold = %+v, %v", r, err)
		}
		_, err = db.ReleaseHold(ctx, a.ID, hc.ID, "staff:p", t0)
		wantCode(t, err, steward.ECONFLICT)
		if on(u.ID, t0) != 0 {
			t.Fatal("a released hold still holds")
		}
		if got, _ := db.Holds(ctx, a.ID, false); len(got) != 1 {
			t.Fatalf("active holds = %d; want 1", len(got))
		}
		if got, _ := db.Holds(ctx, a.ID, true); len(got) != 2 {
			t.Fatalf("all holds = %d; want 2", len(got))
		}
	})
}

// TestSubjectStateSetters: restriction, objections, the age flag and
// identifiers are stored and read back through SubjectState, evicting the
// subject from the cache (the local one; with PostgreSQL, another replica's
// shared cache hears it); chosen retentions are stored and go with an
// erasure.
func TestSubjectStateSetters(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		db, reader := b.Open(t), (*sqlstore.DB)(nil)
		if b.Name == "sqlite" {
			db.CacheSubjects(time.Hour)
			reader = db
		} else {
			dsn := b.Database(t)
			var err error
			if db, err = postgres.Open(ctx, dsn); err != nil {
				t.Fatal(err)
			}
			if reader, err = postgres.Open(ctx, dsn); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close(); reader.Close() })
			for _, d := range []*sqlstore.DB{db, reader} {
				d.CacheSubjectsShared(postgres.NewInvalidations(dsn, nil), sqlstore.SharedCacheOptions{TTL: time.Hour, ShortTTL: 50 * time.Millisecond})
			}
		}
		a := mustTenant(t, db, "A")
		s := mustSubject(t, db, a.ID, "s", []byte("e1"))
		mustSubject(t, db, a.ID, "t", []byte("e2"))
		// seen waits (the shared cache: up to 5 s) until the reader's
		// SubjectState satisfies ok.
		seen := func(what string, ok func(*steward.Subject) bool) {
			t.Helper()
			deadline := time.Now().Add(5 * time.Second)
			for {
				st, err := reader.SubjectState(ctx, a.ID, s.ID)
				if err != nil {
					t.Fatal(err)
				}
				if ok(st) {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: SubjectState = %+v", what, st)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		seen("fresh", func(st *steward.Subject) bool { return !st.Restricted && st.RestrictedUntil.IsZero() })
		if b.Name != "sqlite" {
			time.Sleep(300 * time.Millisecond) // the listener is up: entries now live the long TTL
			seen("cached", func(st *steward.Subject) bool { return !st.Restricted })
		}
		end := t0.Add(time.Hour)
		if err := db.SetRestriction(ctx, a.ID, s.ID, true, end); err != nil {
			t.Fatal(err)
		}
		seen("restricted", func(st *steward.Subject) bool { return st.Restricted && st.RestrictedUntil.Equal(end) })
		if err := db.SetObjections(ctx, a.ID, s.ID, false, []string{"marketing", "personalize"}); err != nil {
			t.Fatal(err)
		}
		seen("objected", func(st *steward.Subject) bool { return len(st.Objections) == 2 && st.Objections[1] == "personalize" })
		if err := db.SetRestriction(ctx, a.ID, s.ID, false, end); err != nil {
			t.Fatal(err)
		}
		seen("lifted", func(st *steward.Subject) bool { return !st.Restricted && st.RestrictedUntil.IsZero() })
		if err := db.SetBelowMinimumAge(ctx, a.ID, s.ID, true); err != nil {
			t.Fatal(err)
		}
		seen("flagged", func(st *steward.Subject) bool { return st.BelowMinimumAge })
		wantCode(t, db.SetRestriction(ctx, a.ID, "sub_missing", true, time.Time{}), steward.ENOTFOUND)

		full, err := db.Subject(ctx, a.ID, s.ID)
		if err != nil || len(full.Objections) != 2 {
			t.Fatalf("Subject = %+v, %v", full, err)
		}
		full.Sealed, full.EmailIndex = []byte("resealed"), []byte("e2")
		wantCode(t, db.UpdateIdentifiers(ctx, full), steward.ECONFLICT)
		full.EmailIndex = nil
		if err := db.UpdateIdentifiers(ctx, full); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Subject(ctx, a.ID, s.ID); string(got.Sealed) != "resealed" || got.EmailIndex != nil {
			t.Fatalf("after UpdateIdentifiers: %+v", got)
		}

		r := &steward.SubjectRetention{TenantID: a.ID, SubjectID: s.ID, Category: "user.content", Retention: time.Minute, UpdatedAt: t0}
		if err := db.PutSubjectRetention(ctx, r); err != nil {
			t.Fatal(err)
		}
		r.Retention = 2 * time.Minute
		if err := db.PutSubjectRetention(ctx, r); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.PutSubjectRetention(ctx, &steward.SubjectRetention{TenantID: a.ID, SubjectID: "sub_missing", Category: "x"}), steward.ENOTFOUND)
		if got, _ := db.SubjectRetentions(ctx, a.ID, s.ID); len(got) != 1 || got[0].Retention != 2*time.Minute {
			t.Fatalf("SubjectRetentions = %+v", got)
		}
		if _, err := db.EraseSubject(ctx, a.ID, s.ID, t0); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.SubjectRetentions(ctx, a.ID, s.ID); len(got) != 0 {
			t.Fatalf("retentions survive the erasure: %+v", got)
		}
	})
}
