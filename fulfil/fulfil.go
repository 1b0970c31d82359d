// Package fulfil carries out the rights requests that change data, as
// executors of the request runner (package requests): erasure with its
// cascade to every processor that received the person's data. Each
// executor is idempotent: the runner may call it again after a crash, and
// calls it at every tick while it waits.
package fulfil

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/cascade"
	"github.com/steward-privacy/steward/requests"
	"github.com/steward-privacy/steward/vault"
)

// Cascade is what erasure needs of the cascade; *cascade.Service is one.
type Cascade interface {
	Plan(ctx context.Context, tenantID, subjectID string) (*cascade.Plan, error)
	Start(ctx context.Context, tenantID, requestID, subjectID string, p *cascade.Plan) ([]*cascade.Task, error)
	Status(ctx context.Context, tenantID, requestID string) ([]*cascade.Task, error)
}

// Holds tells whether legal holds keep a subject's data; *holds.Service
// is one (reasons are shown to the person).
type Holds interface {
	Held(ctx context.Context, tenantID, subjectID string) (ids, reasons []string, err error)
}

// Eraser erases a subject; *vault.Vault is one.
type Eraser interface {
	Erase(ctx context.Context, subjectID string) (*vault.Evidence, error)
}

// Erasure returns the executor of erasure requests: the cascade is planned
// from the disclosure ledger before the keys are destroyed, the subject is
// erased (crypto-shredding), one deletion task goes to each processor that
// received their data; the request completes when every task is
// confirmed, or, at its deadline, completes partially naming the
// processors that never confirmed.
//
// A legal hold suspends it: the request waits in progress while the hold
// lasts and runs when it is released; at its deadline it completes
// partially, with the hold's reason.
func Erasure(c Cascade, v Eraser, h Holds, now func() time.Time) requests.Executor {
	return requests.ExecutorFunc(func(ctx context.Context, r *steward.RightsRequest) (*requests.Outcome, error) {
		ctx = system(ctx, r)
		tasks, err := c.Status(ctx, r.TenantID, r.ID)
		if err != nil {
			return nil, err
		}
		if len(tasks) == 0 && h != nil {
			_, reasons, err := h.Held(ctx, r.TenantID, r.SubjectID)
			if err != nil {
				return nil, err
			}
			if len(reasons) > 0 {
				if now().After(due(r)) {
					return &requests.Outcome{Status: requests.PartiallyCompleted, Counts: map[string]int{"erased": 0},
						Reason: "A legal hold keeps your data: " + strings.Join(reasons, "; ")}, nil
				}
				return &requests.Outcome{Status: requests.Waiting}, nil
			}
		}
		if len(tasks) == 0 {
			if tasks, err = erase(ctx, c, v, r); err != nil {
				return nil, err
			}
		}
		return outcome(r, tasks, now())
	})
}

// erase plans the cascade, erases the subject and starts the tasks. After
// a crash between the erasure and the start, the ledger (which survives
// erasure: ids and codes only) still gives the plan.
func erase(ctx context.Context, c Cascade, v Eraser, r *steward.RightsRequest) ([]*cascade.Task, error) {
	plan, err := c.Plan(ctx, r.TenantID, r.SubjectID)
	if err != nil {
		return nil, err
	}
	if _, err := v.Erase(ctx, r.SubjectID); err != nil && steward.ErrorCode(err) != steward.ENOTFOUND {
		return nil, err
	}
	if len(plan.Processors) == 0 {
		return nil, nil
	}
	return c.Start(ctx, r.TenantID, r.ID, r.SubjectID, plan)
}

// outcome decides from the tasks whether the request is done.
func outcome(r *steward.RightsRequest, tasks []*cascade.Task, now time.Time) (*requests.Outcome, error) {
	var pending []string
	for _, t := range tasks {
		if t.State != "confirmed" {
			pending = append(pending, t.Processor)
		}
	}
	counts := map[string]int{"erased": 1, "tasks": len(tasks), "confirmed": len(tasks) - len(pending)}
	result := map[string]any{"tasks": tasks}
	switch {
	case len(pending) == 0:
		return &requests.Outcome{Status: requests.Completed, Result: result, Counts: counts}, nil
	case now.After(due(r)):
		sort.Strings(pending)
		return &requests.Outcome{Status: requests.PartiallyCompleted, Result: result, Counts: counts,
			Reason: "Your data was erased here. These processors did not confirm the deletion by the deadline: " + strings.Join(pending, ", ") + "."}, nil
	}
	return &requests.Outcome{Status: requests.Waiting, Result: result, Counts: counts}, nil
}

// due is a request's deadline in force.
func due(r *steward.RightsRequest) time.Time {
	if r.ExtendedDeadline != nil {
		return *r.ExtendedDeadline
	}
	return r.Deadline
}
