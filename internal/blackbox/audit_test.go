package blackbox

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/steward-privacy/steward/internal/testdb"
)

// auditPage is the body of GET /v1/audit.
type auditPage struct {
	Events []struct {
		TenantID  string `json:"tenant_id"`
		Seq       int64  `json:"seq"`
		Actor     string `json:"actor"`
		Action    string `json:"action"`
		SubjectID string `json:"subject_id"`
	} `json:"events"`
	NextCursor string `json:"next_cursor"`
}

func (s *server) auditPage(key, query string) auditPage {
	s.t.Helper()
	r := s.do("GET", "/v1/audit"+query, key, nil)
	expect(s.t, r, 200)
	var p auditPage
	if err := json.Unmarshal(r.Body, &p); err != nil {
		s.t.Fatal(err)
	}
	return p
}

// runCLI runs the steward binary and returns its output and exit code.
func runCLI(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(binary, args...).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// TestAuditLog drives the audit log end to end: events of real requests
// without personal values, filters and pagination, tenant isolation,
// verification over HTTP and by `steward audit verify` on the data folder,
// an export verified offline with the public key, and tampering with the
// database and with the export detected.
func TestAuditLog(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		data := filepath.Join(t.TempDir(), "data")
		flags := []string{"--data", data}
		if b.Name == "postgres" {
			flags = append(flags, "--database", b.Database(t))
		}
		s := startArgs(t, data, append(flags, "--job-interval", "1s", "--job-lease", "3s")...)
		app := s.appKey("records:write", "records:read")
		auditor := s.appKey("audit:read")
		var subs []string
		for i := range 3 {
			subs = append(subs, s.subject(app, map[string]any{"external_id": fmt.Sprintf("user-%d", i),
				"email": fmt.Sprintf("audit-canary-%d@example.org", i)}))
		}

		// Filters: the subject's own events only, named by id, by an API key.
		p := s.auditPage(auditor, "?subject="+subs[1])
		if len(p.Events) != 1 || p.Events[0].SubjectID != subs[1] || p.Events[0].Action != "subject.create" ||
			!strings.HasPrefix(p.Events[0].Actor, "api_key:key_") {
			t.Fatalf("events of subject %s: %+v", subs[1], p.Events)
		}
		all := s.do("GET", "/v1/audit?limit=1000", auditor, nil)
		if bytes.Contains(all.Body, []byte("audit-canary")) || bytes.Contains(all.Body, []byte("user-1")) {
			t.Fatalf("an email or external id reached the audit log: %s", all.Body)
		}
		// Cursor pagination, newest first.
		p1 := s.auditPage(auditor, "?limit=2&action=subject.create")
		p2 := s.auditPage(auditor, "?limit=2&action=subject.create&cursor="+p1.NextCursor)
		if len(p1.Events) != 2 || p1.NextCursor == "" || len(p2.Events) != 1 || p2.Events[0].Seq >= p1.Events[1].Seq ||
			p2.Events[0].SubjectID != subs[0] {
			t.Fatalf("pages: %+v then %+v", p1, p2)
		}
		for _, q := range []string{"?limit=0", "?limit=x", "?since=yesterday", "?cursor=-1", "?subject=" + strings.Repeat("s", 200)} {
			expect(t, s.do("GET", "/v1/audit"+q, auditor, nil), 400)
		}
		expect(t, s.do("GET", "/v1/audit", app, nil), 403)

		// Another tenant sees nothing of the first.
		r := s.do("POST", "/v1/tenants", s.Key, map[string]any{"name": "other", "home_region": "us"})
		expect(t, r, 201)
		other := r.JSON(t)["admin_key"].(map[string]any)["secret"].(string)
		// (Its chain starts with the creation of its own first key.)
		if p := s.auditPage(other, "?limit=1000"); len(p.Events) != 1 || p.Events[0].Action != "apikey.create" {
			t.Fatalf("another tenant sees %+v", p.Events)
		}
		s.auditPage(other, "") // its own chain now has an audit.read event

		// Verification over HTTP; then wait for a time-based checkpoint.
		deadline := time.Now().Add(15 * time.Second)
		for {
			r = s.do("GET", "/v1/audit/verify", auditor, nil)
			expect(t, r, 200)
			rep := r.JSON(t)
			if rep["ok"] != true || rep["events"].(float64) < 5 {
				t.Fatalf("verify: %s", r.Body)
			}
			if rep["last_checkpoint"] != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no checkpoint after 15s with a 1s job interval: %s", r.Body)
			}
			time.Sleep(300 * time.Millisecond)
		}
		expect(t, s.do("GET", "/v1/audit/verify?anchor_seq=1&anchor_hash=zz", auditor, nil), 400)

		checkExport(t, s, auditor)

		// `steward audit verify` on the same data folder, with the server
		// stopped; then one stored value changed.
		s.stop()
		out, code := runCLI(t, append([]string{"audit", "verify"}, flags...)...)
		if code != 0 || strings.Count(out, ": OK, ") != 2 {
			t.Fatalf("audit verify: exit %d\n%s", code, out)
		}
		tamper(t, b, flags, `UPDATE audit_events SET actor = 'api_key:key_forged' WHERE seq = 2 AND tenant_id IN
			(SELECT tenant_id FROM audit_events WHERE subject_id = '`+subs[0]+`')`)
		out, code = runCLI(t, append([]string{"audit", "verify"}, flags...)...)
		if code != 1 || !strings.Contains(out, "FAILED at event 2: hash does not match") {
			t.Fatalf("tampered database: exit %d\n%s", code, out)
		}
		if out, code := runCLI(t, append([]string{"audit", "verify", "--tenant", "ten_nosuchtenant"}, flags...)...); code != 1 ||
			!strings.Contains(out, "not found") {
			t.Fatalf("unknown tenant: exit %d\n%s", code, out)
		}
	})
}

