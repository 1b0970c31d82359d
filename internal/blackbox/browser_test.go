package blackbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/steward-privacy/steward/internal/mailpit"
	"github.com/steward-privacy/steward/internal/testdb"
)

// The browser tests drive Debian's Chromium through chromedp. They need
// STEWARD_TEST_CHROME (the browser binary) and STEWARD_TEST_AXE (axe.min.js
// from the npm package axe-core 4.14.1); .ci/run sets both.

func browserEnv(t *testing.T) (chrome string, axe []byte) {
	t.Helper()
	chrome, axePath := os.Getenv("STEWARD_TEST_CHROME"), os.Getenv("STEWARD_TEST_AXE")
	if chrome == "" || axePath == "" {
		t.Skip("STEWARD_TEST_CHROME and STEWARD_TEST_AXE are not set; .ci/run sets them")
	}
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	return chrome, axe
}

// newChrome starts a headless Chromium for one test. NoSandbox only when
// running as root (CI containers), as chromedp requires there.
func newChrome(t *testing.T, chrome string) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.WindowSize(1280, 900))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

// axeViolations runs axe-core on the current page and returns the serious
// and critical violations (rule ids and elements). axe is injected through
// DevTools, so the console's CSP (no inline script) is not loosened.
func axeViolations(t *testing.T, ctx context.Context, axe []byte) []string {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](string(axe)+";true")); err != nil {
		t.Fatal(err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}).then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// steps runs browser actions, failing the test on an error.
func steps(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Steps(actions...)); err != nil {
		t.Fatal(err)
	}
}

