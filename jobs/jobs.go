// Package jobs runs steward's background work — retention, owed blob
// deletions, request-log purges — once across replicas. Each job has a lease
// row in the database: the replica holding an unexpired lease runs the job
// when it is due and renews the lease while it lives; when it dies, another
// replica takes the lease over within one lease period. Jobs are idempotent
// (running one twice does no harm), retried with exponential back-off, and
// visible in metrics and GET /v1/jobs.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/steward-privacy/steward"
)

// Job is one kind of background work.
type Job struct {
	// Name identifies the job across replicas.
	Name string
	// Every is the period of a periodic job; zero makes a one-off job, run
	// once (retried until it succeeds).
	Every time.Duration
	// Run does the work. It must be idempotent.
	Run func(ctx context.Context) error
}

// Options tunes a Scheduler.
type Options struct {
	// Lease is how long a lease lasts without renewal; a dead replica's jobs
	// move to another within it. Default 30s.
	Lease time.Duration
	// Tick is how often the scheduler looks for due work. Default Lease/3.
	Tick     time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
	Registry *prometheus.Registry
}

// never is the next run of a one-off job that succeeded.
var never = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// Scheduler runs jobs under leases.
type Scheduler struct {
	store  steward.JobStore
	holder string
	opts   Options
	mu     sync.Mutex
	jobs   []Job
	loops  []Loop
	runs   *prometheus.CounterVec
	last   *prometheus.GaugeVec
}

// New returns a scheduler for this replica, with a random holder id.
func New(store steward.JobStore, o Options) *Scheduler {
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Tick <= 0 {
		o.Tick = o.Lease / 3
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	s := &Scheduler{store: store, holder: "replica-" + hex.EncodeToString(b[:]), opts: o,
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "steward_job_runs_total",
			Help: "Background job runs on this replica by job and result."}, []string{"job", "result"}),
		last: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "steward_job_last_success_timestamp_seconds",
			Help: "When a background job last succeeded on this replica."}, []string{"job"}),
	}
	if o.Registry != nil {
		o.Registry.MustRegister(s.runs, s.last)
	}
	return s
}

// Holder returns this replica's lease holder id.
func (s *Scheduler) Holder() string { return s.holder }

// Add registers a job.
func (s *Scheduler) Add(j Job) {
	s.mu.Lock()
	s.jobs = append(s.jobs, j)
	s.mu.Unlock()
}

// Run runs due jobs every tick, and the loops, until ctx ends, then gives
// up its leases.
func (s *Scheduler) Run(ctx context.Context) {
	loops := s.runLoops(ctx)
	defer loops.Wait()
	t := time.NewTicker(s.opts.Tick)
	defer t.Stop()
	for {
		s.RunDue(ctx)
		select {
		case <-ctx.Done():
			s.release()
			return
		case <-t.C:
		}
	}
}

// RunDue takes or renews each job's lease and runs the jobs that are due.
func (s *Scheduler) RunDue(ctx context.Context) {
	s.mu.Lock()
	jobs := append([]Job(nil), s.jobs...)
	s.mu.Unlock()
	for _, j := range jobs {
		if ctx.Err() != nil {
			return
		}
		s.runIfDue(ctx, j)
	}
}

func (s *Scheduler) runIfDue(ctx context.Context, j Job) {
	now := s.opts.Now()
	held, st, err := s.store.AcquireJob(ctx, j.Name, s.holder, now, now.Add(s.opts.Lease))
	if err != nil {
		s.opts.Logger.Warn("job lease", "job", j.Name, "error", err.Error())
		return
	}
	if !held || now.Before(st.NextRun) {
		return
	}
	stop := s.keepLease(ctx, j.Name)
	err = runSafely(ctx, j)
	stop()
	ran := s.opts.Now()
	next, errText, result := ran.Add(j.Every), "", "ok"
	if j.Every == 0 {
		next = never
	}
	if err != nil {
		errText, result = steward.ErrorMessage(err), "error"
		next = ran.Add(backoff(st.Failures+1, j.Every))
		s.opts.Logger.Warn("job failed", "job", j.Name, "failures", st.Failures+1, "error", err.Error())
	} else {
		s.last.WithLabelValues(j.Name).Set(float64(ran.Unix()))
	}
	s.runs.WithLabelValues(j.Name, result).Inc()
	if err := s.store.FinishJob(context.WithoutCancel(ctx), j.Name, s.holder, ran, errText, next); err != nil {
		s.opts.Logger.Warn("job state", "job", j.Name, "error", err.Error())
	}
}

// runSafely runs a job, turning a panic into an error.
func runSafely(ctx context.Context, j Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = steward.Errorf(steward.EINTERNAL, "job panicked")
		}
	}()
	return j.Run(ctx)
}

// keepLease renews a job's lease while it runs; the returned func stops it.
func (s *Scheduler) keepLease(ctx context.Context, name string) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(s.opts.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				now := s.opts.Now()
				_, _, _ = s.store.AcquireJob(ctx, name, s.holder, now, now.Add(s.opts.Lease))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// backoff is the delay before retry n: 1s, 2s, 4s, ... at most the period
// (or an hour for one-off jobs).
func backoff(n int, period time.Duration) time.Duration {
	limit := period
	if limit <= 0 {
		limit = time.Hour
	}
	d := time.Second
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

func (s *Scheduler) release() {
	s.mu.Lock()
	jobs := append([]Job(nil), s.jobs...)
	s.mu.Unlock()
	for _, j := range jobs {
		_ = s.store.ReleaseJob(context.Background(), j.Name, s.holder)
	}
}
