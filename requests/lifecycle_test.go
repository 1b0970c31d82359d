package requests_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/requests"
)

// TestLifecycle: an application-verified erasure waits for approval when
// the server requires one; approval starts it; the runner hands it to its
// executor, which may wait, then completes it with a signed record; the
// events and gauges follow.
func TestLifecycle(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b.Open(t), steward.RequestErasure)
		ctx := context.Background()
		sub := f.subject(t, "ext-1", "ada@example.com")
		calls := 0
		f.svc.Register(steward.RequestErasure, requests.ExecutorFunc(func(ctx context.Context, r *steward.RightsRequest) (*requests.Outcome, error) {
			calls++
			if calls == 1 {
				return &requests.Outcome{Status: requests.Waiting}, nil
			}
			return &requests.Outcome{Status: requests.PartiallyCompleted, Reason: "a legal hold covers the invoices",
				Result: map[string]any{"tasks": 2}, Counts: map[string]int{"tasks": 2, "confirmed": 1}}, nil
		}))
		r := must[*requests.RequestView](t)(f.svc.Create(f.app(), &requests.NewRequest{Type: steward.RequestErasure,
			Subject: requests.RequestSubject{ID: sub}, VerifiedBy: "application"}))
		if r.Status != steward.RequestAwaitingApproval || f.mail.count() != 0 || len(r.History) != 3 {
			t.Fatalf("created: %+v", r)
		}
		if open, _ := must2(t)(f.svc.Counts(ctx)); open != 1 {
			t.Fatalf("open = %d", open)
		}
		must[*requests.RequestView](t)(f.svc.Approve(f.staff(), r.ID))
		_, err := f.svc.Approve(f.staff(), r.ID)
		wantCode(t, err, steward.ECONFLICT)
		if err := f.svc.Run(ctx); err != nil { // waits
			t.Fatal(err)
		}
		if got := must[*requests.RequestView](t)(f.svc.Get(f.staff(), r.ID)); got.Status != steward.RequestInProgress {
			t.Fatalf("after a waiting run: %+v", got)
		}
		_, err = f.svc.Evidence(f.staff(), r.ID)
		wantCode(t, err, steward.ENOTFOUND)
		if err := f.svc.Run(ctx); err != nil {
			t.Fatal(err)
		}
		got := must[*requests.RequestView](t)(f.svc.Get(f.staff(), r.ID))
		if got.Status != steward.RequestPartiallyCompleted || got.Reason != "a legal hold covers the invoices" || !got.Evidence ||
			string(got.Result) != `{"tasks":2}` {
			t.Fatalf("completed: %+v", got)
		}
		ev := must[*requests.RequestEvidence](t)(f.svc.Evidence(f.staff(), r.ID))
		if !ed25519.Verify(f.pub, ev.Record, ev.Signature) {
			t.Fatal("the completion record's signature does not verify")
		}
		var rec requests.Completion
		if err := json.Unmarshal(ev.Record, &rec); err != nil || rec.RequestID != r.ID || rec.Counts["tasks"] != 2 ||
			rec.Status != steward.RequestPartiallyCompleted || !rec.OnTime || rec.ApprovedBy == "" {
			t.Fatalf("record: %+v %v", rec, err)
		}
		if err := f.svc.Run(ctx); err != nil || calls != 2 {
			t.Fatalf("a completed request ran again: %v, %d calls", err, calls)
		}
		types := eventTypes(t, f)
		if types[steward.EventRequestCompleted] != 1 || types[steward.EventRequestCreated] != 1 {
			t.Fatalf("events: %v", types)
		}
		if open, _ := must2(t)(f.svc.Counts(ctx)); open != 0 {
			t.Fatalf("open after completion = %d", open)
		}
	})
}

