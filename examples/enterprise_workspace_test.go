package examples

import (
	"slices"
	"testing"

	"github.com/steward-privacy/steward/policy"
)

func init() { exampleTests["enterprise-workspace.yaml"] = testEnterpriseWorkspace }

// testEnterpriseWorkspace: connected-system data serves only features the
// user sees and models for the client's own use; no direct marketing, no
// advertising, no credit decisions, no sale, nothing to outside AI tools;
// humans read data only with the user's agreement, for security or by law.
func testEnterpriseWorkspace(t *testing.T, p *policy.Policy, d *policy.Decider) {
	agreed := staff(service("essential.service", "user.content.email_message"), "subject-agreement")
	agreed.Subject.StaffAccessAgreed = true
	objected := service("essential.service.notifications.email", "user.contact.email", "user.content.calendar_event")
	objected.Subject.Objected = true
	child := service("essential.service", "user.name")
	child.Subject.BelowMinimumAge = true
	checkDecisions(t, d, []decision{
		{name: "connected ERP data serves visible features", req: service("essential.service", "user.workplace.erp_record", "user.content.prompt"),
			allowed: true, oblige: policy.ObligeUserVisibleOnly},
		{name: "models trained for the client's own use", req: service("train_ai_system", "user.workplace.document", "user.content.ai_output"),
			allowed: true, oblige: policy.ObligeUserVisibleOnly},
		{name: "no direct marketing, even with consent", req: consented(service("marketing.communications.email", "user.contact.email"), "marketing"),
			reasons: policy.ReasonProhibited},
		{name: "no targeted ads", req: service("marketing.advertising.third_party.targeted", "user.workplace.erp_record"), reasons: policy.ReasonProhibited},
		{name: "no credit decisions", req: service("finance.credit_decision", "user.workplace.erp_record"), reasons: policy.ReasonProhibited},
		{name: "no sale to data brokers", req: service("third_party_sharing.sale", "user.contact.email"), reasons: policy.ReasonProhibited},
		{name: "no outside AI tool receives content", req: via(service("essential.service", "user.content.prompt"), "outside-llm", ""),
			reasons: policy.ReasonProcessorNotAllowed},
		{name: "staff without a reason see masked values", req: staff(service("essential.service", "user.content.email_message"), ""),
			allowed: true, reasons: policy.ReasonJustificationRequired, oblige: policy.ObligeMask},
		{name: "agreement claimed but not recorded", req: staff(service("essential.service", "user.content.email_message"), "subject-agreement"),
			allowed: true, reasons: policy.ReasonAgreementMissing, oblige: policy.ObligeMask},
		{name: "agreement recorded", req: agreed, allowed: true, oblige: policy.ObligeUserVisibleOnly},
		{name: "security investigation", req: staff(service("essential.service.security", "system.operations.request_log"), "security-investigation"), allowed: true},
		{name: "service emails continue despite an objection", req: objected, allowed: true},
		{name: "usage analysis is aggregated", req: aggregated(service("analytics.reporting", "user.device.ip_address")), allowed: true, oblige: policy.ObligeAggregateOnly},
		{name: "usage analysis never reads one person's values", req: service("analytics.reporting", "user.device.ip_address"), reasons: policy.ReasonAggregateOnly},
		{name: "children's data is deleted, not used", req: child, reasons: policy.ReasonBelowMinimumAge},
		{name: "billing data to the payment provider from the EU", req: via(service("essential.service.payment_processing", "user.payment"), "tollgate", "eu"),
			allowed: true, oblige: policy.ObligeNoTraining},
		{name: "on-premises data stays a storage region", req: via(service("essential.service", "user.workplace.ticket"), "", "on-prem"), allowed: true,
			oblige: policy.ObligeUserVisibleOnly},
	})
	if age, action := d.MinimumAge(); age != 13 || action != policy.AgeDelete {
		t.Errorf("MinimumAge = %d, %s; want 13, delete", age, action)
	}
	if got := d.Justifications(); len(got) != 3 || got[0].Key != policy.JustificationSubjectAgreement {
		t.Errorf("justifications = %+v", got)
	}
	if p.Signals.DoNotTrack != policy.Ignored {
		t.Error("the seed does not respond to Do Not Track")
	}
	for _, src := range []string{"user.workplace.erp_record", "user.content.email_message", "user.content.calendar_event"} {
		c, _ := p.CategoryFor(src)
		if len(c.Collection) != 1 || c.Collection[0].From != policy.FromConnected || len(c.Collection[0].Scopes) == 0 {
			t.Errorf("%s is not read from a connected system with named scopes: %+v", src, c.Collection)
		}
	}
	if !slices.Contains(p.Regions.Storage, "on-prem") {
		t.Error("data may be stored on the client's premises")
	}
	mustProblem(t, p, "processors:\n", "processors:\n  outside-llm:\n    name: Outside LLM\n    kind: ai-model\n    purposes: [essential.service]\n    categories: [user.content.prompt]\n    locations: [us]\n    retention: not-retained\n",
		"processor outside-llm (ai-model) is prohibited")
	mustProblem(t, p, "purposes:\n", "purposes:\n  marketing.communications.email:\n    description: News.\n    basis: consent\n    withdraw: Unsubscribe.\n    categories: [user.contact.email]\n",
		"purpose marketing.communications.email is prohibited")
}
