package audit_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/internal/testdb"
)

func TestAppendRejectsBadEvents(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t), 10)
	cases := []struct {
		name  string
		edit  func(e *steward.AuditEvent)
		field string
	}{
		{"no tenant", func(e *steward.AuditEvent) { e.TenantID = "" }, "tenant_id"},
		{"no actor kind", func(e *steward.AuditEvent) { e.Actor = "key_1" }, "actor"},
		{"unknown actor kind", func(e *steward.AuditEvent) { e.Actor = "robot:r1" }, "actor"},
		{"no action", func(e *steward.AuditEvent) { e.Action = "" }, "action"},
		{"an email as subject", func(e *steward.AuditEvent) { e.SubjectID = "jane@example.org" }, "subject_id"},
		{"a name as target", func(e *steward.AuditEvent) { e.Target = "Jane Doe" }, "target"},
		{"free text justification", func(e *steward.AuditEvent) { e.Justification = "she asked me to" }, "justification"},
		{"odd decision", func(e *steward.AuditEvent) { e.Decision = "maybe" }, "decision"},
		{"a category with a space", func(e *steward.AuditEvent) { e.Categories = []string{"user.contact email"} }, "categories"},
		{"an overlong reason", func(e *steward.AuditEvent) { e.Reasons = []string{strings.Repeat("r", 129)} }, "reasons"},
		{"not an address", func(e *steward.AuditEvent) { e.ClientIP = "localhost" }, "client_ip"},
	}
	for _, c := range cases {
		e := f.event(1)
		c.edit(e)
		err := f.log.Append(context.Background(), e)
		var se *steward.Error
		if !errors.As(err, &se) || se.Code != steward.EINVALID || len(se.Fields) != 1 || se.Fields[0].Path != c.field {
			t.Errorf("%s: Append = %v; want EINVALID on %s", c.name, err, c.field)
		}
		if err != nil && (strings.Contains(err.Error(), "jane") || strings.Contains(err.Error(), "Jane")) {
			t.Errorf("%s: the error repeats the value: %v", c.name, err)
		}
	}
	if r := f.verify(t, audit.VerifyOptions{}); r.Events != 0 {
		t.Fatalf("rejected events were stored: %+v", r)
	}
}

func TestAppendTruncatesAddresses(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t), 10)
	for ip, want := range map[string]string{
		"203.0.113.77":            "203.0.113.0",
		"::ffff:198.51.100.9":     "198.51.100.0",
		"2001:db8:abcd:12:1::7":   "2001:db8:abcd::",
		"2001:db8:abcd:ffff::ff1": "2001:db8:abcd::",
	} {
		e := f.event(1)
		e.ClientIP = ip
		if err := f.log.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		stored := storedEvent(t, f, e.Seq)
		if stored.ClientIP != want {
			t.Errorf("client IP %s stored as %s; want %s", ip, stored.ClientIP, want)
		}
	}
}

// TestConcurrentAppends: many callers on two tenants end up as two intact
// chains, each with a checkpoint every 10 events, on both backends.
func TestConcurrentAppends(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b.Open(t), 10)
		second := &steward.Tenant{Name: "second", HomeRegion: "us", CreatedAt: f.clock.Now()}
		if err := f.db.CreateTenant(context.Background(), second); err != nil {
			t.Fatal(err)
		}
		const callers, each = 40, 25
		appendConcurrently(t, f.log, callers, each, func(c, i int) *steward.AuditEvent {
			e := f.event(c*each + i)
			if c%2 == 1 {
				e.TenantID = second.ID
			}
			return e
		})
		for _, tenant := range []string{f.tenant, second.ID} {
			r, err := f.log.Verify(context.Background(), tenant, audit.VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := int64(callers / 2 * each)
			if !r.OK || r.Events != want || r.LastCheckpoint == nil || r.LastCheckpoint.Seq != want || r.Unsigned != 0 {
				t.Fatalf("tenant %s: %+v; want %d events, checkpointed at the last", tenant, r, want)
			}
			cps, _ := f.db.AuditCheckpoints(context.Background(), tenant)
			if len(cps) != int(want/10) {
				t.Fatalf("%d checkpoints for %d events every 10", len(cps), want)
			}
		}
	})
}