func must2(t *testing.T) func(a, b int, err error) (int, int) {
	return func(a, b int, err error) (int, int) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

func eventTypes(t *testing.T, f *fixture) map[string]int {
	t.Helper()
	evs, err := f.db.Events(context.Background(), f.tenant.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range evs {
		out[e.Type]++
		if strings.Contains(string(e.Data), "ada@") || strings.Contains(string(e.Data), "ext-1") {
			t.Fatalf("event data holds a personal value: %s", e.Data)
		}
	}
	return out
}

// TestConsentWithdrawalRuns: a verified consent withdrawal runs without
// approval and withdraws every consent purpose through the ledger.
func TestConsentWithdrawalRuns(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		sub := f.subject(t, "ext-1", "ada@example.com")
		r := must[*requests.RequestView](t)(f.svc.Create(f.app(), &requests.NewRequest{Type: steward.RequestConsentWithdrawal,
			Subject: requests.RequestSubject{Email: "ADA@example.com"}, VerifiedBy: "application"}))
		if r.Status != steward.RequestVerified || r.SubjectID != sub {
			t.Fatalf("created: %+v", r)
		}
		if err := f.svc.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := must[*requests.RequestView](t)(f.svc.Get(f.app(), r.ID))
		if got.Status != steward.RequestCompleted || !strings.Contains(string(got.Result), "essential.service.generation") {
			t.Fatalf("after the run: %+v %s", got, got.Result)
		}
		hist, err := f.db.ConsentHistory(context.Background(), f.tenant.ID, sub)
		if err != nil || len(hist) != 1 || hist[0].Granted || hist[0].Purpose != "essential.service.generation" {
			t.Fatalf("consent history: %v %+v", err, hist)
		}
	})
}

// TestDenyExtendExpireOverdue: denial needs a reason and an open request;
// an extension needs a reason, once, within the bound; unverified requests
// expire after 30 days; an overdue request gets one event.
func TestDenyExtendExpireOverdue(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.subject(t, "ext-1", "ada@example.com")
		create := func(typ string) *requests.RequestView {
			return must[*requests.RequestView](t)(f.svc.Create(f.app(), &requests.NewRequest{Type: typ,
				Subject: requests.RequestSubject{ExternalID: "ext-1"}}))
		}
		d := create(steward.RequestAccess)
		_, err := f.svc.Deny(f.staff(), d.ID, &requests.RequestReason{Reason: "  "})
		wantCode(t, err, steward.EINVALID)
		_, err = f.svc.Deny(f.app(), d.ID, &requests.RequestReason{Reason: "no"})
		wantCode(t, err, steward.EFORBIDDEN)
		denied := must[*requests.RequestView](t)(f.svc.Deny(f.staff(), d.ID, &requests.RequestReason{Reason: "We could not confirm who you are."}))
		if denied.Status != steward.RequestDenied || denied.Reason != "We could not confirm who you are." {
			t.Fatalf("denied: %+v", denied)
		}
		_, err = f.svc.Deny(f.staff(), d.ID, &requests.RequestReason{Reason: "again"})
		wantCode(t, err, steward.ECONFLICT)
		if strings.Contains(f.audit.json(), "confirm who you are") {
			t.Fatal("the denial's words reached the audit log")
		}

		e := create(steward.RequestPortability) // received 31 January: due 28 February
		_, err = f.svc.Extend(f.staff(), e.ID, &requests.RequestReason{Reason: ""})
		wantCode(t, err, steward.EINVALID)
		beyond := time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC)
		_, err = f.svc.Extend(f.staff(), e.ID, &requests.RequestReason{Reason: "many files", Until: &beyond})
		wantCode(t, err, steward.EINVALID)
		ext := must[*requests.RequestView](t)(f.svc.Extend(f.staff(), e.ID, &requests.RequestReason{Reason: "many files"}))
		if !ext.Extended || !ext.Deadline.Equal(time.Date(2027, 4, 30, 12, 0, 0, 0, time.UTC)) || ext.ExtensionReason != "many files" {
			t.Fatalf("extended: %+v", ext)
		}
		_, err = f.svc.Extend(f.staff(), e.ID, &requests.RequestReason{Reason: "more"})
		wantCode(t, err, steward.ECONFLICT)

		o := create(steward.RequestAccess)
		f.advance(29 * 24 * time.Hour) // 1 March: o is overdue (due 28 February), e extended
		if err := f.svc.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if n := eventTypes(t, f)[steward.EventRequestOverdue]; n != 1 {
			t.Fatalf("%d overdue events, want 1", n)
		}
		overdue := must[[]*requests.RequestView](t)(f.svc.List(f.staff(), requests.Filter{Overdue: true}))
		if len(overdue) != 1 || overdue[0].ID != o.ID || !overdue[0].Overdue {
			t.Fatalf("overdue list: %+v", overdue)
		}
		if _, n := must2(t)(f.svc.Counts(ctx)); n != 1 {
			t.Fatalf("overdue count %d", n)
		}
		f.advance(2 * 24 * time.Hour) // 30 days after receipt
		if err := f.svc.Run(ctx); err != nil {
			t.Fatal(err)
		}
		expired := must[[]*requests.RequestView](t)(f.svc.List(f.staff(), requests.Filter{Status: steward.RequestExpired}))
		if len(expired) != 2 {
			t.Fatalf("expired: %d, want 2 (o and e)", len(expired))
		}
		_, err = f.svc.List(f.staff(), requests.Filter{Status: "lost"})
		wantCode(t, err, steward.EINVALID)
	})
}

