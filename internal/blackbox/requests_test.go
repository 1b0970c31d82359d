package blackbox

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

// requestsServer starts steward with erasure needing a staff approval,
// codes printed to the terminal (--dev-mail) and a fast runner, and
// returns it with an application key, a staff key and a subject with an
// email address on file.
func requestsServer(t *testing.T, b testdb.Backend) (s *server, app, staff, sub string) {
	s = start(t, b, "--requests-approval", "erasure", "--dev-mail", "--job-interval", "1s", "--job-lease", "3s")
	app = s.appKey("records:read", "records:write", "consents:read", "consents:write", "requests:write", "requests:verify")
	staff = s.appKey("requests:manage")
	sub = s.subject(app, map[string]any{"external_id": "person-canary-ext", "email": "canary.person@example.com"})
	return s, app, staff, sub
}

// waitStatus polls a request until it has status.
func (s *server) waitStatus(t *testing.T, key, id, status string) map[string]any {
	t.Helper()
	var last map[string]any
	waitFor(t, 20*time.Second, func() bool {
		r := s.do("GET", "/v1/requests/"+id, key, nil)
		expect(t, r, 200)
		last = r.JSON(t)
		return last["status"] == status
	})
	return last
}

var codeLine = regexp.MustCompile(`(?m)^\s+(\d{6})\s*$`)

// codes returns the codes steward printed with --dev-mail so far.
func (s *server) codes() []string {
	var out []string
	for _, m := range codeLine.FindAllStringSubmatch(s.stderr.String(), -1) {
		out = append(out, m[1])
	}
	return out
}

// codeAfter waits for the code printed after the first seen ones (the
// terminal's output reaches the test asynchronously).
func (s *server) codeAfter(t *testing.T, seen int) string {
	t.Helper()
	var c []string
	waitFor(t, 5*time.Second, func() bool {
		c = s.codes()
		return len(c) > seen
	})
	return c[seen]
}

