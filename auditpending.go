package steward

import "context"

// AuditPendingStore is the "accepted, not yet integrated" side of an
// AuditStore, for replicas that share one database (PostgreSQL): a request
// stores its event without a chain position, taking no lock that another
// replica waits for, and one sequencer integrates the accepted events into
// their chains in large batches (as transparency logs separate accepting an
// entry from integrating it).
//
// AcceptAudit stores events durably without Seq or hashes (they stay
// zero); it returns ENOTFOUND for an event of a tenant that does not exist.
// IntegrateAudit takes up to limit accepted events in the order they were
// accepted and, in one transaction, chains them (and then extra, events
// chained directly: a caller that reports its sequence number) under each
// tenant's locked head with seal, as AppendAudit does, and removes them from
// the accepted events; it returns how many accepted events it took, so an
// event is integrated exactly once even when two integrations race.
// AuditPending counts a tenant's accepted events not yet integrated.
type AuditPendingStore interface {
	AcceptAudit(ctx context.Context, events []*AuditEvent) error
	IntegrateAudit(ctx context.Context, limit int, seal AuditSealFunc, extra []*AuditEvent) (int, error)
	AuditPending(ctx context.Context, tenantID string) (int64, error)
}
