package requests_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/cascade"
	"github.com/steward-privacy/steward/fulfil"
	"github.com/steward-privacy/steward/holds"
	"github.com/steward-privacy/steward/requests"
)

// fakeCascade is an in-memory erasure cascade: a fixed plan, tasks that
// the test confirms.
type fakeCascade struct {
	mu    sync.Mutex
	plan  []cascade.ProcessorPlan
	tasks map[string][]*cascade.Task
	now   func() time.Time
}

func (c *fakeCascade) Plan(ctx context.Context, tenantID, subjectID string) (*cascade.Plan, error) {
	return &cascade.Plan{SubjectID: subjectID, Processors: slices.Clone(c.plan)}, nil
}

func (c *fakeCascade) Start(ctx context.Context, tenantID, requestID, subjectID string, p *cascade.Plan) ([]*cascade.Task, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, pp := range p.Processors {
		if !slices.ContainsFunc(c.tasks[requestID], func(t *cascade.Task) bool { return t.Processor == pp.Processor }) {
			c.tasks[requestID] = append(c.tasks[requestID], &cascade.Task{ID: "tsk_" + pp.Processor, RequestID: requestID,
				SubjectID: subjectID, Processor: pp.Processor, State: "pending", Categories: pp.Categories, CreatedAt: c.now()})
		}
	}
	return slices.Clone(c.tasks[requestID]), nil
}

func (c *fakeCascade) Status(ctx context.Context, tenantID, requestID string) ([]*cascade.Task, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.tasks[requestID]), nil
}

func (c *fakeCascade) processors(requestID string) (all, confirmed []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.tasks[requestID] {
		all = append(all, t.Processor)
		if t.State == "confirmed" {
			confirmed = append(confirmed, t.Processor)
		}
	}
	return all, confirmed
}

func (c *fakeCascade) confirmAll(requestID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.tasks[requestID] {
		t.State = "confirmed"
	}
}

// heldFixture wires the erasure executor with real holds on the
// fixture's store and vault, and a fake cascade: "quill" received prompts
// only, "ledger" the brand assets and prompts.
func heldFixture(t *testing.T, f *fixture) (*holds.Service, *fakeCascade) {
	t.Helper()
	hs, err := holds.New(holds.Config{Store: f.db, Policies: f.v, Audit: f.audit, SealKey: make([]byte, 32), Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeCascade{tasks: map[string][]*cascade.Task{}, now: f.clock, plan: []cascade.ProcessorPlan{
		{Processor: "ledger", Categories: []string{"user.content.brand_asset", "user.content.prompt"}},
		{Processor: "quill", Categories: []string{"user.content.brand_asset"}},
	}}
	f.svc.Register(steward.RequestErasure, fulfil.Erasure(c, f.v, hs, f.clock))
	return hs, c
}

func (f *fixture) holder() context.Context { return f.as(steward.ScopeHoldsManage) }

func (f *fixture) categories(t *testing.T, sub string) []string {
	t.Helper()
	rs, err := f.db.Records(context.Background(), f.tenant.ID, sub)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.Category)
	}
	slices.Sort(out)
	return out
}

func (f *fixture) run(t *testing.T) *requests.RequestView {
	t.Helper()
	if err := f.svc.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return nil
}

func history(v *requests.RequestView) string {
	var hs []string
	for _, h := range v.History {
		hs = append(hs, h.To+"("+h.Reason+")")
	}
	return strings.Join(hs, " ")
}