// TestBadRequests: unknown types, another type's details, an unknown
// subject (not echoed), verified_by without its scope: refused, nothing
// stored.
func TestBadRequests(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		f.subject(t, "ext-1", "ada@example.com")
		for name, c := range map[string]struct {
			ctx  context.Context
			n    requests.NewRequest
			code string
		}{
			"unknown type":        {f.app(), requests.NewRequest{Type: "forget", Subject: requests.RequestSubject{ExternalID: "ext-1"}}, steward.EINVALID},
			"two identifiers":     {f.app(), requests.NewRequest{Type: "access", Subject: requests.RequestSubject{ExternalID: "ext-1", Email: "a@b.c"}}, steward.EINVALID},
			"no identifier":       {f.app(), requests.NewRequest{Type: "access"}, steward.EINVALID},
			"unknown subject":     {f.app(), requests.NewRequest{Type: "access", Subject: requests.RequestSubject{Email: "nobody-secret@example.com"}}, steward.ENOTFOUND},
			"unknown subject id":  {f.app(), requests.NewRequest{Type: "access", Subject: requests.RequestSubject{ID: "sub_nobody"}}, steward.ENOTFOUND},
			"details of another":  {f.app(), requests.NewRequest{Type: "access", Subject: requests.RequestSubject{ExternalID: "ext-1"}, Details: json.RawMessage(`{"purposes": []}`)}, steward.EINVALID},
			"rectify nothing":     {f.app(), requests.NewRequest{Type: "rectification", Subject: requests.RequestSubject{ExternalID: "ext-1"}, Details: json.RawMessage(`{"purposes": ["x"]}`)}, steward.EINVALID},
			"undeclared purpose":  {f.app(), requests.NewRequest{Type: "objection", Subject: requests.RequestSubject{ExternalID: "ext-1"}, Details: json.RawMessage(`{"purposes": ["nope"]}`)}, steward.EINVALID},
			"contract withdrawal": {f.app(), requests.NewRequest{Type: "consent_withdrawal", Subject: requests.RequestSubject{ExternalID: "ext-1"}, Details: json.RawMessage(`{"purposes": ["essential.service"]}`)}, steward.EINVALID},
			"past restriction":    {f.app(), requests.NewRequest{Type: "restriction", Subject: requests.RequestSubject{ExternalID: "ext-1"}, Details: json.RawMessage(`{"until": "2020-01-01T00:00:00Z"}`)}, steward.EINVALID},
			"ccpa type as gdpr":   {f.app(), requests.NewRequest{Type: "opt_out_of_sale_or_sharing", Jurisdiction: "gdpr", Subject: requests.RequestSubject{ExternalID: "ext-1"}}, steward.EINVALID},
			"bad jurisdiction":    {f.app(), requests.NewRequest{Type: "access", Jurisdiction: "eu", Subject: requests.RequestSubject{ExternalID: "ext-1"}}, steward.EINVALID},
			"vouch without scope": {f.as(steward.ScopeRequestsWrite), requests.NewRequest{Type: "access", Subject: requests.RequestSubject{ExternalID: "ext-1"}, VerifiedBy: "application"}, steward.EFORBIDDEN},
			"bad verified_by":     {f.app(), requests.NewRequest{Type: "access", Subject: requests.RequestSubject{ExternalID: "ext-1"}, VerifiedBy: "email"}, steward.EINVALID},
			"no scope":            {f.as(steward.ScopeRequestsManage), requests.NewRequest{Type: "access", Subject: requests.RequestSubject{ExternalID: "ext-1"}}, steward.EFORBIDDEN},
		} {
			_, err := f.svc.Create(c.ctx, &c.n)
			if steward.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", name, err, c.code)
			}
			if err != nil && strings.Contains(err.Error(), "nobody-secret") {
				t.Errorf("%s: the error echoes the value: %v", name, err)
			}
		}
		if all := must[[]*requests.RequestView](t)(f.svc.List(f.staff(), requests.Filter{})); len(all) != 0 || f.mail.count() != 0 {
			t.Fatalf("stored after refusals: %d requests, %d mails", len(all), f.mail.count())
		}
		// Details that fit are accepted, sealed and given back to executors.
		r := must[*requests.RequestView](t)(f.svc.Create(f.app(), &requests.NewRequest{Type: "rectification",
			Subject: requests.RequestSubject{ExternalID: "ext-1"}, Details: json.RawMessage(`{"values": {"user.contact.email": "new@example.com"}}`)}))
		stored, err := f.db.Request(context.Background(), f.tenant.ID, r.ID)
		if err != nil || strings.Contains(string(stored.DetailsSealed), "new@example.com") {
			t.Fatalf("details stored in the clear: %v", err)
		}
		if d, err := f.svc.Details(stored); err != nil || !strings.Contains(string(d), "new@example.com") {
			t.Fatalf("details: %s %v", d, err)
		}
	})
}

