package outbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/outbox"
	"github.com/steward-privacy/steward/sqlstore"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// auditLog keeps appended audit events.
type auditLog struct {
	mu     sync.Mutex
	events []steward.AuditEvent
}

func (l *auditLog) Append(_ context.Context, e *steward.AuditEvent) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, *e)
	return nil
}

func (l *auditLog) AppendChained(ctx context.Context, e *steward.AuditEvent) error {
	return l.Append(ctx, e)
}

func (l *auditLog) actions() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.events {
		out = append(out, e.Action+" "+e.Target)
	}
	return out
}

// receiver is an application endpoint: it checks each delivery's
// signature with the secret, fails the first `fail` deliveries with 500 and
// records what came.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	key    []byte
	fail   int
	status int // answer after the failures; 0 for 204
	got    []delivery
}

type delivery struct {
	id     string
	body   []byte
	status int
}

func newReceiver(t *testing.T, fail int) *receiver {
	r := &receiver{t: t, fail: fail}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ts := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp")
	sec, _ := strconv.ParseInt(ts, 10, 64)
	if want := outbox.Sign(r.key, id, time.Unix(sec, 0), body); req.Header.Get("webhook-signature") != want || req.Method != "POST" {
		r.t.Errorf("delivery %s: signature %q does not verify", id, req.Header.Get("webhook-signature"))
	}
	status := http.StatusNoContent
	if r.status != 0 {
		status = r.status
	}
	if len(r.got) < r.fail {
		status = http.StatusInternalServerError
	}
	r.got = append(r.got, delivery{id: id, body: body, status: status})
	w.WriteHeader(status)
	_, _ = w.Write([]byte("a response body steward must not keep"))
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

type fixture struct {
	db    *sqlstore.DB
	svc   *outbox.Service
	clock *clock
	audit *auditLog
	admin context.Context
}

func newFixture(t *testing.T, b testdb.Backend, tenant string, o outbox.Config) *fixture {
	f := &fixture{db: b.Open(t), clock: &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}, audit: &auditLog{}}
	seal, _ := crypt.GenerateKey()
	index, _ := crypt.GenerateKey()
	o.Store, o.Audit, o.SealKey, o.IndexKey, o.Now = f.db, f.audit, seal, index, f.clock.Now
	svc, err := outbox.New(o)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	f.admin = f.as(tenant, steward.ScopeAdmin)
	return f
}

func (f *fixture) as(tenant string, scopes ...steward.Scope) context.Context {
	return steward.WithCaller(context.Background(), &steward.Caller{TenantID: tenant, Kind: steward.ActorAPIKey, ID: "key_test", Scopes: scopes})
}

