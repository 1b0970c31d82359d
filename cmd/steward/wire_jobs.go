package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/jobs"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/reconcile"
	"github.com/steward-privacy/steward/requestlog"
	"github.com/steward-privacy/steward/vault"
)

// requestLogCategory is the policy category whose retention governs the
// private request log.
const requestLogCategory = "system.operations.request_log"

// requestLogRetention is the policy's retention for the request log, or 24
// hours when the policy does not declare one with a limit.
func requestLogRetention(d *policy.Decider) time.Duration {
	if r, ok := d.Retention(requestLogCategory); ok {
		if limit, ok := r.Limit(); ok && limit > 0 {
			return limit
		}
	}
	return 24 * time.Hour
}

// drain repeats a batch pass until it finds nothing more to do.
func drain(pass func(context.Context) (int, error)) func(context.Context) error {
	return func(ctx context.Context) error {
		for {
			n, err := pass(ctx)
			if err != nil || n == 0 {
				return err
			}
		}
	}
}

// requestsPeriod bounds the pause of the rights request runner: a verified
// request starts within it.
const requestsPeriod = 250 * time.Millisecond

// drainFor repeats a batch pass until it finds nothing more to do or
// budget has passed, so that a long piece of work (a campaign of notices
// to every person) does not hold back the scheduler's other jobs: the
// next run goes on where this one stopped.
func drainFor(pass func(context.Context) (int, error), budget time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		end := time.Now().Add(budget)
		for {
			n, err := pass(ctx)
			if err != nil || n == 0 || time.Now().After(end) {
				return err
			}
		}
	}
}

// scheduler registers steward's background jobs: retention of files and
// records (G4), owed blob deletions, the request-log and PII-mapping purges,
// time-based audit checkpoints, and the removal of crash leftovers from the
// file store (package reconcile); and the jobs of other capabilities given
// in more.
func (a *app) scheduler(v *vault.Vault, log *audit.Log, reg *prometheus.Registry, more ...jobs.Job) *jobs.Scheduler {
	s := jobs.New(a.db, jobs.Options{Lease: a.cfg.JobLease, Now: a.clock, Logger: a.log, Registry: reg})
	mappings := a.db.PIIMappings(a.clock)
	every := a.cfg.JobInterval
	for _, j := range []jobs.Job{
		{Name: "retention.files", Every: every, Run: drain(v.ExpireFiles)},
		{Name: "retention.records", Every: 5 * every, Run: drain(v.ExpireRecords)},
		{Name: "retention.personal", Every: every, Run: drain(v.ExpirePersonal)},
		{Name: "blob.deletions", Every: 5 * every, Run: drain(v.FlushBlobDeletions)},
		{Name: "requestlog.purge", Every: 10 * every, Run: func(ctx context.Context) error {
			// The retention of the policy in force at each run.
			return requestlog.Purge(a.db, requestLogRetention(v.Policy()), a.clock)(ctx)
		}},
		{Name: "pii.mappings.purge", Every: 10 * every, Run: func(ctx context.Context) error {
			_, err := mappings.Purge(ctx)
			return err
		}},
		{Name: "audit.checkpoint", Every: every, Run: log.CheckpointAll},
		{Name: "files.reconcile", Every: 10 * every, Run: reconcile.New(reconcile.Options{Files: a.files, Rows: a.db,
			Audit: log, Grace: a.cfg.OrphanGrace, Now: a.clock, Logger: a.log, Registry: reg}).Job},
	} {
		s.Add(j)
	}
	for _, j := range more {
		s.Add(j)
	}
	if a.requests != nil {
		// Rights requests: expiry, start, executors, overdue events. A loop
		// of its own, not a job among the others: an export package of a
		// gigabyte takes seconds to build and must neither wait behind the
		// other jobs' pass nor hold up retention and checkpoints.
		s.AddLoop(jobs.Loop{Name: "requests.run", Every: min(every, requestsPeriod), Run: a.requests.Run})
	}
	if log.Accepting() {
		s.AddLoop(sequencerLoop(log))
	}
	return s
}
