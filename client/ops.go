package client

import (
	"context"
	"time"
)

// The keys RotateKey and KeyRotation name.
const (
	TenantKey = "tenant" // the caller's tenant key (admin)
	MasterKey = "master" // the master key (operator only)
)

// RotationStatus is the progress of the latest key rotation.
type RotationStatus struct {
	Kind     string   `json:"kind"` // tenant or master
	TenantID string   `json:"tenant_id,omitempty"`
	Version  uint32   `json:"version"`           // the new current key version
	Total    int      `json:"total"`             // keys to rewrap
	Done     int      `json:"done"`              // keys rewrapped so far
	Retired  []uint32 `json:"retired,omitempty"` // old versions destroyed
	Kept     []uint32 `json:"kept,omitempty"`    // old versions still in use
	Finished bool     `json:"finished"`
	Running  bool     `json:"running"`
	Error    string   `json:"error,omitempty"` // why the rotation stopped, if it failed
}

type rotateRequest struct {
	Key string `json:"key"`
}

// Job is the state of one background job.
type Job struct {
	Name       string     `json:"name"`
	Holder     string     `json:"holder,omitempty"` // the replica holding the job's lease
	LeaseUntil time.Time  `json:"lease_until"`
	NextRun    time.Time  `json:"next_run"`
	LastRun    *time.Time `json:"last_run,omitempty"`
	LastError  string     `json:"last_error,omitempty"`
	Failures   int        `json:"failures"`
	Runs       int64      `json:"runs"`
}

type jobList struct {
	Jobs []Job `json:"jobs"`
}

func (l *jobList) items() []Job { return l.Jobs }

var (
	routeRotateKey   = jsonRoute[rotateRequest, RotationStatus]("RotateKey", "POST", "/v1/keys/rotate")
	routeKeyRotation = jsonRoute[none, RotationStatus]("KeyRotation", "GET", "/v1/keys/rotation")
	routeListJobs    = jsonRoute[none, jobList]("ListJobs", "GET", "/v1/jobs")
)

// RotateKey starts rotating TenantKey (needs admin) or MasterKey (operator
// only); the rewrapping runs in the background: follow it with KeyRotation.
func (c *Client) RotateKey(ctx context.Context, key string) (*RotationStatus, error) {
	return routeRotateKey.call(ctx, c, rotateRequest{Key: key}, nil)
}

// KeyRotation reports the progress of the latest rotation of TenantKey or
// MasterKey (needs admin).
func (c *Client) KeyRotation(ctx context.Context, key string) (*RotationStatus, error) {
	return routeKeyRotation.call(ctx, c, none{}, values("key", key))
}

// ListJobs reports the background jobs: last run, next run, last error
// (needs admin).
func (c *Client) ListJobs(ctx context.Context) ([]Job, error) {
	return itemsOf(routeListJobs.call(ctx, c, none{}, nil))
}
