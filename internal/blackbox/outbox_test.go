package blackbox

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

// hookReceiver is an application's webhook endpoint on loopback: it checks
// each delivery's signature as a real processor would (client.VerifyWebhook
// with the secret), answers 500 while failing is set, and counts what came.
type hookReceiver struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	secret  string
	failing bool
	got     []hookDelivery
	arrived chan struct{}
}

type hookDelivery struct {
	id     string
	body   []byte
	status int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{t: t, arrived: make(chan struct{}, 100)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		if err := client.VerifyWebhook(h.secret, r.Header, body); err != nil {
			h.t.Errorf("delivery %s does not verify: %v", r.Header.Get("webhook-id"), err)
		}
		status := http.StatusOK
		if h.failing {
			status = http.StatusInternalServerError
		}
		h.got = append(h.got, hookDelivery{id: r.Header.Get("webhook-id"), body: body, status: status})
		h.mu.Unlock()
		w.WriteHeader(status)
		h.arrived <- struct{}{}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) deliveries() []hookDelivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookDelivery(nil), h.got...)
}

func (h *hookReceiver) setFailing(f bool) {
	h.mu.Lock()
	h.failing = f
	h.mu.Unlock()
}

// await waits until n deliveries came.
func (h *hookReceiver) await(n int, within time.Duration) {
	h.t.Helper()
	deadline := time.After(within)
	for len(h.deliveries()) < n {
		select {
		case <-h.arrived:
		case <-deadline:
			h.t.Fatalf("%d deliveries after %v; want %d", len(h.deliveries()), within, n)
		}
	}
}

