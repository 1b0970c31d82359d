package blackbox

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/internal/mailpit"
	"github.com/steward-privacy/steward/internal/testdb"
)

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// TestPrivacyCenter: a person signs in to their tenant's privacy center
// with a code mailed to them (Mailpit), sees their data, turns a consent
// on and off (an API read for that purpose follows), asks for a copy and
// downloads it; a wrong code, a form without its CSRF token and a page
// without a session are refused; one tenant's session opens nothing of
// another tenant's center, even for a person with the same address; the
// CSP is on every page.
func TestPrivacyCenter(t *testing.T) {
	mp := mailpit.FromEnv(t)
	s := start(t, testdb.Backends()[0], "--policy", "../../examples/content-studio.yaml", "--smtp-url", mp.SMTP+"?tls=none",
		"--mail-from", "privacy@steward.test")
	var tag [4]byte
	rand.Read(tag[:])
	email := "pc-" + hex.EncodeToString(tag[:]) + "@example.org"
	app := s.appKey("records:write", "records:read", "requests:write", "requests:verify", "consents:write")
	sub := s.subject(app, map[string]any{"external_id": "pc-1", "email": email})
	expect(t, s.do("PUT", "/v1/subjects/"+sub+"/data/user.contact.email", app, map[string]any{"value": email}), 204)
	expect(t, s.do("PUT", "/v1/subjects/"+sub+"/data/user.name", app, map[string]any{"value": "Katherine Johnson"}), 204)
	tenant := s.do("GET", "/v1/whoami", s.Key, nil).JSON(t)["tenant_id"].(string)
	expect(t, s.do("PATCH", "/v1/tenants/"+tenant, s.Key, map[string]any{"slug": "studio-people"}), 200)
	other := s.do("POST", "/v1/tenants", s.Key, map[string]any{"name": "Other Co", "home_region": "us"})
	expect(t, other, 201)
	otherKey := other.JSON(t)["admin_key"].(map[string]any)["secret"].(string)
	otherSub := s.subject(otherKey, map[string]any{"external_id": "pc-other", "email": email})
	expect(t, s.do("PUT", "/v1/subjects/"+otherSub+"/data/user.name", otherKey, map[string]any{"value": "Other Tenant Person"}), 204)

	b := newBrowser(t, s)
	const base = "/privacy-center/studio-people/"
	home := b.get(base)
	if home.status != 200 || !strings.Contains(home.header.Get("Content-Security-Policy"), "default-src 'self'") ||
		!strings.Contains(home.body, "/privacy") {
		t.Fatalf("home: %d %v\n%s", home.status, home.header, home.body)
	}
	if p := b.get(base + "me"); p.status != http.StatusSeeOther || p.location != base {
		t.Fatalf("me without a session: %d %q", p.status, p.location)
	}
	if p := b.post(base+"sign-in", url.Values{"email": {email}}); p.status != http.StatusForbidden {
		t.Fatalf("sign-in without CSRF: %d", p.status)
	}
	if p := b.get("/privacy-center/no-such-tenant/"); p.status != 404 {
		t.Fatalf("unknown slug: %d", p.status)
	}
	// An unknown address gets the same answer as a known one.
	unknown := b.post(base+"sign-in", url.Values{"csrf": {home.csrf(t)}, "email": {"nobody-" + email}})
	code := b.post(base+"sign-in", url.Values{"csrf": {home.csrf(t)}, "email": {email}})
	if code.status != 200 || unknown.status != 200 || !strings.Contains(code.body, "If we hold this address") ||
		!strings.Contains(unknown.body, "If we hold this address") {
		t.Fatalf("sign-in answers: %d %d", code.status, unknown.status)
	}
	challenge := regexp.MustCompile(`name="challenge" value="(pcc_[a-z2-7]+)"`).FindStringSubmatch(code.body)[1]
	msgs := mp.WaitFor(t, email, 1)
	sent := sixDigits.FindString(msgs[len(msgs)-1].Text)
	wrong := "000000"
	if sent == wrong {
		wrong = "111111"
	}
	if p := b.post(base+"verify", url.Values{"csrf": {code.csrf(t)}, "challenge": {challenge}, "code": {wrong}}); p.status != 400 ||
		!strings.Contains(p.body, "invalid_code") {
		t.Fatalf("wrong code: %d", p.status)
	}
	if p := b.post(base+"verify", url.Values{"csrf": {code.csrf(t)}, "challenge": {challenge}, "code": {sent}}); p.status != http.StatusSeeOther ||
		p.location != base+"me" {
		t.Fatalf("right code: %d %q\n%s", p.status, p.location, p.body)
	}
	me := b.get(base + "me")
	if me.status != 200 || !strings.Contains(me.body, "Katherine Johnson") || strings.Contains(me.body, "Other Tenant Person") ||
		me.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("my data: %d\n%s", me.status, me.body)
	}
	// The code is single-use.
	if p := b.post(base+"verify", url.Values{"csrf": {code.csrf(t)}, "challenge": {challenge}, "code": {sent}}); p.status != 400 {
		t.Fatalf("a used code: %d", p.status)
	}

	// Choices: on, the API reads for the purpose; off, it is denied.
	read := func() int {
		return s.do("GET", "/v1/subjects/"+sub+"/data/user.contact.email?purpose=marketing.communications.email", app, nil).Status
	}
	if read() != 403 {
		t.Fatal("marketing allowed before any consent")
	}
	choose := func(granted string) {
		t.Helper()
		p := b.post(base+"choices", url.Values{"csrf": {me.csrf(t)}, "purpose": {"marketing.communications.email"}, "granted": {granted}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("choice %s: %d\n%s", granted, p.status, p.body)
		}
	}
	choose("true")
	if read() != 200 {
		t.Fatal("marketing denied after the consent given in the privacy center")
	}
	choose("false")
	if read() != 403 {
		t.Fatal("marketing allowed after the consent was withdrawn in the privacy center")
	}
	for _, form := range []string{"sign-in", "verify", "choices", "requests", "sign-out"} {
		for _, bad := range []url.Values{{}, {"csrf": {"forged-" + me.csrf(t)}}} {
			if p := b.post(base+form, bad); p.status != http.StatusForbidden {
				t.Fatalf("POST %s with CSRF %v: %d", form, bad, p.status)
			}
		}
	}

	// The browser's Global Privacy Control signal: shown, recorded, and
	// honoured (the policy's GPC uses include marketing communications).
	choose("true")
	if read() != 200 {
		t.Fatal("marketing denied after the consent given again")
	}
	gpcReq, _ := http.NewRequest("GET", s.URL+base+"me", nil)
	gpcReq.Header.Set("Sec-GPC", "1")
	gpcResp, err := b.c.Do(gpcReq)
	if err != nil {
		t.Fatal(err)
	}
	gpcPage := readPage(t, gpcResp)
	if gpcPage.status != 200 || !strings.Contains(gpcPage.body, "Global Privacy Control signal is recorded") {
		t.Fatalf("my data with Sec-GPC: 1: %d\n%s", gpcPage.status, gpcPage.body)
	}
	if read() != 403 {
		t.Fatal("marketing allowed after the browser's GPC signal")
	}

	// A copy of my data.
	if p := b.post(base+"requests", url.Values{"csrf": {me.csrf(t)}, "type": {"access"}}); p.status != http.StatusSeeOther {
		t.Fatalf("ask for a copy: %d\n%s", p.status, p.body)
	}
	var link string
	for deadline := time.Now().Add(20 * time.Second); link == ""; time.Sleep(200 * time.Millisecond) {
		if m := regexp.MustCompile(`href="(/v1/exports/[^"]+)"`).FindStringSubmatch(b.get(base + "me").body); m != nil {
			link = m[1]
		} else {
			link = ""
		}
		if time.Now().After(deadline) {
			t.Fatal("the copy never became downloadable")
		}
	}
	if zip := s.do("GET", link, "", nil); zip.Status != 200 || !strings.HasPrefix(string(zip.Body), "PK") {
		t.Fatalf("download: %d", zip.Status)
	}

	// Another tenant: the session is worthless there, even re-scoped.
	ob := b.get("/privacy-center/other-co/me")
	if ob.status != http.StatusSeeOther || ob.location != "/privacy-center/other-co/" {
		t.Fatalf("other tenant's page with this session: %d %q", ob.status, ob.location)
	}
	u, _ := url.Parse(s.URL + base)
	var session string
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "steward_pc" {
			session = c.Value
		}
	}
	req, _ := http.NewRequest("GET", s.URL+"/privacy-center/other-co/me", nil)
	req.AddCookie(&http.Cookie{Name: "steward_pc", Value: session})
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if session == "" || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("tenant A's session on tenant B's page: %d (cookie %t)", resp.StatusCode, session != "")
	}
	// Signing out ends the session.
	if p := b.post(base+"sign-out", url.Values{"csrf": {me.csrf(t)}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", p.status)
	}
	if p := b.get(base + "me"); p.status != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", p.status)
	}
	if strings.Contains(s.stderr.String()+s.stdout.String(), email) || strings.Contains(s.stderr.String(), sent) {
		t.Fatal("an address or a code reached the server's output")
	}
}
