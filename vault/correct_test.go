package vault_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/vault"
)

func str(s string) *string { return &s }

// TestCorrectSubject: a corrected email replaces the old one in the sealed
// identifiers and the lookup; a taken email conflicts; a birthdate below
// the minimum age is refused under children.below: refuse, with nothing
// changed; the audit names fields, never values.
func TestCorrectSubject(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		s, err := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "u", Email: "old@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "v", Email: "taken@example.org"}); err != nil {
			t.Fatal(err)
		}
		before, _ := f.db.Subject(context.Background(), f.tenant.ID, s.ID)
		out, err := f.v.UpdateSubject(ctx, s.ID, &vault.Correction{Email: str("New@Example.org"), Phone: str("+44 20 7946 0958")})
		if err != nil || out.Subject == nil || out.Below != "" {
			t.Fatalf("UpdateSubject = %+v, %v", out, err)
		}
		if e := f.audit.last(); e.Action != steward.ActionSubjectCorrect || !slices.Equal(e.Reasons, []string{"email", "phone"}) {
			t.Fatalf("correction audited as %+v", e)
		}
		if got, err := f.v.FindSubject(ctx, steward.IndexEmail, "new@example.org"); err != nil || got.ID != s.ID {
			t.Fatalf("find by the new email = %+v, %v", got, err)
		}
		if got, err := f.v.FindSubject(ctx, steward.IndexPhone, "+442079460958"); err != nil || got.ID != s.ID {
			t.Fatalf("find by the new phone = %+v, %v", got, err)
		}
		_, err = f.v.FindSubject(ctx, steward.IndexEmail, "old@example.org")
		wantCode(t, err, steward.ENOTFOUND)
		after, _ := f.db.Subject(context.Background(), f.tenant.ID, s.ID)
		if bytes.Equal(before.Sealed, after.Sealed) || bytes.Equal(before.EmailIndex, after.EmailIndex) {
			t.Fatal("the identifiers were not sealed again")
		}
		_, err = f.v.UpdateSubject(ctx, s.ID, &vault.Correction{Email: str("taken@example.org")})
		wantCode(t, err, steward.ECONFLICT)
		_, err = f.v.UpdateSubject(ctx, s.ID, &vault.Correction{Email: str("not an email")})
		wantCode(t, err, steward.EINVALID)
		_, err = f.v.UpdateSubject(ctx, s.ID, &vault.Correction{})
		wantCode(t, err, steward.EINVALID)
		// children.below: refuse (minimum age 18).
		_, err = f.v.UpdateSubject(ctx, s.ID, &vault.Correction{Birthdate: str("2015-01-01")})
		wantCode(t, err, steward.ECONFLICT)
		if !slices.Contains(reasonsOf(err), "below_minimum_age") {
			t.Fatalf("refusal = %v; want reason below_minimum_age", err)
		}
		if now, _ := f.db.Subject(context.Background(), f.tenant.ID, s.ID); !bytes.Equal(now.Sealed, after.Sealed) || now.BelowMinimumAge {
			t.Fatal("a refused correction changed the subject")
		}
		if _, err := f.v.UpdateSubject(ctx, s.ID, &vault.Correction{Birthdate: str("1990-05-01"), Email: str("")}); err != nil {
			t.Fatal(err)
		}
		_, err = f.v.FindSubject(ctx, steward.IndexEmail, "new@example.org")
		wantCode(t, err, steward.ENOTFOUND)
	})
}

// TestChildBelowDelete: under children.below: delete, a birthdate below
// the minimum age erases the subject (reason child) without a hook, and
// calls the hook with one; a staff age report does the same.
func TestChildBelowDelete(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		f.v.SetPolicy(loadPolicy(t, "content-studio.yaml")) // minimum age 13, below: delete
		s, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "kid"})
		out, err := f.v.UpdateSubject(ctx, s.ID, &vault.Correction{Birthdate: str("2020-01-01")})
		if err != nil || out.Below != vault.AgeErased || out.Subject != nil {
			t.Fatalf("UpdateSubject = %+v, %v; want erased", out, err)
		}
		if e := f.audit.last(); e.Action != steward.ActionSubjectErase || !slices.Equal(e.Reasons, []string{vault.ReasonChild}) {
			t.Fatalf("child erasure audited as %+v", e)
		}
		_, err = f.v.Subject(ctx, s.ID)
		wantCode(t, err, steward.ENOTFOUND)

		// Flagged (children.below: flag), then cleared by a corrected birthdate.
		f.v.SetPolicy(editedPolicy(t, "content-studio.yaml", "below: delete", "below: flag"))
		fl, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "maybe-kid"})
		if out, err := f.v.UpdateSubject(ctx, fl.ID, &vault.Correction{Birthdate: str("2020-01-01")}); err != nil ||
			out.Below != vault.AgeFlagged || !out.Subject.BelowMinimumAge {
			t.Fatalf("flag: %+v, %v", out, err)
		}
		if out, err := f.v.UpdateSubject(ctx, fl.ID, &vault.Correction{Birthdate: str("1990-01-01")}); err != nil || out.Subject.BelowMinimumAge {
			t.Fatalf("corrected to an adult: %+v, %v", out, err)
		}
		f.v.SetPolicy(loadPolicy(t, "content-studio.yaml"))

		var asked []string
		f.v = vault.New(vault.Config{Store: f.db, Files: f.files, Keys: f.keys, Audit: f.audit, Policy: f.v.Policy(), Now: f.clock,
			ChildErasure: func(ctx context.Context, tenantID, subjectID string) error {
				asked = append(asked, subjectID)
				return nil
			}})
		k, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "kid2"})
		out, err = f.v.ReportAge(ctx, k.ID)
		if err != nil || out.Below != vault.AgeErasureRequested || !out.Subject.BelowMinimumAge || !slices.Equal(asked, []string{k.ID}) {
			t.Fatalf("ReportAge = %+v, %v, hook %v", out, err, asked)
		}
		// Flagged, processing is denied until the erasure runs.
		if err := f.v.PutRecord(ctx, k.ID, "user.contact.email", []byte(`"k@example.org"`)); err != nil {
			t.Fatal(err)
		}
		_, err = f.v.GetRecord(ctx, k.ID, "user.contact.email", vault.Access{Purpose: "essential.service"})
		wantCode(t, err, steward.EFORBIDDEN)
	})
}

// editedPolicy loads an example policy with one text replacement.
func editedPolicy(t *testing.T, name, old, repl string) *policy.Decider {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse(name, []byte(strings.Replace(string(src), old, repl, 1)))
	if err != nil {
		t.Fatal(err)
	}
	d, err := policy.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
