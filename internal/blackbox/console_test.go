package blackbox

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/internal/testdb"
)

// browser is a cookie-keeping HTTP client that does not follow redirects,
// like a person's browser seen one request at a time.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
}

func newBrowser(t testing.TB, s *server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is one console response.
type page struct {
	status   int
	location string
	header   http.Header
	body     string
}

func (b *browser) get(path string) *page {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	return readPage(b.t, resp)
}

// post sends a form; csrf is added unless the form sets it.
func (b *browser) post(path string, form url.Values) *page {
	b.t.Helper()
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	return readPage(b.t, resp)
}

func readPage(t testing.TB, resp *http.Response) *page {
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &page{status: resp.StatusCode, location: resp.Header.Get("Location"), header: resp.Header, body: string(body)}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the form token of a page.
func (p *page) csrf(t testing.TB) string {
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", p.body)
	}
	return m[1]
}

// signIn signs a staff member in through the console's form.
func (b *browser) signIn(email, password string) {
	b.t.Helper()
	p := b.get("/console/sign-in")
	r := b.post("/console/sign-in", url.Values{"csrf": {p.csrf(b.t)}, "email": {email}, "password": {password}})
	if r.status != http.StatusSeeOther || r.location != "/console/" {
		b.t.Fatalf("sign-in: %d %s\n%s", r.status, r.location, r.body)
	}
}

// TestConsoleSecurity: every page carries the CSP; without a session a
// page redirects to sign-in; every form refuses a missing or wrong CSRF
// token; a privacy officer signs in, finds a person by email (never in the
// URL), sees values masked, and reveals them with a justification, which
// the audit log records.
func TestConsoleSecurity(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	app := s.appKey("records:write", "records:read")
	sub := s.subject(app, map[string]any{"external_id": "console-1", "email": "console.person@example.org"})
	expect(t, s.do("PUT", "/v1/subjects/"+sub+"/data/user.contact.email", app, map[string]any{"value": "console.person@example.org"}), 204)
	const email, pass = "officer@example.org", "a long passphrase for the console"
	expect(t, s.do("POST", "/v1/staff", s.Key, map[string]any{"email": email, "password": pass, "role": "privacy_officer"}), 201)

	b := newBrowser(t, s)
	for _, path := range []string{"/console/", "/console/people", "/console/audit", "/console/keys", "/console/nowhere"} {
		if p := b.get(path); p.status != http.StatusSeeOther || p.location != "/console/sign-in" {
			t.Fatalf("%s without a session: %d %q", path, p.status, p.location)
		}
	}
	p := b.get("/console/sign-in")
	csp := p.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP: %q", csp)
	}
	if r := b.post("/console/sign-in", url.Values{"email": {email}, "password": {pass}}); r.status != http.StatusForbidden {
		t.Fatalf("sign-in without CSRF: %d", r.status)
	}
	b.signIn(email, pass)
	dash := b.get("/console/")
	if dash.status != 200 || !strings.Contains(dash.body, "Audit chain") || dash.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("dashboard: %d\n%s", dash.status, dash.body)
	}
	token := dash.csrf(t)
	for _, form := range []string{"/console/people", "/console/keys", "/console/staff", "/console/audit", "/console/people/" + sub, "/console/sign-out"} {
		for _, bad := range []url.Values{{}, {"csrf": {"forged-" + token}}} {
			if r := b.post(form, bad); r.status != http.StatusForbidden {
				t.Fatalf("POST %s with CSRF %v: %d", form, bad, r.status)
			}
		}
	}
	// Find by email: the address is in the form body; the redirect names the
	// person by id only.
	r := b.post("/console/people", url.Values{"csrf": {token}, "kind": {"email"}, "value": {"console.person@example.org"}})
	if r.status != http.StatusSeeOther || r.location != "/console/people/"+sub {
		t.Fatalf("find: %d %q", r.status, r.location)
	}
	person := b.get(r.location)
	if person.status != 200 || strings.Contains(person.body, "console.person@example.org") || !strings.Contains(person.body, "(masked)") {
		t.Fatalf("person page without a justification shows the value or nothing:\n%s", person.body)
	}
	revealed := b.post("/console/people/"+sub, url.Values{"csrf": {token}, "purpose": {"essential.service"}, "justification": {"security-investigation"}})
	if revealed.status != 200 || !strings.Contains(revealed.body, "console.person@example.org") {
		t.Fatalf("reveal:\n%s", revealed.body)
	}
	reads := s.actionEvents(s.appKey("audit:read"), "record.read")
	found := false
	for _, e := range reads {
		if strings.HasPrefix(e.Actor, "staff:") {
			found = true
		}
	}
	if !found {
		t.Fatalf("the reveal is not audited as a staff read: %+v", reads)
	}
	// Incidents: declared through the form, the people affected derived by
	// steward, the regulator notice rendered on the page.
	r = b.post("/console/incidents", url.Values{"csrf": {token}, "aware_at": {"2026-12-01T09:00"}, "summary": {"a backup disk was lost"},
		"categories": {"user.contact.email"}, "risk": {"high"}, "consequences": {"phishing"}, "measures": {"disk was encrypted"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/console/incidents/inc_") {
		t.Fatalf("declare an incident: %d %q\n%s", r.status, r.location, r.body)
	}
	inc := b.get(r.location)
	if inc.status != 200 || !strings.Contains(inc.body, "1 people and 1 records affected") || !strings.Contains(inc.body, "a backup disk was lost") {
		t.Fatalf("incident page:\n%s", inc.body)
	}
	if r := b.post("/console/incidents", url.Values{"summary": {"x"}}); r.status != http.StatusForbidden {
		t.Fatalf("incident form without CSRF: %d", r.status)
	}
	// Sign out ends the session.
	if r := b.post("/console/sign-out", url.Values{"csrf": {token}}); r.status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", r.status)
	}
	if p := b.get("/console/"); p.status != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", p.status)
	}
}

