package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/vault"
)

func TestSubjectsNormalizedAndUnique(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		s, err := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "u1", Email: " Ada@Example.COM ", Phone: "+44 20 7946 0958"})
		if err != nil {
			t.Fatal(err)
		}
		if s.Region != "us" {
			t.Fatalf("region = %q; want the tenant's home region", s.Region)
		}
		for _, dup := range []vault.NewSubject{
			{ExternalID: "u1"},
			{ExternalID: "u2", Email: "ada@example.com"},
			{ExternalID: "u3", Phone: "+442079460958"},
		} {
			_, err := f.v.CreateSubject(ctx, &dup)
			wantCode(t, err, steward.ECONFLICT)
		}
		for kind, value := range map[string]string{"email": "ADA@example.com", "phone": "+44 (20) 7946-0958", "external_id": "u1"} {
			got, err := f.v.FindSubject(ctx, kind, value)
			if err != nil || got.ID != s.ID {
				t.Fatalf("FindSubject(%s) = %+v, %v", kind, got, err)
			}
		}
		for _, bad := range []vault.NewSubject{{}, {ExternalID: "x", Email: "nope"}, {ExternalID: "x", Phone: "12345"},
			{ExternalID: "x", Birthdate: "1.2.2000"}, {ExternalID: "x", Region: "EU!"},
			{ExternalID: "x", Region: "eu"}} { // eu: a region, but not one the policy stores data in
			_, err := f.v.CreateSubject(ctx, &bad)
			wantCode(t, err, steward.EINVALID)
		}
		// Without records:write, nothing is created.
		_, err = f.v.CreateSubject(f.as(steward.ActorAPIKey, steward.ScopeRecordsRead), &vault.NewSubject{ExternalID: "u9"})
		wantCode(t, err, steward.EFORBIDDEN)
	})
}

func TestPurposeChecks(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		s, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "u1"})
		if err := f.v.PutRecord(ctx, s.ID, "user.content.prompt", json.RawMessage(`"a red sneaker on a beach"`)); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.v.PutRecord(ctx, s.ID, "user.financial.bank_account", json.RawMessage(`1`)), steward.EINVALID)
		wantCode(t, f.v.PutRecord(ctx, s.ID, "user.content.prompt", json.RawMessage(`{bad`)), steward.EINVALID)

		// A read must name a purpose.
		_, err := f.v.GetRecord(ctx, s.ID, "user.content.prompt", vault.Access{})
		wantCode(t, err, steward.EINVALID)
		// Contract purpose: allowed.
		got, err := f.v.GetRecord(ctx, s.ID, "user.content.prompt", vault.Access{Purpose: "essential.service"})
		if err != nil || string(got.Value) != `"a red sneaker on a beach"` || got.Masked {
			t.Fatalf("GetRecord = %+v, %v", got, err)
		}
		if e := f.audit.last(); e.Action != steward.ActionRecordRead || e.Decision != steward.DecisionAllow || e.Purpose != "essential.service" {
			t.Fatalf("read not audited: %+v", e)
		}
		// Consent-based purpose without consent: denied, audited, with reasons.
		_, err = f.v.GetRecord(ctx, s.ID, "user.content.prompt", vault.Access{Purpose: "essential.service.generation"})
		wantCode(t, err, steward.EFORBIDDEN)
		var se *steward.Error
		if !errors.As(err, &se) || !slices.Contains(se.Reasons, "consent_required") {
			t.Fatalf("denial lacks the consent_required reason: %v", err)
		}
		if e := f.audit.last(); e.Decision != steward.DecisionDeny || !slices.Contains(e.Reasons, "consent_required") {
			t.Fatalf("denial not audited: %+v", e)
		}
		// With consent on record: allowed.
		if err := f.db.AddConsent(context.Background(), &steward.ConsentRecord{TenantID: f.tenant.ID, SubjectID: s.ID,
			Purpose: "essential.service.generation", Granted: true, PolicyVersion: "1", Channel: "test", At: f.now}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.v.GetRecord(ctx, s.ID, "user.content.prompt", vault.Access{Purpose: "essential.service.generation"}); err != nil {
			t.Fatalf("with consent: %v", err)
		}
		// A prohibited purpose is always denied, consent or not.
		if err := f.db.AddConsent(context.Background(), &steward.ConsentRecord{TenantID: f.tenant.ID, SubjectID: s.ID,
			Purpose: "train_ai_system", Granted: true, PolicyVersion: "1", Channel: "test", At: f.now}); err != nil {
			t.Fatal(err)
		}
		_, err = f.v.GetRecord(ctx, s.ID, "user.content.prompt", vault.Access{Purpose: "train_ai_system"})
		wantCode(t, err, steward.EFORBIDDEN)
		if e := f.audit.last(); e.Decision != steward.DecisionDeny || e.Purpose != "train_ai_system" {
			t.Fatalf("prohibited read not audited as a denial: %+v", e)
		}
		// Every event is free of the value.
		for _, e := range f.audit.events {
			b, _ := json.Marshal(e)
			if contains(b, "sneaker") {
				t.Fatalf("audit event holds the value: %s", b)
			}
		}
	})
}

func TestStaffSeeMaskedValuesWithoutJustification(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		s, _ := f.v.CreateSubject(f.service(), &vault.NewSubject{ExternalID: "u1"})
		if err := f.v.PutRecord(f.service(), s.ID, "user.contact.email", json.RawMessage(`"ada@example.com"`)); err != nil {
			t.Fatal(err)
		}
		staff := f.as(steward.ActorStaff, steward.ScopeRecordsRead)
		got, err := f.v.GetRecord(staff, s.ID, "user.contact.email", vault.Access{Purpose: "essential.service"})
		if err != nil || !got.Masked || contains(got.Value, "ada@") {
			t.Fatalf("staff without justification got %s (masked %v), %v", got.Value, got.Masked, err)
		}
		got, err = f.v.GetRecord(staff, s.ID, "user.contact.email", vault.Access{Purpose: "essential.service", Justification: "security-investigation"})
		if err != nil || got.Masked || string(got.Value) != `"ada@example.com"` {
			t.Fatalf("staff with an accepted justification got %s (masked %v), %v", got.Value, got.Masked, err)
		}
		if e := f.audit.last(); e.Justification != "security-investigation" {
			t.Fatalf("justification not audited: %+v", e)
		}
	})
}

func TestListByPurpose(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		s, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "u1"})
		for cat, v := range map[string]string{"user.contact.email": `"a@b.org"`, "user.content.prompt": `"p"`, "user.device.ip_address": `"10.0.0.1"`} {
			if err := f.v.PutRecord(ctx, s.ID, cat, json.RawMessage(v)); err != nil {
				t.Fatal(err)
			}
		}
		vals, err := f.v.GetRecords(ctx, s.ID, vault.Access{Purpose: "essential.service"})
		if err != nil {
			t.Fatal(err)
		}
		var cats []string
		for _, v := range vals {
			cats = append(cats, v.Category)
		}
		if !slices.Equal(cats, []string{"user.contact.email", "user.content.prompt"}) {
			t.Fatalf("essential.service sees %v; want email and prompt only", cats)
		}
		_, err = f.v.GetRecords(ctx, s.ID, vault.Access{Purpose: "marketing.advertising"})
		wantCode(t, err, steward.EFORBIDDEN)
	})
}

func contains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }
