package fulfil

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/vault"
)

// objector is an in-memory Objector.
type objector struct {
	d   *policy.Decider
	sub vault.SubjectView
}

func (o *objector) Subject(context.Context, string) (*vault.SubjectView, error) {
	s := o.sub
	return &s, nil
}
func (o *objector) Policy() *policy.Decider { return o.d }
func (o *objector) SetObjection(_ context.Context, _ string, purposes []string) error {
	o.sub.Objections = purposes
	return nil
}

// testPolicy is the Decider's test policy with a sensitive category
// (biometric data) used by the consent-based marketing purpose.
func testPolicy(t *testing.T) *policy.Decider {
	t.Helper()
	b, err := os.ReadFile("../policy/testdata/decide.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(b), "categories:\n  user.contact:\n", "categories:\n  user.biometric:\n    description: Face geometry.\n"+
		"    collection: [subject]\n    retention: P7D\n  user.contact:\n", 1)
	src = strings.Replace(src, "    basis: consent\n    categories: [user.contact.email]\n    withdraw: Unsubscribe",
		"    basis: consent\n    categories: [user.contact.email, user.biometric]\n    withdraw: Unsubscribe", 1)
	p, err := policy.Parse("p.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d, err := policy.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestLimitSensitive: a request to limit sensitive personal information
// objects to the non-essential purposes using a sensitive category (here
// marketing, which uses biometric data), keeping earlier objections, and
// never to an essential purpose; the Decider then denies marketing.
func TestLimitSensitive(t *testing.T) {
	o := &objector{d: testPolicy(t), sub: vault.SubjectView{ID: "sub_a", Objections: []string{"train_ai_system"}}}
	out, err := LimitSensitive(o).Run(context.Background(), &steward.RightsRequest{ID: "req_1", TenantID: "ten_1", SubjectID: "sub_a"})
	if err != nil || out.Status != "completed" {
		t.Fatalf("run: %+v, %v", out, err)
	}
	if !slices.Equal(o.sub.Objections, []string{"train_ai_system", "marketing"}) {
		t.Fatalf("objections: %v; want the earlier one and marketing", o.sub.Objections)
	}
	r := policy.Request{Purpose: "marketing", Categories: []string{"user.contact.email"}, Actor: policy.ActorService,
		Subject: policy.SubjectState{Objections: o.sub.Objections, Consents: []policy.Consent{{Purpose: "marketing", Granted: true}}}}
	if d := o.d.Decide(&r); d.Allowed || !d.Reasons.Has(policy.ReasonObjected) {
		t.Fatalf("marketing after the limit: %+v", d)
	}
	// Nothing more to object to the second time.
	if _, err := LimitSensitive(o).Run(context.Background(), &steward.RightsRequest{SubjectID: "sub_a"}); err != nil ||
		len(o.sub.Objections) != 2 {
		t.Fatalf("second run: %v, %v", o.sub.Objections, err)
	}
}
