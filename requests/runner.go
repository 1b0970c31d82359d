package requests

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/consent"
	"github.com/steward-privacy/steward/policy"
)

// Outcome is what an Executor reports of one run of a request.
type Outcome struct {
	// Status is Completed, PartiallyCompleted or Waiting.
	Status string
	// Reason says, for a partial completion, what could not be done (a
	// legal hold, processors that never confirmed), in words told to the
	// person.
	Reason string
	// Result is what the person gets (download_url, counts, tasks): stored
	// on the request and shown with it.
	Result any
	// Counts are what was done, by name (records, files, tasks...), for
	// the signed completion record.
	Counts map[string]int
	// Held names the legal holds (their ids) that keep what a partial
	// completion did not do. Such a request is marked held: the runner
	// calls its executor again at every tick and resumes it (back in
	// progress, reason hold_released) once the executor no longer
	// reports a hold. An executor that finds the same holds again may
	// return Waiting with Held set: nothing changes.
	Held []string
}

// ReasonHoldReleased is the reason code of the status change that resumes
// a request legal holds kept once they are released.
const ReasonHoldReleased = "hold_released"

// Outcome statuses: Waiting asks to be called again at the next tick.
const (
	Completed          = steward.RequestCompleted
	PartiallyCompleted = steward.RequestPartiallyCompleted
	Waiting            = "waiting"
)

// Executor carries out requests of one type. Run is called for a request
// in progress at every tick of the runner until it returns Completed or
// PartiallyCompleted; it must be idempotent (a crash may repeat a call).
// Service.Details gives the request's details. An error is logged and the
// call repeated at the next tick.
type Executor interface {
	Run(ctx context.Context, r *steward.RightsRequest) (*Outcome, error)
}

// ExecutorFunc is a function that is an Executor.
type ExecutorFunc func(ctx context.Context, r *steward.RightsRequest) (*Outcome, error)

// Run calls f.
func (f ExecutorFunc) Run(ctx context.Context, r *steward.RightsRequest) (*Outcome, error) {
	return f(ctx, r)
}

// Register sets the executor of a request type (replacing any). Requests
// of a type without one wait in progress until one is registered.
func (s *Service) Register(typ string, e Executor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.executors[typ] = e
}

func (s *Service) executor(typ string) Executor {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.executors[typ]
}

// Details returns a request's details as JSON ({} when it has none), for
// executors.
func (s *Service) Details(r *steward.RightsRequest) (json.RawMessage, error) {
	if len(r.DetailsSealed) == 0 {
		return json.RawMessage(`{}`), nil
	}
	return s.sealer.Open(r.DetailsSealed, []byte("steward.request.details/"+r.ID))
}

// runnerActor is the actor of the runner's changes.
const runnerActor = "system:requests"

// batch bounds the requests one pass of the runner reads per status.
const batch = 500

// Run is the runner, one pass (register it as a job under the lease):
// unverified requests older than 30 days expire; verified ones move to in
// progress; those in progress are handed to their type's executor and
// completed with a signed record when it says so; open requests past
// their deadline get one request.overdue event each.
func (s *Service) Run(ctx context.Context) error {
	now := s.now().UTC()
	rs, err := s.store.DueRequests(ctx, []string{steward.RequestUnverified, steward.RequestVerified, steward.RequestInProgress,
		steward.RequestAwaitingApproval}, batch)
	if err != nil {
		return err
	}
	held, err := s.store.HeldRequests(ctx, batch)
	if err != nil {
		return err
	}
	rs = append(rs, held...)
	var firstErr error
	keep := func(err error) {
		if err != nil && firstErr == nil && steward.ErrorCode(err) != steward.ECONFLICT {
			firstErr = err
		}
	}
	for _, r := range rs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		switch {
		case r.Status == steward.RequestUnverified && now.Sub(r.ReceivedAt) >= UnverifiedTTL:
			r.CodeHash, r.CodeExpires, r.DetailsSealed = nil, nil, nil
			keep(s.transition(ctx, r, runnerActor, steward.ActionRequestStatus, "never_verified", steward.RequestExpired))
			continue
		case r.Status == steward.RequestVerified:
			if err := s.transition(ctx, r, runnerActor, steward.ActionRequestStatus, "started", steward.RequestInProgress); err != nil {
				keep(err)
				continue
			}
		}
		if r.Status == steward.RequestInProgress || r.Held && r.Status == steward.RequestPartiallyCompleted {
			if err := s.execute(ctx, r); err != nil {
				s.log.Warn("request executor failed; retried at the next tick", "request", r.ID, "type", r.Type,
					"error_code", steward.ErrorCode(err))
				keep(err)
			}
		}
		if r.Open() && !r.OverdueNotified && now.After(r.Due()) {
			keep(s.overdue(ctx, r, now))
		}
	}
	return firstErr
}