// emitEvent stores an event of the tenant straight in the server's
// database. It stands in for an application's state change: this test
// proves the outbox, whatever capability writes the events (consent and
// policy changes store theirs in the same transaction as the change).
func emitEvent(t *testing.T, backend, database, tenant, typ string) string {
	t.Helper()
	driver, dsn := "pgx", database
	if backend == "sqlite" {
		driver, dsn = "sqlite", "file:"+database+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e, err := steward.NewEvent(tenant, typ, time.Now(), map[string]string{"subject_id": "sub_x", "purpose": "marketing.communications.email"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO events (id, tenant_id, type, at, data) VALUES ($1, $2, $3, $4, $5)`,
		e.ID, tenant, e.Type, e.Timestamp.UnixMicro(), string(e.Data)); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// TestOutboxWebhooks: an event is delivered to a subscribed endpoint,
// signed per Standard Webhooks, at least once: after failed attempts and a
// server restart between them, with the same webhook-id throughout; the
// delivery state survives the restart; GET /v1/events pages through the
// events with cursors; the secret is shown once and found nowhere in clear
// (database file, logs, lists, audit); bad subscriptions are 400 naming
// the field; another tenant sees none of it.
func TestOutboxWebhooks(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		data := filepath.Join(t.TempDir(), "data")
		args := []string{"--data", data, "--webhook-allow-private", "--webhook-interval", "100ms",
			"--webhook-retry-scale", "0.02", "--job-lease", "3s"} // retries after 100ms, 6s, 36s, ...
		database := filepath.Join(data, "steward.db")
		if b.Name == "postgres" {
			database = b.Database(t)
			args = append(args, "--database", database)
		}
		s := startArgs(t, data, args...)
		admin := s.Key
		tenant := s.do("GET", "/v1/whoami", admin, nil).JSON(t)["tenant_id"].(string)

		rcv := newHookReceiver(t)
		rcv.setFailing(true)
		hookURL := rcv.srv.URL + "/steward?token=hook-canary-7f3a"
		r := s.do("PUT", "/v1/webhooks", admin, map[string]any{"url": hookURL, "types": []string{"consent.changed"}, "description": "orders"})
		expect(t, r, 200)
		var sub client.SubscribedWebhook
		if err := json.Unmarshal(r.Body, &sub); err != nil || !sub.Created || !strings.HasPrefix(sub.Secret, "whsec_") || sub.URL != hookURL {
			t.Fatalf("subscribed: %s", r.Body)
		}
		rcv.mu.Lock()
		rcv.secret = sub.Secret
		rcv.mu.Unlock()
		// The same URL again: updated, the secret is not shown again.
		r = s.do("PUT", "/v1/webhooks", admin, map[string]any{"url": hookURL, "types": []string{"consent.changed"}, "description": "orders"})
		expect(t, r, 200)
		if again := r.JSON(t); again["created"] != false || again["secret"] != nil || again["id"] != sub.ID {
			t.Fatalf("subscribing the URL again: %s", r.Body)
		}

		evt := emitEvent(t, b.Name, database, tenant, steward.EventConsentChanged)
		other := emitEvent(t, b.Name, database, tenant, steward.EventPolicyChanged) // not subscribed
		rcv.await(2, 20*time.Second)                                                // the first attempt and the retry after 100ms fail
		var list struct {
			Deliveries []client.WebhookDelivery `json:"deliveries"`
		}
		waitFor(t, 10*time.Second, func() bool { // the second attempt's outcome is stored
			r := s.do("GET", "/v1/webhooks/"+sub.ID+"/deliveries", admin, nil)
			return json.Unmarshal(r.Body, &list) == nil && len(list.Deliveries) == 1 && list.Deliveries[0].Attempts == 2
		})
		s.stop() // the next retry is due 6 s after the second
		if n := len(rcv.deliveries()); n != 2 {
			t.Fatalf("%d deliveries before the restart; want 2 (the test needs the third after it)", n)
		}

		s = startArgs(t, data, args...)
		ds := s.do("GET", "/v1/webhooks/"+sub.ID+"/deliveries", admin, nil)
		expect(t, ds, 200)
		if err := json.Unmarshal(ds.Body, &list); err != nil || len(list.Deliveries) != 1 {
			t.Fatalf("deliveries after the restart: %s", ds.Body)
		}
		if d := list.Deliveries[0]; d.EventID != evt || d.State != "pending" || d.Attempts != 2 || d.LastStatus != 500 || d.NextAttempt == nil {
			t.Fatalf("the delivery state did not survive the restart: %+v", d)
		}
		rcv.setFailing(false)
		rcv.await(3, 30*time.Second)
		got := rcv.deliveries()
		for _, d := range got {
			if d.id != evt || !bytes.Equal(d.body, got[0].body) {
				t.Errorf("delivery with webhook-id %s; want %s every time, same body", d.id, evt)
			}
		}
		var body client.Event
		if err := json.Unmarshal(got[2].body, &body); err != nil || body.ID != evt || body.Type != steward.EventConsentChanged || body.Timestamp.IsZero() {
			t.Fatalf("delivered body: %s", got[2].body)
		}
		waitFor(t, 10*time.Second, func() bool {
			r := s.do("GET", "/v1/webhooks/"+sub.ID+"/deliveries", admin, nil)
			return json.Unmarshal(r.Body, &list) == nil && len(list.Deliveries) == 1 && list.Deliveries[0].State == "delivered"
		})
		if d := list.Deliveries[0]; d.Attempts != 3 || d.LastStatus != 200 {
			t.Fatalf("delivered: %+v", d)
		}
		time.Sleep(500 * time.Millisecond) // a few more delivery passes: nothing more is sent
		if n := len(rcv.deliveries()); n != 3 {
			t.Fatalf("%d deliveries; want 3", n)
		}

		mine := outboxPaging(t, s, b.Name, database, tenant, admin, evt, other)
		outboxBadInput(t, s, admin, hookURL)
		outboxIsolation(t, s, admin, sub.ID, mine)
		outboxSecretsAtRest(t, s, admin, b.Name, data, sub.Secret, sub.ID)
	})
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not so after %v", within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// outboxPaging pages through the outbox with an events:read key: the
// events stored (those given, then three more) come in order, each once
// (other capabilities may have stored events of their own meanwhile). It
// returns the ids of the events stored.
func outboxPaging(t *testing.T, s *server, backend, database, tenant, admin string, stored ...string) []string {
	r := s.do("POST", "/v1/apikeys", admin, map[string]any{"name": "events", "scopes": []string{"events:read"}})
	expect(t, r, 201)
	reader := r.JSON(t)["secret"].(string)
	for range 3 {
		stored = append(stored, emitEvent(t, backend, database, tenant, steward.EventPolicyChanged))
	}
	var all []string
	cursor := ""
	for range 10 {
		r := s.do("GET", "/v1/events?limit=2&after="+cursor, reader, nil)
		expect(t, r, 200)
		var page client.EventPage
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Events) > 2 {
			t.Fatalf("a page of %d events with limit 2", len(page.Events))
		}
		for _, e := range page.Events {
			all = append(all, e.ID)
		}
		if len(page.Events) == 0 {
			if page.NextCursor != cursor {
				t.Fatalf("an empty page moved the cursor %q to %q", cursor, page.NextCursor)
			}
			break
		}
		cursor = page.NextCursor
	}
	distinct := slices.Clone(all)
	slices.Sort(distinct)
	var ours []string
	for _, id := range all {
		if slices.Contains(stored, id) {
			ours = append(ours, id)
		}
	}
	if len(slices.Compact(distinct)) != len(all) || !slices.Equal(ours, stored) {
		t.Fatalf("paged %v; want the stored %v in order, each once", all, stored)
	}
	expect(t, s.do("GET", "/v1/events?after=nonsense", reader, nil), 400)
	expect(t, s.do("GET", "/v1/events?limit=5000", reader, nil), 400)
	expect(t, s.do("GET", "/v1/webhooks", reader, nil), 403) // events:read is not admin
	return stored
}

// outboxBadInput: bad subscriptions are 400 naming the field and change
// nothing.
func outboxBadInput(t *testing.T, s *server, admin, hookURL string) {
	before := s.do("GET", "/v1/webhooks", admin, nil).Body
	for _, c := range []struct {
		body  any
		field string
	}{
		{map[string]any{"url": "http://hooks.example.com/x", "types": []string{"consent.changed"}}, "url"},
		{map[string]any{"url": "https://user:pw@hooks.example.com/x", "types": []string{"consent.changed"}}, "url"},
		{map[string]any{"url": "https://hooks.example.com/" + strings.Repeat("a", 3000), "types": []string{"consent.changed"}}, "url"},
		{map[string]any{"url": hookURL + "&x=1", "types": []string{"consent.chnaged"}}, "types[0]"},
		{map[string]any{"url": hookURL + "&x=1", "types": []string{}}, "types"},
		{map[string]any{"url": hookURL + "&x=1", "types": []string{"consent.changed"}, "description": strings.Repeat("d", 201)}, "description"},
		{map[string]any{"url": hookURL + "&x=1", "types": []string{"consent.changed"}, "secret": "whsec_mine"}, "secret"},
	} {
		r := s.do("PUT", "/v1/webhooks", admin, c.body)
		expect(t, r, 400)
		var p struct {
			Errors []struct{ Path string } `json:"errors"`
		}
		if json.Unmarshal(r.Body, &p) != nil || len(p.Errors) != 1 || p.Errors[0].Path != c.field {
			t.Errorf("bad subscription: %s; want the field %s named", r.Body, c.field)
		}
		if bytes.Contains(r.Body, []byte("hooks.example.com")) {
			t.Errorf("the error echoes the URL: %s", r.Body)
		}
	}
	if after := s.do("GET", "/v1/webhooks", admin, nil).Body; !bytes.Equal(before, after) {
		t.Fatalf("bad subscriptions changed the webhooks:\n%s\n%s", before, after)
	}
}

// outboxIsolation: another tenant sees none of the operator tenant's
// events or webhooks and cannot touch them.
func outboxIsolation(t *testing.T, s *server, admin, webhookID string, events []string) {
	r := s.do("POST", "/v1/tenants", admin, map[string]any{"name": "Customer B", "home_region": "us"})
	expect(t, r, 201)
	adminB := r.JSON(t)["admin_key"].(map[string]any)["secret"].(string)
	ev := s.do("GET", "/v1/events", adminB, nil)
	expect(t, ev, 200)
	for _, id := range events {
		if bytes.Contains(ev.Body, []byte(id)) {
			t.Fatalf("tenant B sees the operator tenant's event %s", id)
		}
	}
	wh := s.do("GET", "/v1/webhooks", adminB, nil)
	expect(t, wh, 200)
	if ws := wh.JSON(t)["webhooks"].([]any); len(ws) != 0 {
		t.Fatalf("tenant B sees webhooks: %s", wh.Body)
	}
	expect(t, s.do("GET", "/v1/webhooks/"+webhookID+"/deliveries", adminB, nil), 404)
	expect(t, s.do("DELETE", "/v1/webhooks/"+webhookID, adminB, nil), 404)
	mine := s.do("GET", "/v1/events?limit=1", admin, nil).JSON(t)["next_cursor"].(string)
	expect(t, s.do("GET", "/v1/events?after="+mine, adminB, nil), 400)
	expect(t, s.do("GET", "/v1/webhooks/"+webhookID+"/deliveries", admin, nil), 200)
}

// outboxSecretsAtRest: the secret and the URL's token are in no list,
// audit event, log line or (on SQLite) database file; the subscription
// changes are audited by webhook id.
func outboxSecretsAtRest(t *testing.T, s *server, admin, backend, data, secret, webhookID string) {
	const token = "hook-canary-7f3a"
	list := s.do("GET", "/v1/webhooks", admin, nil)
	if bytes.Contains(list.Body, []byte(secret)) || bytes.Contains(list.Body, []byte("whsec_")) {
		t.Fatalf("the list shows the secret: %s", list.Body)
	}
	audit := s.do("GET", "/v1/audit?limit=1000", admin, nil)
	expect(t, audit, 200)
	if bytes.Contains(audit.Body, []byte(token)) || bytes.Contains(audit.Body, []byte(secret)) {
		t.Fatal("the audit log holds the URL or the secret")
	}
	var page client.AuditPage
	_ = json.Unmarshal(audit.Body, &page)
	var acts []string
	for _, e := range page.Events {
		if strings.HasPrefix(e.Action, "webhook.") {
			if e.Target != webhookID {
				t.Errorf("audit event %s names %q; want the webhook id", e.Action, e.Target)
			}
			acts = append(acts, e.Action)
		}
	}
	if !slices.Contains(acts, steward.ActionWebhookCreate) || !slices.Contains(acts, steward.ActionWebhookUpdate) {
		t.Errorf("webhook audit events %v; want create and update", acts)
	}
	expect(t, s.do("DELETE", "/v1/webhooks/"+webhookID, admin, nil), 204)
	expect(t, s.do("DELETE", "/v1/webhooks/"+webhookID, admin, nil), 404)
	for _, out := range []*bytes.Buffer{s.stdout, s.stderr} {
		if bytes.Contains(out.Bytes(), []byte(secret)) || bytes.Contains(out.Bytes(), []byte(token)) {
			t.Fatal("the server's output holds the webhook secret or the URL's token")
		}
	}
	if backend != "sqlite" {
		return
	}
	key := strings.TrimPrefix(secret, "whsec_")
	for _, f := range []string{"steward.db", "steward.db-wal"} {
		b, err := os.ReadFile(filepath.Join(data, f))
		if err != nil {
			continue
		}
		if bytes.Contains(b, []byte(token)) || bytes.Contains(b, []byte(key)) {
			t.Errorf("%s holds the URL's token or the secret in clear", f)
		}
	}
}

// clientOutbox drives the outbox routes through the Go client.
func clientOutbox(ctx context.Context, t *testing.T, admin *client.Client) {
	rcv := newHookReceiver(t)
	sub := got(admin.PutWebhook(ctx, client.NewWebhook{URL: rcv.srv.URL + "/hooks", Types: []string{"consent.changed"}})).must(t)
	if !sub.Created || !strings.HasPrefix(sub.Secret, "whsec_") || sub.Status != "active" {
		t.Fatalf("PutWebhook: %+v", sub)
	}
	if ws := got(admin.ListWebhooks(ctx)).must(t); len(ws) != 1 || ws[0].ID != sub.ID {
		t.Fatalf("ListWebhooks: %+v", ws)
	}
	if ds := got(admin.ListWebhookDeliveries(ctx, sub.ID, 10)).must(t); len(ds) != 0 {
		t.Fatalf("deliveries of a webhook without events: %+v", ds)
	}
	page := got(admin.ListEvents(ctx, "", 10)).must(t)
	if page.Events == nil {
		t.Fatalf("ListEvents: %+v", page)
	}
	if err := admin.DeleteWebhook(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	_, err := admin.ListWebhookDeliveries(ctx, sub.ID, 0)
	wantCode(t, err, client.ENOTFOUND)
}
