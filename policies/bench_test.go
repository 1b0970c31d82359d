package policies

import (
	"context"
	"testing"

	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/internal/testpolicy"
)

// BenchmarkConsentStale: the check a read needing consent makes, with three
// stored versions.
func BenchmarkConsentStale(b *testing.B) {
	f := benchFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		f.svc.ConsentStale("2026-05-21", "essential.service.generation", "kestrel-video")
	}
}

// BenchmarkPoll: one replica's poll of the policy in force (nothing
// changed), on SQLite.
func BenchmarkPoll(b *testing.B) {
	f := benchFixture(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.Sync(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func benchFixture(b *testing.B) *fixture {
	f := &fixture{db: testdb.SQLite(b), audit: &testpolicy.AuditLog{}, clock: &testpolicy.Clock{}}
	f.clock.Set(f.clock.Now().AddDate(2026, 11, 0))
	f.svc = f.service(f.db)
	ctx := context.Background()
	for _, src := range [][]byte{testpolicy.Starter(b), testpolicy.Starter(b, concat(version("2026-06", "2026-06-01"), kestrelMore)...),
		testpolicy.Starter(b, concat(version("2026-07", "2026-07-01"), kestrelMore, generationMore)...)} {
		if _, err := f.svc.Import(ctx, "p.yaml", src, ImportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := f.svc.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	return f
}
