package holds_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/holds"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/policy"
)

type auditRecorder struct {
	mu     sync.Mutex
	events []steward.AuditEvent
}

func (a *auditRecorder) Append(_ context.Context, e *steward.AuditEvent) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = append(a.events, *e)
	return nil
}

func (a *auditRecorder) AppendChained(ctx context.Context, e *steward.AuditEvent) error {
	return a.Append(ctx, e)
}

type pols struct{ d *policy.Decider }

func (p pols) Policy() *policy.Decider { return p.d }

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := steward.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q); want %q", err, got, code)
	}
}

// TestHolds: only holds:manage (not admin) manages holds; bad holds are
// refused without echoing the reason; the reason is stored sealed and
// shown to managers and to Held; release runs the hook once; the audit
// carries ids only.
func TestHolds(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		p, err := policy.Load(filepath.Join("..", "examples", "ad-asset-studio.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		d, err := policy.Compile(p)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
		ten := &steward.Tenant{Name: "A", HomeRegion: "us", CreatedAt: now}
		if err := db.CreateTenant(ctx, ten); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateTenantKey(ctx, &steward.TenantKey{TenantID: ten.ID, Version: 1, Wrapped: []byte("w"), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		sub := &steward.Subject{TenantID: ten.ID, ExternalIndex: []byte("x"), Sealed: []byte("s"), Region: "us", WrappedKey: []byte("k"),
			KeyVersion: 1, CreatedAt: now}
		if err := db.CreateSubject(ctx, sub); err != nil {
			t.Fatal(err)
		}
		seal := make([]byte, 32)
		rand.Read(seal)
		audit := &auditRecorder{}
		var released []string
		svc, err := holds.New(holds.Config{Store: db, Policies: pols{d}, Audit: audit, SealKey: seal, Now: func() time.Time { return now },
			OnRelease: func(_ context.Context, h *steward.Hold) error {
				released = append(released, h.ID+" "+h.Reason)
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		as := func(scopes ...steward.Scope) context.Context {
			return steward.WithCaller(ctx, &steward.Caller{TenantID: ten.ID, Kind: steward.ActorAPIKey, ID: "k", Scopes: scopes})
		}
		mgr := as(steward.ScopeHoldsManage)
		const reason = "Case 42 canary"
		_, err = svc.Create(as(steward.ScopeRecordsWrite), &holds.NewHold{Subject: sub.ID, Reason: reason})
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = svc.Create(ctx, &holds.NewHold{Subject: sub.ID, Reason: reason})
		wantCode(t, err, steward.EUNAUTHORIZED)
		past := now.Add(-time.Hour)
		for _, in := range []*holds.NewHold{{Subject: sub.ID}, {Category: "user.nothing", Reason: reason}, {Reason: reason},
			{Subject: sub.ID, Category: "user.content.prompt", Reason: reason}, {Subject: "sub_missing", Reason: reason},
			{Subject: sub.ID, Reason: reason, Until: &past}, {Subject: sub.ID, Reason: strings.Repeat("x", 2001)}} {
			_, err := svc.Create(mgr, in)
			wantCode(t, err, steward.EINVALID)
			if strings.Contains(err.Error(), "canary") {
				t.Fatalf("error echoes the reason: %v", err)
			}
		}
		h, err := svc.Create(mgr, &holds.NewHold{Subject: sub.ID, Reason: "  " + reason + " "})
		if err != nil || h.Reason != reason || !h.Active || h.CreatedBy != "api_key:k" {
			t.Fatalf("Create = %+v, %v", h, err)
		}
		stored, _ := db.Hold(ctx, ten.ID, h.ID)
		if bytes.Contains(stored.ReasonSealed, []byte("canary")) {
			t.Fatal("the reason is stored in the clear")
		}
		ids, reasons, err := svc.Held(ctx, ten.ID, sub.ID)
		if err != nil || !slices.Equal(ids, []string{h.ID}) || !slices.Equal(reasons, []string{reason}) {
			t.Fatalf("Held = %v, %v, %v", ids, reasons, err)
		}
		if list, err := svc.List(mgr, false); err != nil || len(list) != 1 || list[0].Reason != reason {
			t.Fatalf("List = %+v, %v", list, err)
		}
		if _, err := svc.Release(mgr, h.ID); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Release(mgr, h.ID)
		wantCode(t, err, steward.ECONFLICT)
		if !slices.Equal(released, []string{h.ID + " " + reason}) {
			t.Fatalf("release hook calls: %q", released)
		}
		if ids, _, _ := svc.Held(ctx, ten.ID, sub.ID); len(ids) != 0 {
			t.Fatalf("held after release: %v", ids)
		}
		if len(audit.events) != 2 || audit.events[0].Action != steward.ActionHoldCreate || audit.events[1].Action != steward.ActionHoldRelease ||
			audit.events[1].Target != h.ID || audit.events[1].SubjectID != sub.ID {
			t.Fatalf("audit: %+v", audit.events)
		}
		for _, e := range audit.events {
			if strings.Contains(e.Purpose+strings.Join(e.Reasons, " ")+e.Target, "canary") {
				t.Fatalf("an audit event carries the reason: %+v", e)
			}
		}
	})
}
