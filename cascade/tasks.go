package cascade

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"slices"
	"time"

	"github.com/steward-privacy/steward"
)

// maxLedger bounds the ledger rows one plan reads.
const maxLedger = 100_000

// Plan is what an erasure must reach, read from the disclosure ledger
// before the vault erases: per processor that received the subject's data,
// what it received.
type Plan struct {
	SubjectID  string          `json:"subject_id"`
	Processors []ProcessorPlan `json:"processors"`
}

// ProcessorPlan is what one processor received.
type ProcessorPlan struct {
	Processor   string          `json:"processor"`
	Disclosures []DisclosureRef `json:"disclosures"`
	Categories  []string        `json:"categories"`
}

// DisclosureRef names one disclosure: ids, codes and its time.
type DisclosureRef struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Purpose    string    `json:"purpose"`
	Categories []string  `json:"categories"`
}

// Task is a deletion task and the state of its delivery.
type Task struct {
	ID          string     `json:"id"`
	RequestID   string     `json:"request_id"`
	SubjectID   string     `json:"subject_id"`
	Processor   string     `json:"processor"`
	State       string     `json:"state" doc:"pending or confirmed"`
	Delivery    string     `json:"delivery" doc:"none (the processor has no endpoint yet), pending, delivered or failed"`
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error,omitempty" doc:"timeout, connection, redirect, status or destination_refused"`
	LastAttempt *time.Time `json:"last_attempt,omitempty"`
	EventID     string     `json:"event_id" doc:"the deletion.requested event in the outbox; the webhook-id of every delivery"`
	Disclosures []string   `json:"disclosures"`
	Categories  []string   `json:"categories"`
	CreatedAt   time.Time  `json:"created_at"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
}

// Plan reads the disclosure ledger of a subject (both of its tiers) and
// returns, per processor that received data, the disclosures and their
// categories, processors sorted by key, after every disclosure made before
// the call is in the ledger (the audit log's Sync, when it has one). Call it before the vault erases;
// the ledger survives an erasure, so a plan made again after one is the
// same.
func (s *Service) Plan(ctx context.Context, tenantID, subjectID string) (*Plan, error) {
	// Disclosures are ledgered through their audit events, stored a moment
	// after the answer (the audit journal's delay, or the sequencer on
	// PostgreSQL): wait for them, so that the plan misses none.
	if a, ok := s.cfg.Audit.(interface{ Sync(context.Context) error }); ok {
		if err := a.Sync(ctx); err != nil {
			return nil, err
		}
	}
	ds, err := s.cfg.Store.Disclosures(ctx, tenantID, subjectID, maxLedger)
	if err != nil {
		return nil, err
	}
	p := &Plan{SubjectID: subjectID, Processors: []ProcessorPlan{}}
	at := map[string]int{}
	for _, d := range slices.Backward(ds) { // oldest first
		i, ok := at[d.Processor]
		if !ok {
			i = len(p.Processors)
			at[d.Processor] = i
			p.Processors = append(p.Processors, ProcessorPlan{Processor: d.Processor, Categories: []string{}})
		}
		pp := &p.Processors[i]
		pp.Disclosures = append(pp.Disclosures, DisclosureRef{ID: d.ID, At: d.At, Purpose: d.Purpose, Categories: d.Categories})
		for _, c := range d.Categories {
			if !slices.Contains(pp.Categories, c) {
				pp.Categories = append(pp.Categories, c)
			}
		}
	}
	slices.SortFunc(p.Processors, func(a, b ProcessorPlan) int { return cmpString(a.Processor, b.Processor) })
	for i := range p.Processors {
		slices.Sort(p.Processors[i].Categories)
	}
	return p, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// taskData is the data of a deletion.requested event; Token is set only
// in the body sent to the processor.
type taskData struct {
	Task        taskRef         `json:"task"`
	Processor   string          `json:"processor"`
	Disclosures []DisclosureRef `json:"disclosures"`
	Categories  []string        `json:"categories"`
}

type taskRef struct {
	ID         string `json:"id"`
	Token      string `json:"token,omitempty"`
	ConfirmURL string `json:"confirm_url"`
}

// Start creates the deletion tasks of an erasure (requestID: the rights
// request, or the id of a direct erasure) from its plan: one per processor
// that received data, none for the others, each with its event in the
// outbox and, when the processor has an endpoint, its delivery. A
// processor that has a task of the erasure already gets no other: starting
// again returns the tasks (the runner may retry), and starting with a
// larger plan (an erasure legal holds kept partly, finished once they are
// released) adds the tasks of the processors it adds.
func (s *Service) Start(ctx context.Context, tenantID, requestID, subjectID string, p *Plan) ([]*Task, error) {
	old, err := s.Status(ctx, tenantID, requestID)
	if err != nil {
		return nil, err
	}
	has := make(map[string]bool, len(old))
	for _, t := range old {
		has[t.Processor] = true
	}
	now := s.cfg.Now().UTC()
	tasks := make([]*steward.DeletionTask, 0, len(p.Processors))
	events := make([]*steward.Event, 0, len(p.Processors))
	for _, pp := range p.Processors {
		if has[pp.Processor] {
			continue
		}
		t := &steward.DeletionTask{ID: steward.NewID("tsk"), TenantID: tenantID, RequestID: requestID, SubjectID: subjectID,
			Processor: pp.Processor, State: steward.TaskPending, Categories: pp.Categories, CreatedAt: now}
		tok := s.token(tenantID, t.ID)
		sum := sha256.Sum256([]byte(tok))
		t.TokenHash = sum[:]
		for _, d := range pp.Disclosures {
			t.Disclosures = append(t.Disclosures, d.ID)
		}
		e, err := steward.NewEvent(tenantID, steward.EventDeletionRequested, now, taskData{
			Task:      taskRef{ID: t.ID, ConfirmURL: s.cfg.PublicURL + "/v1/tasks/" + t.ID + "/confirm"},
			Processor: pp.Processor, Disclosures: pp.Disclosures, Categories: pp.Categories})
		if err != nil {
			return nil, err
		}
		tasks, events = append(tasks, t), append(events, e)
	}
	if len(tasks) == 0 {
		if old == nil {
			old = []*Task{}
		}
		return old, nil
	}
	if err := s.cfg.Store.AddDeletionTasks(ctx, tasks, events); err != nil {
		return nil, err
	}
	for _, t := range tasks {
		if err := s.record(ctx, tenantID, steward.ActionDeletionTaskCreate, subjectID, t.ID, "processor:"+t.Processor); err != nil {
			return nil, err
		}
	}
	return s.Status(ctx, tenantID, requestID)
}

// token returns a task's one-time token: the HMAC of the task under the
// server's token key, so it is never stored and is the same on every
// delivery.
func (s *Service) token(tenantID, taskID string) string {
	m := hmac.New(sha256.New, s.cfg.TokenKey)
	m.Write([]byte("deletion-task/" + tenantID + "/" + taskID))
	return "dtk_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// render makes the body of a task's delivery: its event in the outbox
// envelope with the token added.
func (s *Service) render(_ context.Context, x *steward.DueDelivery) ([]byte, bool, error) {
	var d taskData
	if err := json.Unmarshal(x.Event.Data, &d); err != nil {
		return nil, false, err
	}
	d.Task.Token = s.token(x.Event.TenantID, d.Task.ID)
	data, err := json.Marshal(&d)
	if err != nil {
		return nil, false, err
	}
	e := x.Event
	e.Data = data
	body, err := json.Marshal(&e)
	return body, false, err
}

// Status returns an erasure's tasks with their delivery state, by
// processor.
func (s *Service) Status(ctx context.Context, tenantID, requestID string) ([]*Task, error) {
	ts, err := s.cfg.Store.DeletionTasks(ctx, tenantID, requestID)
	if err != nil {
		return nil, err
	}
	out := make([]*Task, 0, len(ts))
	for _, t := range ts {
		out = append(out, view(t))
	}
	return out, nil
}

func view(t *steward.DeletionTask) *Task {
	v := &Task{ID: t.ID, RequestID: t.RequestID, SubjectID: t.SubjectID, Processor: t.Processor, State: t.State,
		Delivery: t.Delivery, Attempts: t.Attempts, LastError: t.LastError, LastAttempt: t.LastAttempt, EventID: t.EventID,
		Disclosures: t.Disclosures, Categories: t.Categories, CreatedAt: t.CreatedAt, ConfirmedAt: t.ConfirmedAt}
	if v.Delivery == "" {
		v.Delivery = "none"
	}
	return v
}

// Tasks lists the deletion tasks of an erasure of the caller's tenant
// (scope requests:manage); the read is audited.
func (s *Service) Tasks(ctx context.Context, requestID string) ([]*Task, error) {
	c, err := steward.Require(ctx, steward.ScopeRequestsManage)
	if err != nil {
		return nil, err
	}
	if requestID == "" {
		return nil, steward.Invalid("request", "is required: the id of the erasure request")
	}
	ts, err := s.Status(ctx, c.TenantID, requestID)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, c.TenantID, steward.ActionDeletionTasksRead, "", requestID); err != nil {
		return nil, err
	}
	return ts, nil
}

// ConfirmInput confirms a task.
type ConfirmInput struct {
	Token string `json:"token" doc:"the one-time token the deletion webhook carried"`
}

// maxToken bounds a submitted token.
const maxToken = 128

// Confirm records that a processor deleted what a task asked: the token
// is the credential (no key). A wrong id or token is ENOTFOUND, without
// saying which; confirming again answers the same. The first confirmation
// ends the task's delivery, is audited and calls OnConfirmed.
func (s *Service) Confirm(ctx context.Context, taskID string, in ConfirmInput) (*Task, error) {
	missing := steward.Errorf(steward.ENOTFOUND, "task not found")
	if len(in.Token) == 0 || len(in.Token) > maxToken {
		return nil, missing
	}
	t, err := s.cfg.Store.DeletionTask(ctx, taskID)
	if err != nil {
		return nil, missing
	}
	sum := sha256.Sum256([]byte(in.Token))
	if subtle.ConstantTimeCompare(sum[:], t.TokenHash) != 1 {
		return nil, missing
	}
	changed, err := s.cfg.Store.ConfirmDeletionTask(ctx, t.TenantID, t.ID, s.cfg.Now().UTC())
	if err != nil {
		return nil, err
	}
	if changed {
		e := &steward.AuditEvent{TenantID: t.TenantID, Actor: "system:cascade", Action: steward.ActionDeletionTaskConfirm,
			SubjectID: t.SubjectID, Target: t.ID, Reasons: []string{"processor:" + t.Processor}, Decision: steward.DecisionAllow,
			Time: s.cfg.Now().UTC()}
		if info := steward.RequestFrom(ctx); info != nil {
			e.RequestID, e.ClientIP = info.ID, info.ClientIP
		}
		if err := s.cfg.Audit.Append(ctx, e); err != nil {
			return nil, err
		}
		if fn := s.confirmed.Load(); fn != nil && *fn != nil {
			(*fn)(context.WithoutCancel(ctx), t.TenantID, t.RequestID)
		}
	}
	if t, err = s.cfg.Store.DeletionTask(ctx, t.ID); err != nil {
		return nil, err
	}
	return view(t), nil
}