func (f *fixture) emit(t *testing.T, tenant, typ string) *steward.Event {
	t.Helper()
	e, err := steward.NewEvent(tenant, typ, f.clock.Now(), map[string]string{"subject_id": "sub_1"})
	if err == nil {
		err = f.db.AppendEvents(context.Background(), e)
	}
	if err != nil {
		t.Fatal(err)
	}
	// On PostgreSQL an event is handed out once no older transaction of the
	// cluster is still running (sqlstore/events.go), which other test
	// packages sharing the server can delay past one read's 2 s wait: wait
	// until it is settled, so that the passes below see it.
	for deadline := time.Now().Add(30 * time.Second); ; {
		got, err := f.db.Events(context.Background(), tenant, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(got, func(g *steward.Event) bool { return g.ID == e.ID }) {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("event %s not handed out after 30 s", e.ID)
		}
	}
}

// pass runs delivery passes until one finds nothing to do.
func (f *fixture) pass(t *testing.T) {
	t.Helper()
	for range 20 {
		n, err := f.svc.Deliver(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("delivery passes never settle")
}

func (f *fixture) subscribe(t *testing.T, r *receiver, types ...string) *outbox.Subscribed {
	t.Helper()
	sub, err := f.svc.Subscribe(f.admin, outbox.Subscription{URL: r.srv.URL + "/hooks?token=canary-token-1", Types: types})
	if err != nil {
		t.Fatal(err)
	}
	if r.key, err = outbox.DecodeSecret(sub.Secret); err != nil || !sub.Created {
		t.Fatalf("subscribed %+v: %v", sub.WebhookView, err)
	}
	return sub
}

func (f *fixture) delivery(t *testing.T, webhook string) outbox.DeliveryView {
	t.Helper()
	ds, err := f.svc.Deliveries(f.admin, webhook, 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries: %+v, %v; want one", ds, err)
	}
	return ds[0]
}

// TestDeliveryRetried: an event is delivered at least once, retried on
// the schedule after failures with the same webhook-id and body, signed
// each time; only subscribed types of the subscriber's tenant, and only
// events after the subscription, are sent; the response body is not kept.
func TestDeliveryRetried(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b, "ten_a", outbox.Config{AllowPrivate: true})
		r := newReceiver(t, 2)
		f.emit(t, "ten_a", steward.EventConsentChanged) // before the subscription: not sent
		sub := f.subscribe(t, r, steward.EventConsentChanged)
		e := f.emit(t, "ten_a", steward.EventConsentChanged)
		f.emit(t, "ten_a", steward.EventPolicyChanged)  // not subscribed
		f.emit(t, "ten_b", steward.EventConsentChanged) // another tenant

		f.pass(t)
		d := f.delivery(t, sub.ID)
		if d.State != steward.DeliveryPending || d.Attempts != 1 || d.LastStatus != 500 || d.LastError != outbox.ErrStatus ||
			d.NextAttempt == nil || !d.NextAttempt.Equal(f.clock.Now().Add(outbox.Schedule[0])) {
			t.Fatalf("after a failed first attempt: %+v", d)
		}
		f.clock.Add(outbox.Schedule[0] - time.Second)
		f.pass(t)
		if n := len(r.deliveries()); n != 1 {
			t.Fatalf("retried before its time: %d deliveries", n)
		}
		f.clock.Add(time.Second)
		f.pass(t)
		f.clock.Add(outbox.Schedule[1])
		f.pass(t)
		got := r.deliveries()
		if len(got) != 3 || got[2].status != http.StatusNoContent {
			t.Fatalf("%d deliveries; want 3, the last accepted", len(got))
		}
		for _, x := range got {
			if x.id != e.ID || !bytes.Equal(x.body, got[0].body) {
				t.Errorf("retry with webhook-id %s, body %s; want %s and the same body", x.id, x.body, e.ID)
			}
		}
		var body map[string]any
		if err := json.Unmarshal(got[0].body, &body); err != nil || body["id"] != e.ID || body["type"] != steward.EventConsentChanged ||
			body["timestamp"] == nil || body["data"].(map[string]any)["subject_id"] != "sub_1" || len(body) != 4 {
			t.Errorf("body %s is not the event in the Standard Webhooks shape", got[0].body)
		}
		d = f.delivery(t, sub.ID)
		if d.State != steward.DeliveryDelivered || d.Attempts != 3 || d.LastStatus != 204 || d.LastError != "" || d.NextAttempt != nil {
			t.Fatalf("delivered: %+v", d)
		}
		ws, _ := f.svc.Webhooks(f.admin)
		if len(ws) != 1 || ws[0].Failures != 0 || ws[0].FailingSince != nil || ws[0].Status != "active" {
			t.Fatalf("webhook after a success: %+v", ws)
		}
		// The store holds no response body, no URL and no secret in clear.
		assertSealed(t, f.db, sub.ID, r.key, "canary-token-1", "a response body")
	})
}

// assertSealed fails if a webhook's row or its deliveries hold any of the
// canaries in clear.
func assertSealed(t *testing.T, db *sqlstore.DB, id string, key []byte, canaries ...string) {
	t.Helper()
	var index, url, secret []byte
	var types, desc string
	if err := db.Writer().QueryRow(`SELECT url_index, url_sealed, secret_sealed, types, description FROM webhooks WHERE id = $1`, id).
		Scan(&index, &url, &secret, &types, &desc); err != nil {
		t.Fatal(err)
	}
	var lastError string
	if err := db.Writer().QueryRow(`SELECT last_error FROM webhook_deliveries WHERE webhook_id = $1`, id).Scan(&lastError); err != nil {
		t.Fatal(err)
	}
	row := bytes.Join([][]byte{index, url, secret, []byte(types), []byte(desc), []byte(lastError)}, []byte("|"))
	if bytes.Contains(row, key) {
		t.Error("the signing key is stored in clear")
	}
	for _, c := range canaries {
		if bytes.Contains(row, []byte(c)) {
			t.Errorf("%q is stored in clear", c)
		}
	}
}

