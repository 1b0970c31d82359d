package audit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/steward-privacy/steward"
	"golang.org/x/sync/errgroup"
)

// Report is the outcome of verifying one tenant's chain: OK with the count
// and the last checkpoint, or the first bad sequence number and what is
// wrong with it.
type Report struct {
	TenantID string `json:"tenant_id"`
	OK       bool   `json:"ok"`
	Events   int64  `json:"events"`
	LastSeq  int64  `json:"last_seq"`
	LastHash []byte `json:"last_hash,omitempty"`
	// LastCheckpoint is the newest signed checkpoint. An auditor who kept an
	// earlier report can pass it as VerifyOptions.Anchor later.
	LastCheckpoint *steward.AuditCheckpoint `json:"last_checkpoint,omitempty"`
	// Unsigned counts the events after the last checkpoint: they are chained
	// but not yet covered by a signature.
	Unsigned int64 `json:"unsigned"`
	// Pending counts the events accepted but not yet integrated into the
	// chain (replicas on PostgreSQL): durable, but covered by neither the
	// hash chain nor a checkpoint until the sequencer integrates them,
	// within tens of milliseconds. LastSeq is how far the chain is
	// integrated.
	Pending int64  `json:"pending"`
	BadSeq  int64  `json:"bad_seq,omitempty"`
	Problem string `json:"problem,omitempty"`
}

// VerifyOptions tunes Verify.
type VerifyOptions struct {
	// Every is the checkpoint interval assumed before the first checkpoint
	// (later runs use the interval each checkpoint signs). Default 1000.
	Every int64
	// MaxAge, when set, fails a chain whose newest checkpoint is older: the
	// periodic checkpoint job re-signs idle chains, so a stale newest
	// checkpoint means newer ones were removed (or the job is not running).
	MaxAge time.Duration
	Now    func() time.Time
	// Anchor, when set, is an event an auditor recorded earlier (the last
	// checkpoint of a previous report): the chain must still contain it.
	Anchor *steward.AuditHead
}

func (o VerifyOptions) anchor() []pin {
	if o.Anchor == nil {
		return nil
	}
	return pinHead(*o.Anchor, "the anchor")
}

// The least number of events worth a parallel segment, and the most
// segments (0: one per CPU, up to 8). Tests change both.
var (
	segmentSize int64 = 100_000
	maxSegments       = 0
)

// Verify checks a tenant's chain in the store: every hash, the sequence,
// every checkpoint's signature (against keys, see TrustedKeys) and position,
// and the chain head. Long chains are read in parallel segments, one per
// CPU. A fault is reported in the Report (OK false), not as an error; errors
// are storage failures.
func Verify(ctx context.Context, store steward.AuditStore, tenantID string, keys PublicKeys, o VerifyOptions) (*Report, error) {
	// The head is read first: events appended during the scan only extend
	// the chain past it.
	head, err := store.AuditHead(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	cps, err := store.AuditCheckpoints(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	p := newPlan(tenantID, keys, cps, o.Every, append(pinHead(head, "the chain head"), o.anchor()...))
	limit := maxSegments
	if limit <= 0 {
		limit = min(runtime.GOMAXPROCS(0), 8)
	}
	n := max(1, min(int64(limit), head.Seq/segmentSize))
	segs := make([]*segment, n)
	g, gctx := errgroup.WithContext(ctx)
	for i := range n {
		lo, hi := head.Seq*i/n, head.Seq*(i+1)/n
		if i == n-1 {
			hi = -1 // the last segment reads to the end, past the head
		}
		s := newSegment(p, lo, hi)
		segs[i] = s
		g.Go(func() error {
			if err := store.ScanAudit(gctx, tenantID, lo, s.event); err != nil && !errors.Is(err, errStop) {
				return err
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	r := p.join(segs)
	checkAge(r, o)
	if ps, ok := store.(steward.AuditPendingStore); ok {
		if r.Pending, err = ps.AuditPending(ctx, tenantID); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Verify checks a tenant's chain with the signer's trusted keys.
func (l *Log) Verify(ctx context.Context, tenantID string, o VerifyOptions) (*Report, error) {
	if err := l.Sync(ctx); err != nil {
		return nil, err
	}
	if o.Every <= 0 {
		o.Every = l.opts.Every
	}
	if o.Now == nil {
		o.Now = l.opts.Now
	}
	return Verify(ctx, l.store, tenantID, l.signer.PublicKeys(), o)
}

// checkAge applies VerifyOptions.MaxAge to a chain found intact.
func checkAge(r *Report, o VerifyOptions) {
	if !r.OK || o.MaxAge <= 0 || r.LastSeq == 0 {
		return
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	if r.LastCheckpoint == nil || now().Sub(r.LastCheckpoint.Time) > o.MaxAge {
		r.OK, r.BadSeq = false, r.LastSeq
		r.Problem = fmt.Sprintf("the newest checkpoint is older than %s (newer checkpoints were removed, or the checkpoint job is not running)", o.MaxAge)
	}
}