// checkExport fetches the export and the public keys over HTTP and checks
// `steward audit verify --file` accepts it, and refuses it altered or
// against another public key.
func checkExport(t *testing.T, s *server, auditor string) {
	t.Helper()
	dir := t.TempDir()
	keys := s.do("GET", "/v1/audit/public-key", "", nil)
	expect(t, keys, 200)
	ex := s.do("GET", "/v1/audit/export", auditor, nil)
	expect(t, ex, 200)
	if ct := ex.Header.Get("Content-Type"); ct != "application/jsonl" {
		t.Fatalf("export Content-Type = %q", ct)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keysFile, export := write("keys.json", keys.Body), write("export.jsonl", ex.Body)
	out, code := runCLI(t, "audit", "verify", "--file", export, "--public-keys", keysFile)
	if code != 0 || !strings.Contains(out, ": OK, ") || !strings.Contains(out, "last checkpoint") {
		t.Fatalf("offline verify of the export: exit %d\n%s", code, out)
	}
	// One event line altered: the action of the last event.
	lines := bytes.Split(bytes.TrimSpace(ex.Body), []byte("\n"))
	last := len(lines) - 1
	lines[last] = bytes.Replace(lines[last], []byte(`"action":"audit.`), []byte(`"action":"audiX.`), 1)
	out, code = runCLI(t, "audit", "verify", "--file", write("altered.jsonl", bytes.Join(lines, []byte("\n"))), "--public-keys", keysFile)
	if code != 1 || !strings.Contains(out, "FAILED at event "+strconv.Itoa(last-countCheckpoints(lines))) {
		t.Fatalf("altered export: exit %d\n%s", code, out)
	}
	// The right file against a key that is not the operator's.
	wrong := write("wrong.json", []byte(`{"keys":[{"id":1,"ed25519":"`+strings.Repeat("A", 43)+`="}]}`))
	if out, code := runCLI(t, "audit", "verify", "--file", export, "--public-keys", wrong); code != 1 || !strings.Contains(out, "signature is invalid") {
		t.Fatalf("export against a wrong public key: exit %d\n%s", code, out)
	}
}

// countCheckpoints counts the checkpoint lines of an export.
func countCheckpoints(lines [][]byte) int {
	n := 0
	for _, l := range lines {
		if bytes.HasPrefix(l, []byte(`{"type":"checkpoint"`)) {
			n++
		}
	}
	return n
}

// tamper runs a statement straight on the server's database.
func tamper(t *testing.T, b testdb.Backend, flags []string, query string) {
	t.Helper()
	driver, dsn := "sqlite", "file:"+filepath.Join(flags[1], "steward.db")
	if b.Name == "postgres" {
		driver, dsn = "pgx", flags[3]
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(query)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("tampering changed %d rows", n)
	}
}

// TestAuditedReadsSurviveKill: reads answered just before a kill -9 are in
// the audit log after a restart. Each event is durable in the server's
// audit journal before the response (here chained into the database only
// after an hour, so the replay is what stores them), and a second server
// on the same data folder is refused while one runs.
func TestAuditedReadsSurviveKill(t *testing.T) { auditedReadsSurviveKill(t) }

// TestAuditedReadsSurviveKillOnPostgres is the same for a server (a
// replica) on PostgreSQL, whose journal is in its data folder too, synced
// here (--audit-journal-sync).
func TestAuditedReadsSurviveKillOnPostgres(t *testing.T) {
	if os.Getenv("STEWARD_TEST_POSTGRES") == "" {
		t.Skip("STEWARD_TEST_POSTGRES not set")
	}
	auditedReadsSurviveKill(t, "--database", testdb.PostgresDSN(t), "--audit-journal-sync")
}

// auditedReadsSurviveKill runs the kill test with extra server arguments.
func auditedReadsSurviveKill(t *testing.T, extra ...string) {
	data := filepath.Join(t.TempDir(), "data")
	s := startArgs(t, data, append([]string{"--data", data, "--audit-journal-delay", "1h"}, extra...)...)
	app := s.appKey("records:write", "records:read")
	auditor := s.appKey("audit:read")
	id := s.subject(app, map[string]any{"external_id": "killed"})
	expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.contact.email", app, map[string]any{"value": "kill-canary@example.org"}), 204)
	// The audit.checkpoint job runs once at start and stores what the
	// journal holds (it signs it); on a loaded machine that first run
	// could come after the reads below and empty the journal before the
	// kill. Wait for it: the next is a job interval (a minute) away.
	waitForJobRun(t, s, "audit.checkpoint")
	const reads = 25
	for range reads {
		expect(t, s.do("GET", "/v1/subjects/"+id+"/data/user.contact.email?purpose=essential.service", app, nil), 200)
	}
	if _, err := tryStart(t, data, append([]string{"--data", data}, extra...)...); err == nil || !strings.Contains(err.Error(), "in use by another steward process") {
		t.Fatalf("a second server on the same data folder: %v", err)
	}
	journal, _ := filepath.Glob(filepath.Join(data, "audit-journal", "*.journal"))
	var journaled int64
	for _, f := range journal {
		// G1, G11: the journal holds ids and codes, never the value read.
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte("kill-canary")) {
			t.Errorf("%s holds the record's value in plaintext", f)
		}
		if fi, err := os.Stat(f); err == nil {
			journaled += fi.Size()
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
			}
		}
	}
	if journaled == 0 {
		t.Fatal("nothing in the audit journal before the kill; the test would not exercise the replay")
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done

	s2 := startArgs(t, data, append([]string{"--data", data}, extra...)...)
	p := s2.auditPage(auditor, "?subject="+id+"&action=record.read&limit=1000")
	if len(p.Events) != reads {
		t.Fatalf("%d record.read events after the kill and restart, want %d", len(p.Events), reads)
	}
	r := s2.do("GET", "/v1/audit/verify", auditor, nil)
	expect(t, r, 200)
	if rep := r.JSON(t); rep["ok"] != true {
		t.Fatalf("verify after replay: %s", r.Body)
	}
	if !strings.Contains(s2.stderr.String(), "audit journal replayed") {
		t.Errorf("the restart did not report the replay:\n%s", s2.stderr)
	}
}

// waitForJobRun waits (up to 30 s) until the server's /metrics say the job
// has run successfully at least once.
func waitForJobRun(t *testing.T, s *server, job string) {
	t.Helper()
	want := `steward_job_last_success_timestamp_seconds{job="` + job + `"}`
	for deadline := time.Now().Add(30 * time.Second); ; {
		r := s.do("GET", "/metrics", "", nil)
		if r.Status == 200 && strings.Contains(string(r.Body), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the %s job has not run within 30 s of the start", job)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
