package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/steward-privacy/steward"
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
	// earlier report can compare: its checkpoint must still be in the chain.
	LastCheckpoint *steward.AuditCheckpoint `json:"last_checkpoint,omitempty"`
	// Unsigned counts the events after the last checkpoint: they are chained
	// but not yet covered by a signature.
	Unsigned int64  `json:"unsigned"`
	BadSeq   int64  `json:"bad_seq,omitempty"`
	Problem  string `json:"problem,omitempty"`
}

// pin is an event known from elsewhere (the chain head row, or an anchor an
// auditor kept from an earlier verification) that the chain must contain.
type pin struct {
	steward.AuditHead
	what string
}

// pinHead returns the pin for a recorded chain head, if it has events.
func pinHead(h steward.AuditHead, what string) []pin {
	if h.Seq == 0 {
		return nil
	}
	return []pin{{AuditHead: h, what: what}}
}

// errStop ends a scan once the first fault is found.
var errStop = errors.New("audit: verification stopped")

// checker verifies a chain fed to it in order, with its checkpoints.
type checker struct {
	keys   PublicKeys
	every  int64 // the interval assumed before the first checkpoint
	cps    []*steward.AuditCheckpoint
	next   int // index of the next checkpoint to meet
	prev   []byte
	lastCP int64
	pins   []pin // events that must be in the chain with a known hash
	h      *hasher
	sum    []byte
	r      Report
}

func newChecker(tenantID string, keys PublicKeys, cps []*steward.AuditCheckpoint, every int64) *checker {
	if every <= 0 {
		every = DefaultEvery
	}
	cps = slices.Clone(cps)
	slices.SortFunc(cps, func(a, b *steward.AuditCheckpoint) int { return int(a.Seq - b.Seq) })
	return &checker{keys: keys, every: every, cps: cps, prev: make([]byte, HashSize), h: newHasher(),
		sum: make([]byte, 0, HashSize), r: Report{TenantID: tenantID, OK: true}}
}

// fail records the first fault and stops.
func (c *checker) fail(seq int64, format string, args ...any) error {
	c.r.OK, c.r.BadSeq, c.r.Problem = false, seq, fmt.Sprintf(format, args...)
	return errStop
}

// event checks the next event of the chain.
func (c *checker) event(e *steward.AuditEvent) error {
	want := c.r.LastSeq + 1
	switch {
	case e.TenantID != c.r.TenantID:
		return c.fail(e.Seq, "event belongs to another tenant")
	case e.Seq > want:
		return c.fail(want, "event %d is missing (the next stored event is %d)", want, e.Seq)
	case e.Seq < want:
		return c.fail(e.Seq, "event %d is stored twice or out of order", e.Seq)
	case !bytes.Equal(e.PrevHash, c.prev):
		return c.fail(e.Seq, "prev_hash does not match the hash of event %d", e.Seq-1)
	}
	c.sum = c.h.sum(c.sum[:0], c.prev, e)
	if !bytes.Equal(c.sum, e.Hash) {
		return c.fail(e.Seq, "hash does not match the event's contents (the event was altered)")
	}
	for _, p := range c.pins {
		if e.Seq == p.Seq && !bytes.Equal(e.Hash, p.Hash) {
			return c.fail(e.Seq, "%s records another hash for this event (the chain was rewritten)", p.what)
		}
	}
	c.prev = append(c.prev[:0], e.Hash...)
	c.r.LastSeq, c.r.Events = e.Seq, c.r.Events+1
	for c.next < len(c.cps) && c.cps[c.next].Seq == e.Seq {
		if err := c.checkpoint(c.cps[c.next], e); err != nil {
			return err
		}
		c.next++
	}
	if c.next < len(c.cps) && c.cps[c.next].Seq < e.Seq {
		return c.fail(c.cps[c.next].Seq, "checkpoint names a sequence number the chain skips")
	}
	return nil
}

// checkpoint checks a checkpoint met at event e, and that the run of events
// it closes is no longer than its interval (otherwise checkpoints were
// removed, as when a chain is rewritten without the signing key).
func (c *checker) checkpoint(cp *steward.AuditCheckpoint, e *steward.AuditEvent) error {
	if cp.TenantID != c.r.TenantID {
		return c.fail(cp.Seq, "checkpoint belongs to another tenant")
	}
	if p := c.keys.Check(cp); p != "" {
		return c.fail(cp.Seq, "%s", p)
	}
	if !bytes.Equal(cp.Hash, e.Hash) {
		return c.fail(cp.Seq, "the signed checkpoint does not match the chain (the chain was rewritten)")
	}
	if run := cp.Seq - c.lastCP; run > cp.Every {
		return c.fail(c.lastCP+1, "%d events without a checkpoint, more than the interval of %d (checkpoints were removed)", run, cp.Every)
	}
	c.lastCP, c.every = cp.Seq, cp.Every
	c.r.LastCheckpoint = cp
	return nil
}

// finish checks what only the end of the chain shows and returns the report.
func (c *checker) finish() *Report {
	if !c.r.OK {
		return &c.r
	}
	if c.next < len(c.cps) {
		_ = c.fail(c.r.LastSeq+1, "a signed checkpoint names event %d, which is missing (the tail was cut off)", c.cps[c.next].Seq)
		return &c.r
	}
	for _, p := range c.pins {
		if c.r.LastSeq < p.Seq {
			_ = c.fail(c.r.LastSeq+1, "%s names event %d but the chain ends at %d (the tail was cut off)", p.what, p.Seq, c.r.LastSeq)
			return &c.r
		}
	}
	c.r.Unsigned = c.r.LastSeq - c.lastCP
	if c.r.Unsigned > c.every {
		_ = c.fail(c.lastCP+1, "%d events without a checkpoint, more than the interval of %d (checkpoints were removed)", c.r.Unsigned, c.every)
		return &c.r
	}
	c.r.LastHash = slices.Clone(c.prev)
	if c.r.LastSeq == 0 {
		c.r.LastHash = nil
	}
	return &c.r
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

// Verify checks a tenant's chain in the store: every hash, the sequence,
// every checkpoint's signature (against keys, see TrustedKeys) and position,
// and the chain head. A fault is reported in the Report (OK false), not as an
// error; errors are storage failures.
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
	c := newChecker(tenantID, keys, cps, o.Every)
	c.pins = append(pinHead(head, "the chain head"), o.anchor()...)
	err = store.ScanAudit(ctx, tenantID, 0, c.event)
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	r := c.finish()
	if r.OK {
		checkAge(r, o)
	}
	return r, nil
}

func (o VerifyOptions) anchor() []pin {
	if o.Anchor == nil {
		return nil
	}
	return pinHead(*o.Anchor, "the anchor")
}

// checkAge applies VerifyOptions.MaxAge.
func checkAge(r *Report, o VerifyOptions) {
	if o.MaxAge <= 0 || r.LastSeq == 0 {
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

// Verify checks a tenant's chain with the signer's trusted keys.
func (l *Log) Verify(ctx context.Context, tenantID string, o VerifyOptions) (*Report, error) {
	if o.Every <= 0 {
		o.Every = l.opts.Every
	}
	if o.Now == nil {
		o.Now = l.opts.Now
	}
	return Verify(ctx, l.store, tenantID, l.signer.PublicKeys(), o)
}
