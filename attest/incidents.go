package attest

import (
	"context"
	"fmt"
	"time"

	"github.com/steward-privacy/steward"
)

// IncidentsLine attests the breach register: every incident the tenant
// became aware of in the period was notified to the regulator within 72
// hours (or later with recorded reasons, or recorded as not notifiable with
// its reasoning); one still open past its deadline breaks the promise.
// list is the store's Incidents (all statuses).
func IncidentsLine(list func(ctx context.Context, tenantID, status string, limit int) ([]*steward.Incident, error)) func(ctx context.Context, tenantID string, since, now time.Time) (Line, error) {
	return func(ctx context.Context, tenantID string, since, now time.Time) (Line, error) {
		l := Line{Promise: "incidents", Says: "personal data breaches are notified to the regulator within 72 hours"}
		all, err := list(ctx, tenantID, "", 100000)
		if err != nil {
			return l, err
		}
		var bad []string
		n, onTime, late, exempt := 0, 0, 0, 0
		for _, inc := range all {
			if inc.AwareAt.Before(since) && inc.ClosedAt != nil {
				continue
			}
			n++
			switch {
			case inc.Status == steward.IncidentNotNotifiable && inc.Reasoning != "":
				exempt++
			case inc.RegulatorNotifiedAt != nil && !inc.RegulatorNotifiedAt.After(inc.Deadline):
				onTime++
			case inc.RegulatorNotifiedAt != nil && inc.DelayReasons != "":
				late++
			case inc.RegulatorNotifiedAt == nil && now.Before(inc.Deadline):
				// the clock is still running
			default:
				bad = append(bad, inc.ID)
			}
		}
		l.Status, l.Broken, l.Breaking = verdict(len(bad)), len(bad), bad
		l.Evidence = fmt.Sprintf("%d incidents: %d notified within 72 hours, %d later with recorded reasons, %d recorded as not notifiable with reasoning, %d past the deadline without notification",
			n, onTime, late, exempt, len(bad))
		if n == 0 {
			l.Status, l.Evidence = Kept, "no personal data breach was recorded in the period"
		}
		return l, nil
	}
}
