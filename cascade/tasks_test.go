package cascade_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/cascade"
	"github.com/steward-privacy/steward/internal/testdb"
)

// TestCascade: an erasure's plan names exactly the processors that received
// the subject's data; each gets one task, delivered signed with its token
// (never stored in the outbox), retried until the endpoint answers, queued
// when an endpoint is set later, and confirmed once with its token.
func TestCascade(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b)
		ctx, staff := context.Background(), f.staff()
		d1 := f.disclose(t, "sub_1", "quill-text", "user.content.prompt")
		d2 := f.disclose(t, "sub_1", "quill-text", "user.content.generated_text")
		d3 := f.disclose(t, "sub_1", "prism-image", "user.content.prompt")
		f.disclose(t, "sub_2", "reel-forge", "user.content.prompt")

		_, err := f.svc.SetEndpoint(staff, "undeclared", cascade.EndpointInput{URL: "https://example.com/x"})
		wantCode(t, err, steward.ENOTFOUND)
		_, err = f.svc.SetEndpoint(staff, "quill-text", cascade.EndpointInput{URL: "ftp://example.com/x"})
		wantCode(t, err, steward.EINVALID)
		_, err = f.svc.SetEndpoint(context.Background(), "quill-text", cascade.EndpointInput{URL: "https://example.com/x"})
		wantCode(t, err, steward.EUNAUTHORIZED)
		quill, prism := newReceiver(t, 2), newReceiver(t, 0)
		f.setEndpoint(t, "quill-text", quill)

		plan, err := f.svc.Plan(ctx, f.tenant, "sub_1")
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Processors) != 2 || plan.Processors[0].Processor != "prism-image" || plan.Processors[1].Processor != "quill-text" ||
			len(plan.Processors[1].Disclosures) != 2 || plan.Processors[1].Disclosures[0].ID != d1 ||
			!slices.Equal(plan.Processors[1].Categories, []string{"user.content.generated_text", "user.content.prompt"}) ||
			plan.Processors[0].Disclosures[0].ID != d3 {
			t.Fatalf("plan = %+v", plan)
		}
		tasks, err := f.svc.Start(ctx, f.tenant, "req_1", "sub_1", plan)
		if err != nil || len(tasks) != 2 || tasks[0].Processor != "prism-image" || tasks[0].Delivery != "none" ||
			tasks[1].Delivery != steward.DeliveryPending {
			t.Fatalf("tasks = %+v, %v", tasks, err)
		}
		if again, err := f.svc.Start(ctx, f.tenant, "req_1", "sub_1", plan); err != nil || len(again) != 2 || again[1].ID != tasks[1].ID {
			t.Fatalf("a second start = %+v, %v", again, err)
		}
		f.drain(t)
		ids, bodies := quill.got()
		if len(ids) != 3 || ids[0] != ids[2] || ids[0] != tasks[1].EventID {
			t.Fatalf("quill-text got %v, want the task three times under one webhook-id", ids)
		}
		x := decodeBody(t, bodies[2])
		if x.Type != steward.EventDeletionRequested || x.Data.Task.ID != tasks[1].ID || !strings.HasPrefix(x.Data.Task.Token, "dtk_") ||
			x.Data.Task.ConfirmURL != "https://steward.example/v1/tasks/"+tasks[1].ID+"/confirm" || x.Data.Processor != "quill-text" ||
			len(x.Data.Disclosures) != 2 || x.Data.Disclosures[1].ID != d2 || len(x.Data.Categories) != 2 || x.Timestamp.IsZero() {
			t.Fatalf("body = %s", bodies[2])
		}
		events, err := f.db.Events(ctx, f.tenant, 0, 10)
		if err != nil || len(events) != 2 {
			t.Fatalf("events = %v, %v", events, err)
		}
		for _, e := range events {
			if strings.Contains(string(e.Data), x.Data.Task.Token) || strings.Contains(string(e.Data), "token") {
				t.Fatalf("the outbox holds the token: %s", e.Data)
			}
		}
		st, err := f.svc.Status(ctx, f.tenant, "req_1")
		if err != nil || st[1].Delivery != steward.DeliveryDelivered || st[1].Attempts != 3 || st[0].Delivery != "none" {
			t.Fatalf("status = %+v, %v", st, err)
		}
		f.setEndpoint(t, "prism-image", prism) // queues the task waiting for it
		f.drain(t)
		pids, pbodies := prism.got()
		if len(pids) != 1 || pids[0] != tasks[0].EventID {
			t.Fatalf("prism-image got %v", pids)
		}
		prismToken := decodeBody(t, pbodies[0]).Data.Task.Token

		_, err = f.svc.Confirm(ctx, tasks[1].ID, cascade.ConfirmInput{Token: prismToken})
		wantCode(t, err, steward.ENOTFOUND) // another task's token
		_, err = f.svc.Confirm(ctx, "tsk_none", cascade.ConfirmInput{Token: x.Data.Task.Token})
		wantCode(t, err, steward.ENOTFOUND)
		for range 2 {
			got, err := f.svc.Confirm(ctx, tasks[1].ID, cascade.ConfirmInput{Token: x.Data.Task.Token})
			if err != nil || got.State != steward.TaskConfirmed || got.ConfirmedAt == nil {
				t.Fatalf("confirm = %+v, %v", got, err)
			}
		}
		if f.done == nil || len(f.done) != 1 || f.done[0] != "req_1" {
			t.Fatalf("OnConfirmed calls = %v, want one", f.done)
		}
		ps, err := f.svc.Processors(staff)
		if err != nil {
			t.Fatal(err)
		}
		endpoints := 0
		for _, p := range ps {
			if p.Endpoint {
				endpoints++
			}
		}
		if endpoints != 2 || len(ps) < 3 {
			t.Fatalf("processors = %+v", ps)
		}
		if err := f.svc.DeleteEndpoint(staff, "prism-image"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.svc.DeleteEndpoint(staff, "prism-image"), steward.ENOTFOUND)
		_, err = f.svc.Tasks(steward.WithCaller(ctx, &steward.Caller{TenantID: f.tenant, Kind: steward.ActorAPIKey, ID: "k",
			Scopes: steward.Scopes{steward.ScopeRecordsRead}}), "req_1")
		wantCode(t, err, steward.EFORBIDDEN)
		if ts, err := f.svc.Tasks(staff, "req_1"); err != nil || len(ts) != 2 {
			t.Fatalf("tasks = %v, %v", ts, err)
		}
		for _, e := range f.audit.events {
			s := fmt.Sprint(e)
			if strings.Contains(s, x.Data.Task.Token) || strings.Contains(s, "127.0.0.1") || strings.Contains(s, "whsec_") {
				t.Fatalf("an audit event holds a token, URL or secret: %s", s)
			}
		}
	})
}