// TestDisabledAfterSchedule: an endpoint that fails a whole schedule is
// disabled (an audit event says so), gets nothing more, and subscribing
// its URL again enables it with the same id and no new secret.
func TestDisabledAfterSchedule(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b, "ten_a", outbox.Config{AllowPrivate: true})
		r := newReceiver(t, 1000)
		sub := f.subscribe(t, r, steward.EventPolicyChanged)
		f.emit(t, "ten_a", steward.EventPolicyChanged)
		f.pass(t)
		for _, wait := range outbox.Schedule {
			f.clock.Add(wait)
			f.pass(t)
		}
		d := f.delivery(t, sub.ID)
		if d.State != steward.DeliveryFailed || d.Attempts != len(outbox.Schedule)+1 {
			t.Fatalf("after the schedule: %+v", d)
		}
		ws, _ := f.svc.Webhooks(f.admin)
		if ws[0].Status != "disabled" || ws[0].DisabledAt == nil || ws[0].Failures != len(outbox.Schedule)+1 {
			t.Fatalf("webhook: %+v; want disabled", ws[0])
		}
		acts := f.audit.actions()
		if acts[len(acts)-1] != steward.ActionWebhookDisable+" "+sub.ID {
			t.Fatalf("audit: %v; want the disable last", acts)
		}
		n := len(r.deliveries())
		f.emit(t, "ten_a", steward.EventPolicyChanged)
		f.clock.Add(time.Hour)
		f.pass(t)
		if len(r.deliveries()) != n {
			t.Fatal("a disabled webhook received a delivery")
		}
		again, err := f.svc.Subscribe(f.admin, outbox.Subscription{URL: r.srv.URL + "/hooks?token=canary-token-1",
			Types: []string{steward.EventPolicyChanged}, Description: "orders backend"})
		if err != nil || again.Created || again.Secret != "" || again.ID != sub.ID || again.Status != "active" || again.Description != "orders backend" {
			t.Fatalf("subscribed again: %+v, %v", again, err)
		}
		r.mu.Lock()
		r.fail = 0
		r.mu.Unlock()
		f.pass(t)
		if len(r.deliveries()) != n+1 {
			t.Fatalf("the event stored while disabled was not delivered after enabling: %d deliveries", len(r.deliveries())-n)
		}
	})
}

// TestAttemptFailures: redirects are not followed, slow endpoints time
// out, and without AllowPrivate a loopback address is refused when
// subscribing and when dialling.
func TestAttemptFailures(t *testing.T) {
	b := testdb.Backends()[0]
	other := newReceiver(t, 0)
	redirect := httptest.NewServer(http.RedirectHandler(other.srv.URL, http.StatusFound))
	defer redirect.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	f := newFixture(t, b, "ten_a", outbox.Config{AllowPrivate: true, Timeout: 300 * time.Millisecond})
	want := map[string]string{}
	for _, u := range []string{redirect.URL, slow.URL} {
		sub, err := f.svc.Subscribe(f.admin, outbox.Subscription{URL: u, Types: []string{steward.EventConsentChanged}})
		if err != nil {
			t.Fatal(err)
		}
		want[sub.ID] = map[string]string{redirect.URL: outbox.ErrRedirect, slow.URL: outbox.ErrTimeout}[u]
	}
	f.emit(t, "ten_a", steward.EventConsentChanged)
	f.pass(t)
	for id, code := range want {
		if d := f.delivery(t, id); d.LastError != code || d.State != steward.DeliveryPending {
			t.Errorf("webhook %s: %+v; want last error %s", id, d, code)
		}
	}
	if len(other.deliveries()) != 0 {
		t.Error("a redirect was followed")
	}

	strict := newFixture(t, b, "ten_a", outbox.Config{})
	_, err := strict.svc.Subscribe(strict.admin, outbox.Subscription{URL: other.srv.URL, Types: []string{steward.EventConsentChanged}})
	if steward.ErrorCode(err) != steward.EINVALID {
		t.Fatalf("a loopback URL without AllowPrivate: %v", err)
	}
}

