package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/jobs"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)} }

// TestOneReplicaRunsEachPeriod: two replicas share a store; a periodic job
// runs once per period, on the lease holder; when the holder stops renewing
// (killed), the other takes over after the lease expires.
func TestOneReplicaRunsEachPeriod(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		c := newClock()
		var runsA, runsB atomic.Int64
		mk := func(n *atomic.Int64) *jobs.Scheduler {
			s := jobs.New(db, jobs.Options{Lease: 30 * time.Second, Now: c.now})
			s.Add(jobs.Job{Name: "purge", Every: time.Minute, Run: func(context.Context) error { n.Add(1); return nil }})
			return s
		}
		a, bb := mk(&runsA), mk(&runsB)
		ctx := context.Background()
		for range 6 { // 6 minutes, both replicas ticking every 10s
			for range 6 {
				a.RunDue(ctx)
				bb.RunDue(ctx)
				c.advance(10 * time.Second)
			}
		}
		if runsA.Load()+runsB.Load() != 6 || runsB.Load() != 0 {
			t.Fatalf("runs: A %d, B %d; want 6 on A only", runsA.Load(), runsB.Load())
		}
		// A dies: only B ticks. B takes over within one lease period.
		for range 3 {
			bb.RunDue(ctx)
			c.advance(10 * time.Second)
		}
		bb.RunDue(ctx)
		if runsB.Load() == 0 {
			t.Fatal("B did not take over within one lease period")
		}
		states, err := db.Jobs(ctx)
		if err != nil || len(states) != 1 || states[0].Holder != bb.Holder() || states[0].Runs != runsA.Load()+runsB.Load() {
			t.Fatalf("job state = %+v, %v", states, err)
		}
	})
}

func TestFailuresBackOffAndAreVisible(t *testing.T) {
	db := testdb.SQLite(t)
	c := newClock()
	s := jobs.New(db, jobs.Options{Lease: 30 * time.Second, Now: c.now})
	var runs atomic.Int64
	s.Add(jobs.Job{Name: "flaky", Every: time.Hour, Run: func(context.Context) error {
		if runs.Add(1) < 3 {
			return errors.New("store unreachable")
		}
		return nil
	}})
	s.Add(jobs.Job{Name: "panics", Every: time.Hour, Run: func(context.Context) error { panic("boom") }})
	s.Add(jobs.Job{Name: "once", Run: func(context.Context) error { return nil }})
	ctx := context.Background()
	s.RunDue(ctx)
	st, _ := db.Jobs(ctx)
	byName := map[string]int{}
	for i, j := range st {
		byName[j.Name] = i
	}
	flaky := st[byName["flaky"]]
	if flaky.Failures != 1 || flaky.LastError == "" || !flaky.NextRun.Equal(c.t.Add(time.Second)) {
		t.Fatalf("after one failure: %+v", flaky)
	}
	if p := st[byName["panics"]]; p.Failures != 1 || p.LastError == "" {
		t.Fatalf("a panicking job was not recorded as failed: %+v", p)
	}
	c.advance(time.Second)
	s.RunDue(ctx) // second failure: next retry after 2s
	st, _ = db.Jobs(ctx)
	if f := st[byName["flaky"]]; f.Failures != 2 || !f.NextRun.Equal(c.t.Add(2*time.Second)) {
		t.Fatalf("after two failures: %+v", f)
	}
	c.advance(2 * time.Second)
	s.RunDue(ctx)
	st, _ = db.Jobs(ctx)
	if f := st[byName["flaky"]]; f.Failures != 0 || f.LastError != "" || !f.NextRun.Equal(c.t.Add(time.Hour)) {
		t.Fatalf("after success: %+v", f)
	}
	if o := st[byName["once"]]; o.Runs != 1 || o.NextRun.Year() != 9999 {
		t.Fatalf("one-off job: %+v", o)
	}
}