// TestConfirmedNeverSentAgain: a task confirmed while its endpoint is
// failing is not retried.
func TestConfirmedNeverSentAgain(t *testing.T) {
	f := newFixture(t, testdb.Backends()[0])
	ctx := context.Background()
	f.disclose(t, "sub_3", "reel-forge", "user.content.prompt")
	r := newReceiver(t, 1_000)
	f.setEndpoint(t, "reel-forge", r)
	plan, err := f.svc.Plan(ctx, f.tenant, "sub_3")
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := f.svc.Start(ctx, f.tenant, "req_3", "sub_3", plan)
	if err != nil || len(tasks) != 1 {
		t.Fatalf("tasks = %v, %v", tasks, err)
	}
	if _, err := f.out.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	_, bodies := r.got()
	if len(bodies) != 1 {
		t.Fatalf("%d deliveries after one pass", len(bodies))
	}
	if _, err := f.svc.Confirm(ctx, tasks[0].ID, cascade.ConfirmInput{Token: decodeBody(t, bodies[0]).Data.Task.Token}); err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	if ids, _ := r.got(); len(ids) != 1 {
		t.Fatalf("a confirmed task was sent %d times", len(ids))
	}
	if st, _ := f.svc.Status(ctx, f.tenant, "req_3"); st[0].State != steward.TaskConfirmed || st[0].Delivery != steward.DeliveryDelivered {
		t.Fatalf("status = %+v", st[0])
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if steward.ErrorCode(err) != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
}
