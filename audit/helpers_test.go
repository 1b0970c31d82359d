package audit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/sqlstore"
)

// wrapper is a KeyWrapper under a random in-memory key, standing in for the
// master key provider.
type wrapper struct{ k *crypt.Key }

func newWrapper(tb testing.TB) *wrapper {
	tb.Helper()
	m, err := crypt.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	return &wrapper{k: crypt.MustKey(1, m)}
}

func (w *wrapper) Wrap(_ context.Context, key crypt.Secret, aad []byte) ([]byte, error) {
	return crypt.Seal(w.k, key, aad), nil
}

func (w *wrapper) Unwrap(_ context.Context, wrapped, aad []byte) (crypt.Secret, error) {
	b, err := crypt.Open(w.k, wrapped, aad)
	return crypt.Secret(b), err
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// acceptMode makes newFixture's logs accept events for a sequencer
// (Options.Accept), as on PostgreSQL replicas; set only by tests that are
// not parallel, and reset when they end.
var acceptMode bool

// fixture is an audit log on a fresh store with one tenant.
type fixture struct {
	db      *sqlstore.DB
	log     *audit.Log
	tenant  string
	clock   *clock
	wrapper *wrapper
	anchor  *steward.AuditHead // set by tamper cases that model an auditor's anchor
}

// newFixture opens a Log checkpointing every `every` events.
func newFixture(tb testing.TB, db *sqlstore.DB, every int64) *fixture {
	tb.Helper()
	ctx := context.Background()
	c := newClock()
	tn := &steward.Tenant{Name: "acme", HomeRegion: "eu", CreatedAt: c.Now()}
	if err := db.CreateTenant(ctx, tn); err != nil {
		tb.Fatal(err)
	}
	w := newWrapper(tb)
	signer, err := audit.OpenSigner(ctx, db, w, c.Now)
	if err != nil {
		tb.Fatal(err)
	}
	l := audit.New(db, signer, audit.Options{Every: every, Now: c.Now})
	if acceptMode {
		// Events accepted, then integrated by a sequencer (here: the log's
		// own Sync before it verifies, and Integrate).
		l.Close()
		if l, err = audit.Open(ctx, db, signer, audit.Options{Every: every, Now: c.Now, Accept: true}); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Cleanup(func() { l.Close() })
	return &fixture{db: db, log: l, tenant: tn.ID, clock: c, wrapper: w}
}

// event returns a fully populated event number i of the fixture's tenant.
func (f *fixture) event(i int) *steward.AuditEvent {
	return &steward.AuditEvent{TenantID: f.tenant, Actor: "api_key:key_test", Action: steward.ActionRecordRead,
		SubjectID: fmt.Sprintf("sub_%d", i%7), Categories: []string{"user.contact.email", "user.device.ip_address"},
		Purpose: "essential.service", Decision: steward.DecisionAllow, Reasons: []string{"policy.allow"},
		Justification: "security_investigation", RequestID: fmt.Sprintf("req%04d", i), ClientIP: "203.0.113.77",
		Target: "rec_1"}
}

// appendN appends n events one after another, advancing the clock.
func (f *fixture) appendN(tb testing.TB, n int) {
	tb.Helper()
	for i := range n {
		f.clock.Add(time.Millisecond)
		if err := f.log.Append(context.Background(), f.event(i)); err != nil {
			tb.Fatal(err)
		}
		if acceptMode {
			// A sequencer faster than the clock's step: checkpoints carry
			// the time the events were integrated.
			if _, err := f.log.Integrate(context.Background()); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

// verify runs audit.Verify on the fixture's tenant.
func (f *fixture) verify(tb testing.TB, o audit.VerifyOptions) *audit.Report {
	tb.Helper()
	r, err := f.log.Verify(context.Background(), f.tenant, o)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// exec runs a tampering statement directly on the database.
func (f *fixture) exec(tb testing.TB, query string, args ...any) {
	tb.Helper()
	if _, err := f.db.Writer().Exec(query, args...); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
}

// appendConcurrently appends callers*each events to l, each caller in its
// own goroutine; event(c, i) makes caller c's i-th event.
func appendConcurrently(t *testing.T, l *audit.Log, callers, each int, event func(c, i int) *steward.AuditEvent) {
	t.Helper()
	var wg sync.WaitGroup
	for c := range callers {
		wg.Go(func() {
			for i := range each {
				if err := l.Append(context.Background(), event(c, i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