// TestConsoleRequestsAndGrants: the request queue lists a request with its
// deadline; its page shows the history; a privacy officer approves it,
// a denial without a reason is refused with the service's message and an
// extension with one is recorded; break-glass from a person's page: a
// support agent's read under a justification that needs approval stays
// masked, the agent asks, a privacy officer approves on the grants page,
// and the agent's read under the grant shows the value. Every form
// refuses a missing CSRF token.
func TestConsoleRequestsAndGrants(t *testing.T) {
	s := start(t, testdb.Backends()[0], "--requests-approval", "restriction")
	app := s.appKey("records:write", "records:read", "requests:write", "requests:verify")
	sub := s.subject(app, map[string]any{"external_id": "console-2"})
	expect(t, s.do("PUT", "/v1/subjects/"+sub+"/data/user.contact.email", app, map[string]any{"value": "hedy@example.org"}), 204)
	r := s.do("POST", "/v1/requests", app, map[string]any{"type": "restriction", "subject": map[string]any{"id": sub}, "verified_by": "application"})
	expect(t, r, 201)
	req := r.JSON(t)["id"].(string)
	const pass = "a long passphrase for the console"
	for _, st := range []struct{ email, role string }{{"officer@example.org", "privacy_officer"}, {"agent@example.org", "support"}} {
		expect(t, s.do("POST", "/v1/staff", s.Key, map[string]any{"email": st.email, "password": pass, "role": st.role}), 201)
	}
	officer, agent := newBrowser(t, s), newBrowser(t, s)
	officer.signIn("officer@example.org", pass)
	agent.signIn("agent@example.org", pass)

	if dash := officer.get("/console/"); !strings.Contains(dash.body, "1 open") || !strings.Contains(dash.body, req) ||
		!strings.Contains(dash.body, "days left") {
		t.Fatalf("dashboard without the open request:\n%s", dash.body)
	}
	queue := officer.get("/console/requests?status=awaiting_approval")
	if queue.status != 200 || !strings.Contains(queue.body, req) || !strings.Contains(queue.body, "days left") {
		t.Fatalf("request queue:\n%s", queue.body)
	}
	rp := officer.get("/console/requests/" + req)
	token := rp.csrf(t)
	if rp.status != 200 || !strings.Contains(rp.body, "awaiting_approval") || !strings.Contains(rp.body, "History") {
		t.Fatalf("request page:\n%s", rp.body)
	}
	for _, action := range []string{"approve", "deny", "extend"} {
		if p := officer.post("/console/requests/"+req+"/"+action, url.Values{}); p.status != http.StatusForbidden {
			t.Fatalf("%s without CSRF: %d", action, p.status)
		}
	}
	if p := officer.post("/console/requests/"+req+"/deny", url.Values{"csrf": {token}}); p.status != http.StatusBadRequest ||
		!strings.Contains(p.body, "(invalid)") {
		t.Fatalf("deny without a reason: %d\n%s", p.status, p.body)
	}
	if p := officer.post("/console/requests/"+req+"/extend", url.Values{"csrf": {token}, "reason": {"many processors to reach"}}); p.status != 200 ||
		!strings.Contains(p.body, "Deadline extended") || !strings.Contains(p.body, "many processors to reach") {
		t.Fatalf("extend: %d\n%s", p.status, p.body)
	}
	if p := officer.post("/console/requests/"+req+"/approve", url.Values{"csrf": {token}}); p.status != 200 || !strings.Contains(p.body, "Approved") {
		t.Fatalf("approve: %d\n%s", p.status, p.body)
	}
	// The person's page lists their requests and the holds on them.
	hold := s.do("POST", "/v1/holds", s.appKey("holds:manage"), map[string]any{"subject": sub, "reason": "litigation 7"})
	expect(t, hold, 201)
	f := s.upload(s.appKey("files:write"), sub, "user.content.product_image", false, []byte("a photo"))
	if p := officer.get("/console/people/" + sub); !strings.Contains(p.body, req) || !strings.Contains(p.body, "litigation 7") ||
		!strings.Contains(p.body, f["id"].(string)) {
		t.Fatalf("person page without the request, the hold or the file:\n%s", p.body)
	}

	// Break-glass.
	read := func(b *browser, extra url.Values) *page {
		t.Helper()
		tok := b.get("/console/people/" + sub).csrf(t)
		form := url.Values{"csrf": {tok}, "purpose": {"essential.service"}, "justification": {"legal-obligation"}}
		for k, v := range extra {
			form[k] = v
		}
		return b.post("/console/people/"+sub, form)
	}
	if p := read(agent, nil); strings.Contains(p.body, "hedy@example.org") || !strings.Contains(p.body, "approval_required") {
		t.Fatalf("a read needing approval without a grant:\n%s", p.body)
	}
	tok := agent.get("/console/people/" + sub).csrf(t)
	asked := agent.post("/console/grants", url.Values{"csrf": {tok}, "subject": {sub}, "justification": {"legal-obligation"},
		"note": {"court order 42"}, "minutes": {"30"}})
	if asked.status != http.StatusCreated || !strings.Contains(asked.body, "Asked for access") {
		t.Fatalf("ask: %d\n%s", asked.status, asked.body)
	}
	grant := regexp.MustCompile(`grant_[a-z2-7]{26}`).FindString(asked.body)
	waiting := officer.get("/console/grants")
	if !strings.Contains(waiting.body, grant) || !strings.Contains(waiting.body, "court order 42") {
		t.Fatalf("grants page of the officer (with the note, as audit:read):\n%s", waiting.body)
	}
	if p := agent.post("/console/grants/"+grant+"/approve", url.Values{"csrf": {tok}}); p.status != http.StatusForbidden {
		t.Fatalf("the requester approving: %d", p.status)
	}
	if p := officer.post("/console/grants/"+grant+"/approve", url.Values{"csrf": {waiting.csrf(t)}}); p.status != 200 || !strings.Contains(p.body, "Approved") {
		t.Fatalf("approve the grant: %d\n%s", p.status, p.body)
	}
	if p := read(agent, url.Values{"grant": {grant}}); !strings.Contains(p.body, "hedy@example.org") {
		t.Fatalf("the agent's read under the approved grant:\n%s", p.body)
	}
}
