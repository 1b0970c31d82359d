package blackbox

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/steward-privacy/steward/internal/mailpit"
	"github.com/steward-privacy/steward/internal/testdb"
)

// upcomingPolicy is the starter policy as the next version, effective in
// days, with one material change (a new reason for staff to read data).
func upcomingPolicy(t *testing.T, version string, days int) (src, effective string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "ad-asset-studio.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	effective = time.Now().UTC().AddDate(0, 0, days).Format(time.DateOnly)
	s := strings.Replace(string(b), `  effective: 2026-05-21`, "  effective: "+effective, 1)
	s = strings.Replace(s, `  version: "2026-05-21"`, `  version: "`+version+`"`, 1)
	s = strings.Replace(s, "  justifications:\n", "  justifications:\n    support-ticket: Answering a support ticket you opened.\n", 1)
	return s, effective
}

// TestPolicyChangeNotices is the notice of a policy change through the
// binary and Mailpit (issue 13): a policy staged sooner than the policy in
// force's changes.days_before, a broken file, a date that is not the
// file's, or a caller without tenants:write is refused and nothing is
// staged; staged, every person with an email on file gets one mail with
// the material change in words and the new notice's link, the person
// without an email none; the server is killed mid-campaign (batches of
// two, four a second at most) and the restarted one finishes it without
// mailing anyone twice; the outbox has policy.upcoming; the new notice is
// public; on its effective date the staged version comes into force.
func TestPolicyChangeNotices(t *testing.T) {
	mp := mailpit.FromEnv(t)
	data := filepath.Join(t.TempDir(), "data")
	args := []string{"--data", data, "--smtp-url", mp.SMTP + "?tls=none", "--mail-from", "privacy@steward.test", "--job-interval", "1s",
		"--job-lease", "3s", "--notice-batch", "2", "--notice-rate", "4"}
	s := startArgs(t, data, args...)
	app := s.appKey("records:write", "records:read", "policy:read", "events:read")
	var tag [4]byte
	rand.Read(tag[:])
	emails := make([]string, 5)
	for i := range emails {
		emails[i] = fmt.Sprintf("notice-%s-%d@example.org", hex.EncodeToString(tag[:]), i)
		s.subject(app, map[string]any{"external_id": fmt.Sprintf("n%d", i), "email": emails[i]})
	}
	s.subject(app, map[string]any{"external_id": "no-email"})

	src, effective := upcomingPolicy(t, "2099-01", 40)
	soon, soonDate := upcomingPolicy(t, "2099-02", 10)
	for _, bad := range []struct {
		key  string
		body map[string]any
		code int
		want string
	}{
		{s.Key, map[string]any{"source": soon, "effective": soonDate}, 400, "days_before"},
		{s.Key, map[string]any{"source": "steward: v1\norganisation: [\n", "effective": effective}, 400, "upcoming.yaml:2:"},
		{s.Key, map[string]any{"source": src, "effective": soonDate}, 400, "organisation.effective"},
		{app, map[string]any{"source": src, "effective": effective}, 403, "tenants:write"},
	} {
		r := s.do("POST", "/v1/policy/upcoming", bad.key, bad.body)
		if r.Status != bad.code || !strings.Contains(string(r.Body), bad.want) {
			t.Fatalf("stage %q: %d %s; want %d with %q", bad.want, r.Status, r.Body, bad.code, bad.want)
		}
		expect(t, r, bad.code) // problem+json
		if vs := s.do("GET", "/v1/policy/versions", app, nil).JSON(t)["versions"].([]any); len(vs) != 1 {
			t.Fatalf("refused %q but %d versions stored", bad.want, len(vs))
		}
	}
	expect(t, s.do("GET", "/v1/policy/upcoming", app, nil), 404)

	r := s.do("POST", "/v1/policy/upcoming", s.Key, map[string]any{"source": src, "effective": effective})
	expect(t, r, 201)
	up := r.JSON(t)
	if up["version"] != "2099-01" || !strings.Contains(fmt.Sprint(up["material"]), "support-ticket") {
		t.Fatalf("staged: %s", r.Body)
	}
	if n := up["notices"].(map[string]any); n["total"] != float64(5) {
		t.Fatalf("notices: %v; want 5 people with an email", n)
	}
	expect(t, s.do("POST", "/v1/policy/upcoming", s.Key, map[string]any{"source": src, "effective": effective}), 409)

	// Kill the server once a batch or two went out (4 notices a second at
	// most); the next start resumes.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		n := s.do("GET", "/v1/policy/upcoming", app, nil).JSON(t)["notices"].(map[string]any)
		if n["sent"].(float64) >= 2 && n["pending"].(float64) > 0 {
			break
		}
		if time.Now().After(deadline) || n["pending"] == float64(0) {
			t.Fatalf("notices before the kill: %v", n)
		}
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s = startArgs(t, data, args...)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		n := s.do("GET", "/v1/policy/upcoming", app, nil).JSON(t)["notices"].(map[string]any)
		if n["done"] == true {
			if n["sent"] != float64(5) || n["failed"] != float64(0) {
				t.Fatalf("notices done: %v", n)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("notices after the restart: %v", n)
		}
	}
	for _, e := range emails {
		msgs := mp.WaitFor(t, e, 1)
		if len(msgs) != 1 {
			t.Fatalf("%s got %d notices; want exactly 1", e, len(msgs))
		}
		m := msgs[0]
		if !strings.Contains(m.Subject, "changes to our privacy policy") || !strings.Contains(m.Text, "Pictora Labs") ||
			!strings.Contains(m.Text, "support-ticket") || !strings.Contains(m.Text, effective) ||
			!strings.Contains(m.Text, "/privacy/versions/2099-01") {
			t.Fatalf("notice mail:\n%s\n%s", m.Subject, m.Text)
		}
	}
	if ev := s.do("GET", "/v1/events", app, nil); !strings.Contains(string(ev.Body), `"policy.upcoming"`) {
		t.Fatalf("outbox without policy.upcoming: %s", ev.Body)
	}
	if p := s.do("GET", "/privacy/versions/2099-01", "", nil); p.Status != 200 || !strings.Contains(string(p.Body), "Answering a support ticket") {
		t.Fatalf("the new notice: %d", p.Status)
	}
	for _, e := range emails {
		if strings.Contains(s.stderr.String()+s.stdout.String(), e) {
			t.Fatalf("an address reached the server's output")
		}
	}

	// The effective date comes: the test moves the staged version's date
	// into the past in the database (the binary's clock is the real one),
	// and the running server puts it in force through the same path as on
	// the date (policies: the poll finds it due), within its poll interval.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE policy_versions SET effective = ? WHERE version = '2099-01'`,
		time.Now().Add(-time.Hour).UnixMicro()); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if v := s.do("GET", "/v1/policy", app, nil).JSON(t)["version"]; v == "2099-01" {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("in force after the effective date: %v", v)
		}
	}
	if ev := s.do("GET", "/v1/events", app, nil); !strings.Contains(string(ev.Body), `"policy.changed"`) {
		t.Fatalf("outbox without policy.changed: %s", ev.Body)
	}
	expect(t, s.do("GET", "/v1/policy/upcoming", app, nil), 404)
}