// TestOneBadTenantFailsAlone: an event of a tenant that does not exist
// fails, and the events batched with it are stored.
func TestOneBadTenantFailsAlone(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t), 10)
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := f.event(i)
			if i == 7 {
				e.TenantID = "ten_doesnotexist"
			}
			errs[i] = f.log.Append(context.Background(), e)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (err != nil) != (i == 7) {
			t.Errorf("append %d: %v", i, err)
		}
	}
	if r := f.verify(t, audit.VerifyOptions{}); !r.OK || r.Events != 19 {
		t.Fatalf("report: %+v", r)
	}
}

// TestCloseCommitsQueued: events appended before Close are stored; appends
// after it are refused.
func TestCloseCommitsQueued(t *testing.T) {
	db := testdb.SQLite(t)
	f := newFixture(t, db, 10)
	done := make(chan error, 50)
	for i := range 50 {
		go func() { done <- f.log.Append(context.Background(), f.event(i)) }()
	}
	for range 50 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	f.log.Close()
	if err := f.log.Append(context.Background(), f.event(1)); steward.ErrorCode(err) != steward.EUNAVAILABLE {
		t.Fatalf("append after Close = %v; want EUNAVAILABLE", err)
	}
	if h, _ := db.AuditHead(context.Background(), f.tenant); h.Seq != 50 {
		t.Fatalf("head after Close = %d; want 50", h.Seq)
	}
}

// TestIdleChainsAreResigned: the periodic checkpoint signs the head of a
// chain with events since the last checkpoint, and re-signs an idle one with
// the current time.
func TestIdleChainsAreResigned(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t), 10)
	f.appendN(t, 13)
	for round := range 2 {
		f.clock.Add(time.Minute)
		if err := f.log.CheckpointAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		r := f.verify(t, audit.VerifyOptions{MaxAge: 30 * time.Second})
		if !r.OK || r.LastCheckpoint.Seq != 13 || !r.LastCheckpoint.Time.Equal(f.clock.Now()) {
			t.Fatalf("round %d: %+v", round, r)
		}
	}
	cps, _ := f.db.AuditCheckpoints(context.Background(), f.tenant)
	if len(cps) != 2 { // at 10 (by count) and 13 (by time, re-signed in place)
		t.Fatalf("%d checkpoints; want 2", len(cps))
	}
}

// TestSignerIsShared: replicas opening the signer on one store share one
// key, and a store opened with another master key trusts none of it.
func TestSignerIsShared(t *testing.T) {
	db := testdb.SQLite(t)
	w := newWrapper(t)
	var wg sync.WaitGroup
	ids := make([]int, 4)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := audit.OpenSigner(context.Background(), db, w, time.Now)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = s.KeyID()
		}()
	}
	wg.Wait()
	keys, _ := db.AuditSigningKeys(context.Background())
	if len(keys) != 1 || ids[0] != 1 || ids[3] != 1 {
		t.Fatalf("%d keys, ids %v; want one key, id 1", len(keys), ids)
	}
	trusted, err := audit.TrustedKeys(context.Background(), db, newWrapper(t))
	if err != nil || len(trusted) != 0 {
		t.Fatalf("another master key trusts %d keys (%v)", len(trusted), err)
	}
	if _, err := audit.OpenSigner(context.Background(), db, newWrapper(t), time.Now); err == nil {
		t.Fatal("a signer opened with the wrong master key")
	}
}

// TestAppendDuringClose: appends racing Close either commit or are refused
// with EUNAVAILABLE; none is lost or panics, and every success is stored.
func TestAppendDuringClose(t *testing.T) {
	db := testdb.SQLite(t)
	f := newFixture(t, db, 10)
	var wg sync.WaitGroup
	var mu sync.Mutex
	stored := 0
	for c := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				err := f.log.Append(context.Background(), f.event(c*200+i))
				if steward.ErrorCode(err) == steward.EUNAVAILABLE {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				stored++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	f.log.Close()
	wg.Wait()
	if h, _ := db.AuditHead(context.Background(), f.tenant); h.Seq != int64(stored) {
		t.Fatalf("%d appends succeeded but the chain has %d events", stored, h.Seq)
	}
}