// TestFileInternal: a request steward files itself (a child's erasure) is
// verified at once, skips the approval erasure otherwise needs, and runs.
func TestFileInternal(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b.Open(t), steward.RequestErasure)
		sub := f.subject(t, "child-1", "")
		ran := false
		f.svc.Register(steward.RequestErasure, requests.ExecutorFunc(func(ctx context.Context, r *steward.RightsRequest) (*requests.Outcome, error) {
			ran = true
			return &requests.Outcome{Status: requests.Completed}, nil
		}))
		v := must[*requests.RequestView](t)(f.svc.FileInternal(context.Background(), requests.Internal{TenantID: f.tenant.ID, SubjectID: sub,
			Type: steward.RequestErasure, Reason: "child", Actor: "system:age"}))
		if v.Status != steward.RequestVerified || v.VerifiedBy != steward.VerifiedBySystem || v.History[0].Reason != "child" {
			t.Fatalf("filed: %+v", v)
		}
		if err := f.svc.Run(context.Background()); err != nil || !ran {
			t.Fatalf("run: %v, ran %v", err, ran)
		}
		_, err := f.svc.FileInternal(context.Background(), requests.Internal{TenantID: f.tenant.ID, SubjectID: "sub_nobody",
			Type: steward.RequestErasure, Reason: "child", Actor: "system:age"})
		wantCode(t, err, steward.ENOTFOUND)
	})
}
