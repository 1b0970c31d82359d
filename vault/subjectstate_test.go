package vault_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/vault"
)

// reasonsOf returns the reason codes of a denial.
func reasonsOf(err error) []string {
	var se *steward.Error
	if errors.As(err, &se) {
		return se.Reasons
	}
	return nil
}

// TestRestrictionAndObjectionDecideReads: a restriction (with an end) and
// an objection, stored on the subject, deny non-essential reads and allow
// essential ones; the end lifts the restriction; lifting clears it.
func TestRestrictionAndObjectionDecideReads(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		s, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "u"})
		if err := f.v.PutRecord(ctx, s.ID, "user.content.prompt", []byte(`"a cat"`)); err != nil {
			t.Fatal(err)
		}
		if err := f.db.AddConsent(context.Background(), &steward.ConsentRecord{TenantID: f.tenant.ID, SubjectID: s.ID,
			Purpose: "essential.service.generation", Granted: true, PolicyVersion: "1", Channel: "test", At: f.now}); err != nil {
			t.Fatal(err)
		}
		gen := vault.Access{Purpose: "essential.service.generation"}
		essential := vault.Access{Purpose: "essential.service"}
		read := func(a vault.Access) error {
			_, err := f.v.GetRecord(ctx, s.ID, "user.content.prompt", a)
			return err
		}
		if err := read(gen); err != nil {
			t.Fatalf("before the restriction: %v", err)
		}
		until := f.now.Add(time.Hour)
		if err := f.v.SetRestriction(ctx, s.ID, &until, true); err != nil {
			t.Fatal(err)
		}
		if e := f.audit.last(); e.Action != steward.ActionSubjectRestrict || e.SubjectID != s.ID {
			t.Fatalf("restriction not audited: %+v", e)
		}
		if err := read(gen); steward.ErrorCode(err) != steward.EFORBIDDEN || !slices.Contains(reasonsOf(err), "restricted") {
			t.Fatalf("restricted non-essential read = %v; want a restricted denial", err)
		}
		if err := read(essential); err != nil {
			t.Fatalf("restricted essential read: %v", err)
		}
		if v, _ := f.v.Subject(ctx, s.ID); !v.Restricted || v.RestrictedUntil == nil || !v.RestrictedUntil.Equal(until) {
			t.Fatalf("subject view = %+v", v)
		}
		f.now = until
		if err := read(gen); err != nil {
			t.Fatalf("after the restriction's end: %v", err)
		}
		if v, _ := f.v.Subject(ctx, s.ID); v.Restricted || v.RestrictedUntil != nil {
			t.Fatalf("subject view after the end = %+v", v)
		}
		past := f.now.Add(-time.Minute)
		wantCode(t, f.v.SetRestriction(ctx, s.ID, &past, true), steward.EINVALID)
		wantCode(t, f.v.SetRestriction(ctx, "sub_missing", nil, true), steward.ENOTFOUND)
		if err := f.v.SetRestriction(ctx, s.ID, nil, true); err != nil {
			t.Fatal(err)
		}
		if err := read(gen); steward.ErrorCode(err) != steward.EFORBIDDEN {
			t.Fatalf("open-ended restriction: %v", err)
		}
		if err := f.v.SetRestriction(ctx, s.ID, nil, false); err != nil {
			t.Fatal(err)
		}
		if err := read(gen); err != nil {
			t.Fatalf("after lifting: %v", err)
		}

		// Objections: to the purpose's parent, then lifted.
		wantCode(t, f.v.SetObjection(ctx, s.ID, []string{"essential.service"}), steward.EINVALID)
		wantCode(t, f.v.SetObjection(ctx, s.ID, []string{"finance"}), steward.EINVALID)
		wantCode(t, f.v.SetObjection(ctx, s.ID, []string{"*", "essential.service.generation"}), steward.EINVALID)
		if err := f.v.SetObjection(ctx, s.ID, []string{"essential.service.generation"}); err != nil {
			t.Fatal(err)
		}
		if err := read(gen); steward.ErrorCode(err) != steward.EFORBIDDEN || !slices.Contains(reasonsOf(err), "objected") {
			t.Fatalf("objected read = %v", err)
		}
		if err := read(essential); err != nil {
			t.Fatalf("essential read under an objection: %v", err)
		}
		if err := f.v.SetObjection(ctx, s.ID, nil); err != nil {
			t.Fatal(err)
		}
		if err := read(gen); err != nil {
			t.Fatalf("after lifting the objection: %v", err)
		}
		if err := f.v.SetObjection(ctx, s.ID, []string{vault.ObjectAll}); err != nil {
			t.Fatal(err)
		}
		if err := read(gen); steward.ErrorCode(err) != steward.EFORBIDDEN {
			t.Fatalf("objection to everything: %v", err)
		}
	})
}