// TestRequestsLifecycle: an application-verified consent withdrawal runs by
// itself and leaves a completion record whose signature verifies with the
// audit public key; an erasure waits for approval (staff only); extension
// and denial follow the rules; a request of an unknown subject, an unknown
// type or another type's details is 4xx problem+json and stores nothing;
// no email, external id or reason appears in the logs or the audit log.
func TestRequestsLifecycle(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s, app, staff, sub := requestsServer(t, b)
		r := s.do("POST", "/v1/requests", app, map[string]any{"type": "consent_withdrawal", "subject": map[string]any{"id": sub},
			"verified_by": "application"})
		expect(t, r, 201)
		cw := r.JSON(t)
		if cw["status"] != "verified" || cw["deadline"] == "" || cw["next"] == "" {
			t.Fatalf("created: %s", r.Body)
		}
		done := s.waitStatus(t, app, cw["id"].(string), "completed")
		if !strings.Contains(string(mustJSON(t, done["result"])), "essential.service.generation") || done["evidence"] != true {
			t.Fatalf("completed: %v", done)
		}
		ev := s.do("GET", "/v1/requests/"+cw["id"].(string)+"/evidence", staff, nil)
		expect(t, ev, 200)
		verifyEvidence(t, s, ev.JSON(t))
		expect(t, s.do("GET", "/v1/requests/"+cw["id"].(string)+"/evidence", app, nil), 403)

		// An erasure waits for a staff approval.
		r = s.do("POST", "/v1/requests", app, map[string]any{"type": "erasure", "subject": map[string]any{"external_id": "person-canary-ext"},
			"verified_by": "application"})
		expect(t, r, 201)
		er := r.JSON(t)["id"].(string)
		if st := r.JSON(t)["status"]; st != "awaiting_approval" {
			t.Fatalf("erasure status %v", st)
		}
		expect(t, s.do("POST", "/v1/requests/"+er+"/approve", app, nil), 403)
		r = s.do("POST", "/v1/requests/"+er+"/approve", staff, nil)
		expect(t, r, 200)
		if st := r.JSON(t)["status"]; st != "in_progress" {
			t.Fatalf("approved: %v", st)
		}
		expect(t, s.do("POST", "/v1/requests/"+er+"/approve", staff, nil), 409)
		expect(t, s.do("POST", "/v1/requests/"+er+"/extend", staff, map[string]any{"reason": ""}), 400)
		far := time.Now().AddDate(0, 6, 0).UTC().Format(time.RFC3339)
		expect(t, s.do("POST", "/v1/requests/"+er+"/extend", staff, map[string]any{"reason": "canary-reason many processors", "until": far}), 400)
		r = s.do("POST", "/v1/requests/"+er+"/extend", staff, map[string]any{"reason": "canary-reason many processors"})
		expect(t, r, 200)
		if r.JSON(t)["extended"] != true {
			t.Fatalf("extended: %s", r.Body)
		}
		expect(t, s.do("POST", "/v1/requests/"+er+"/extend", staff, map[string]any{"reason": "again"}), 409)
		expect(t, s.do("POST", "/v1/requests/"+er+"/deny", staff, map[string]any{}), 400)
		r = s.do("POST", "/v1/requests/"+er+"/deny", staff, map[string]any{"reason": "canary-reason a court order"})
		expect(t, r, 200)
		if j := r.JSON(t); j["status"] != "denied" || j["reason"] != "canary-reason a court order" {
			t.Fatalf("denied: %s", r.Body)
		}
		expect(t, s.do("POST", "/v1/requests/"+er+"/deny", staff, map[string]any{"reason": "again"}), 409)
		r = s.do("GET", "/v1/requests/"+er, staff, nil)
		expect(t, r, 200)
		if h, _ := r.JSON(t)["history"].([]any); len(h) != 6 { // received, verified, awaiting, in progress, extended, denied
			t.Fatalf("history: %s", r.Body)
		}

		// Bad input changes nothing.
		before := countRequests(t, s, staff)
		for name, c := range map[string]struct {
			key    string
			body   any
			status int
		}{
			"unknown type":       {app, map[string]any{"type": "forget-me", "subject": map[string]any{"id": sub}}, 400},
			"unknown subject":    {app, map[string]any{"type": "access", "subject": map[string]any{"email": "nobody-canary@example.com"}}, 404},
			"details of another": {app, map[string]any{"type": "access", "subject": map[string]any{"id": sub}, "details": map[string]any{"purposes": []string{}}}, 400},
			"unknown field":      {app, map[string]any{"type": "access", "subject": map[string]any{"id": sub}, "email": "x"}, 400},
			"vouching w/o scope": {s.appKey("requests:write"), map[string]any{"type": "access", "subject": map[string]any{"id": sub}, "verified_by": "application"}, 403},
			"no scope":           {staff, map[string]any{"type": "access", "subject": map[string]any{"id": sub}}, 403},
		} {
			r := s.do("POST", "/v1/requests", c.key, c.body)
			if r.Status != c.status {
				t.Errorf("%s: %d, want %d: %s", name, r.Status, c.status, r.Body)
				continue
			}
			expect(t, r, c.status)
			if strings.Contains(string(r.Body), "nobody-canary") {
				t.Errorf("%s: the error echoes the value: %s", name, r.Body)
			}
		}
		expect(t, s.do("GET", "/v1/requests?status=lost", staff, nil), 400)
		expect(t, s.do("GET", "/v1/requests?overdue=maybe", staff, nil), 400)
		expect(t, s.do("GET", "/v1/requests/req_unknown", staff, nil), 404)
		if after := countRequests(t, s, staff); after != before {
			t.Fatalf("refused requests were stored: %d then %d", before, after)
		}
		r = s.do("GET", "/v1/requests?type=erasure&status=denied", staff, nil)
		expect(t, r, 200)
		if l, _ := r.JSON(t)["requests"].([]any); len(l) != 1 {
			t.Fatalf("filtered list: %s", r.Body)
		}
		m := s.do("GET", "/metrics", "", nil)
		if !strings.Contains(string(m.Body), "steward_requests_open") || !strings.Contains(string(m.Body), "steward_requests_overdue") {
			t.Fatal("the request gauges are missing")
		}
		audit := s.do("GET", "/v1/audit?limit=1000", s.Key, nil)
		expect(t, audit, 200)
		for _, out := range []string{s.stderr.String(), string(audit.Body)} {
			for _, canary := range []string{"canary.person@example.com", "person-canary-ext", "canary-reason", "nobody-canary"} {
				if strings.Contains(out, canary) {
					t.Fatalf("%q appears in the logs or the audit log", canary)
				}
			}
		}
	})
}

