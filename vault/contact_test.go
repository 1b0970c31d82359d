package vault_test

import (
	"context"
	"strings"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/vault"
)

// TestContactEmail: the system reads a subject's email to inform them,
// audited by id as system:incidents, never with the address; "" without
// one; ENOTFOUND once erased.
func TestContactEmail(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		with, err := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "c1", Email: "Ada@Example.org"})
		if err != nil {
			t.Fatal(err)
		}
		without, err := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "c2"})
		if err != nil {
			t.Fatal(err)
		}
		bg := context.Background() // no caller: a system read
		email, err := f.v.ContactEmail(bg, f.tenant.ID, with.ID, "inc_1")
		if err != nil || email != "ada@example.org" {
			t.Fatalf("email = %q, %v", email, err)
		}
		e := f.audit.last()
		if e.Action != steward.ActionSubjectContactRead || e.Actor != "system:incidents" || e.SubjectID != with.ID || e.Target != "inc_1" ||
			strings.Contains(strings.Join(e.Reasons, " "), "@") {
			t.Fatalf("audit event: %+v", e)
		}
		if email, err := f.v.ContactEmail(bg, f.tenant.ID, without.ID, "inc_1"); err != nil || email != "" {
			t.Fatalf("without an email: %q, %v", email, err)
		}
		if _, err := f.v.Erase(ctx, with.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.v.ContactEmail(bg, f.tenant.ID, with.ID, "inc_1")
		wantCode(t, err, steward.ENOTFOUND)
	})
}
