package blackbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

// result is what a client call returned; got(c.Call(...)).must(t) fails
// the test on an error and returns the value.
type result[T any] struct {
	v   T
	err error
}

func got[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) must(t testing.TB) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

// wantCode fails unless err is a *client.Error with the code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if !client.IsCode(err, code) {
		t.Fatalf("error = %v; want %s", err, code)
	}
}

// routeLog records which client routes answered with success.
type routeLog struct {
	mu   sync.Mutex
	done map[string]bool // "METHOD /path/{template}"
	// requests holds the request ids of each route's successful calls.
	requests map[string][]string
}

// RoundTrip records the route of every successful response.
func (l *routeLog) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && resp.StatusCode < 300 {
		if rt, ok := matchRoute(r.Method, r.URL.EscapedPath()); ok {
			l.mu.Lock()
			l.done[rt] = true
			if l.requests == nil {
				l.requests = map[string][]string{}
			}
			l.requests[rt] = append(l.requests[rt], resp.Header.Get("X-Request-Id"))
			l.mu.Unlock()
		}
	}
	return resp, err
}

// matchRoute finds the client route a request path belongs to: the
// template that matches with the most literal segments.
func matchRoute(method, path string) (string, bool) {
	got := strings.Split(path, "/")
	best, bestLiterals := "", -1
	for _, r := range client.Routes() {
		want := strings.Split(r.Path, "/")
		if r.Method != method || len(want) != len(got) {
			continue
		}
		literals := 0
		for i, s := range want {
			switch {
			case strings.HasPrefix(s, "{"):
			case s == got[i]:
				literals++
			default:
				literals = -1
			}
			if literals < 0 {
				break
			}
		}
		if literals > bestLiterals {
			best, bestLiterals = r.Method+" "+r.Path, literals
		}
	}
	return best, best != ""
}

// newClient returns a client of s with the key (none for "") whose
// successful calls are recorded in log.
func newClient(t testing.TB, s *server, log *routeLog, key string) *client.Client {
	opts := []client.Option{client.WithHTTPClient(&http.Client{Transport: log}), client.WithUserAgent("blackbox")}
	if key != "" {
		opts = append(opts, client.WithAPIKey(key))
	}
	c, err := client.New(s.URL, opts...)
	return got(c, err).must(t)
}

// TestClientDrivesEveryRoute walks the README through the Go client against
// the real binary, calling every route of the API successfully at least
// once, and checks the answers.
func TestClientDrivesEveryRoute(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		// Webhooks to a loopback receiver; request codes on the terminal, a
		// fast request runner.
		s := start(t, b, "--webhook-allow-private", "--dev-mail", "--job-interval", "1s")
		log := &routeLog{done: map[string]bool{}}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		admin := newClient(t, s, log, s.Key)

		clientSystem(ctx, t, admin)
		app := newClient(t, s, log, clientKeys(ctx, t, s, log, admin))
		clientStaff(ctx, t, s, log, admin)
		sub := clientRecords(ctx, t, app)
		clientFiles(ctx, t, app, sub)
		clientSecretsAndPII(ctx, t, s, log, admin)
		clientConsents(ctx, t, admin, sub)
		clientOutbox(ctx, t, admin)
		clientOps(ctx, t, admin, sub)
		clientIncidents(ctx, t, admin, sub)
		clientPolicy(ctx, t, admin, newClient(t, s, log, ""))
		shareAuditor := clientDisclosures(ctx, t, b, log)
		clientRequests(ctx, t, s, admin, sub)
		clientDisclosures(ctx, t, b, log)
		clientCascade(ctx, t, b, log)
		clientSubjectState(ctx, t, s, log, admin, app, sub)
		clientBreakGlass(ctx, t, s, log, admin, app, sub)
		trainAuditor := clientTraining(ctx, t, b, log)
		ev := got(app.EraseSubject(ctx, sub)).must(t)
		if !ev.DataKeyDestroyed || ev.SubjectID != sub {
			t.Fatalf("erasure evidence: %+v", ev)
		}
		_, err := app.GetSubject(ctx, sub)
		wantCode(t, err, client.ENOTFOUND)

		for _, r := range client.Routes() {
			if !log.done[r.Method+" "+r.Path] {
				t.Errorf("%s (%s %s) was never called successfully", r.Name, r.Method, r.Path)
			}
		}
		checkEveryActionAudited(ctx, t, log, admin, shareAuditor, trainAuditor)
	})
}

