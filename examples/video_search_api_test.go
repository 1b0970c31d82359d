package examples

import (
	"testing"

	"github.com/steward-privacy/steward/policy"
)

func init() { exampleTests["video-search-api.yaml"] = testVideoSearchAPI }

// testVideoSearchAPI: queries serve requests and train models with personal
// data redacted and no human looking; console analytics need consent; no
// processor receives anything.
func testVideoSearchAPI(t *testing.T, p *policy.Policy, d *policy.Decider) {
	objected := service("train_ai_system", "user.content.search_query")
	objected.Subject.Objected = true
	checkDecisions(t, d, []decision{
		{name: "queries answer API requests", req: service("essential.service", "user.content.search_query", "user.content.video_reference"), allowed: true},
		{name: "training redacts personal data", req: service("train_ai_system", "user.content.search_query"), allowed: true, oblige: policy.ObligeRedactPII},
		{name: "no human reads training data", req: staff(service("train_ai_system", "user.content.search_query"), "security-investigation"),
			allowed: true, reasons: policy.ReasonHumanAccessNotAllowed, oblige: policy.ObligeMask | policy.ObligeRedactPII},
		{name: "an objection stops training", req: objected, reasons: policy.ReasonObjected},
		{name: "support messages are not training data", req: service("train_ai_system", "user.content.support_message"), reasons: policy.ReasonCategoryNotAllowed},
		{name: "analytics cookies need consent", req: service("analytics.reporting", "user.device.cookie_id"), reasons: policy.ReasonConsentRequired},
		{name: "analytics cookies with consent", req: consented(service("analytics.reporting", "user.device.cookie_id"), "analytics.reporting"), allowed: true},
		{name: "API performance is monitored in aggregate, without consent",
			req: aggregated(service("analytics.reporting.system.performance", "system.operations.api_usage")), allowed: true, oblige: policy.ObligeAggregateOnly},
		{name: "no processor receives data", req: via(service("essential.service", "user.content.search_query"), "any-host", ""), reasons: policy.ReasonProcessorNotAllowed},
		{name: "advertising is no declared purpose", req: service("marketing.advertising", "user.contact.email"), reasons: policy.ReasonPurposeNotDeclared},
	})
	checkRetention(t, d, map[string]string{
		"user.content.search_query":   "P30D",
		"system.operations.api_usage": "P90D",
		"user.device.cookie_id":       "until-consent-withdrawn (max P1Y)",
	})
	if r, ok := d.Right(policy.RightAccess); !ok || r.Deadline.String() != "P45D" {
		t.Errorf("access right = %+v, %v; want a P45D deadline", r, ok)
	}
	if len(p.Processors) != 0 || len(p.Prohibited) != 0 {
		t.Error("the seed names no processor and makes no prohibition")
	}
}