// TestHeldErasureResumesOnRelease: a hold on the subject turns an erasure
// request partially_completed at once with the hold's reason, nothing
// erased and no task; further runs change nothing; released, the request
// resumes, the subject is erased, every processor gets its task, and the
// request completes once they confirm, with a signed record whose history
// shows both. The audit log names the hold, never its reason.
func TestHeldErasureResumesOnRelease(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		hs, c := heldFixture(t, f)
		sub := f.subject(t, "held-1", "held@example.com")
		must[struct{}](t)(struct{}{}, f.v.PutRecord(f.app(), sub, "user.content.prompt", json.RawMessage(`"a lighthouse"`)))
		const reason = "Matter 17 canary-hold-reason"
		h := must[*holds.HoldView](t)(hs.Create(f.holder(), &holds.NewHold{Subject: sub, Reason: reason}))
		r := must[*requests.RequestView](t)(f.svc.Create(f.app(), &requests.NewRequest{Type: steward.RequestErasure,
			Subject: requests.RequestSubject{ID: sub}, VerifiedBy: "application"}))
		f.run(t)
		got := must[*requests.RequestView](t)(f.svc.Get(f.staff(), r.ID))
		if got.Status != steward.RequestPartiallyCompleted || !strings.Contains(got.Reason, reason) || !got.Evidence ||
			!strings.Contains(got.Next, "legal hold") || !strings.Contains(string(got.Result), h.ID) {
			t.Fatalf("under a hold: %+v", got)
		}
		if cats := f.categories(t, sub); !slices.Contains(cats, "user.content.prompt") {
			t.Fatalf("held data erased: %v", cats)
		}
		if all, _ := c.processors(r.ID); len(all) != 0 {
			t.Fatalf("tasks under a subject hold: %v", all)
		}
		n := len(got.History)
		f.advance(time.Hour)
		f.run(t)
		if again := must[*requests.RequestView](t)(f.svc.Get(f.staff(), r.ID)); len(again.History) != n || again.Status != got.Status {
			t.Fatalf("a run under the same hold changed the request: %s", history(again))
		}

		must[*holds.HoldView](t)(hs.Release(f.holder(), h.ID))
		f.run(t)
		mid := must[*requests.RequestView](t)(f.svc.Get(f.staff(), r.ID))
		if mid.Status != steward.RequestInProgress || mid.Reason != "" {
			t.Fatalf("released, before the processors confirm: %+v", mid)
		}
		if gone := must[bool](t)(f.v.Erased(context.Background(), f.tenant.ID, sub)); !gone {
			t.Fatal("released, the subject is not erased")
		}
		if all, _ := c.processors(r.ID); len(all) != 2 {
			t.Fatalf("tasks after release: %v", all)
		}
		c.confirmAll(r.ID)
		f.run(t)
		done := must[*requests.RequestView](t)(f.svc.Get(f.staff(), r.ID))
		want := "partially_completed(legal_hold) in_progress(hold_released) completed(executed)"
		if done.Status != steward.RequestCompleted || done.Reason != "" || !strings.HasSuffix(history(done), want) {
			t.Fatalf("completed: %s %+v", history(done), done)
		}
		ev := must[*requests.RequestEvidence](t)(f.svc.Evidence(f.staff(), r.ID))
		var rec requests.Completion
		if !ed25519.Verify(f.pub, ev.Record, ev.Signature) || json.Unmarshal(ev.Record, &rec) != nil ||
			rec.Status != steward.RequestCompleted || rec.Counts["confirmed"] != 2 || len(rec.History) != len(done.History) {
			t.Fatalf("record: %s", ev.Record)
		}
		a := f.audit.json()
		if strings.Contains(a, "canary-hold-reason") || !strings.Contains(a, "hold:"+h.ID) || !strings.Contains(a, "reason:hold_released") {
			t.Fatalf("audit: %s", a)
		}
		f.run(t)
		if again := must[*requests.RequestView](t)(f.svc.Get(f.staff(), r.ID)); len(again.History) != len(done.History) {
			t.Fatalf("a completed request ran again: %s", history(again))
		}
	})
}

// TestCategoryHoldErasesTheRest: a hold on one category keeps its records;
// the others are erased at once and the processor that received only what
// was erased gets its task; the request is partially completed. When the
// hold's end passes, the request resumes and completes, with the held
// category gone and the other processor's task created.
func TestCategoryHoldErasesTheRest(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		hs, c := heldFixture(t, f)
		sub := f.subject(t, "held-2", "cat@example.com")
		other := f.subject(t, "free-2", "free@example.com")
		for _, s := range []string{sub, other} {
			for _, cat := range []string{"user.content.prompt", "user.content.brand_asset"} {
				must[struct{}](t)(struct{}{}, f.v.PutRecord(f.app(), s, cat, json.RawMessage(`"v"`)))
			}
		}
		until := f.clock().Add(48 * time.Hour)
		must[*holds.HoldView](t)(hs.Create(f.holder(), &holds.NewHold{Category: "user.content.prompt", Reason: "tax audit", Until: &until}))
		r := must[*requests.RequestView](t)(f.svc.Create(f.app(), &requests.NewRequest{Type: steward.RequestErasure,
			Subject: requests.RequestSubject{ID: sub}, VerifiedBy: "application"}))
		f.run(t)
		got := must[*requests.RequestView](t)(f.svc.Get(f.staff(), r.ID))
		if got.Status != steward.RequestPartiallyCompleted || !strings.Contains(got.Reason, "tax audit") ||
			!strings.Contains(got.Reason, "user.content.prompt") {
			t.Fatalf("under a category hold: %+v", got)
		}
		if cats := f.categories(t, sub); !slices.Equal(cats, []string{"user.content.prompt"}) {
			t.Fatalf("left under a category hold: %v", cats)
		}
		if cats := f.categories(t, other); len(cats) != 2 {
			t.Fatalf("another subject's data changed: %v", cats)
		}
		if all, _ := c.processors(r.ID); !slices.Equal(all, []string{"quill"}) {
			t.Fatalf("tasks under a category hold: %v", all)
		}
		c.confirmAll(r.ID)
		f.run(t)
		if still := must[*requests.RequestView](t)(f.svc.Get(f.staff(), r.ID)); still.Status != steward.RequestPartiallyCompleted {
			t.Fatalf("held request moved: %+v", still)
		}

		f.advance(49 * time.Hour) // the hold ends
		f.run(t)
		if gone := must[bool](t)(f.v.Erased(context.Background(), f.tenant.ID, sub)); !gone {
			t.Fatal("the hold ended, the subject is not erased")
		}
		if all, confirmed := c.processors(r.ID); len(all) != 2 || len(confirmed) != 1 {
			t.Fatalf("tasks after the hold ended: %v confirmed %v", all, confirmed)
		}
		c.confirmAll(r.ID)
		f.run(t)
		done := must[*requests.RequestView](t)(f.svc.Get(f.staff(), r.ID))
		if done.Status != steward.RequestCompleted || !strings.Contains(history(done), "in_progress(hold_released)") {
			t.Fatalf("completed: %s %+v", history(done), done)
		}
	})
}