// TestHoldsKeepDataFromRetentionAndErasure: a subject hold blocks erasure
// (ECONFLICT, legal_hold) and keeps expired records; a category hold keeps
// that category only; released, both go.
func TestHoldsKeepDataFromRetentionAndErasure(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		a, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "a"})
		b, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "b"})
		for _, s := range []*vault.SubjectView{a, b} {
			if err := f.v.PutRecord(ctx, s.ID, "user.device.ip_address", []byte(`"10.0.0.1"`)); err != nil {
				t.Fatal(err)
			}
		}
		hold := &steward.Hold{TenantID: f.tenant.ID, SubjectID: a.ID, ReasonSealed: []byte("x"), CreatedBy: "test", CreatedAt: f.now}
		if err := f.db.CreateHold(context.Background(), hold); err != nil {
			t.Fatal(err)
		}
		var held []int
		f.v = vault.New(vault.Config{Store: f.db, Files: f.files, Keys: f.keys, Audit: f.audit, Policy: f.v.Policy(), Now: f.clock,
			RetentionHeld: func(job string, n int) { held = append(held, n) }})
		_, err := f.v.Erase(ctx, a.ID)
		wantCode(t, err, steward.ECONFLICT)
		if !slices.Contains(reasonsOf(err), steward.ReasonLegalHold) {
			t.Fatalf("erasure under a hold = %v; want reason legal_hold", err)
		}
		if e := f.audit.last(); e.Decision != steward.DecisionDeny || e.Target != hold.ID {
			t.Fatalf("refused erasure not audited: %+v", e)
		}
		f.now = f.now.Add(25 * time.Hour)
		if n, err := f.v.ExpireRecords(context.Background()); err != nil || n != 1 {
			t.Fatalf("ExpireRecords = %d, %v; want only b's record", n, err)
		}
		if n, err := f.v.ExpireRecords(context.Background()); err != nil || n != 0 || !slices.Equal(held, []int{1}) {
			t.Fatalf("second pass = %d, %v, held reports %v; want 0 and one held", n, err, held)
		}
		if _, err := f.db.ReleaseHold(context.Background(), f.tenant.ID, hold.ID, "test", f.now); err != nil {
			t.Fatal(err)
		}
		_, err = f.db.ReleaseHold(context.Background(), f.tenant.ID, hold.ID, "test", f.now)
		wantCode(t, err, steward.ECONFLICT)
		if n, err := f.v.ExpireRecords(context.Background()); err != nil || n != 1 {
			t.Fatalf("after release ExpireRecords = %d, %v", n, err)
		}
		// A category hold blocks the erasure of a subject with data in it.
		if err := f.v.PutRecord(ctx, b.ID, "user.content.prompt", []byte(`"x"`)); err != nil {
			t.Fatal(err)
		}
		cat := &steward.Hold{TenantID: f.tenant.ID, Category: "user.content", ReasonSealed: []byte("x"), CreatedBy: "test", CreatedAt: f.now}
		if err := f.db.CreateHold(context.Background(), cat); err != nil {
			t.Fatal(err)
		}
		_, err = f.v.Erase(ctx, b.ID)
		wantCode(t, err, steward.ECONFLICT)
		if _, err := f.v.Erase(ctx, a.ID); err != nil {
			t.Fatalf("a has no data in the held category: %v", err)
		}
	})
}

