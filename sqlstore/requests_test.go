package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
)

// TestRightsRequests: a request is stored with its history and event,
// updated only from the version read (a stale writer gets ECONFLICT and
// writes nothing), listed by status, type and overdue, found by id in its
// tenant only (and in any tenant through RequestByID), and counted.
func TestRightsRequests(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a, other := mustTenant(t, db, "A"), mustTenant(t, db, "B")
		now := time.Date(2027, 1, 31, 10, 0, 0, 0, time.UTC)
		newReq := func(typ, status string, received time.Time) *steward.RightsRequest {
			r := &steward.RightsRequest{ID: steward.NewID("req"), TenantID: a.ID, SubjectID: "sub_x", Type: typ,
				Jurisdiction: steward.JurisdictionGDPR, Status: status, ReceivedAt: received, Deadline: received.AddDate(0, 1, 0),
				DetailsSealed: []byte{1, 2, 3}, UpdatedAt: received,
				History: []steward.RequestStatusChange{{To: status, At: received, Actor: "api_key:key_1", Reason: "received"}}}
			ev, err := steward.NewEvent(a.ID, steward.EventRequestCreated, received, map[string]string{"request_id": r.ID})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.CreateRequest(ctx, r, ev); err != nil {
				t.Fatal(err)
			}
			return r
		}
		r1 := newReq(steward.RequestAccess, steward.RequestUnverified, now)
		r2 := newReq(steward.RequestErasure, steward.RequestVerified, now.AddDate(0, -2, 0)) // overdue
		newReq(steward.RequestAccess, steward.RequestCompleted, now.AddDate(0, -3, 0))       // overdue but final

		got, err := db.Request(ctx, a.ID, r1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Type != steward.RequestAccess || got.Status != steward.RequestUnverified || !got.ReceivedAt.Equal(now) ||
			string(got.DetailsSealed) != "\x01\x02\x03" || got.CodeHash != nil || got.Version != 1 || len(got.History) != 1 ||
			got.History[0].Reason != "received" || got.ExtendedDeadline != nil || got.Result != nil {
			t.Fatalf("read back: %+v", got)
		}
		if _, err := db.Request(ctx, other.ID, r1.ID); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Fatalf("another tenant's request: %v", err)
		}
		if x, err := db.RequestByID(ctx, r1.ID); err != nil || x.TenantID != a.ID {
			t.Fatalf("by id: %v %+v", err, x)
		}

		// An update from the version read.
		stale := *got
		exp := now.Add(10 * time.Minute)
		ext := now.AddDate(0, 3, 0)
		got.Status, got.CodeHash, got.CodeExpires, got.CodeAttempts = steward.RequestVerified, []byte("hash"), &exp, 2
		got.ExtendedDeadline, got.ExtensionReason, got.Result, got.CodesSent = &ext, "volume", []byte(`{"n":1}`), 3
		ch := []steward.RequestStatusChange{{From: steward.RequestUnverified, To: steward.RequestVerified, At: now, Actor: "subject:sub_x", Reason: "code_verified"}}
		if err := db.UpdateRequest(ctx, got, ch); err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 || len(got.History) != 2 {
			t.Fatalf("after update: version %d, %d changes", got.Version, len(got.History))
		}
		stale.Status = steward.RequestDenied
		if err := db.UpdateRequest(ctx, &stale, ch); steward.ErrorCode(err) != steward.ECONFLICT {
			t.Fatalf("stale update: %v", err)
		}
		again, err := db.Request(ctx, a.ID, r1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again.Status != steward.RequestVerified || string(again.CodeHash) != "hash" || !again.CodeExpires.Equal(exp) ||
			again.CodeAttempts != 2 || again.CodesSent != 3 || !again.Due().Equal(ext) || again.ExtensionReason != "volume" || string(again.Result) != `{"n":1}` ||
			len(again.History) != 2 || again.History[1].Reason != "code_verified" {
			t.Fatalf("after update read back: %+v", again)
		}

		list := func(f steward.RequestFilter) int {
			t.Helper()
			f.Now = now
			rs, err := db.Requests(ctx, a.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			return len(rs)
		}
		if n := list(steward.RequestFilter{}); n != 3 {
			t.Errorf("all: %d", n)
		}
		if n := list(steward.RequestFilter{Type: steward.RequestAccess}); n != 2 {
			t.Errorf("access: %d", n)
		}
		if n := list(steward.RequestFilter{Status: steward.RequestVerified}); n != 2 {
			t.Errorf("verified: %d", n)
		}
		if n := list(steward.RequestFilter{Overdue: true}); n != 1 {
			t.Errorf("overdue: %d", n)
		}
		due, err := db.DueRequests(ctx, []string{steward.RequestVerified}, 10)
		if err != nil || len(due) != 2 || due[0].ID != r2.ID {
			t.Fatalf("due: %v %d", err, len(due))
		}
		open, overdue, err := db.RequestCounts(ctx, now)
		if err != nil || open != 2 || overdue != 1 {
			t.Fatalf("counts: %v open %d overdue %d", err, open, overdue)
		}
	})
}