// execute runs r's executor once and completes r when it is done.
func (s *Service) execute(ctx context.Context, r *steward.RightsRequest) error {
	e := s.executor(r.Type)
	if e == nil {
		return nil // waits for an executor to be registered
	}
	ctx = steward.WithCaller(ctx, &steward.Caller{TenantID: r.TenantID, Kind: steward.ActorSystem, ID: "requests"})
	out, err := e.Run(ctx, r)
	if err != nil {
		return err
	}
	if r.Status == steward.RequestPartiallyCompleted {
		if len(out.Held) > 0 {
			return s.stillHeld(ctx, r, out)
		}
		// The holds are released: the request is open again until the
		// executor is done. Past its deadline it was answered in time
		// (partially): no overdue event.
		if s.now().After(r.Due()) {
			r.OverdueNotified = true
		}
		r.Reason = ""
		if err := s.transition(ctx, r, runnerActor, steward.ActionRequestStatus, ReasonHoldReleased, steward.RequestInProgress); err != nil {
			return err
		}
	}
	switch out.Status {
	case Completed, PartiallyCompleted:
		return s.complete(ctx, r, out)
	case Waiting:
		return nil
	}
	return steward.Errorf(steward.EINTERNAL, "the executor of %s returned an unknown outcome", r.Type)
}

// stillHeld keeps r partially completed while holds last; when other holds
// keep it now (one released, another placed), its reason and result are
// brought up to date, with no status change.
func (s *Service) stillHeld(ctx context.Context, r *steward.RightsRequest, out *Outcome) error {
	if out.Status == Waiting {
		return nil
	}
	result := r.Result
	if out.Result != nil {
		b, err := json.Marshal(out.Result)
		if err != nil {
			return err
		}
		result = b
	}
	if out.Reason == r.Reason && bytes.Equal(result, r.Result) {
		return nil
	}
	r.Reason, r.Result, r.UpdatedAt = out.Reason, result, s.now().UTC()
	return s.store.UpdateRequest(ctx, r, nil)
}

// overdue marks r overdue once: an outbox event and an audit event.
func (s *Service) overdue(ctx context.Context, r *steward.RightsRequest, now time.Time) error {
	r.OverdueNotified, r.UpdatedAt = true, now
	ev, err := steward.NewEvent(r.TenantID, steward.EventRequestOverdue, now, changed{RequestID: r.ID, SubjectID: r.SubjectID,
		Type: r.Type, Status: r.Status, Deadline: r.Due().Format(time.RFC3339)})
	if err != nil {
		return err
	}
	if err := s.store.UpdateRequest(ctx, r, nil, ev); err != nil {
		return err
	}
	return s.auditEvent(ctx, r.TenantID, runnerActor, steward.AuditEvent{Action: steward.ActionRequestStatus, SubjectID: r.SubjectID,
		Target: r.ID, Reasons: []string{"type:" + r.Type, "status:" + r.Status, "overdue"}})
}

// Counts returns how many requests are open and how many are overdue,
// across tenants (for the steward_requests_open and _overdue gauges).
func (s *Service) Counts(ctx context.Context) (open, overdue int, err error) {
	return s.store.RequestCounts(ctx, s.now().UTC())
}

// ConsentRecorder records a consent decision; *consent.Service is one.
type ConsentRecorder interface {
	Record(ctx context.Context, subjectID string, n *consent.NewConsent) (*consent.Current, error)
}

// RegisterConsentWithdrawal registers the executor of consent_withdrawal
// requests: a withdrawal is recorded in the consent ledger for each named
// purpose, or for every purpose of the policy based on consent when none
// is named. Counts: purposes.
func (s *Service) RegisterConsentWithdrawal(cs ConsentRecorder) {
	s.Register(steward.RequestConsentWithdrawal, ExecutorFunc(func(ctx context.Context, r *steward.RightsRequest) (*Outcome, error) {
		raw, err := s.Details(r)
		if err != nil {
			return nil, err
		}
		var d PurposeDetails
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, err
		}
		pol := s.pols.Policy()
		purposes := d.Purposes
		if len(purposes) == 0 {
			for _, p := range pol.Purposes() {
				if b, _ := pol.PurposeBasis(p); b == policy.BasisConsent {
					purposes = append(purposes, p)
				}
			}
		}
		// The runner acts for the tenant with the one scope it needs.
		ctx = steward.WithCaller(ctx, &steward.Caller{TenantID: r.TenantID, Kind: steward.ActorSystem, ID: "requests",
			Scopes: steward.Scopes{steward.ScopeConsentsWrite}})
		no := false
		var ids []string
		for _, p := range purposes {
			if b, ok := pol.PurposeBasis(p); !ok || b != policy.BasisConsent {
				continue // the policy changed since the request was filed
			}
			cur, err := cs.Record(ctx, r.SubjectID, &consent.NewConsent{Purpose: p, Granted: &no, Channel: steward.ChannelAPI})
			if err != nil {
				return nil, err
			}
			ids = append(ids, cur.ID)
		}
		return &Outcome{Status: Completed, Result: map[string]any{"withdrawn": purposes, "consent_ids": ids},
			Counts: map[string]int{"purposes": len(ids)}}, nil
	}))
}
