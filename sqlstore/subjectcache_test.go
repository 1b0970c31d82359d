package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/sqlstore"
)

// cachedRead reads a record through SubjectRecord and returns its sealed
// bytes ("" when the subject has no record there).
func cachedRead(t *testing.T, db *sqlstore.DB, tenant, subject, cat string) (string, error) {
	t.Helper()
	_, r, err := db.SubjectRecord(context.Background(), tenant, subject, cat)
	if err != nil || r == nil {
		return "", err
	}
	return string(r.Sealed), nil
}

// rawWrite changes a record behind the store's back, as a write the cache
// does not know of would.
func rawWrite(t *testing.T, db *sqlstore.DB, subject, cat, v string) {
	t.Helper()
	if _, err := db.Writer().Exec(`UPDATE records SET sealed = $1 WHERE subject_id = $2 AND category = $3`, []byte(v), subject, cat); err != nil {
		t.Fatal(err)
	}
}

// TestSubjectCache: with the cache on, every write through the store is
// seen by the next read (the record's value, its deletion, a rewrapped key,
// an erasure — G3 holds with the cache), and only a write the store does
// not know of is hidden, for at most the TTL.
func TestSubjectCache(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		db.CacheSubjects(time.Hour)
		ctx := context.Background()
		a := mustTenant(t, db, "A")
		s := mustSubject(t, db, a.ID, "ext1", nil)
		other := mustSubject(t, db, a.ID, "ext2", nil)
		// A second key version, for the rewrap below.
		if err := db.CreateTenantKey(ctx, &steward.TenantKey{TenantID: a.ID, Version: 2, Wrapped: []byte("tk"), CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		const cat = "user.content.prompt"
		put := func(subject, v string) {
			t.Helper()
			if err := db.PutRecord(ctx, &steward.Record{TenantID: a.ID, SubjectID: subject, Category: cat, Sealed: []byte(v), UpdatedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
		want := func(subject, v string) {
			t.Helper()
			if got, err := cachedRead(t, db, a.ID, subject, cat); err != nil || got != v {
				t.Fatalf("read %q, %v; want %q", got, err, v)
			}
		}
		put(s.ID, "v1")
		put(other.ID, "o1")
		want(s.ID, "v1")
		want(other.ID, "o1")

		// The cache is in use: a change the store does not know of is not
		// seen (this is what the TTL bounds).
		rawWrite(t, db, s.ID, cat, "behind")
		want(s.ID, "v1")

		put(s.ID, "v2") // evicts the subject
		want(s.ID, "v2")
		if err := db.DeleteRecord(ctx, a.ID, s.ID, cat); err != nil {
			t.Fatal(err)
		}
		want(s.ID, "")
		put(s.ID, "v3")
		want(s.ID, "v3")

		sub, _, _ := db.SubjectRecord(ctx, a.ID, s.ID, cat)
		if err := db.RewrapSubject(ctx, a.ID, s.ID, sub.KeyVersion, []byte("rewrapped"), sub.KeyVersion+1); err != nil {
			t.Fatal(err)
		}
		if sub, _, _ := db.SubjectRecord(ctx, a.ID, s.ID, cat); string(sub.WrappedKey) != "rewrapped" {
			t.Fatalf("wrapped key after rewrap = %q", sub.WrappedKey)
		}
		// SubjectState (what a record write reads) is cached too, and a
		// record write leaves the subject row cached.
		if _, err := db.Writer().Exec(`UPDATE subjects SET region = 'behind' WHERE id = $1`, s.ID); err != nil {
			t.Fatal(err)
		}
		put(s.ID, "v4")
		if st, err := db.SubjectState(ctx, a.ID, s.ID); err != nil || st.Region == "behind" || string(st.WrappedKey) != "rewrapped" {
			t.Fatalf("SubjectState = %+v, %v; want the cached row", st, err)
		}
		want(s.ID, "v4")
		if err := db.RewrapSubject(ctx, a.ID, s.ID, sub.KeyVersion+1, []byte("again"), sub.KeyVersion+1); err != nil {
			t.Fatal(err)
		}
		if st, _ := db.SubjectState(ctx, a.ID, s.ID); st.Region != "behind" {
			t.Fatalf("SubjectState after a rewrap = %+v; want the database row", st)
		}
		if _, err := db.Writer().Exec(`UPDATE subjects SET region = 'eu' WHERE id = $1`, s.ID); err != nil {
			t.Fatal(err)
		}

		// A returned row is a copy: changing it does not change the cache.
		sub.Region = "xx"
		if again, _, _ := db.SubjectRecord(ctx, a.ID, s.ID, cat); again.Region == "xx" {
			t.Fatal("the cache hands out its own rows")
		}

		// A consent or signal evicts exactly its subject.
		rawWrite(t, db, other.ID, cat, "o2")
		want(other.ID, "o1")
		if err := db.AddConsent(ctx, &steward.ConsentRecord{TenantID: a.ID, SubjectID: s.ID, Purpose: "marketing",
			Granted: true, PolicyVersion: "1", Channel: "api", At: t0}); err != nil {
			t.Fatal(err)
		}
		want(other.ID, "o1")
		if err := db.AddSignal(ctx, &steward.Signal{TenantID: a.ID, SubjectID: other.ID, GPC: true, Source: "api",
			PolicyVersion: "1", At: t0}); err != nil {
			t.Fatal(err)
		}
		want(other.ID, "o2")
		// Any other write through the store empties it.
		rawWrite(t, db, other.ID, cat, "o3")
		want(other.ID, "o2")
		if err := db.PutSecret(ctx, &steward.StoredSecret{TenantID: a.ID, Name: "x", Sealed: []byte("s"), UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		want(other.ID, "o3")

		// Erasure: gone at once, not served from the cache.
		want(s.ID, "v4")
		if _, err := db.EraseSubject(ctx, a.ID, s.ID, t0); err != nil {
			t.Fatal(err)
		}
		_, _, err := db.SubjectRecord(ctx, a.ID, s.ID, cat)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = db.SubjectState(ctx, a.ID, s.ID)
		wantCode(t, err, steward.ENOTFOUND)
	})
}

// TestSubjectCacheTTL: an entry is trusted for the TTL only.
func TestSubjectCacheTTL(t *testing.T) {
	db := testdb.SQLite(t)
	db.CacheSubjects(50 * time.Millisecond)
	ctx := context.Background()
	a := mustTenant(t, db, "A")
	s := mustSubject(t, db, a.ID, "ext1", nil)
	const cat = "user.content.prompt"
	if err := db.PutRecord(ctx, &steward.Record{TenantID: a.ID, SubjectID: s.ID, Category: cat, Sealed: []byte("v1"), UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if got, _ := cachedRead(t, db, a.ID, s.ID, cat); got != "v1" {
		t.Fatalf("read %q", got)
	}
	rawWrite(t, db, s.ID, cat, "v2")
	time.Sleep(60 * time.Millisecond)
	if got, _ := cachedRead(t, db, a.ID, s.ID, cat); got != "v2" {
		t.Fatalf("after the TTL read %q, want v2", got)
	}
}

// TestSubjectCacheConcurrentWrites: readers and writers of the same
// subjects race; once the writers stop, every read returns the last value
// written, so no read from before a write was cached after it.
func TestSubjectCacheConcurrentWrites(t *testing.T) {
	db := testdb.SQLite(t)
	db.CacheSubjects(time.Hour)
	ctx := context.Background()
	a := mustTenant(t, db, "A")
	const cat, subjects, writes = "user.content.prompt", 4, 200
	var ids []string
	for i := range subjects {
		ids = append(ids, mustSubject(t, db, a.ID, fmt.Sprintf("ext%d", i), nil).ID)
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 8 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := db.SubjectRecord(ctx, a.ID, ids[i%subjects], cat); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var writers sync.WaitGroup
	for w := range subjects {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range writes {
				err := db.PutRecord(ctx, &steward.Record{TenantID: a.ID, SubjectID: ids[w], Category: cat,
					Sealed: []byte(fmt.Sprint(i)), UpdatedAt: t0})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	writers.Wait()
	close(stop)
	readers.Wait()
	for _, id := range ids {
		if got, _ := cachedRead(t, db, a.ID, id, cat); got != fmt.Sprint(writes-1) {
			t.Fatalf("subject %s reads %q after the last write %d", id, got, writes-1)
		}
	}
}
