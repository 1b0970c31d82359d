package export_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/export"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/internal/testpolicy"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/vault"
)

type signer struct{ k ed25519.PrivateKey }

func (s signer) SignDetached(doc []byte) (int, []byte, error) { return 1, ed25519.Sign(s.k, doc), nil }

type notices struct{}

func (notices) NoticeHTML(context.Context, string) ([]byte, error) {
	return []byte("<html></html>"), nil
}

type discard struct{}

func (discard) Append(context.Context, *steward.AuditEvent) error        { return nil }
func (discard) AppendChained(context.Context, *steward.AuditEvent) error { return nil }

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkBuild builds the export package of one person in process, on
// SQLite and the local file store: the goal is 10,000 records and
// 1 GiB of files at >= 100 MB/s with flat memory. It reports MB/s of file
// bytes and the heap in use after the build. Size with
// STEWARD_BENCH_EXPORT_MB (default 64) and STEWARD_BENCH_EXPORT_RECORDS
// (default 200):
//
//	STEWARD_BENCH_EXPORT_MB=1024 STEWARD_BENCH_EXPORT_RECORDS=10000 go test ./export -run '^$' -bench Build -benchtime 2x
func BenchmarkBuild(b *testing.B) {
	mb, records := envInt("STEWARD_BENCH_EXPORT_MB", 64), envInt("STEWARD_BENCH_EXPORT_RECORDS", 200)
	ctx := context.Background()
	db := testdb.SQLite(b)
	keys, files := testpolicy.KeysAndFiles(b)
	p, err := policy.Load(filepath.Join("..", "examples", "ad-asset-studio.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	d, err := policy.Compile(p)
	if err != nil {
		b.Fatal(err)
	}
	tenant := &steward.Tenant{Name: "Acme", HomeRegion: "us", CreatedAt: time.Now()}
	if err := db.CreateTenant(ctx, tenant); err != nil {
		b.Fatal(err)
	}
	v := vault.New(vault.Config{Store: db, Files: files, Keys: keys, Audit: discard{}, Policy: d})
	app := steward.WithCaller(ctx, &steward.Caller{TenantID: tenant.ID, Kind: steward.ActorAPIKey, ID: "key_bench",
		Scopes: steward.Scopes{steward.ScopeRecordsWrite, steward.ScopeFilesWrite}})
	sub, err := v.CreateSubject(app, &vault.NewSubject{ExternalID: "export-bench"})
	if err != nil {
		b.Fatal(err)
	}
	for i := range records {
		if err := v.PutRecord(app, sub.ID, fmt.Sprintf("user.content.prompt.n%d", i), []byte(strconv.Quote(fmt.Sprintf("prompt number %d", i)))); err != nil {
			b.Fatal(err)
		}
	}
	const nfiles = 8
	per := int64(mb) << 20 / nfiles
	chunk := bytes.Repeat([]byte("steward export benchmark "), 1<<14)
	for range nfiles {
		if _, err := v.PutFile(app, sub.ID, "user.content.product_image", false, io.LimitReader(repeat(chunk), per)); err != nil {
			b.Fatal(err)
		}
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	x := export.New(export.Config{Store: db, Vault: v, Signer: signer{priv}, Notices: notices{}, TokenKey: make([]byte, 32),
		Policy: func() (*policy.Decider, *policy.Policy) { return d, p }})
	b.SetBytes(per * nfiles)
	b.ResetTimer()
	for range b.N {
		if _, err := x.Build(ctx, tenant.ID, sub.ID, steward.NewID("req"), export.Options{}, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapInuse)/(1<<20), "heap-MB")
}

// repeat reads chunk over and over.
func repeat(chunk []byte) io.Reader {
	return &repeater{chunk: chunk}
}

type repeater struct {
	chunk []byte
	off   int
}

func (r *repeater) Read(p []byte) (int, error) {
	n := copy(p, r.chunk[r.off:])
	r.off = (r.off + n) % len(r.chunk)
	return n, nil
}