// TestPersonalRetention: a subject's own retention of one minute deletes
// their record of that category on time, not before, and not another
// subject's; a retention longer than the policy's is refused.
func TestPersonalRetention(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		a, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "a"})
		b, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "b"})
		for _, s := range []*vault.SubjectView{a, b} {
			if err := f.v.PutRecord(ctx, s.ID, "user.content.prompt", []byte(`"p"`)); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, f.v.SetRetention(ctx, a.ID, "user.device.ip_address", "P2D"), steward.EINVALID)
		wantCode(t, f.v.SetRetention(ctx, a.ID, "user.nothing", "PT1M"), steward.EINVALID)
		wantCode(t, f.v.SetRetention(ctx, a.ID, "user.content.prompt", "soon"), steward.EINVALID)
		wantCode(t, f.v.SetRetention(ctx, "sub_missing", "user.content.prompt", "PT1M"), steward.ENOTFOUND)
		if err := f.v.SetRetention(ctx, a.ID, "user.content.prompt", "PT1M"); err != nil {
			t.Fatal(err)
		}
		// Files follow the chosen retention too.
		img, err := f.v.PutFile(ctx, a.ID, "user.content.product_image", false, strings.NewReader("img"))
		if err != nil {
			t.Fatal(err)
		}
		keep, err := f.v.PutFile(ctx, b.ID, "user.content.product_image", false, strings.NewReader("img"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.v.SetRetention(ctx, a.ID, "user.content.product_image", "PT2M"); err != nil {
			t.Fatal(err)
		}
		if e := f.audit.last(); e.Action != steward.ActionSubjectRetention || e.Categories[0] != "user.content.product_image" {
			t.Fatalf("retention not audited: %+v", e)
		}
		if rs, err := f.v.Retentions(ctx, a.ID); err != nil || len(rs) != 2 || rs[0].Retention != "PT2M" || rs[1].Retention != "PT1M" {
			t.Fatalf("Retentions = %+v, %v", rs, err)
		}
		_, err = f.v.Retentions(ctx, "sub_missing")
		wantCode(t, err, steward.ENOTFOUND)
		f.now = f.now.Add(59 * time.Second)
		if n, err := f.v.ExpirePersonal(context.Background()); err != nil || n != 0 {
			t.Fatalf("ExpirePersonal at 59s = %d, %v", n, err)
		}
		f.now = f.now.Add(2 * time.Second)
		if n, err := f.v.ExpirePersonal(context.Background()); err != nil || n != 1 {
			t.Fatalf("ExpirePersonal at 61s = %d, %v", n, err)
		}
		if recs, _ := f.db.Records(context.Background(), f.tenant.ID, a.ID); len(recs) != 0 {
			t.Fatalf("a's records left: %+v", recs)
		}
		if recs, _ := f.db.Records(context.Background(), f.tenant.ID, b.ID); len(recs) != 1 {
			t.Fatalf("b's records: %+v", recs)
		}
		if e := f.audit.last(); e.Action != steward.ActionRetention || e.SubjectID != a.ID {
			t.Fatalf("purge not audited: %+v", e)
		}
		if n, err := f.v.ExpireFiles(context.Background()); err != nil || n != 0 {
			t.Fatalf("ExpireFiles at 61s = %d, %v", n, err)
		}
		f.now = f.now.Add(time.Minute)
		if n, err := f.v.ExpireFiles(context.Background()); err != nil || n != 1 {
			t.Fatalf("ExpireFiles at 121s = %d, %v", n, err)
		}
		if _, err := f.db.File(context.Background(), f.tenant.ID, img.ID); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Fatalf("a's file after its retention: %v", err)
		}
		if _, err := f.db.File(context.Background(), f.tenant.ID, keep.ID); err != nil {
			t.Fatalf("b's file: %v", err)
		}
	})
}
