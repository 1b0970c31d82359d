package vault_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/vault"
)

// TestTransfer: the policy decides a disclosure with its processor (the
// starter's AI partners need consent); files must be the subject's; the
// scope is disclosures:write.
func TestTransfer(t *testing.T) {
	forEach(t, func(t *testing.T, f *fixture) {
		ctx := f.service()
		s, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "u1"})
		other, _ := f.v.CreateSubject(ctx, &vault.NewSubject{ExternalID: "u2"})
		if err := f.v.PutRecord(ctx, s.ID, "user.content.prompt", json.RawMessage(`"a red shoe"`)); err != nil {
			t.Fatal(err)
		}
		theirs, err := f.v.PutFile(ctx, other.ID, "user.content.product_image", false, strings.NewReader("img"))
		if err != nil {
			t.Fatal(err)
		}
		share := f.as(steward.ActorAPIKey, steward.ScopeDisclosuresWrite)
		a := vault.Access{Purpose: "essential.service.generation", Processor: "kestrel-video"}
		tr, err := f.v.Transfer(share, s.ID, a, []string{"user.content.prompt"}, nil)
		if err != nil || tr.Allowed() || !tr.Decision.Reasons.Has(policy.ReasonConsentRequired) || len(tr.Values) != 0 {
			t.Fatalf("Transfer without consent = %+v, %v; want denied consent_required, no values", tr, err)
		}
		_, err = f.v.Transfer(share, s.ID, a, nil, []string{theirs.ID})
		wantCode(t, err, steward.EINVALID)
		_, err = f.v.Transfer(share, s.ID, a, nil, []string{"fil_nope"})
		wantCode(t, err, steward.ENOTFOUND)
		_, err = f.v.Transfer(share, s.ID, vault.Access{Purpose: a.Purpose}, []string{"user.content.prompt"}, nil)
		wantCode(t, err, steward.EINVALID)
		_, err = f.v.Transfer(ctx, s.ID, a, []string{"user.content.prompt"}, nil)
		wantCode(t, err, steward.EFORBIDDEN)
	})
}

func TestRedactValue(t *testing.T) {
	for in, want := range map[string]string{
		`"mail ada@example.org now"`:            `"mail \u003cEMAIL_ADDRESS\u003e now"`,
		`{"to":"ada@example.org","n":3}`:        `{"n":3,"to":"\u003cEMAIL_ADDRESS\u003e"}`,
		`["no personal data here", true, null]`: `["no personal data here",true,null]`,
		`4111111111111111`:                      `"\u003cCREDIT_CARD\u003e"`,
	} {
		got, err := vault.RedactValue(json.RawMessage(in))
		if err != nil || string(got) != want {
			t.Errorf("RedactValue(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
}
