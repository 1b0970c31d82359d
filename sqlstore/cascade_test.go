package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
)

// TestCascadeStore: processor endpoints are webhooks that are never listed
// with the subscriptions; deletion tasks are stored with their events and
// delivered through the webhook delivery table to their processor's
// endpoint (queued when the endpoint is set later); a confirmed task's
// delivery ends and an attempt recorded afterwards changes nothing.
func TestCascadeStore(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a := mustTenant(t, db, "A")
		endpoint := func(processor, id string) *steward.Webhook {
			t.Helper()
			w := &steward.Webhook{ID: id, TenantID: a.ID, Processor: processor, URLIndex: []byte(id), URLSealed: []byte("u"),
				SecretSealed: []byte("s"), CreatedAt: t0, UpdatedAt: t0}
			if err := db.PutProcessorEndpoint(ctx, w); err != nil {
				t.Fatal(err)
			}
			return w
		}
		endpoint("crm", "pep_crm")
		endpoint("crm", "pep_crm") // again: replaced, not added
		if ws, err := db.ProcessorEndpoints(ctx, a.ID); err != nil || len(ws) != 1 || ws[0].Processor != "crm" || ws[0].Description != "" {
			t.Fatalf("endpoints = %v, %v", ws, err)
		}
		if ws, err := db.Webhooks(ctx, a.ID); err != nil || len(ws) != 0 {
			t.Fatalf("an endpoint is listed with the webhooks: %v, %v", ws, err)
		}
		task := func(processor string) (*steward.DeletionTask, *steward.Event) {
			e, _ := steward.NewEvent(a.ID, steward.EventDeletionRequested, t0, map[string]string{"processor": processor})
			return &steward.DeletionTask{ID: steward.NewID("tsk"), TenantID: a.ID, RequestID: "req_1", SubjectID: "sub_1",
				Processor: processor, TokenHash: []byte("h-" + processor), State: steward.TaskPending,
				Disclosures: []string{"dsc_1"}, Categories: []string{"user.contact.email"}, CreatedAt: t0}, e
		}
		crm, e1 := task("crm")
		mail, e2 := task("mail")
		if err := db.AddDeletionTasks(ctx, []*steward.DeletionTask{crm, mail}, []*steward.Event{e1, e2}); err != nil {
			t.Fatal(err)
		}
		again, e3 := task("crm")
		wantCode(t, db.AddDeletionTasks(ctx, []*steward.DeletionTask{again}, []*steward.Event{e3}), steward.ECONFLICT)
		if evs, err := db.Events(ctx, a.ID, 0, 10); err != nil || len(evs) != 2 || evs[0].Type != steward.EventDeletionRequested {
			t.Fatalf("events = %v, %v", evs, err)
		}
		claim := func(at time.Time) []*steward.DueDelivery {
			t.Helper()
			due, err := db.ClaimDeliveries(ctx, at, at.Add(time.Minute), 10)
			if err != nil {
				t.Fatal(err)
			}
			return due
		}
		due := claim(t0)
		if len(due) != 1 || due[0].Webhook.Processor != "crm" || due[0].Event.ID != crm.EventID || due[0].Delivery.EventSeq != crm.EventSeq {
			t.Fatalf("due = %+v", due)
		}
		if _, err := db.RecordDelivery(ctx, &due[0].Delivery, steward.DeliveryOutcome{At: t0, Error: "status", Status: 500,
			NextAttempt: t0.Add(3 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		ts, err := db.DeletionTasks(ctx, a.ID, "req_1")
		if err != nil || len(ts) != 2 || ts[0].Processor != "crm" || ts[0].Attempts != 1 || ts[0].LastError != "status" ||
			ts[0].Delivery != steward.DeliveryPending || ts[1].Delivery != "" || ts[1].Disclosures[0] != "dsc_1" {
			t.Fatalf("tasks = %+v, %v", ts, err)
		}
		endpoint("mail", "pep_mail") // queues the task created before it
		due = claim(t0.Add(2 * time.Second))
		if len(due) != 1 || due[0].Webhook.Processor != "mail" {
			t.Fatalf("due after the mail endpoint = %+v", due)
		}
		for i, want := range []bool{true, false} {
			if changed, err := db.ConfirmDeletionTask(ctx, a.ID, crm.ID, t0.Add(3*time.Second)); err != nil || changed != want {
				t.Fatalf("confirmation %d = %v, %v", i, changed, err)
			}
		}
		crmDue := due[0].Delivery
		crmDue.WebhookID, crmDue.EventSeq = "pep_crm", crm.EventSeq
		if _, err := db.RecordDelivery(ctx, &crmDue, steward.DeliveryOutcome{At: t0, Error: "timeout", NextAttempt: t0}); err != nil {
			t.Fatal(err)
		}
		got, err := db.DeletionTask(ctx, crm.ID)
		if err != nil || got.State != steward.TaskConfirmed || got.ConfirmedAt == nil || got.Delivery != steward.DeliveryDelivered ||
			string(got.TokenHash) != "h-crm" {
			t.Fatalf("confirmed task = %+v, %v", got, err)
		}
		if due := claim(t0.Add(4 * time.Hour)); len(due) != 1 || due[0].Webhook.Processor != "mail" {
			t.Fatalf("a confirmed task is claimed again: %+v", due)
		}
		if err := db.DeleteProcessorEndpoint(ctx, a.ID, "mail"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.DeleteProcessorEndpoint(ctx, a.ID, "mail"), steward.ENOTFOUND)
		_, err = db.DeletionTask(ctx, "tsk_none")
		wantCode(t, err, steward.ENOTFOUND)
	})
}