// TestRequestsCodeVerification: an unverified request mails a code to the
// address on file (printed with --dev-mail); five wrong codes lock it, so
// that even the right code then fails, until a new code is asked for; the
// new code verifies it; another request's code fails; a code for a
// verified request is refused; the public routes need no key.
func TestRequestsCodeVerification(t *testing.T) {
	s, app, staff, sub := requestsServer(t, testdb.Backends()[0])
	r := s.do("POST", "/v1/requests", app, map[string]any{"type": "access", "subject": map[string]any{"id": sub}})
	expect(t, r, 201)
	id := r.JSON(t)["id"].(string)
	if st := r.JSON(t)["status"]; st != "unverified" {
		t.Fatalf("status %v", st)
	}
	code := s.codeAfter(t, 0)
	r = s.do("POST", "/v1/requests", app, map[string]any{"type": "portability", "subject": map[string]any{"id": sub}})
	expect(t, r, 201)
	other := s.codeAfter(t, 1)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if other != code { // another request's code fails, and uses an attempt
		expect(t, s.do("POST", "/v1/requests/"+id+"/verify", "", map[string]any{"code": other}), 400)
	} else {
		expect(t, s.do("POST", "/v1/requests/"+id+"/verify", "", map[string]any{"code": wrong}), 400)
	}
	for i := 0; i < 4; i++ {
		expect(t, s.do("POST", "/v1/requests/"+id+"/verify", "", map[string]any{"code": wrong}), 400)
	}
	expect(t, s.do("POST", "/v1/requests/"+id+"/verify", "", map[string]any{"code": code}), 409)
	expect(t, s.do("POST", "/v1/requests/"+id+"/code", "", nil), 202)
	fresh := s.codeAfter(t, 2)
	r = s.do("POST", "/v1/requests/"+id+"/verify", "", map[string]any{"code": fresh})
	expect(t, r, 200)
	if st := r.JSON(t)["status"]; st != "verified" {
		t.Fatalf("verified: %s", r.Body)
	}
	expect(t, s.do("POST", "/v1/requests/"+id+"/verify", "", map[string]any{"code": fresh}), 409)
	got := s.do("GET", "/v1/requests/"+id, staff, nil)
	expect(t, got, 200)
	if got.JSON(t)["verified_by"] != "email_code" {
		t.Fatalf("after verification: %s", got.Body)
	}
	expect(t, s.do("POST", "/v1/requests/req_unknown/verify", "", map[string]any{"code": "123456"}), 404)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func countRequests(t *testing.T, s *server, key string) int {
	t.Helper()
	r := s.do("GET", "/v1/requests", key, nil)
	expect(t, r, 200)
	l, _ := r.JSON(t)["requests"].([]any)
	return len(l)
}

// verifyEvidence checks a signed completion record with the audit log's
// published key.
func verifyEvidence(t *testing.T, s *server, ev map[string]any) {
	t.Helper()
	keys := s.do("GET", "/v1/audit/public-key", "", nil)
	expect(t, keys, 200)
	rec, _ := base64.StdEncoding.DecodeString(ev["record"].(string))
	sig, _ := base64.StdEncoding.DecodeString(ev["signature"].(string))
	for _, k := range keys.JSON(t)["keys"].([]any) {
		km := k.(map[string]any)
		if km["id"] == ev["key_id"] {
			pub, _ := base64.StdEncoding.DecodeString(km["ed25519"].(string))
			if !ed25519.Verify(pub, rec, sig) {
				t.Fatal("the completion record's signature does not verify")
			}
			if !strings.Contains(string(rec), `"format":"steward-request-completion/1"`) {
				t.Fatalf("record: %s", rec)
			}
			return
		}
	}
	t.Fatalf("no public key %v", ev["key_id"])
}

// clientRequests drives every rights request route through the Go client
// (for TestClientDrivesEveryRoute): a consent withdrawal vouched for by
// the application runs to completion and has evidence; an erasure is
// approved, extended and denied; an unverified access request gets a new
// code and is verified with it.
func clientRequests(ctx context.Context, t *testing.T, s *server, admin *client.Client, sub string) {
	cw := got(admin.CreateRequest(ctx, client.NewRequest{Type: client.RequestConsentWithdrawal, Subject: client.SubjectRef{ID: sub},
		VerifiedBy: "application"})).must(t)
	waitFor(t, 20*time.Second, func() bool {
		return got(admin.GetRequest(ctx, cw.ID)).must(t).Status == client.RequestCompleted
	})
	if ev := got(admin.RequestEvidence(ctx, cw.ID)).must(t); ev.Algorithm != "Ed25519" || len(ev.Signature) != ed25519.SignatureSize {
		t.Fatalf("evidence: %+v", ev)
	}
	// A legal hold keeps the person's data (released below); the erasure,
	// never verified, stays open to be extended and denied.
	hold := got(admin.CreateHold(ctx, client.NewHold{Subject: sub, Reason: "litigation"})).must(t)
	before := len(s.codes())
	er := got(admin.CreateRequest(ctx, client.NewRequest{Type: client.RequestErasure, Subject: client.SubjectRef{Email: "ada@example.org"},
		Details: json.RawMessage(`{}`)})).must(t)
	if er.Status != client.RequestUnverified {
		t.Fatalf("unverified erasure: %+v", er)
	}
	s.codeAfter(t, before) // its code, never used
	seen := before + 1
	un := got(admin.CreateRequest(ctx, client.NewRequest{Type: client.RequestAccess, Subject: client.SubjectRef{ID: sub}})).must(t)
	if un.Status != client.RequestUnverified {
		t.Fatalf("unverified request: %+v", un)
	}
	if err := admin.SendRequestCode(ctx, un.ID); err != nil {
		t.Fatal(err)
	}
	s.codeAfter(t, seen) // the first code, replaced by the new one
	if v := got(admin.VerifyRequest(ctx, un.ID, s.codeAfter(t, seen+1))).must(t); v.Status != client.RequestVerified {
		t.Fatalf("verified: %+v", v)
	}
	// The access request, verified, builds the package; its link downloads it.
	var done *client.RightsRequest
	for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if done = got(admin.GetRequest(ctx, un.ID)).must(t); done.Status == client.RequestCompleted {
			break
		}
		if time.Now().After(deadline) {
			log := s.stderr.String()
			t.Fatalf("the access request is %s after 40s:\n%s", done.Status, log[max(0, len(log)-2500):])
		}
	}
	var res struct {
		DownloadURL string `json:"download_url"`
	}
	if err := json.Unmarshal(done.Result, &res); err != nil {
		t.Fatal(err)
	}
	zipped := got(admin.DownloadExport(ctx, res.DownloadURL)).must(t)
	if b, err := io.ReadAll(zipped); err != nil || !bytes.HasPrefix(b, []byte("PK")) {
		t.Fatalf("export download: %v", err)
	}
	zipped.Close()
	ap := got(admin.CreateRequest(ctx, client.NewRequest{Type: client.RequestRestriction, Subject: client.SubjectRef{ID: sub}})).must(t)
	if a := got(admin.ApproveRequest(ctx, ap.ID)).must(t); a.VerifiedBy != "staff" || a.Status != client.RequestInProgress {
		t.Fatalf("approved: %+v", a)
	}
	if x := got(admin.ExtendRequest(ctx, er.ID, client.RequestReason{Reason: "many processors"})).must(t); !x.Extended {
		t.Fatalf("extended: %+v", x)
	}
	if d := got(admin.DenyRequest(ctx, er.ID, "a legal obligation to keep the invoices")).must(t); d.Status != client.RequestDenied {
		t.Fatalf("denied: %+v", d)
	}
	if l := got(admin.ListRequests(ctx, client.RequestFilter{Type: client.RequestErasure})).must(t); len(l) != 1 || l[0].ID != er.ID {
		t.Fatalf("list: %+v", l)
	}
	got(admin.ReleaseHold(ctx, hold.ID)).must(t)
}
