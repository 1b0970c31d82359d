package grants_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/grants"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/internal/testpolicy"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/vault"
)

// TestGrantLifecycle, on every backend with an injected clock: an approved
// grant covers reads until its minutes pass, then the expiry job marks it
// expired and audits it once; a request nobody decides lapses after a day
// and can no longer be approved; the note is shown to audit:read while the
// subject exists and is gone with the subject's key after erasure; no
// audit event carries the note.
func TestGrantLifecycle(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		keys, files := testpolicy.KeysAndFiles(t)
		p, err := policy.Load(filepath.Join("..", "examples", "ad-asset-studio.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		d, err := policy.Compile(p)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		audit := &testpolicy.AuditLog{}
		tenant := &steward.Tenant{Name: "Acme", HomeRegion: "us", CreatedAt: now}
		if err := db.CreateTenant(ctx, tenant); err != nil {
			t.Fatal(err)
		}
		v := vault.New(vault.Config{Store: db, Files: files, Keys: keys, Audit: audit, Policy: d, Now: clock})
		svc := grants.New(grants.Config{Store: db, Notes: v, Policies: v, Audit: audit, Now: clock})

		staff := func(role steward.Role) *steward.Caller {
			a := &steward.StaffAccount{ID: steward.NewID("stf"), TenantID: tenant.ID, EmailIndex: []byte(steward.NewID("e")), EmailSealed: []byte("x"),
				PasswordHash: "x", Role: role, CreatedAt: now}
			if err := db.CreateStaff(ctx, a); err != nil {
				t.Fatal(err)
			}
			return &steward.Caller{TenantID: tenant.ID, Kind: steward.ActorStaff, ID: a.ID, Scopes: steward.RoleScopes[role]}
		}
		app := steward.WithCaller(ctx, &steward.Caller{TenantID: tenant.ID, Kind: steward.ActorAPIKey, ID: "key_app",
			Scopes: steward.Scopes{steward.ScopeRecordsRead, steward.ScopeRecordsWrite}})
		agent, officer := staff(steward.RoleSupport), staff(steward.RolePrivacy)
		as, of := steward.WithCaller(ctx, agent), steward.WithCaller(ctx, officer)
		sub, err := v.CreateSubject(app, &vault.NewSubject{ExternalID: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := v.PutRecord(app, sub.ID, "user.contact.email", []byte(`"ada@example.org"`)); err != nil {
			t.Fatal(err)
		}
		read := func(grant string) bool { // in clear?
			t.Helper()
			val, err := v.GetRecord(as, sub.ID, "user.contact.email", vault.Access{Purpose: "essential.service",
				Justification: "legal-obligation", Grant: grant})
			if err != nil {
				t.Fatal(err)
			}
			return !val.Masked
		}

		const note = "ticket LEGAL-7 for Ada"
		g, err := svc.Request(as, &grants.NewGrant{Subject: sub.ID, Justification: "legal-obligation", Note: note, Minutes: 15})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Approve(of, g.ID); err != nil {
			t.Fatal(err)
		}
		now = now.Add(14 * time.Minute)
		if !read(g.ID) {
			t.Fatal("an approved grant within its minutes masked the value")
		}
		now = now.Add(time.Minute)
		if read(g.ID) {
			t.Fatal("a grant past its minutes showed the value")
		}
		if x, _ := svc.Get(of, g.ID); x.Status != "expired" || x.Note != note {
			t.Fatalf("grant past its time: %+v", x)
		}

		late, err := svc.Request(as, &grants.NewGrant{Subject: sub.ID, Justification: "legal-obligation"})
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(grants.PendingFor)
		if _, err := svc.Approve(of, late.ID); steward.ErrorCode(err) != steward.ECONFLICT {
			t.Fatalf("approving a lapsed request: %v; want ECONFLICT", err)
		}
		if n, err := svc.Expire(ctx); err != nil || n != 2 {
			t.Fatalf("Expire = %d, %v; want 2", n, err)
		}
		if n, err := svc.Expire(ctx); err != nil || n != 0 {
			t.Fatalf("second Expire = %d, %v; want 0 (each expiry audited once)", n, err)
		}
		if got := audit.Actions(steward.ActionAccessGrantExpire); len(got) != 2 || got[0].Actor != grants.Actor {
			t.Fatalf("expiry events: %+v", got)
		}

		if _, err := v.Erase(app, sub.ID); err != nil {
			t.Fatal(err)
		}
		if x, err := svc.Get(of, g.ID); err != nil || x.Note != "" {
			t.Fatalf("grant after erasure: %+v, %v; want no note (sealed under the erased key)", x, err)
		}
		for _, action := range []string{steward.ActionAccessGrantRequest, steward.ActionAccessGrantApprove, steward.ActionAccessGrantExpire,
			steward.ActionAccessGrantNoteRead, steward.ActionRecordRead} {
			for _, e := range audit.Actions(action) {
				for _, s := range append([]string{e.Target, e.Justification}, e.Reasons...) {
					if strings.Contains(s, "LEGAL-7") || strings.Contains(s, "Ada") {
						t.Fatalf("the note reached the audit log: %+v", e)
					}
				}
			}
		}
	})
}
