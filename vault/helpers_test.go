package vault_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob/local"
	"github.com/steward-privacy/steward/crypt/keyfile"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/internal/testpolicy"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/sqlite"
	"github.com/steward-privacy/steward/sqlstore"
	"github.com/steward-privacy/steward/vault"
)

// auditRecorder is an in-memory AuditLog that keeps what was appended.
type auditRecorder struct {
	mu     sync.Mutex
	events []steward.AuditEvent
}

func (a *auditRecorder) Append(ctx context.Context, e *steward.AuditEvent) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	e.Seq = int64(len(a.events) + 1)
	a.events = append(a.events, *e)
	return nil
}

func (a *auditRecorder) AppendChained(ctx context.Context, e *steward.AuditEvent) error {
	return a.Append(ctx, e)
}

func (a *auditRecorder) last() steward.AuditEvent {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.events[len(a.events)-1]
}

// fixture is a vault on a real store, file folder and key file.
type fixture struct {
	v      *vault.Vault
	db     *sqlstore.DB
	audit  *auditRecorder
	files  *local.Store
	keys   *keyfile.Provider
	tenant *steward.Tenant
	now    time.Time
}

func (f *fixture) clock() time.Time { return f.now }

func loadPolicy(t testing.TB, name string) *policy.Decider {
	t.Helper()
	p, err := policy.Load(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	d, err := policy.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func newFixture(t testing.TB, db *sqlstore.DB) *fixture {
	t.Helper()
	keys, files := testpolicy.KeysAndFiles(t)
	f := &fixture{db: db, audit: &auditRecorder{}, files: files, keys: keys, now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	f.tenant = &steward.Tenant{Name: "Acme", HomeRegion: "us", CreatedAt: f.now}
	if err := db.CreateTenant(context.Background(), f.tenant); err != nil {
		t.Fatal(err)
	}
	c := vault.Config{Store: db, Files: files, Keys: keys, Audit: f.audit,
		Policy: loadPolicy(t, "ad-asset-studio.yaml"), Now: f.clock}
	if db.Dialect() == "sqlite" {
		c.AfterErase = func(ctx context.Context) error { return sqlite.Checkpoint(ctx, db) } // as steward serve does
	}
	f.v = vault.New(c)
	return f
}

// as returns a context for a caller of the fixture's tenant.
func (f *fixture) as(kind steward.ActorKind, scopes ...steward.Scope) context.Context {
	return steward.WithCaller(context.Background(), &steward.Caller{TenantID: f.tenant.ID, Kind: kind, ID: "k1", Scopes: scopes})
}

func (f *fixture) service() context.Context {
	return f.as(steward.ActorAPIKey, steward.ScopeRecordsRead, steward.ScopeRecordsWrite, steward.ScopeFilesRead, steward.ScopeFilesWrite)
}

func forEach(t *testing.T, fn func(t *testing.T, f *fixture)) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) { fn(t, newFixture(t, b.Open(t))) })
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := steward.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q); want code %q", err, got, code)
	}
}
