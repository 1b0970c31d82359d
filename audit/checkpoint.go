package audit

import (
	"context"
	"errors"

	"github.com/steward-privacy/steward"
)

// JobCheckpoint is the name of the periodic job that calls CheckpointAll.
const JobCheckpoint = "audit.checkpoint"

// CheckpointAll signs a checkpoint at the head of every tenant's chain: a new
// one when events were appended since the last checkpoint, otherwise a
// re-signing of the last one with the current time, so that the newest
// checkpoint's time shows the chain was intact (and this long) until then.
// Run it every few seconds to minutes (the scheduler's audit.checkpoint
// job): it bounds how long the newest events stay without a signature.
func (l *Log) CheckpointAll(ctx context.Context) error {
	if err := l.Sync(ctx); err != nil { // sign what the journal holds too
		return err
	}
	tenants, err := l.store.AuditTenants(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range tenants {
		err := l.store.CheckpointAudit(ctx, t, func(h steward.AuditHead) (*steward.AuditCheckpoint, error) {
			if h.Seq == 0 {
				return nil, nil
			}
			return l.checkpoint(t, h.Seq, h.Hash), nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
