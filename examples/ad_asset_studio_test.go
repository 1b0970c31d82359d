package examples

import (
	"testing"

	"github.com/steward-privacy/steward/policy"
)

func init() { exampleTests["ad-asset-studio.yaml"] = testAdAssetStudio }

// testAdAssetStudio: product images and prompts go to AI video models for
// generation, with consent that can be withdrawn; the models may not keep or
// train on them; nothing is sold; logs are purged after 24 hours.
func testAdAssetStudio(t *testing.T, p *policy.Policy, d *policy.Decider) {
	const gen = "essential.service.generation"
	media := []string{"user.content.product_image", "user.content.prompt"}
	withdrawn := service(gen, media...)
	withdrawn.Processor = "kestrel-video"
	withdrawn.Subject.Consents = []policy.Consent{{Purpose: gen, Processor: "kestrel-video"}}
	restricted := consented(service(gen, media...), gen)
	restricted.Subject.Restricted = true
	restrictedAccount := service("essential.service", "user.contact.email")
	restrictedAccount.Subject.Restricted = true
	checkDecisions(t, d, []decision{
		{name: "media to a video model for generation", req: via(consented(service(gen, media...), gen), "kestrel-video", "us"),
			allowed: true, oblige: policy.ObligeNoTraining | policy.ObligeUserVisibleOnly},
		{name: "media to a model located in Asia, under SCCs", req: via(consented(service(gen, "user.content.product_image"), gen), "fathom-motion", "us"),
			allowed: true, oblige: policy.ObligeNoTraining},
		{name: "generation without consent", req: via(service(gen, media...), "kestrel-video", ""), reasons: policy.ReasonConsentRequired},
		{name: "consent withdrawn for that partner", req: withdrawn, reasons: policy.ReasonConsentWithdrawn},
		{name: "partners may not train on media", req: via(service("train_ai_system", media...), "kestrel-video", ""),
			reasons: policy.ReasonProhibited | policy.ReasonProcessorPurposeNotAllowed},
		{name: "nor may the service itself", req: service("train_ai_system", "user.content.generated_video"), reasons: policy.ReasonProhibited},
		{name: "account email never goes to a partner", req: via(consented(service(gen, "user.contact.email"), gen), "lumen-prompt", ""),
			reasons: policy.ReasonCategoryNotAllowed | policy.ReasonProcessorCategoryNotAllowed},
		{name: "no sale of media", req: service("third_party_sharing", "user.content.generated_image"), reasons: policy.ReasonProhibited},
		{name: "restriction stops generation", req: restricted, reasons: policy.ReasonRestricted},
		{name: "restriction keeps the account running", req: restrictedAccount, allowed: true},
		{name: "no human reads security logs", req: staff(service("essential.service.security", "system.operations.request_log"), "security-investigation"),
			allowed: true, reasons: policy.ReasonHumanAccessNotAllowed, oblige: policy.ObligeMask},
	})
	checkRetention(t, d, map[string]string{
		"system.operations.request_log": "PT24H",
		"user.device.ip_address":        "PT24H",
		"user.content.generated_video":  "until-account-deletion",
		"user.contact.email":            "until-account-deletion",
	})
	for _, pr := range p.Processors {
		if pr.Train || pr.Retention.Kind != policy.RetainEphemeral {
			t.Errorf("processor %s: train %v, retention %v; the seed says partners neither keep nor train", pr.Key, pr.Train, pr.Retention)
		}
	}
	mustProblem(t, p, "    retention: not-retained\n    train: false\n    safeguards: [dpa]\n  kestrel",
		"    retention: not-retained\n    train: true\n    safeguards: [dpa]\n  kestrel", "may train on the data")
	mustProblem(t, p, "    locations: [asia]\n    retention: not-retained\n    train: false\n    safeguards: [dpa, sccs]\n  orbit",
		"    locations: [asia]\n    retention: not-retained\n    train: false\n    safeguards: [dpa]\n  orbit", "outside the allowed regions")
}
