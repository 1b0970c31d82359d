package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/pii"
)

func TestPIIMappings(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		now := t0
		var store pii.Store = db.PIIMappings(func() time.Time { return now })
		_, _, err := store.Get(ctx, "k")
		wantCode(t, err, steward.ENOTFOUND)
		v1, err := store.Put(ctx, "k", []byte("s1"), 0, now.Add(time.Hour))
		if err != nil || v1 != 1 {
			t.Fatalf("Put = %d, %v", v1, err)
		}
		_, err = store.Put(ctx, "k", []byte("x"), 0, now.Add(time.Hour)) // a second creator loses
		wantCode(t, err, steward.ECONFLICT)
		v2, err := store.Put(ctx, "k", []byte("s2"), v1, now.Add(time.Hour))
		if err != nil || v2 != 2 {
			t.Fatalf("Put(prev 1) = %d, %v", v2, err)
		}
		_, err = store.Put(ctx, "k", []byte("x"), v1, now.Add(time.Hour)) // stale version
		wantCode(t, err, steward.ECONFLICT)
		got, v, err := store.Get(ctx, "k")
		if err != nil || string(got) != "s2" || v != 2 {
			t.Fatalf("Get = %q %d %v", got, v, err)
		}
		now = now.Add(2 * time.Hour)
		_, _, err = store.Get(ctx, "k")
		wantCode(t, err, steward.ENOTFOUND) // expired
		if _, err := store.Put(ctx, "k", []byte("s3"), 0, now.Add(time.Hour)); err != nil {
			t.Fatalf("Put over an expired mapping: %v", err)
		}
		if err := store.Delete(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		_, _ = store.Put(ctx, "old", []byte("x"), 0, now.Add(time.Minute))
		now = now.Add(time.Hour)
		if n, err := db.PIIMappings(func() time.Time { return now }).Purge(ctx); err != nil || n != 1 {
			t.Fatalf("Purge = %d, %v", n, err)
		}
	})
}
