// Package fulfil carries out the rights requests that change data, as
// executors of the request runner (package requests): erasure with its
// cascade to every processor that received the person's data. Each
// executor is idempotent: the runner may call it again after a crash, and
// calls it at every tick while it waits.
package fulfil

import (
	"context"
	"encoding/json"
	"slices"
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

// Eraser erases a subject; *vault.Vault is one. EraseUnheld erases what
// legal holds leave of it; Erased tells whether it is gone already.
type Eraser interface {
	Erase(ctx context.Context, subjectID string) (*vault.Evidence, error)
	EraseUnheld(ctx context.Context, subjectID string) (*vault.PartialErasure, error)
	Erased(ctx context.Context, tenantID, subjectID string) (bool, error)
}

// Erasure returns the executor of erasure requests: the cascade is planned
// from the disclosure ledger before the keys are destroyed, the subject is
// erased (crypto-shredding), one deletion task goes to each processor that
// received their data; the request completes when every task is
// confirmed, or, at its deadline, completes partially naming the
// processors that never confirmed.
//
// Legal holds come first. When holds cover the subject, what they do not
// keep is erased at once: nothing under a hold on the subject itself;
// under category holds, the records and files of every other category,
// with a deletion task for each processor that received only categories
// erased. The request then completes partially at once, with the holds'
// reasons (told to the person; the audit log gets the hold ids only), and
// is marked held: the runner calls the executor again at every tick, which
// answers Waiting while the same holds last. Once they are released (or
// their end passes) the request resumes in progress: the subject is erased
// and the remaining processors get their tasks; it completes as any
// erasure. Processors whose tasks are created after the original deadline
// have as long again from then to confirm.
func Erasure(c Cascade, v Eraser, h Holds, now func() time.Time) requests.Executor {
	return requests.ExecutorFunc(func(ctx context.Context, r *steward.RightsRequest) (*requests.Outcome, error) {
		ctx = system(ctx, r)
		if h != nil {
			ids, reasons, err := h.Held(ctx, r.TenantID, r.SubjectID)
			if err != nil {
				return nil, err
			}
			if len(ids) > 0 {
				return held(ctx, c, v, r, ids, reasons)
			}
		}
		tasks, err := c.Status(ctx, r.TenantID, r.ID)
		if err != nil {
			return nil, err
		}
		// A request held before has tasks of its partial erasure: the rest
		// is erased until the request completes (idempotent).
		if len(tasks) == 0 || r.Held {
			if tasks, err = erase(ctx, c, v, r); err != nil {
				return nil, err
			}
		}
		return outcome(r, tasks, now())
	})
}

// heldResult is the result of an erasure legal holds keep partly: ids and
// codes only (the reason in words is the request's reason).
type heldResult struct {
	Holds            []string        `json:"holds"`
	SubjectHeld      bool            `json:"subject_held"`
	HeldCategories   []string        `json:"held_categories,omitempty"`
	ErasedCategories []string        `json:"erased_categories,omitempty"`
	Tasks            []*cascade.Task `json:"tasks"`
}

// held erases what the holds leave, starts the tasks of the processors
// that received only what was erased, and completes the request
// partially; Waiting when the request is partially completed under the
// same holds already.
func held(ctx context.Context, c Cascade, v Eraser, r *steward.RightsRequest, ids, reasons []string) (*requests.Outcome, error) {
	sort.Strings(ids)
	if r.Held && r.Status == steward.RequestPartiallyCompleted {
		var prev heldResult
		if err := json.Unmarshal(r.Result, &prev); err == nil && slices.Equal(prev.Holds, ids) {
			return &requests.Outcome{Status: requests.Waiting, Held: ids}, nil
		}
	}
	plan, err := c.Plan(ctx, r.TenantID, r.SubjectID)
	if err != nil {
		return nil, err
	}
	pe, err := v.EraseUnheld(ctx, r.SubjectID)
	switch {
	case steward.ErrorCode(err) == steward.ENOTFOUND:
		pe = &vault.PartialErasure{SubjectHeld: true} // erased already: nothing more to do while held
	case err != nil:
		return nil, err
	}
	res := heldResult{Holds: ids, SubjectHeld: pe.SubjectHeld, HeldCategories: pe.HeldCategories,
		ErasedCategories: pe.ErasedCategories, Tasks: []*cascade.Task{}}
	if !pe.SubjectHeld {
		sub := &cascade.Plan{SubjectID: plan.SubjectID}
		for _, pp := range plan.Processors {
			if !slices.ContainsFunc(pp.Categories, pe.Held) {
				sub.Processors = append(sub.Processors, pp)
			}
		}
		if len(sub.Processors) > 0 {
			if res.Tasks, err = c.Start(ctx, r.TenantID, r.ID, r.SubjectID, sub); err != nil {
				return nil, err
			}
		}
	}
	if len(res.Tasks) == 0 { // tasks of an earlier pass under other holds
		if res.Tasks, err = c.Status(ctx, r.TenantID, r.ID); err != nil {
			return nil, err
		}
		if res.Tasks == nil {
			res.Tasks = []*cascade.Task{}
		}
	}
	what := "Nothing was erased yet"
	if !pe.SubjectHeld {
		what = "Your data was erased here except the categories " + strings.Join(pe.HeldCategories, ", ")
	}
	return &requests.Outcome{Status: requests.PartiallyCompleted, Held: ids, Result: res,
		Counts: map[string]int{"erased": 0, "holds": len(ids), "records": pe.Records, "files": pe.Files, "tasks": len(res.Tasks)},
		Reason: what + ": a legal hold keeps it (" + strings.Join(reasons, "; ") + "). The erasure finishes by itself when the hold is released."}, nil
}

// erase plans the cascade, erases the subject (unless gone already) and
// starts the tasks. After a crash between the erasure and the start, the
// ledger (which survives erasure: ids and codes only) still gives the
// plan.
func erase(ctx context.Context, c Cascade, v Eraser, r *steward.RightsRequest) ([]*cascade.Task, error) {
	plan, err := c.Plan(ctx, r.TenantID, r.SubjectID)
	if err != nil {
		return nil, err
	}
	gone, err := v.Erased(ctx, r.TenantID, r.SubjectID)
	if err != nil {
		return nil, err
	}
	if !gone {
		if _, err := v.Erase(ctx, r.SubjectID); err != nil && steward.ErrorCode(err) != steward.ENOTFOUND {
			return nil, err
		}
	}
	if len(plan.Processors) == 0 {
		return c.Status(ctx, r.TenantID, r.ID)
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
	case now.After(processorsDue(r, tasks)):
		sort.Strings(pending)
		return &requests.Outcome{Status: requests.PartiallyCompleted, Result: result, Counts: counts,
			Reason: "Your data was erased here. These processors did not confirm the deletion by the deadline: " + strings.Join(pending, ", ") + "."}, nil
	}
	return &requests.Outcome{Status: requests.Waiting, Result: result, Counts: counts}, nil
}

// processorsDue is when the processors must have confirmed: the request's
// deadline, or, for tasks created after it (an erasure a legal hold kept
// past its deadline), as long again from the last one created.
func processorsDue(r *steward.RightsRequest, tasks []*cascade.Task) time.Time {
	d := due(r)
	var last time.Time
	for _, t := range tasks {
		if t.CreatedAt.After(last) {
			last = t.CreatedAt
		}
	}
	if last.After(d) {
		return last.Add(r.Deadline.Sub(r.ReceivedAt))
	}
	return d
}

// due is a request's deadline in force.
func due(r *steward.RightsRequest) time.Time {
	if r.ExtendedDeadline != nil {
		return *r.ExtendedDeadline
	}
	return r.Deadline
}
