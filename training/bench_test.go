package training_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/internal/testpolicy"
	"github.com/steward-privacy/steward/pii"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/training"
	"github.com/steward-privacy/steward/vault"
)

type discard struct{}

func (discard) Append(context.Context, *steward.AuditEvent) error        { return nil }
func (discard) AppendChained(context.Context, *steward.AuditEvent) error { return nil }

// BenchmarkTrainingExport builds a pseudonymized training export of
// STEWARD_BENCH_TRAIN_SUBJECTS people (default 500), each with a 4 KiB
// text of work notes holding a name, an email address and a phone number
// in every KiB, in process on SQLite (the enterprise
// workspace example: training under contract): every person decided by
// the policy, every value read and audited, every text scanned by the PII
// engine with its values replaced by pseudonyms, the rows sealed and
// stored. It reports MB/s of values exported (the goal: ≥ 50 MB/s):
//
//	STEWARD_BENCH_TRAIN_SUBJECTS=5000 go test ./training -run '^$' -bench TrainingExport -benchtime 3x
func BenchmarkTrainingExport(b *testing.B) {
	n := 500
	if v, err := strconv.Atoi(os.Getenv("STEWARD_BENCH_TRAIN_SUBJECTS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	db := testdb.SQLite(b)
	db.CacheSubjects(10 * time.Second) // as steward serve does on SQLite
	keys, files := testpolicy.KeysAndFiles(b)
	src, err := os.ReadFile(filepath.Join("..", "examples", "enterprise-workspace.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	pols := policies.New(policies.Options{Store: db, Audit: discard{}})
	if _, err := pols.Import(ctx, "enterprise-workspace.yaml", src, policies.ImportOptions{FirstTenantRegion: "eu"}); err != nil {
		b.Fatal(err)
	}
	cur, err := pols.Sync(ctx)
	if err != nil {
		b.Fatal(err)
	}
	tenant := &steward.Tenant{Name: "Acme", HomeRegion: cur.Policy.Regions.Storage[0], CreatedAt: time.Now()}
	if err := db.CreateTenant(ctx, tenant); err != nil {
		b.Fatal(err)
	}
	v := vault.New(vault.Config{Store: db, Files: files, Keys: keys, Audit: discard{}, Policy: cur.Decider})
	app := steward.WithCaller(ctx, &steward.Caller{TenantID: tenant.ID, Kind: steward.ActorAPIKey, ID: "key_bench",
		Scopes: steward.Scopes{steward.ScopeRecordsWrite, steward.ScopeModelsManage, steward.ScopeTrainingExport}})
	// A page of work notes: ordinary prose with a name, an email address
	// and a phone number in each KiB (the PII engine finds and replaces
	// them all).
	kib := "Meeting notes: call Ada Lovelace at ada@example.org or +44 20 7946 0958 about the roadmap. " +
		strings.Repeat("The team reviewed the quarterly plan, the open tickets and the release schedule for the next sprint. ", 10)
	text := strings.Repeat(kib[:1024], 4)
	for i := range n {
		s, err := v.CreateSubject(app, &vault.NewSubject{ExternalID: fmt.Sprintf("b%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		if err := v.PutRecord(app, s.ID, "user.content.upload", []byte(strconv.Quote(text))); err != nil {
			b.Fatal(err)
		}
	}
	sc, err := pii.New()
	if err != nil {
		b.Fatal(err)
	}
	key := make([]byte, 32)
	svc := training.New(training.Config{Store: db, Vault: v, Files: files, Policies: pols, Scanner: sc, Audit: discard{}, Key: key})
	m, err := svc.CreateModel(app, &training.NewModel{Name: "bench", Purpose: "train_ai_system", Owner: "tenant"})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(n * len(text)))
	b.ResetTimer()
	for range b.N {
		x, err := svc.CreateExport(app, &training.NewExport{Model: m.ID, Categories: []string{"user.content"}, Deidentify: training.Pseudonymize})
		if err != nil {
			b.Fatal(err)
		}
		svc.Wait()
		if x, err = svc.Export(app, x.ID); err != nil || x.Status != steward.ExportCompleted || x.Subjects != n {
			b.Fatalf("export: %+v, %v; want %d subjects", x, err, n)
		}
	}
	b.StopTimer()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
}
