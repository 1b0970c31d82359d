package jobs

import (
	"context"
	"sync"
	"time"
)

// Loop is work that runs continuously, every Every (tens of milliseconds,
// say), on the one replica holding its lease: the audit sequencer, which
// integrates the events every replica accepted. The holder renews the lease
// every Lease/3 and runs the work only within Lease/3 of its last renewal,
// so a replica that lost its lease (it stalled, or another took over after
// it died) stops within one period of finding out. The work must be safe to
// run twice at once anyway: a stalled holder may not know yet.
type Loop struct {
	// Name identifies the loop's lease across replicas (a job name).
	Name string
	// Every is the pause between runs.
	Every time.Duration
	// Run does one round of the work; an error is logged and counted, and
	// the next round comes after a pause of Every as usual.
	Run func(ctx context.Context) error
}

// AddLoop registers a loop; Run starts it.
func (s *Scheduler) AddLoop(l Loop) {
	s.mu.Lock()
	s.loops = append(s.loops, l)
	s.mu.Unlock()
}

// runLoops runs every registered loop until ctx ends, then gives up their
// leases.
func (s *Scheduler) runLoops(ctx context.Context) *sync.WaitGroup {
	s.mu.Lock()
	loops := append([]Loop(nil), s.loops...)
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, l := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.runLoop(ctx, l)
			_ = s.store.ReleaseJob(context.WithoutCancel(ctx), l.Name, s.holder)
		}()
	}
	return &wg
}

// runLoop takes (or waits for) the loop's lease and runs it while held.
func (s *Scheduler) runLoop(ctx context.Context, l Loop) {
	for ctx.Err() == nil {
		now := s.opts.Now()
		held, _, err := s.store.AcquireJob(ctx, l.Name, s.holder, now, now.Add(s.opts.Lease))
		if err != nil && ctx.Err() == nil {
			s.opts.Logger.Warn("loop lease", "loop", l.Name, "error", err.Error())
		}
		if err != nil || !held {
			sleep(ctx, s.opts.Tick)
			continue
		}
		// Run until a third of the lease has passed, then renew.
		for renew := now.Add(s.opts.Lease / 3); ctx.Err() == nil && s.opts.Now().Before(renew); {
			result := "ok"
			stop := s.keepLease(ctx, l.Name) // a round may outlast the lease (a large export)
			err := runSafely(ctx, Job{Name: l.Name, Run: l.Run})
			stop()
			if err != nil && ctx.Err() == nil {
				result = "error"
				s.opts.Logger.Warn("loop failed", "loop", l.Name, "error", err.Error())
			}
			s.runs.WithLabelValues(l.Name, result).Inc()
			sleep(ctx, l.Every)
		}
	}
}

// sleep waits for d or the end of ctx.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
