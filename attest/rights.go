package attest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/steward-privacy/steward"
)

// RightsLine attests rights requests against their deadlines: every
// request received in the period (or still open) was answered — completed,
// partially completed with the reason, or denied with the reason — by its
// deadline (as extended within the law's bounds); an open request past it
// breaks the promise. list is the store's Requests.
func RightsLine(list func(ctx context.Context, tenantID string, f steward.RequestFilter) ([]*steward.RightsRequest, error)) func(ctx context.Context, tenantID string, since, now time.Time) (Line, error) {
	return func(ctx context.Context, tenantID string, since, now time.Time) (Line, error) {
		l := Line{Promise: "rights", Says: "requests to exercise a right are answered within their deadlines"}
		all, err := list(ctx, tenantID, steward.RequestFilter{Limit: 1000000, Now: now})
		if err != nil {
			return l, err
		}
		var bad []string
		n, onTime, open, expired := 0, 0, 0, 0
		for _, r := range all {
			finished := !slices.Contains(steward.OpenRequestStatuses, r.Status)
			if r.ReceivedAt.Before(since) && finished {
				continue
			}
			n++
			due := r.Deadline
			if r.ExtendedDeadline != nil {
				due = *r.ExtendedDeadline
			}
			switch {
			case r.Status == steward.RequestExpired:
				expired++ // never verified: answered by the expiry notice
			case finished && !r.UpdatedAt.After(due):
				onTime++
			case !finished && now.Before(due):
				open++
			default:
				bad = append(bad, r.ID)
			}
		}
		l.Status, l.Broken, l.Breaking = verdict(len(bad)), len(bad), bad
		l.Evidence = fmt.Sprintf("%d requests: %d answered by their deadline, %d open within it, %d expired unverified, %d late or overdue",
			n, onTime, open, expired, len(bad))
		if n == 0 {
			l.Evidence = "no rights request in the period"
		}
		return l, nil
	}
}
