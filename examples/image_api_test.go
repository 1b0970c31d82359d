package examples

import (
	"testing"

	"github.com/steward-privacy/steward/policy"
)

func init() { exampleTests["image-api.yaml"] = testImageAPI }

// testImageAPI: images serve the requested processing, are kept a short
// time, train models only in aggregate, and reach only the hosting provider
// (outside the EU under SCCs); billing data reaches only the payment
// provider; nothing is sold.
func testImageAPI(t *testing.T, p *policy.Policy, d *policy.Decider) {
	images := []string{"user.content.self_image", "user.content.product_image"}
	checkDecisions(t, d, []decision{
		{name: "images processed as requested", req: service("essential.service", append(images, "user.content.output_image")...), allowed: true},
		{name: "training only on aggregated data", req: aggregated(service("train_ai_system", images...)), allowed: true, oblige: policy.ObligeAggregateOnly},
		{name: "training never reads one shopper's photos", req: service("train_ai_system", images...), reasons: policy.ReasonAggregateOnly},
		{name: "safety checks on anonymised images", req: aggregated(service("essential.service.security.safety", images...)), allowed: true, oblige: policy.ObligeAggregateOnly},
		{name: "images to the hosting provider, from the EU under SCCs", req: via(service("essential.service", images...), "nimbus", "eu"),
			allowed: true, oblige: policy.ObligeNoTraining},
		{name: "images never reach the payment provider", req: via(service("essential.service", images...), "tollgate", "eu"),
			reasons: policy.ReasonProcessorPurposeNotAllowed | policy.ReasonProcessorCategoryNotAllowed},
		{name: "billing data to the payment provider", req: via(service("essential.service.payment_processing", "user.payment"), "tollgate", "eu"),
			allowed: true},
		{name: "data stays in the EU", req: via(service("essential.service", "user.name"), "", "us"), reasons: policy.ReasonRegionNotAllowed},
		{name: "no sale", req: service("third_party_sharing.sale", "user.contact.email"), reasons: policy.ReasonProhibited},
		{name: "store tokens are account data, not training data", req: service("train_ai_system", "user.authorization.credentials.store_token"),
			reasons: policy.ReasonCategoryNotAllowed},
	})
	checkRetention(t, d, map[string]string{
		"user.content.self_image":       "P7D",
		"user.content.output_image":     "P7D",
		"system.operations.request_log": "P30D",
	})
	if p.Security.PasswordHashing != "bcrypt" || p.Security.APIKeyHashing == "" {
		t.Errorf("security = %+v; the seed hashes passwords with bcrypt and hashes API keys", p.Security)
	}
	mustProblem(t, p, "    retention: same-as-category\n    safeguards: [dpa, sccs]\n  tollgate",
		"    retention: same-as-category\n    safeguards: [dpa]\n  tollgate", "processor nimbus is located in us, outside the allowed regions")
	mustProblem(t, p, "    locations: [us, eu, asia]\n    retention: same-as-category\n    safeguards: [dpa, sccs]\n  tollgate",
		"    locations: [us, eu, asia]\n    retention: P30D\n    safeguards: [dpa, sccs]\n  tollgate",
		"processor nimbus keeps user.content.self_image (P30D) longer than category user.content.self_image allows (P7D)")
}