// unaudited lists the routes that change state or serve personal data but
// rightly leave no event of their own, each with the reason.
var unaudited = map[string]string{
	// Driven on clientCascade's own server (audited there: the cascade
	// tests check task.confirm).
	"POST /v1/tasks/{id}/confirm": "driven on another server",
	// Driven on clientCascade's own server, whose chain this check does not
	// read; their audit events (processor.endpoint_set/_delete) are checked
	// by the cascade tests.
	"PUT /v1/processors/{key}/endpoint":    "driven on another server",
	"DELETE /v1/processors/{key}/endpoint": "driven on another server",
	// A subject's chosen retention periods: codes and durations only.
	"GET /v1/subjects/{id}/retention": "lists retention choices (category keys and durations), no personal value",
}

// mustAudit reports whether a successful call of a route must leave an
// audit event: every state change, and every read of personal data or of
// the audit log.
func mustAudit(method, path string) bool {
	if method != "GET" {
		return true
	}
	if path == "/v1/audit/public-key" { // public keys, published on purpose
		return false
	}
	for _, p := range []string{"/v1/subjects", "/v1/files/", "/v1/secrets/", "/v1/downloads/", "/v1/consents/", "/v1/audit"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// checkEveryActionAudited fails for each route that must be audited (see
// mustAudit) none of whose successful calls left an event with its request
// id in the chains the auditors read.
func checkEveryActionAudited(ctx context.Context, t *testing.T, log *routeLog, auditors ...*client.Client) {
	t.Helper()
	var missing []string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		seen := map[string]bool{}
		for _, auditor := range auditors {
			for line, err := range auditor.ExportAudit(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				var e struct {
					RequestID string `json:"request_id"`
				}
				if line.Decode(&e) == nil && e.RequestID != "" {
					seen[e.RequestID] = true
				}
			}
		}
		missing = missing[:0]
		log.mu.Lock()
		for _, r := range client.Routes() {
			key := r.Method + " " + r.Path
			if _, ok := unaudited[key]; ok || !mustAudit(r.Method, r.Path) || !log.done[key] {
				continue
			}
			if !slices.ContainsFunc(log.requests[key], func(id string) bool { return seen[id] }) {
				missing = append(missing, key)
			}
		}
		log.mu.Unlock()
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, m := range missing {
		t.Errorf("%s changed state or served personal data and left no audit event", m)
	}
}

func clientSystem(ctx context.Context, t *testing.T, admin *client.Client) {
	if st := got(admin.Health(ctx)).must(t); st.Status != "ok" {
		t.Fatalf("health: %+v", st)
	}
	if st := got(admin.Ready(ctx)).must(t); st.Status != "ready" {
		t.Fatalf("ready: %+v", st)
	}
	if m := got(admin.Metrics(ctx)).must(t); !bytes.Contains(m, []byte("steward_http_requests_total")) {
		t.Fatal("metrics lack the request counter")
	}
	if !json.Valid(got(admin.OpenAPI(ctx)).must(t)) {
		t.Fatal("the OpenAPI document is not JSON")
	}
	if who := got(admin.WhoAmI(ctx)).must(t); who.Kind != "api_key" || !slices.Contains(who.Scopes, "admin") {
		t.Fatalf("whoami: %+v", who)
	}
}

// clientKeys creates, lists and revokes keys and a tenant, and returns the
// secret of an application key for the vault and audit routes.
func clientKeys(ctx context.Context, t *testing.T, s *server, log *routeLog, admin *client.Client) string {
	app := got(admin.CreateAPIKey(ctx, client.NewAPIKey{Name: "app backend",
		Scopes: []string{"records:read", "records:write", "files:read", "files:write"}})).must(t)
	if !strings.HasPrefix(app.Secret, "stw_") || app.ID == "" || app.CreatedAt.IsZero() {
		t.Fatalf("created key: %+v", app.APIKey)
	}
	temp := got(admin.CreateAPIKey(ctx, client.NewAPIKey{Name: "temp", Scopes: []string{"records:read"}})).must(t)
	keys := got(admin.ListAPIKeys(ctx)).must(t)
	if !slices.ContainsFunc(keys, func(k client.APIKey) bool { return k.ID == app.ID }) {
		t.Fatalf("key list lacks the new key: %+v", keys)
	}
	if err := admin.RevokeAPIKey(ctx, temp.ID); err != nil {
		t.Fatal(err)
	}
	_, err := newClient(t, s, log, temp.Secret).WhoAmI(ctx)
	wantCode(t, err, client.EUNAUTHORIZED)
	_, err = admin.CreateAPIKey(ctx, client.NewAPIKey{Name: "x", Scopes: []string{"root"}})
	var e *client.Error
	if !client.IsCode(err, client.EINVALID) || !errors.As(err, &e) || len(e.Fields) == 0 || e.RequestID == "" {
		t.Fatalf("bad scope: %#v", err)
	}

	ten := got(admin.CreateTenant(ctx, client.NewTenant{Name: "Customer A", HomeRegion: "us"})).must(t)
	if ten.Tenant == nil || ten.Tenant.HomeRegion != "us" || ten.Tenant.Slug != "customer-a" || !strings.HasPrefix(ten.AdminKey.Secret, "stw_") {
		t.Fatalf("created tenant: %+v", ten)
	}
	if x := got(admin.SetTenantSlug(ctx, ten.Tenant.ID, "customer-a-studio")).must(t); x.Slug != "customer-a-studio" {
		t.Fatalf("slug: %+v", x)
	}
	_, err = admin.SetTenantSlug(ctx, ten.Tenant.ID, "Not A Slug")
	wantCode(t, err, client.EINVALID)
	return app.Secret
}

// clientStaff signs a staff member in through a session, enrols TOTP and
// uses the session.
func clientStaff(ctx context.Context, t *testing.T, s *server, log *routeLog, admin *client.Client) {
	const email, pass = "dpo@example.org", "a long passphrase for the client"
	st := got(admin.CreateStaff(ctx, client.NewStaff{Email: email, Password: pass, Role: "privacy_officer"})).must(t)
	tenant := got(admin.WhoAmI(ctx)).must(t).TenantID
	console := newClient(t, s, log, "")
	if in := got(console.Login(ctx, client.Login{TenantID: tenant, Email: email, Password: pass})).must(t); in.ID != st.ID {
		t.Fatalf("signed in as %+v; want %s", in, st.ID)
	}
	en := got(console.EnrollTOTP(ctx)).must(t)
	code, err := totp.GenerateCode(en.Secret, time.Now())
	if err := console.ConfirmTOTP(ctx, got(code, err).must(t)); err != nil {
		t.Fatal(err)
	}
	staff := got(console.ListStaff(ctx)).must(t)
	if !slices.ContainsFunc(staff, func(x client.Staff) bool { return x.ID == st.ID && x.TOTPEnabled }) {
		t.Fatalf("staff list through the session: %+v", staff)
	}
	if err := console.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = console.ListStaff(ctx)
	wantCode(t, err, client.EUNAUTHORIZED)
}

// clientRecords stores and reads records and returns the subject's id.
func clientRecords(ctx context.Context, t *testing.T, app *client.Client) string {
	sub := got(app.CreateSubject(ctx, client.NewSubject{ExternalID: "user-42", Email: "ada@example.org"})).must(t)
	if found := got(app.FindSubject(ctx, client.SubjectLookup{Email: "ada@example.org"})).must(t); found.ID != sub.ID {
		t.Fatalf("found %+v; want %s", found, sub.ID)
	}
	if one := got(app.GetSubject(ctx, sub.ID)).must(t); one.ID != sub.ID || one.Region == "" {
		t.Fatalf("subject: %+v", one)
	}
	const cat, prompt = "user.content.prompt", "a red sneaker on a beach"
	if err := app.PutRecord(ctx, sub.ID, cat, prompt); err != nil {
		t.Fatal(err)
	}
	var read string
	if err := got(app.GetRecord(ctx, sub.ID, cat, client.Access{Purpose: "essential.service"})).must(t).Decode(&read); err != nil || read != prompt {
		t.Fatalf("record = %q, %v", read, err)
	}
	_, err := app.GetRecord(ctx, sub.ID, cat, client.Access{Purpose: "train_ai_system"})
	var e *client.Error
	if !client.IsCode(err, client.EFORBIDDEN) || !errors.As(err, &e) || len(e.Reasons) == 0 {
		t.Fatalf("a prohibited purpose: %#v", err)
	}
	if all := got(app.GetRecords(ctx, sub.ID, client.Access{Purpose: "essential.service"})).must(t); len(all) != 1 || all[0].Category != cat {
		t.Fatalf("records: %+v", all)
	}
	if err := app.PutRecord(ctx, sub.ID, "user.contact.email", "ada@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := app.DeleteRecord(ctx, sub.ID, "user.contact.email"); err != nil {
		t.Fatal(err)
	}
	_, err = app.GetRecord(ctx, sub.ID, "user.contact.email", client.Access{Purpose: "essential.service"})
	wantCode(t, err, client.ENOTFOUND)
	return sub.ID
}

// clientFiles streams a file up and down.
func clientFiles(ctx context.Context, t *testing.T, app *client.Client, sub string) {
	const size = 3<<20 + 17
	up := sha256.New()
	body := io.TeeReader(io.LimitReader(rand.Reader, size), up) // a plain reader: streamed, length unknown
	f := got(app.UploadFile(ctx, sub, client.Upload{Category: "user.content.product_image"}, body)).must(t)
	if f.Size != size || f.SHA256 != fmt.Sprintf("%x", up.Sum(nil)) {
		t.Fatalf("uploaded %+v", f)
	}
	d := got(app.DownloadFile(ctx, f.ID, client.Access{Purpose: "essential.service"})).must(t)
	down := sha256.New()
	n, err := io.Copy(down, d)
	d.Close()
	if err != nil || n != size || d.Size != size || !bytes.Equal(down.Sum(nil), up.Sum(nil)) {
		t.Fatalf("downloaded %d bytes (Size %d), %v", n, d.Size, err)
	}
	if err := app.DeleteFile(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	_, err = app.DownloadFile(ctx, f.ID, client.Access{Purpose: "essential.service"})
	wantCode(t, err, client.ENOTFOUND)
}

func clientSecretsAndPII(ctx context.Context, t *testing.T, s *server, log *routeLog, admin *client.Client) {
	key := got(admin.CreateAPIKey(ctx, client.NewAPIKey{Name: "integrations",
		Scopes: []string{"secrets:read", "secrets:write", "pii:use"}})).must(t)
	c := newClient(t, s, log, key.Secret)
	if err := c.PutSecret(ctx, "payments.token", "tok-canary-123"); err != nil {
		t.Fatal(err)
	}
	if sec := got(c.GetSecret(ctx, "payments.token")).must(t); sec.Value != "tok-canary-123" {
		t.Fatalf("secret: %+v", sec)
	}
	if names := got(c.ListSecrets(ctx)).must(t); !slices.Equal(names, []string{"payments.token"}) {
		t.Fatalf("secret names: %q", names)
	}
	if err := c.DeleteSecret(ctx, "payments.token"); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetSecret(ctx, "payments.token")
	wantCode(t, err, client.ENOTFOUND)

	text := "Mail jane@example.org about card 4111 1111 1111 1111"
	sc := got(c.ScanPII(ctx, client.Scan{Text: text, Operator: "replace"})).must(t)
	if len(sc.Entities) < 2 || sc.Text == nil || strings.Contains(*sc.Text, "jane@") {
		t.Fatalf("scan: %+v", sc)
	}
	p := got(c.Pseudonymize(ctx, client.Pseudonymize{ConversationID: "conv-1", Text: text})).must(t)
	if strings.Contains(p.Text, "jane@") || len(p.Entities) == 0 {
		t.Fatalf("pseudonymized: %+v", p)
	}
	r := got(c.Reidentify(ctx, client.Reidentify{ConversationID: "conv-1", Text: "Done. " + p.Text})).must(t)
	if r.Text != "Done. "+text || r.Restored == 0 {
		t.Fatalf("reidentified: %+v", r)
	}
}

func clientOps(ctx context.Context, t *testing.T, admin *client.Client, sub string) {
	att := got(admin.Attestation(ctx, 24*time.Hour)).must(t)
	if rep := got(att.Decode()).must(t); att.Algorithm != "Ed25519" || len(rep.Lines) < 10 || rep.Broken != 0 {
		t.Fatalf("attestation: %+v", rep)
	}
	if st := got(admin.RotateKey(ctx, client.TenantKey)).must(t); st.Kind != client.TenantKey {
		t.Fatalf("rotation started: %+v", st)
	}
	// The rotation runs in the background: its status names the new
	// version once the first step has reported.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		st := got(admin.KeyRotation(ctx, client.TenantKey)).must(t)
		if st.Kind != client.TenantKey {
			t.Fatalf("rotation status: %+v", st)
		}
		if st.Version != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rotation status after 10 s: %+v", st)
		}
	}
	got(admin.ListJobs(ctx)).must(t)

	page := got(admin.ListAudit(ctx, client.AuditFilter{Subject: sub, Limit: 1000})).must(t)
	if len(page.Events) == 0 || page.Events[0].SubjectID != sub {
		t.Fatalf("audit page: %+v", page)
	}
	rep := got(admin.VerifyAudit(ctx, client.AuditVerify{})).must(t)
	if !rep.OK || rep.Events == 0 {
		t.Fatalf("audit verify: %+v", rep)
	}
	keys := got(admin.AuditPublicKeys(ctx)).must(t)
	if keys.Algorithm != "Ed25519" || len(keys.Keys) == 0 || len(keys.Keys[0].Ed25519) != 32 {
		t.Fatalf("public keys: %+v", keys)
	}
	var types []string
	var head client.AuditExportHeader
	for line, err := range admin.ExportAudit(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if len(types) == 0 {
			if err := line.Decode(&head); err != nil {
				t.Fatal(err)
			}
		}
		types = append(types, line.Type)
	}
	if len(types) < 2 || types[0] != "header" || types[len(types)-1] != "event" || head.HeadSeq == 0 || len(head.PublicKeys) == 0 {
		t.Fatalf("export: %d lines %v..., header %+v", len(types), types[:min(3, len(types))], head)
	}
}

// clientIncidents declares a breach of the subject's category, reads it,
// its subjects and notices, notifies the regulator and asks for the
// subject notices (refused: no mail settings).
func clientIncidents(ctx context.Context, t *testing.T, admin *client.Client, sub string) {
	aware := time.Now().Add(-time.Hour)
	inc := got(admin.CreateIncident(ctx, client.NewIncident{AwareAt: &aware, Categories: []string{"user.content.prompt"},
		Risk: "high", Summary: "A backup of prompts was exposed.", Consequences: "Prompts may be read.",
		Measures: "The backup was deleted."})).must(t)
	if inc.Subjects != 1 || inc.Status != "open" {
		t.Fatalf("incident: %+v", inc)
	}
	if list := got(admin.ListIncidents(ctx, "open", 10)).must(t); !slices.ContainsFunc(list, func(i client.Incident) bool { return i.ID == inc.ID }) {
		t.Fatalf("open incidents: %+v", list)
	}
	if one := got(admin.GetIncident(ctx, inc.ID)).must(t); one.Notices == nil || one.Notices.Total != 1 {
		t.Fatalf("incident: %+v", one)
	}
	if page := got(admin.IncidentSubjects(ctx, inc.ID, "", 10)).must(t); len(page.Subjects) != 1 || page.Subjects[0].SubjectID != sub {
		t.Fatalf("affected: %+v", page)
	}
	if n := got(admin.IncidentNotice(ctx, inc.ID, "subjects", "markdown")).must(t); !strings.Contains(n.Body, "The backup was deleted.") {
		t.Fatalf("notice: %+v", n)
	}
	got(admin.SetIncidentStatus(ctx, inc.ID, client.IncidentStatus{Status: "regulator_notified"})).must(t)
	if v := got(admin.NotifyIncidentSubjects(ctx, inc.ID)).must(t); v.ID != inc.ID {
		t.Fatalf("notify subjects: %+v", v)
	}
}
