package examples

import (
	"testing"

	"github.com/steward-privacy/steward/policy"
)

func init() { exampleTests["content-studio.yaml"] = testContentStudio }

// testContentStudio: prompts go to AI providers that may not train on them;
// marketing email and personalisation need consent; analytics are
// aggregated; data is never sold; staff use multi-factor authentication.
func testContentStudio(t *testing.T, p *policy.Policy, d *policy.Decider) {
	const gen = "essential.service.generation"
	objected := consented(service("marketing.communications.email", "user.contact.email"), "marketing.communications.email")
	objected.Subject.Objected = true
	gpc := consented(service("personalize.content", "user.behavior"), "personalize.content")
	gpc.Subject.GPCOptOut = true
	gpcMail := consented(service("marketing.communications.email", "user.contact.email"), "marketing.communications.email")
	gpcMail.Subject.GPCOptOut = true
	checkDecisions(t, d, []decision{
		{name: "prompts to the text model", req: via(service(gen, "user.content.prompt"), "quill-text", "us"), allowed: true,
			oblige: policy.ObligeNoTraining | policy.ObligeUserVisibleOnly},
		{name: "the image model receives prompts only", req: via(service(gen, "user.content.generated_text"), "prism-image", ""),
			reasons: policy.ReasonProcessorCategoryNotAllowed},
		{name: "AI providers may not train", req: via(service("train_ai_system", "user.content.prompt"), "reel-forge", ""),
			reasons: policy.ReasonPurposeNotDeclared | policy.ReasonProcessorPurposeNotAllowed},
		{name: "marketing email needs consent", req: service("marketing.communications.email", "user.contact.email"), reasons: policy.ReasonConsentRequired},
		{name: "an objection stops marketing", req: objected, reasons: policy.ReasonObjected},
		{name: "personalisation with consent, GPC does not cover it", req: gpc, allowed: true, oblige: policy.ObligeUserVisibleOnly},
		{name: "GPC stops marketing email despite the earlier consent", req: gpcMail, reasons: policy.ReasonGPCOptOut},
		{name: "improvement uses aggregated data", req: aggregated(service("functional.service.improve", "user.behavior")), allowed: true, oblige: policy.ObligeAggregateOnly},
		{name: "improvement never reads one person's values", req: service("functional.service.improve", "user.behavior"), reasons: policy.ReasonAggregateOnly},
		{name: "analytics provider gets aggregated behaviour only", req: via(service("functional.service.improve", "user.content.prompt"), "beacon", ""),
			reasons: policy.ReasonCategoryNotAllowed | policy.ReasonProcessorCategoryNotAllowed},
		{name: "no sale", req: service("third_party_sharing.sale", "user.content.generated_image"), reasons: policy.ReasonProhibited},
		{name: "security alerts continue despite an objection", req: func() policy.Request {
			r := service("essential.service.notifications.email", "user.contact.email")
			r.Subject.Objected = true
			return r
		}(), allowed: true},
	})
	if !p.Security.StaffMFA || p.Security.TLSMinimum != "1.3" || p.Organisation.DPO == nil {
		t.Errorf("security %+v, DPO %v: the seed promises staff MFA, TLS 1.3 and a DPO", p.Security, p.Organisation.DPO)
	}
	for _, pr := range p.Processors {
		if pr.Train {
			t.Errorf("processor %s may train; the seed says no provider trains on the data", pr.Key)
		}
	}
	if r, ok := d.Right(policy.RightPortability); !ok || r.Deadline.String() != "P30D" {
		t.Errorf("portability = %+v, %v", r, ok)
	}
	mustProblem(t, p, "    retention: P30D\n    safeguards: [dpa]\n  atlas-video", "    retention: P30D\n    train: true\n    safeguards: [dpa]\n  atlas-video",
		"may train on the data")
}
