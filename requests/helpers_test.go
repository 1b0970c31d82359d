package requests_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/auth"
	"github.com/steward-privacy/steward/consent"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/internal/testpolicy"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/requests"
	"github.com/steward-privacy/steward/sqlstore"
	"github.com/steward-privacy/steward/vault"
)

// auditRecorder is an in-memory AuditLog.
type auditRecorder struct {
	mu     sync.Mutex
	events []steward.AuditEvent
}

func (a *auditRecorder) Append(ctx context.Context, e *steward.AuditEvent) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, *e)
	return nil
}

func (a *auditRecorder) AppendChained(ctx context.Context, e *steward.AuditEvent) error {
	return a.Append(ctx, e)
}

func (a *auditRecorder) actions() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, e := range a.events {
		out = append(out, e.Action)
	}
	return out
}

func (a *auditRecorder) json() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, _ := json.Marshal(a.events)
	return string(b)
}

// mailbox is a fake mailer that keeps what was sent.
type mailbox struct {
	mu   sync.Mutex
	sent []mail
}

type mail struct{ to, subject, text string }

func (m *mailbox) Send(ctx context.Context, to, subject, text string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, mail{to, subject, text})
	return nil
}

// code returns the code of the last message, and to whom it went.
func (m *mailbox) code(t *testing.T) (code, to string) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.sent) == 0 {
		t.Fatal("no mail sent")
	}
	last := m.sent[len(m.sent)-1]
	for _, f := range strings.Fields(last.text) {
		if len(f) == 6 && strings.Trim(f, "0123456789") == "" {
			return f, last.to
		}
	}
	t.Fatalf("no code in %q", last.text)
	return "", ""
}

func (m *mailbox) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sent)
}

// signer signs with a fixed Ed25519 key, id 1.
type signer struct{ priv ed25519.PrivateKey }

func (s signer) SignDetached(doc []byte) (int, []byte, error) {
	return 1, ed25519.Sign(s.priv, doc), nil
}

// fixture is the request service on a real store and vault.
type fixture struct {
	svc    *requests.Service
	v      *vault.Vault
	db     *sqlstore.DB
	audit  *auditRecorder
	mail   *mailbox
	pub    ed25519.PublicKey
	tenant *steward.Tenant
	now    time.Time
	mu     sync.Mutex
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func loadPolicy(t testing.TB) *policy.Decider {
	t.Helper()
	p, err := policy.Load(filepath.Join("..", "examples", "ad-asset-studio.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := policy.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func newFixture(t testing.TB, db *sqlstore.DB, approval ...string) *fixture {
	t.Helper()
	keys, files := testpolicy.KeysAndFiles(t)
	pub, priv, _ := ed25519.GenerateKey(nil)
	f := &fixture{db: db, audit: &auditRecorder{}, mail: &mailbox{}, pub: pub, now: time.Date(2027, 1, 31, 12, 0, 0, 0, time.UTC)}
	f.tenant = &steward.Tenant{Name: "Acme", HomeRegion: "us", CreatedAt: f.now}
	if err := db.CreateTenant(context.Background(), f.tenant); err != nil {
		t.Fatal(err)
	}
	f.v = vault.New(vault.Config{Store: db, Files: files, Keys: keys, Audit: f.audit, Policy: loadPolicy(t), Now: f.clock})
	sealer, err := auth.NewKeySealer(make([]byte, 32), make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	f.svc, err = requests.New(requests.Config{Store: db, Subjects: f.v, Policies: f.v, Audit: f.audit, Signer: signer{priv},
		Sealer: sealer, Mailer: f.mail, CodeKey: []byte("0123456789abcdef0123456789abcdef"), Approval: approval, Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	f.svc.RegisterConsentWithdrawal(consent.New(consent.Config{Store: db, Policies: f.v, Audit: f.audit, Signer: signer{priv},
		Now: f.clock}))
	return f
}

func (f *fixture) as(scopes ...steward.Scope) context.Context {
	return steward.WithCaller(context.Background(), &steward.Caller{TenantID: f.tenant.ID, Kind: steward.ActorAPIKey, ID: "key_1",
		Scopes: scopes})
}

// app is an application's key: it files requests and may vouch for them.
func (f *fixture) app() context.Context {
	return f.as(steward.ScopeRequestsWrite, steward.ScopeRequestsVerify, steward.ScopeRecordsWrite, steward.ScopeRecordsRead)
}

func (f *fixture) staff() context.Context { return f.as(steward.ScopeRequestsManage) }

// person is the context of the public routes: no caller, a client address.
func person(addr string) context.Context {
	return steward.WithRequest(context.Background(), &steward.RequestInfo{ID: "rq", ClientIP: addr})
}

func (f *fixture) subject(t *testing.T, ext, email string) string {
	t.Helper()
	s, err := f.v.CreateSubject(f.app(), &vault.NewSubject{ExternalID: ext, Email: email})
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
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

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