// text returns the text of an element.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestConsoleInBrowser: in a real browser, a privacy officer signs in with
// password and TOTP, finds a person by email, sees values masked, reveals
// them with a justification, approves a rights request; every page passes
// axe-core (no serious or critical violation) at desktop and phone width.
func TestConsoleInBrowser(t *testing.T) {
	chrome, axe := browserEnv(t)
	s := start(t, testdb.Backends()[0])
	app := s.appKey("records:write", "records:read", "requests:write", "requests:verify")
	sub := s.subject(app, map[string]any{"external_id": "browser-1", "email": "browser.person@example.org"})
	expect(t, s.do("PUT", "/v1/subjects/"+sub+"/data/user.contact.email", app, map[string]any{"value": "browser.person@example.org"}), 204)
	// An access request that stays unverified (no mail here): staff verify
	// the person another way and approve it in the console.
	rr := s.do("POST", "/v1/requests", app, map[string]any{"type": "access", "subject": map[string]any{"id": sub}})
	expect(t, rr, 201)
	reqID := rr.JSON(t)["id"].(string)
	const email, pass = "dpo.browser@example.org", "a long passphrase for the browser"
	expect(t, s.do("POST", "/v1/staff", s.Key, map[string]any{"email": email, "password": pass, "role": "privacy_officer"}), 201)
	tenant := s.do("GET", "/v1/whoami", s.Key, nil).JSON(t)["tenant_id"].(string)
	resp, cookie := s.login(map[string]any{"tenant_id": tenant, "email": email, "password": pass})
	expect(t, resp, 200)
	en := s.doCookie("POST", "/v1/staff/totp", cookie, nil)
	expect(t, en, 201)
	secret := en.JSON(t)["secret"].(string)
	code, _ := totp.GenerateCode(secret, time.Now())
	expect(t, s.doCookie("POST", "/v1/staff/totp/confirm", cookie, map[string]any{"code": code}), 204)

	ctx := newChrome(t, chrome)
	pc := pageCheck(t, ctx, axe)
	check := func(name string) { t.Helper(); pc("console-" + name) }
	steps(t, ctx, chromedp.Navigate(s.URL+"/console/"), chromedp.WaitVisible(`input[name=email]`))
	check("sign-in")
	code, _ = totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	steps(t, ctx,
		chromedp.SendKeys(`input[name=email]`, email),
		chromedp.SendKeys(`input[name=password]`, pass),
		chromedp.SendKeys(`input[name=code]`, code),
		chromedp.Click(`main form button[type=submit]`),
		chromedp.WaitVisible(`#chain-h`))
	check("dashboard")
	for _, p := range []string{"people", "policy", "audit", "incidents", "keys", "staff", "requests", "requests/" + reqID, "grants"} {
		steps(t, ctx, chromedp.Navigate(s.URL+"/console/"+p), chromedp.WaitVisible(`main h1`))
		if strings.HasPrefix(p, "requests/") {
			p = "request"
		}
		check(p)
	}
	steps(t, ctx,
		chromedp.Navigate(s.URL+"/console/people"),
		chromedp.WaitVisible(`input[name=value]`),
		chromedp.SetValue(`select[name=kind]`, "email"),
		chromedp.SendKeys(`input[name=value]`, "browser.person@example.org"),
		chromedp.Click(`main form button[type=submit]`),
		chromedp.WaitVisible(`td.value`))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(loc, "/console/people/"+sub) || strings.Contains(loc, "browser.person") {
		t.Fatalf("person page URL %q", loc)
	}
	if body := text(t, ctx, `main`); strings.Contains(body, "browser.person@example.org") || !strings.Contains(body, "(masked)") {
		t.Fatalf("values not masked before a justification:\n%s", body)
	}
	check("person")
	steps(t, ctx,
		chromedp.SetValue(`select[name=justification]`, "security-investigation"),
		chromedp.Click(`main form button[type=submit]`),
		chromedp.WaitVisible(`p.notice`))
	if body := text(t, ctx, `main`); !strings.Contains(body, "browser.person@example.org") {
		t.Fatalf("the value is not shown after a justification:\n%s", body)
	}
	// Approve the request in the browser: it leaves unverified.
	steps(t, ctx,
		chromedp.Navigate(s.URL+"/console/requests/"+reqID),
		chromedp.WaitVisible(`form[action$="/approve"] button`),
		chromedp.Click(`form[action$="/approve"] button`),
		chromedp.WaitVisible(`p.notice`))
	if body := text(t, ctx, `main`); !strings.Contains(body, "Approved") {
		t.Fatalf("approving a request:\n%s", body)
	}
	if st := s.do("GET", "/v1/requests/"+reqID, app, nil).JSON(t)["verified_by"]; st != "staff" {
		t.Fatalf("the approved request is verified by %v; want staff", st)
	}
	// The accessibility check itself works: an image without a text
	// alternative is reported.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="/console/static/none.png">'); true`)); err != nil {
		t.Fatal(err)
	}
	if v := axeViolations(t, ctx, axe); len(v) == 0 || !strings.HasPrefix(v[0], "image-alt") {
		t.Fatalf("axe did not report a missing alt text: %v", v)
	}
}

