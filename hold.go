package steward

import (
	"context"
	"time"
)

// Hold is a legal hold: while active it suspends retention deletion and
// erasure of what it covers, either one subject (SubjectID) or one category
// and the categories below it, for every subject of the tenant (Category).
// Exactly one of SubjectID and Category is set.
//
// The reason is free text (a matter name, a court order): it is stored only
// sealed (ReasonSealed) and never written to the audit log.
type Hold struct {
	ID           string
	TenantID     string
	SubjectID    string
	Category     string
	Reason       string // in memory only: the store keeps ReasonSealed
	ReasonSealed []byte
	Until        *time.Time // the hold lapses by itself then; nil: until released
	CreatedBy    string     // the actor that placed it
	CreatedAt    time.Time
	ReleasedAt   *time.Time
	ReleasedBy   string
}

// Active reports whether the hold is in force at t: not released and
// before its end.
func (h *Hold) Active(t time.Time) bool {
	return h.ReleasedAt == nil && (h.Until == nil || t.Before(*h.Until))
}

// SubjectRetention is a retention a person chose for one category of their
// data (and the categories below it), shorter than the policy's.
type SubjectRetention struct {
	TenantID  string
	SubjectID string
	Category  string
	Retention time.Duration
	UpdatedAt time.Time
}

// HoldStore keeps legal holds.
//
// ReleaseHold marks an active hold released and returns it; ENOTFOUND when
// the tenant has no such hold, ECONFLICT when it was released already.
// HoldsOn returns the holds active at t that cover a subject: its own
// holds, and the category holds whose category covers one of its records
// or files.
type HoldStore interface {
	CreateHold(ctx context.Context, h *Hold) error
	Hold(ctx context.Context, tenantID, id string) (*Hold, error)
	Holds(ctx context.Context, tenantID string, includeReleased bool) ([]*Hold, error)
	ReleaseHold(ctx context.Context, tenantID, id, by string, at time.Time) (*Hold, error)
	HoldsOn(ctx context.Context, tenantID, subjectID string, at time.Time) ([]*Hold, error)
}

// Audit actions of holds and of the subject state changes of rights
// requests. Their events carry ids and codes only: never a hold's reason,
// a corrected value or a birthdate.
const (
	ActionHoldCreate       = "hold.create"
	ActionHoldRelease      = "hold.release"
	ActionSubjectRestrict  = "subject.restrict"
	ActionSubjectObject    = "subject.object"
	ActionSubjectRetention = "subject.retention"
	ActionSubjectCorrect   = "subject.correct"
	ActionSubjectAge       = "subject.age"
)

// ReasonLegalHold is the reason code of an erasure or deletion a legal
// hold refused.
const ReasonLegalHold = "legal_hold"
