package steward

import (
	"context"
	"time"
)

// JobState is what the scheduler records of a background job.
type JobState struct {
	Name       string     `json:"name"`
	Holder     string     `json:"holder,omitempty" doc:"the replica holding the job's lease"`
	LeaseUntil time.Time  `json:"lease_until"`
	NextRun    time.Time  `json:"next_run"`
	LastRun    *time.Time `json:"last_run,omitempty"`
	LastError  string     `json:"last_error,omitempty"`
	Failures   int        `json:"failures"`
	Runs       int64      `json:"runs"`
}

// JobStore keeps job leases and states.
//
// AcquireJob takes or renews the lease of a job for holder until the given
// time if it is free, expired or already the holder's, creating the job's row
// on first use; it reports whether holder has the lease. FinishJob records a
// run (err "" for success) and the next run time, if holder still holds the
// lease. ReleaseJob gives the lease up.
type JobStore interface {
	AcquireJob(ctx context.Context, name, holder string, now, until time.Time) (bool, *JobState, error)
	FinishJob(ctx context.Context, name, holder string, ran time.Time, errText string, next time.Time) error
	ReleaseJob(ctx context.Context, name, holder string) error
	Jobs(ctx context.Context) ([]*JobState, error)
}

// RequestLogEntry is one line of the private request log: no path values,
// no bodies, no full addresses.
type RequestLogEntry struct {
	At        time.Time
	Method    string
	Route     string // the route pattern, e.g. GET /v1/subjects/{id}
	Status    int
	Latency   time.Duration
	ReqBytes  int64
	RespBytes int64
	ClientIP  string // truncated address
	UAFamily  string // the user-agent family only (curl, browser, ...)
	APIKeyID  string
}

// RequestLogStore keeps the private request log.
type RequestLogStore interface {
	AppendRequests(ctx context.Context, entries []RequestLogEntry) error
	PurgeRequests(ctx context.Context, before time.Time) (int, error)
}
