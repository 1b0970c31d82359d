package blackbox

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/steward-privacy/steward/internal/testdb"
)

// replicaPair starts two servers on one PostgreSQL database with a shared
// master key file (their subject caches on, as always on PostgreSQL); b
// uses a's admin key.
func replicaPair(t *testing.T) (a, b *server) {
	t.Helper()
	if os.Getenv("STEWARD_TEST_POSTGRES") == "" {
		t.Skip("STEWARD_TEST_POSTGRES not set")
	}
	dsn := testdb.PostgresDSN(t)
	keyFile := filepath.Join(t.TempDir(), "master.key")
	d1, d2 := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	a = startArgs(t, d1, "--data", d1, "--database", dsn, "--master-key-file", keyFile)
	b = startArgs(t, d2, "--data", d2, "--database", dsn, "--master-key-file", keyFile)
	b.Key = a.Key
	return a, b
}

// within polls check every 20 ms until it reports true, failing the test
// if that takes more than bound.
func within(t *testing.T, bound time.Duration, what string, check func() bool) {
	t.Helper()
	start := time.Now()
	for !check() {
		if time.Since(start) > bound {
			t.Fatalf("%s: not within %v", what, bound)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestErasureAndWithdrawalAcrossReplicas: replica B has a subject's rows
// and consent state in its cache (it just served them); an erasure and a
// consent withdrawal on replica A are honoured by B within one second —
// far inside B's cache TTL (10 s), so only the invalidation A publishes
// can make it. Audit events of both replicas land in one chain that
// verifies, and a read of the log right after the writes shows them.
func TestErasureAndWithdrawalAcrossReplicas(t *testing.T) {
	a, b := replicaPair(t)
	key := a.appKey("records:read", "records:write", "consents:read", "consents:write", "audit:read")
	gen := "?purpose=essential.service.generation"
	consents := func(id string) string { return "/v1/subjects/" + id + "/consents" }
	for round := range 3 {
		// Withdrawal: granted on A, read (and cached) on B, withdrawn on A.
		id, read := a.consentSubject(key, "user.content.prompt", "a red bicycle")
		expect(t, a.do("POST", consents(id), key, consentBody("essential.service.generation", "", true)), 201)
		within(t, time.Second, "B allows the read after the grant on A", func() bool { return b.do("GET", read+gen, key, nil).Status == 200 })
		expect(t, b.do("GET", read+gen, key, nil), 200) // cached on B now
		expect(t, a.do("POST", consents(id), key, consentBody("essential.service.generation", "", false)), 201)
		within(t, time.Second, "B denies the read after the withdrawal on A", func() bool {
			r := b.do("GET", read+gen, key, nil)
			if r.Status == 403 {
				denied(t, r, "consent_withdrawn")
				return true
			}
			return false
		})
		// Erasure: read (and cached) on B, erased on A.
		contract := read + "?purpose=essential.service"
		expect(t, b.do("GET", contract, key, nil), 200)
		expect(t, b.do("GET", contract, key, nil), 200)
		expect(t, a.do("DELETE", "/v1/subjects/"+id, key, nil), 200)
		within(t, time.Second, "B forgets the subject erased on A", func() bool {
			return b.do("GET", contract, key, nil).Status == 404
		})
		if round == 0 {
			// The log, read on B right after, shows A's erasure.
			r := b.do("GET", "/v1/audit?subject="+id+"&action=subject.erase", key, nil)
			expect(t, r, 200)
			if events, _ := r.JSON(t)["events"].([]any); len(events) != 1 {
				t.Fatalf("audit on B right after the erasure on A: %s", r.Body)
			}
		}
	}
	// A read on A is journaled there; the log B serves shows it once A
	// transfers its journal (every audit_journal_delay, 50 ms).
	id, read := a.consentSubject(key, "user.content.prompt", "a green kite")
	expect(t, a.do("GET", read+"?purpose=essential.service", key, nil), 200)
	within(t, time.Second, "B's log shows the read journaled on A", func() bool {
		r := b.do("GET", "/v1/audit?subject="+id+"&action=record.read", key, nil)
		events, _ := r.JSON(t)["events"].([]any)
		return r.Status == 200 && len(events) == 1
	})
	r := b.do("GET", "/v1/audit/verify", key, nil)
	expect(t, r, 200)
	if rep := r.JSON(t); rep["ok"] != true || rep["last_seq"].(float64) < 20 {
		t.Fatalf("verify: %s", r.Body)
	}
}
