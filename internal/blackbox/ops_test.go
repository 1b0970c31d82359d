package blackbox

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/steward-privacy/steward/internal/testdb"
)

// TestRequestLogKeepsNoFullAddress: every request lands in the private
// request log with the route pattern (not the path), the truncated address
// and the key id, never the full address.
func TestRequestLogKeepsNoFullAddress(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	key := s.appKey("records:read", "records:write")
	id := s.subject(key, map[string]any{"external_id": "u"})
	expect(t, s.do("GET", "/v1/subjects/"+id, key, nil), 200)
	s.stop() // flushes the log
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.Data, "steward.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT route, client_ip, api_key_id, status FROM request_log`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, sawRoute := 0, false
	for rows.Next() {
		var route, ip, keyID string
		var status int
		rows.Scan(&route, &ip, &keyID, &status)
		n++
		if ip != "127.0.0.0" {
			t.Errorf("client address stored as %q; want the truncated 127.0.0.0", ip)
		}
		if strings.Contains(route, id) {
			t.Errorf("the route %q holds an id from the path", route)
		}
		if route == "GET /v1/subjects/{id}" && status == 200 && strings.HasPrefix(keyID, "key_") {
			sawRoute = true
		}
	}
	if n < 3 || !sawRoute {
		t.Fatalf("%d entries, route seen %v", n, sawRoute)
	}
	b, _ := os.ReadFile(filepath.Join(s.Data, "steward.db"))
	if strings.Contains(string(b), "127.0.0.1") {
		t.Fatal("a full client address is stored")
	}
}

// TestRateLimits: past its budget a key gets 429 problem+json with
// Retry-After; failed authentications are limited per address.
func TestRateLimits(t *testing.T) {
	s := start(t, testdb.Backends()[0], "--rate-limit-key", "5", "--rate-limit-ip", "3")
	limited := func(key string) *response {
		for range 50 {
			r := s.do("GET", "/v1/whoami", key, nil)
			if r.Status == 429 {
				return r
			}
		}
		t.Fatal("never rate limited")
		return nil
	}
	r := limited(s.Key)
	expect(t, r, 429)
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Fatalf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	r = limited("stw_" + strings.Repeat("b", 58)) // guessing keys
	expect(t, r, 429)
}

// TestStaffLockout: repeated wrong passwords lock the account with back-off;
// during the lock even the right password is refused.
func TestStaffLockout(t *testing.T) {
	s := start(t, testdb.Backends()[0], "--rate-limit-ip", "0")
	const email, pass = "locked@example.org", "the right passphrase"
	expect(t, s.do("POST", "/v1/staff", s.Key, map[string]any{"email": email, "password": pass, "role": "auditor"}), 201)
	tenant := s.do("GET", "/v1/whoami", s.Key, nil).JSON(t)["tenant_id"].(string)
	login := func(p string) *response {
		r, _ := s.login(map[string]any{"tenant_id": tenant, "email": email, "password": p})
		return r
	}
	for range 5 {
		expect(t, login("wrong passphrase"), 401)
	}
	r := login("wrong passphrase") // the sixth failure locks
	expect(t, r, 401)
	r = login(pass)
	expect(t, r, 429)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("lockout without Retry-After")
	}
}

// TestJobsRunOnceAcrossReplicas: two servers on one PostgreSQL database; a
// periodic job runs once per period on one of them, and when that one is
// killed the other takes over within one lease period.
func TestJobsRunOnceAcrossReplicas(t *testing.T) {
	if os.Getenv("STEWARD_TEST_POSTGRES") == "" {
		t.Skip("STEWARD_TEST_POSTGRES not set")
	}
	dsn := testdb.PostgresDSN(t)
	keyFile := filepath.Join(t.TempDir(), "master.key")
	args := func(data string) []string {
		return []string{"--data", data, "--database", dsn, "--master-key-file", keyFile, "--job-lease", "2s", "--job-interval", "1s"}
	}
	d1, d2 := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	a := startArgs(t, d1, args(d1)...)
	b := startArgs(t, d2, args(d2)...)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	state := func() (holder string, runs int64) {
		db.QueryRowContext(context.Background(), `SELECT holder, runs FROM jobs WHERE name = 'retention.files'`).Scan(&holder, &runs)
		return
	}
	time.Sleep(500 * time.Millisecond)
	_, r0 := state()
	time.Sleep(6 * time.Second)
	holder, r1 := state()
	// About one run per second across both replicas, not two.
	if got := r1 - r0; got < 3 || got > 8 {
		t.Fatalf("%d runs in 6s with a 1s period on two replicas; want about 6", got)
	}
	// Kill the holder without a chance to release its lease.
	victim := a
	if strings.Contains(b.stderr.String(), holder) {
		victim = b
	} else if !strings.Contains(a.stderr.String(), holder) {
		t.Fatalf("no replica logged the holder id %q", holder)
	}
	victim.cmd.Process.Signal(syscall.SIGKILL)
	<-victim.done
	killedAt := time.Now()
	for time.Since(killedAt) < 10*time.Second {
		if h, _ := state(); h != holder && h != "" {
			if took := time.Since(killedAt); took > 2*time.Second+2*time.Second {
				t.Fatalf("took over after %v; want within about one lease (2s) plus a tick", took)
			}
			_, before := state()
			time.Sleep(3 * time.Second)
			if _, after := state(); after <= before {
				t.Fatal("the survivor holds the lease but does not run the job")
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("no replica took the job over after the holder was killed")
}

func TestJobsAreVisible(t *testing.T) {
	s := start(t, testdb.Backends()[0], "--job-interval", "1s", "--job-lease", "3s")
	time.Sleep(1500 * time.Millisecond)
	r := s.do("GET", "/v1/jobs", s.Key, nil)
	expect(t, r, 200)
	for _, name := range []string{"retention.files", "retention.records", "blob.deletions", "requestlog.purge", "audit.checkpoint"} {
		if !strings.Contains(string(r.Body), `"name":"`+name+`"`) {
			t.Errorf("/v1/jobs lacks %s: %s", name, r.Body)
		}
	}
	if !strings.Contains(string(s.do("GET", "/metrics", "", nil).Body), "steward_job_runs_total") {
		t.Fatal("job metrics missing")
	}
	expect(t, s.do("GET", "/v1/jobs", s.appKey("records:read"), nil), 403)
}