// TestPrivacyCenterInBrowser: in a real browser, a person signs in to the
// privacy center with the code mailed to them (Mailpit), withdraws a
// consent (an API read for that purpose is then denied), asks for a copy
// of their data and gets its link; every page passes axe-core at desktop
// and phone width.
func TestPrivacyCenterInBrowser(t *testing.T) {
	chrome, axe := browserEnv(t)
	mp := mailpit.FromEnv(t)
	s := start(t, testdb.Backends()[0], "--policy", "../../examples/content-studio.yaml", "--smtp-url", mp.SMTP+"?tls=none",
		"--mail-from", "privacy@steward.test")
	var tag [4]byte
	rand.Read(tag[:])
	email := "pc-browser-" + hex.EncodeToString(tag[:]) + "@example.org"
	app := s.appKey("records:write", "records:read", "consents:write")
	sub := s.subject(app, map[string]any{"external_id": "pc-browser", "email": email})
	expect(t, s.do("PUT", "/v1/subjects/"+sub+"/data/user.name", app, map[string]any{"value": "Dorothy Vaughan"}), 204)
	expect(t, s.do("POST", "/v1/subjects/"+sub+"/consents", app, map[string]any{"purpose": "marketing.communications.email",
		"granted": true, "channel": "web", "proof": map[string]any{"notice_version": "1", "form": "signup", "text_sha256": textHash}}), 201)
	read := func() int {
		return s.do("GET", "/v1/subjects/"+sub+"/data/user.name?purpose=marketing.communications.email", app, nil).Status
	}
	if read() != 200 {
		t.Fatal("marketing denied before the withdrawal")
	}
	tenant := s.do("GET", "/v1/whoami", s.Key, nil).JSON(t)["tenant_id"].(string)
	expect(t, s.do("PATCH", "/v1/tenants/"+tenant, s.Key, map[string]any{"slug": "studio"}), 200)
	base := s.URL + "/privacy-center/studio/"

	ctx := newChrome(t, chrome)
	check := pageCheck(t, ctx, axe)
	steps(t, ctx, chromedp.Navigate(base), chromedp.WaitVisible(`input[name=email]`))
	check("privacy-center-home")
	steps(t, ctx, chromedp.SendKeys(`input[name=email]`, email), chromedp.Click(`main form button[type=submit]`),
		chromedp.WaitVisible(`input[name=code]`))
	check("privacy-center-code")
	msgs := mp.WaitFor(t, email, 1)
	code := sixDigits.FindString(msgs[len(msgs)-1].Text)
	steps(t, ctx, chromedp.SendKeys(`input[name=code]`, code), chromedp.Click(`main form button[type=submit]`),
		chromedp.WaitVisible(`#data`))
	if body := text(t, ctx, `main`); !strings.Contains(body, "Dorothy Vaughan") {
		t.Fatalf("my data:\n%s", body)
	}
	check("privacy-center-me")
	steps(t, ctx, chromedp.Click(`form.choice:has(input[value="marketing.communications.email"]) button`))
	waitLocation(t, ctx, "done=consent")
	if read() != 403 {
		t.Fatal("marketing allowed after the withdrawal in the browser")
	}
	steps(t, ctx, chromedp.SetValue(`select[name=type]`, "access"), chromedp.Click(`form[action$="/requests"] button`))
	waitLocation(t, ctx, "done=request")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		steps(t, ctx, chromedp.Navigate(base+"me"), chromedp.WaitVisible(`#requests`))
		if body, err := chromedp.Run(ctx, chromedp.OuterHTML(`main`)); err == nil && strings.Contains(body, "/v1/exports/") {
			link := regexp.MustCompile(`href="(/v1/exports/[^"]+)"`).FindStringSubmatch(body)[1]
			if zip := s.do("GET", link, "", nil); zip.Status != 200 || !strings.HasPrefix(string(zip.Body), "PK") {
				t.Fatalf("downloading the copy: %d", zip.Status)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the copy never became downloadable")
		}
	}
}

// pageCheck returns a check of the current page at desktop and phone
// width: axe-core finds no serious or critical violation, and with
// STEWARD_SCREENSHOTS (a folder) a screenshot of each width is kept there
// as NAME-desktop.png and NAME-phone.png (docs/screenshots.sh).
func pageCheck(t *testing.T, ctx context.Context, axe []byte) func(name string) {
	shots := os.Getenv("STEWARD_SCREENSHOTS")
	return func(name string) {
		t.Helper()
		for _, width := range []int64{1280, 390} {
			steps(t, ctx, chromedp.EmulateViewport(width, 900))
			if v := axeViolations(t, ctx, axe); len(v) > 0 {
				t.Errorf("%s at %dpx: axe violations:\n  %s", name, width, strings.Join(v, "\n  "))
			}
			if shots != "" {
				png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
				if err != nil {
					t.Fatal(err)
				}
				kind := map[int64]string{1280: "desktop", 390: "phone"}[width]
				if err := os.WriteFile(filepath.Join(shots, name+"-"+kind+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// waitLocation waits until the page's URL contains part (a form's
// redirect has landed).
func waitLocation(t *testing.T, ctx context.Context, part string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil && strings.Contains(loc, part) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page never reached %q", part)
		}
	}
}