// TestPolicyStageCLI: `steward policy stage FILE --effective DATE` talks to
// the running server with an API key: a date sooner than
// changes.days_before and a broken file fail with exit 1 and the server's
// problem (the file's FILE:LINE:COL), nothing staged; a good file is
// staged, the material change printed in words with the notice's link,
// and the command follows the sending until every person with an email
// was told (here by the development mail printer).
func TestPolicyStageCLI(t *testing.T) {
	s := start(t, testdb.Backends()[0], "--dev-mail", "--job-interval", "1s")
	app := s.appKey("records:write", "policy:read")
	for i := range 3 {
		s.subject(app, map[string]any{"external_id": fmt.Sprintf("cli-%d", i), "email": fmt.Sprintf("cli-%d@example.org", i)})
	}
	s.subject(app, map[string]any{"external_id": "cli-none"})
	dir := t.TempDir()
	file := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := []string{"STEWARD_SERVER_URL=" + s.URL, "STEWARD_API_KEY=" + s.Key}
	soon, soonDate := upcomingPolicy(t, "2099-04", 5)
	if out, code := runCLIEnv(t, env, "policy", "stage", file("soon.yaml", soon), "--effective", soonDate); code != 1 ||
		!strings.Contains(out, "days_before") {
		t.Fatalf("too soon: exit %d\n%s", code, out)
	}
	if out, code := runCLIEnv(t, env, "policy", "stage", file("bad.yaml", "steward: v1\norganisation: [\n"), "--effective", soonDate); code != 1 ||
		!strings.Contains(out, "upcoming.yaml:2:") {
		t.Fatalf("broken file: exit %d\n%s", code, out)
	}
	expect(t, s.do("GET", "/v1/policy/upcoming", app, nil), 404)
	src, effective := upcomingPolicy(t, "2099-05", 45)
	out, code := runCLIEnv(t, env, "policy", "stage", file("next.yaml", src), "--effective", effective, "--wait", "30s")
	if code != 0 {
		t.Fatalf("stage: exit %d\n%s", code, out)
	}
	for _, want := range []string{"staged: version 2099-05 replaces 2026-05-21 on " + effective, "support-ticket",
		"/privacy/versions/2099-05", "notices: 3 people; 3 sent, 0 without email, 0 erased, 0 failed, 0 pending"} {
		if !strings.Contains(out, want) {
			t.Fatalf("stage output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(s.stderr.String(), "--- dev mail (not sent) to cli-"); n != 3 {
		t.Fatalf("%d notices printed; want 3", n)
	}
}
