package vault_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/vault"
)

// BenchmarkErase erases one subject (a record and a file each) from a store
// holding 1,000 or 100,000 other subjects: the cost must not grow with the
// store.
//
//	go test ./vault -run '^$' -bench Erase -benchtime 200x
func BenchmarkErase(b *testing.B) {
	for _, size := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("store=%d", size), func(b *testing.B) {
			f := newFixture(b, testdb.SQLite(b))
			fill(b, f, size)
			ctx := f.service()
			ids := make([]string, b.N)
			for i := range ids {
				s, err := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: fmt.Sprint("e", i), Email: fmt.Sprintf("e%d@example.org", i)})
				if err != nil {
					b.Fatal(err)
				}
				ids[i] = s.ID
				if err := f.v.PutRecord(ctx, s.ID, "user.contact.email", json.RawMessage(`"e@example.org"`)); err != nil {
					b.Fatal(err)
				}
				if _, err := f.v.PutFile(ctx, s.ID, "user.content.product_image", false, strings.NewReader("image")); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := f.v.Erase(ctx, ids[i]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fill inserts n subjects with a record each straight into the store,
// under tenant key version 1, which a first subject created through the
// vault brings into being (the store refuses a version that does not exist).
func fill(b *testing.B, f *fixture, n int) {
	b.Helper()
	ctx := context.Background()
	if _, err := f.v.CreateSubject(f.service(), &vault.NewSubject{ExternalID: "first"}); err != nil {
		b.Fatal(err)
	}
	for range n {
		idx := make([]byte, 32)
		rand.Read(idx)
		s := &steward.Subject{TenantID: f.tenant.ID, ExternalIndex: idx, Sealed: idx, Region: "us", WrappedKey: idx, KeyVersion: 1, CreatedAt: f.now}
		if err := f.db.CreateSubject(ctx, s); err != nil {
			b.Fatal(err)
		}
		if err := f.db.PutRecord(ctx, &steward.Record{TenantID: f.tenant.ID, SubjectID: s.ID, Category: "user.contact.email", Sealed: idx, UpdatedAt: f.now}); err != nil {
			b.Fatal(err)
		}
	}
}
