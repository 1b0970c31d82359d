package sqlstore_test

import (
	"context"
	"crypto/rand"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
)

// BenchmarkLineageLookup measures what an erasure adds for AI training
// governance: finding the shards a person was in among
// STEWARD_BENCH_LINEAGE lineage rows (default 20,000; the goal is ≤ 5 ms
// with 1,000,000), turning them into retrain obligations and deleting
// them, in one transaction (SQLite):
//
//	STEWARD_BENCH_LINEAGE=1000000 go test ./sqlstore -run '^$' -bench LineageLookup
func BenchmarkLineageLookup(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("STEWARD_BENCH_LINEAGE")); err == nil && v > 0 {
		n = v
	}
	db := testdb.SQLite(b)
	ctx := context.Background()
	tenant := "ten_bench"
	const exports = 10
	for e := range exports {
		x := &steward.TrainingExport{ID: "trx_" + strconv.Itoa(e), TenantID: tenant, ModelID: "mdl_bench", Purpose: "train_ai_system",
			Categories: []string{"user.content"}, Deidentify: "redact", Shards: 8, Status: steward.ExportCompleted, CreatedAt: time.Now()}
		if err := db.CreateTrainingExport(ctx, x); err != nil {
			b.Fatal(err)
		}
	}
	hashes := make([][]byte, n/exports)
	for i := range hashes {
		hashes[i] = make([]byte, 32)
		rand.Read(hashes[i])
	}
	for e := range exports {
		for start := 0; start < len(hashes); start += 5000 {
			if err := db.AddLineage(ctx, tenant, "trx_"+strconv.Itoa(e), e%8, hashes[start:min(start+5000, len(hashes))]); err != nil {
				b.Fatal(err)
			}
		}
	}
	noEvent := func(a *steward.AffectedModel) (*steward.Event, error) {
		return steward.NewEvent(tenant, steward.EventModelAffected, time.Now(), map[string]any{"model": a.ModelID, "shard": a.Shard})
	}
	b.ResetTimer()
	for i := range b.N {
		aff, err := db.AffectModels(ctx, tenant, hashes[i%len(hashes)], "erasure", time.Now(), nil, noEvent)
		if err != nil {
			b.Fatal(err)
		}
		if i < len(hashes) && len(aff) != exports {
			b.Fatalf("affected %d; want %d", len(aff), exports)
		}
	}
}