// TestTenantsAndScopes: a tenant never sees or deletes another's webhooks
// and events; the routes need their scopes.
func TestTenantsAndScopes(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b, "ten_a", outbox.Config{AllowPrivate: true})
		r := newReceiver(t, 0)
		sub := f.subscribe(t, r, steward.EventConsentChanged)
		ea := f.emit(t, "ten_a", steward.EventConsentChanged)
		f.emit(t, "ten_b", steward.EventConsentChanged)
		adminB := f.as("ten_b", steward.ScopeAdmin)
		if ws, err := f.svc.Webhooks(adminB); err != nil || len(ws) != 0 {
			t.Fatalf("tenant B lists %+v, %v", ws, err)
		}
		if err := f.svc.DeleteWebhook(adminB, sub.ID); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Fatalf("tenant B deletes A's webhook: %v", err)
		}
		if _, err := f.svc.Deliveries(adminB, sub.ID, 0); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Fatalf("tenant B reads A's deliveries: %v", err)
		}
		page, err := f.svc.Events(f.as("ten_b", steward.ScopeEventsRead), "", 0)
		if err != nil || len(page.Events) != 1 || page.Events[0].ID == ea.ID {
			t.Fatalf("tenant B's events: %+v, %v", page, err)
		}
		if _, err := f.svc.Events(f.as("ten_b", steward.ScopeEventsRead), strconv.FormatInt(ea.Seq, 10), 0); steward.ErrorCode(err) != steward.EINVALID {
			t.Fatalf("tenant B pages from A's cursor: %v", err)
		}
		if _, err := f.svc.Events(f.as("ten_a", steward.ScopeRecordsRead), "", 0); steward.ErrorCode(err) != steward.EFORBIDDEN {
			t.Fatalf("events without events:read: %v", err)
		}
		if _, err := f.svc.Subscribe(f.as("ten_a", steward.ScopeEventsRead), outbox.Subscription{URL: r.srv.URL, Types: []string{steward.EventConsentChanged}}); steward.ErrorCode(err) != steward.EFORBIDDEN {
			t.Fatalf("subscribe without admin: %v", err)
		}
		if err := f.svc.DeleteWebhook(f.admin, sub.ID); err != nil {
			t.Fatal(err)
		}
		want := []string{steward.ActionWebhookCreate + " " + sub.ID, steward.ActionWebhookDelete + " " + sub.ID}
		if got := f.audit.actions(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("audit %v; want %v", got, want)
		}
		for _, e := range f.audit.events {
			if e.TenantID != "ten_a" || e.Actor != "api_key:key_test" {
				t.Errorf("audit event %+v", e)
			}
		}
	})
}

// TestEventPages: the outbox pages with cursors, oldest first; bad cursors
// and limits are EINVALID naming the field.
func TestEventPages(t *testing.T) {
	f := newFixture(t, testdb.Backends()[0], "ten_a", outbox.Config{})
	reader := f.as("ten_a", steward.ScopeEventsRead)
	var want []string
	for range 5 {
		want = append(want, f.emit(t, "ten_a", steward.EventConsentChanged).ID)
	}
	var got []string
	cursor := ""
	for range 4 {
		page, err := f.svc.Events(reader, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			got = append(got, e.ID)
		}
		if len(page.Events) == 0 && page.NextCursor != cursor {
			t.Fatalf("an empty page moved the cursor from %q to %q", cursor, page.NextCursor)
		}
		cursor = page.NextCursor
	}
	if len(got) != 5 {
		t.Fatalf("paged %v; want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("paged %v; want %v", got, want)
		}
	}
	for _, c := range []struct {
		after string
		limit int
		field string
	}{{"x", 0, "after"}, {"-3", 0, "after"}, {"007", 0, "after"}, {"", 1001, "limit"}, {"", -1, "limit"}} {
		_, err := f.svc.Events(reader, c.after, c.limit)
		var se *steward.Error
		if !asError(err, &se) || se.Code != steward.EINVALID || se.Fields[0].Path != c.field {
			t.Errorf("Events(%q, %d) = %v; want EINVALID naming %s", c.after, c.limit, err, c.field)
		}
	}
}

func asError(err error, target **steward.Error) bool {
	e, ok := err.(*steward.Error)
	*target = e
	return ok && e != nil && len(e.Fields) > 0
}
