package jobs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/jobs"
)

// TestLoopRunsOnOneReplica: two replicas run the same loop every few
// milliseconds; only the lease holder runs it, and when it stops (its
// leases released), the other takes over.
func TestLoopRunsOnOneReplica(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		var runsA, runsB atomic.Int64
		mk := func(n *atomic.Int64) *jobs.Scheduler {
			s := jobs.New(db, jobs.Options{Lease: 3 * time.Second, Tick: 20 * time.Millisecond})
			s.AddLoop(jobs.Loop{Name: "sequencer", Every: 5 * time.Millisecond, Run: func(context.Context) error { n.Add(1); return nil }})
			return s
		}
		a, bb := mk(&runsA), mk(&runsB)
		ctxA, stopA := context.WithCancel(context.Background())
		doneA := make(chan struct{})
		go func() { a.Run(ctxA); close(doneA) }()
		waitFor(t, func() bool { return runsA.Load() > 0 })
		ctxB, stopB := context.WithCancel(context.Background())
		defer stopB()
		doneB := make(chan struct{})
		go func() { bb.Run(ctxB); close(doneB) }()
		time.Sleep(300 * time.Millisecond)
		if runsA.Load() < 10 || runsB.Load() != 0 {
			t.Fatalf("runs: A %d, B %d; want many on A only", runsA.Load(), runsB.Load())
		}
		stopA()
		<-doneA
		waitFor(t, func() bool { return runsB.Load() > 0 })
		stopB()
		<-doneB
	})
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
