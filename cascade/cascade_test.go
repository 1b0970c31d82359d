package cascade_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/cascade"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/examples"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/outbox"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/sqlstore"
)

// auditLog keeps appended audit events, valid ones only.
type auditLog struct {
	mu     sync.Mutex
	events []steward.AuditEvent
}

func (l *auditLog) Append(_ context.Context, e *steward.AuditEvent) error {
	if err := e.Validate(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, *e)
	return nil
}

func (l *auditLog) AppendChained(ctx context.Context, e *steward.AuditEvent) error {
	return l.Append(ctx, e)
}

// receiver is a processor's endpoint: it checks signatures, fails the
// first `fail` deliveries and keeps the bodies.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	key    []byte
	fail   int
	ids    []string
	bodies [][]byte
}

func newReceiver(t testing.TB, fail int) *receiver {
	r := &receiver{fail: fail}
	if tt, ok := t.(*testing.T); ok {
		r.t = tt
	}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		id := req.Header.Get("webhook-id")
		sec, _ := strconv.ParseInt(req.Header.Get("webhook-timestamp"), 10, 64)
		r.mu.Lock()
		defer r.mu.Unlock()
		if want := outbox.Sign(r.key, id, time.Unix(sec, 0), body); req.Header.Get("webhook-signature") != want && r.t != nil {
			r.t.Errorf("delivery %s: the signature does not verify", id)
		}
		r.ids, r.bodies = append(r.ids, id), append(r.bodies, body)
		if len(r.ids) <= r.fail {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) got() ([]string, [][]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ids...), append([][]byte(nil), r.bodies...)
}

type fixture struct {
	db     *sqlstore.DB
	out    *outbox.Service
	svc    *cascade.Service
	audit  *auditLog
	mu     sync.Mutex
	done   []string
	tenant string
}

func newFixture(t testing.TB, b testdb.Backend) *fixture {
	src, err := examples.FS.ReadFile("content-studio.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse("content-studio.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	d, err := policy.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: b.Open(t), audit: &auditLog{}}
	ten := &steward.Tenant{Name: "A", HomeRegion: "eu", CreatedAt: time.Now()}
	if err := f.db.CreateTenant(context.Background(), ten); err != nil {
		t.Fatal(err)
	}
	f.tenant = ten.ID
	seal, _ := crypt.GenerateKey()
	index, _ := crypt.GenerateKey()
	f.out, err = outbox.New(outbox.Config{Store: f.db, Audit: f.audit, SealKey: seal, IndexKey: index, Now: f.Now,
		AllowPrivate: true, RetryScale: 1e-9}) // the default concurrency (8)
	if err != nil {
		t.Fatal(err)
	}
	tokenKey, _ := crypt.GenerateKey()
	f.svc, err = cascade.New(cascade.Config{Store: f.db, Outbox: f.out, Audit: f.audit, Policy: func() *policy.Decider { return d },
		TokenKey: tokenKey, PublicURL: "https://steward.example/", Now: f.Now,
		OnConfirmed: func(_ context.Context, _, request string) {
			f.mu.Lock()
			f.done = append(f.done, request)
			f.mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Now is the wall clock: retries are scaled down to nanoseconds.
func (f *fixture) Now() time.Time { return time.Now() }

func (f *fixture) staff() context.Context {
	return steward.WithCaller(context.Background(), &steward.Caller{TenantID: f.tenant, Kind: steward.ActorAPIKey, ID: "key_test",
		Scopes: steward.Scopes{steward.ScopeProcessorsManage, steward.ScopeRequestsManage}})
}

// disclose writes a ledger row.
func (f *fixture) disclose(t testing.TB, subject, processor string, cats ...string) string {
	t.Helper()
	d := &steward.Disclosure{ID: steward.NewID("dsc"), TenantID: f.tenant, SubjectID: subject, Processor: processor,
		Purpose: "essential.service.generation", Categories: cats, Files: []string{}, Obligations: []string{}, At: time.Now().UTC().Truncate(time.Microsecond)}
	if err := f.db.AddDisclosure(context.Background(), d, nil); err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// setEndpoint points a processor at a receiver.
func (f *fixture) setEndpoint(t testing.TB, processor string, r *receiver) {
	t.Helper()
	set, err := f.svc.SetEndpoint(f.staff(), processor, cascade.EndpointInput{URL: r.srv.URL + "/deletions"})
	if err != nil {
		t.Fatal(err)
	}
	if r.key, err = outbox.DecodeSecret(set.Secret); err != nil {
		t.Fatal(err)
	}
}

// drain runs delivery passes until nothing is due.
func (f *fixture) drain(t testing.TB) {
	t.Helper()
	for range 1000 {
		n, err := f.out.Deliver(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("deliveries never settle")
}

// body is a deletion webhook's body.
type body struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      struct {
		Task struct {
			ID, Token  string
			ConfirmURL string `json:"confirm_url"`
		} `json:"task"`
		Processor   string                  `json:"processor"`
		Disclosures []cascade.DisclosureRef `json:"disclosures"`
		Categories  []string                `json:"categories"`
	} `json:"data"`
}

func decodeBody(t *testing.T, b []byte) body {
	t.Helper()
	var x body
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	return x
}
