package incidents_test

import (
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/incidents"
)

// TestNoticeRendering: both notices carry the Art. 33(3) / 34(2) content
// from the policy and the incident, with the right numbers; text staff
// wrote cannot inject script into the HTML or markup into the Markdown;
// the subject notice exists only for high risk.
func TestNoticeRendering(t *testing.T) {
	f := newFixture(t, false)
	f.subject(t, "user.contact.email", "user.name")
	f.subject(t, "user.contact.email")
	const evil = `<script>alert("x")</script> [click](javascript:alert(1))`
	inc, err := declare(f, incidents.NewIncident{Categories: []string{"user.contact.email", "user.name"},
		Summary: "Backup exposed. " + evil, Consequences: "Phishing emails are likely.", Measures: "The bucket was closed.\n\nPasswords reset."})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{incidents.FormatMarkdown, incidents.FormatHTML} {
		n, err := f.svc.Notice(f.ctx, inc.ID, incidents.AudienceRegulator, format)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Glimmer Forge", "dpo@glimmerforge.example", "Approximately 2 people and 3 personal data records",
			"Phishing emails are likely.", "The bucket was closed.", inc.ID, "2026-11-25 09:00 UTC"} {
			if !strings.Contains(n.Body, want) {
				t.Errorf("%s regulator notice lacks %q:\n%s", format, want, n.Body)
			}
		}
		if strings.Contains(n.Body, "<script") || (format == incidents.FormatMarkdown && strings.Contains(n.Body, "[click]")) {
			t.Errorf("%s notice carries the injected markup:\n%s", format, n.Body)
		}
		if format == incidents.FormatHTML && (!strings.Contains(n.Body, "&lt;script&gt;") || !strings.Contains(n.Body, "<td>2</td>")) {
			t.Errorf("HTML notice:\n%s", n.Body)
		}
		if format == incidents.FormatMarkdown && !strings.Contains(n.Body, "| 2 | 2 |") {
			t.Errorf("Markdown notice lacks the email row:\n%s", n.Body)
		}
		s, err := f.svc.Notice(f.ctx, inc.ID, incidents.AudienceSubjects, format)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(s.Body, "concerns your personal data") || !strings.Contains(s.Body, "Passwords reset.") ||
			strings.Contains(s.Body, "<script") {
			t.Errorf("%s subject notice:\n%s", format, s.Body)
		}
	}
	_, err = f.svc.Notice(f.ctx, inc.ID, "press", incidents.FormatHTML)
	wantCode(t, err, steward.EINVALID)
	_, err = f.svc.Notice(f.ctx, inc.ID, incidents.AudienceRegulator, "pdf")
	wantCode(t, err, steward.EINVALID)

	low, err := declare(f, incidents.NewIncident{Categories: []string{"user.name"}, Risk: steward.RiskLow,
		AwareAt: ptr(now.Add(-100 * time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Notice(f.ctx, low.ID, incidents.AudienceSubjects, incidents.FormatMarkdown)
	wantCode(t, err, steward.ECONFLICT)
	n, err := f.svc.Notice(f.ctx, low.ID, incidents.AudienceRegulator, incidents.FormatMarkdown)
	if err != nil || !strings.Contains(n.Body, "Reasons for the delay") {
		t.Fatalf("a late notice names no delay: %v\n%s", err, n.Body)
	}
}
