package incidents

import (
	"context"
	"time"

	"github.com/steward-privacy/steward"
)

// StatusChange moves an incident on. DelayReasons is required to notify
// the regulator after the 72 hours (Art. 33(1)); Reasoning to record an
// incident as not notifiable (Art. 33(5)) and to close a high-risk one
// whose people were not told (an Art. 34(3) exception).
type StatusChange struct {
	Status       string `json:"status" doc:"regulator_notified, subjects_notified, not_notifiable or closed"`
	DelayReasons string `json:"delay_reasons,omitempty" doc:"why the regulator is notified after the 72 hours (required then)"`
	Reasoning    string `json:"reasoning,omitempty" doc:"why no notification is owed, or why the people are not told"`
}

// transitions lists the statuses each status may move to.
var transitions = map[string][]string{
	steward.IncidentOpen:              {steward.IncidentRegulatorNotified, steward.IncidentNotNotifiable},
	steward.IncidentRegulatorNotified: {steward.IncidentSubjectsNotified, steward.IncidentClosed},
	steward.IncidentSubjectsNotified:  {steward.IncidentClosed},
	steward.IncidentNotNotifiable:     {steward.IncidentClosed},
}

// Late reports whether notifying the regulator at t misses the deadline.
func Late(inc *steward.Incident, t time.Time) bool { return t.After(inc.Deadline) }

// apply checks the change against the incident and the rules and applies
// it at now. EINVALID names a missing field; ECONFLICT a move the status
// does not allow.
func apply(inc *steward.Incident, ch *StatusChange, now time.Time) (reasons []string, err error) {
	for _, f := range []struct{ path, v string }{{"delay_reasons", ch.DelayReasons}, {"reasoning", ch.Reasoning}} {
		if err := text(f.path, f.v, false); err != nil {
			return nil, err
		}
	}
	switch ch.Status {
	case steward.IncidentRegulatorNotified, steward.IncidentSubjectsNotified, steward.IncidentNotNotifiable, steward.IncidentClosed:
	default:
		return nil, steward.Invalid("status", "must be regulator_notified, subjects_notified, not_notifiable or closed")
	}
	allowed := false
	for _, to := range transitions[inc.Status] {
		allowed = allowed || to == ch.Status
	}
	if !allowed {
		return nil, &steward.Error{Code: steward.ECONFLICT, Message: "an incident that is " + inc.Status + " cannot become " + ch.Status,
			Reasons: []string{"status:" + inc.Status}}
	}
	reasons = []string{"status:" + ch.Status}
	at := now
	switch ch.Status {
	case steward.IncidentRegulatorNotified:
		if Late(inc, now) {
			if err := text("delay_reasons", ch.DelayReasons, true); err != nil {
				return nil, steward.Invalid("delay_reasons", "is required: the regulator is notified more than 72 hours after aware_at (Art. 33(1))")
			}
			inc.DelayReasons = ch.DelayReasons
			reasons = append(reasons, "late")
		}
		inc.RegulatorNotifiedAt = &at
	case steward.IncidentNotNotifiable:
		if inc.Risk == steward.RiskHigh {
			return nil, &steward.Error{Code: steward.ECONFLICT, Message: "a high-risk incident must be notified (Art. 33, 34)",
				Reasons: []string{"risk:high"}}
		}
		if err := text("reasoning", ch.Reasoning, true); err != nil {
			return nil, steward.Invalid("reasoning", "is required: why the breach is unlikely to result in a risk (Art. 33(5))")
		}
		inc.Reasoning = ch.Reasoning
	case steward.IncidentSubjectsNotified:
		if inc.Risk != steward.RiskHigh {
			return nil, &steward.Error{Code: steward.ECONFLICT, Message: "only a high-risk incident is notified to the people affected",
				Reasons: []string{"risk:low"}}
		}
		if inc.NotifyRequestedAt != nil {
			return nil, &steward.Error{Code: steward.ECONFLICT, Message: "the subject notices are being sent; the status follows when they are done",
				Reasons: []string{"notifying"}}
		}
		inc.SubjectsNotifiedAt = &at
	case steward.IncidentClosed:
		if inc.Status == steward.IncidentRegulatorNotified && inc.Risk == steward.RiskHigh {
			if inc.NotifyRequestedAt != nil {
				return nil, &steward.Error{Code: steward.ECONFLICT, Message: "the subject notices are being sent; close it when they are done",
					Reasons: []string{"notifying"}}
			}
			if err := text("reasoning", ch.Reasoning, true); err != nil {
				return nil, steward.Invalid("reasoning", "is required to close a high-risk incident whose people were not told (Art. 34(3))")
			}
			inc.Reasoning = ch.Reasoning
		}
		inc.ClosedAt = &at
	}
	inc.Status, inc.UpdatedAt = ch.Status, now
	return reasons, nil
}

// SetStatus moves an incident on (see StatusChange) and emits
// incident.status_changed.
func (s *Service) SetStatus(ctx context.Context, id string, ch *StatusChange) (*View, error) {
	c, err := steward.Require(ctx, steward.ScopeIncidentsManage)
	if err != nil {
		return nil, err
	}
	inc, err := s.store.Incident(ctx, c.TenantID, id)
	if err != nil {
		return nil, err
	}
	from, now := inc.Status, s.now().UTC()
	reasons, err := apply(inc, ch, now)
	if err != nil {
		return nil, err
	}
	ev, err := steward.NewEvent(c.TenantID, steward.EventIncidentStatus, now, eventData{IncidentID: inc.ID, Status: inc.Status})
	if err != nil {
		return nil, err
	}
	if err := s.store.UpdateIncident(ctx, inc, from, ev); err != nil {
		return nil, err
	}
	if err := s.record(ctx, c, steward.AuditEvent{Action: steward.ActionIncidentStatus, Target: inc.ID, Reasons: reasons}); err != nil {
		return nil, err
	}
	return s.view(inc), nil
}

// systemCaller is the actor of the register's background work.
func systemCaller(tenantID string) *steward.Caller {
	return &steward.Caller{TenantID: tenantID, Kind: steward.ActorSystem, ID: "incidents"}
}

// Overdue emits incident.overdue, once, for each open incident whose 72
// hours passed without the regulator notified; it returns how many it
// marked. It runs as a job under the database lease.
func (s *Service) Overdue(ctx context.Context) (int, error) {
	now := s.now().UTC()
	due, err := s.store.DueIncidents(ctx, now, 100)
	if err != nil {
		return 0, err
	}
	marked := 0
	for _, inc := range due {
		ev, err := steward.NewEvent(inc.TenantID, steward.EventIncidentOverdue, now, eventData{IncidentID: inc.ID, Status: inc.Status,
			Risk: inc.Risk, Deadline: &inc.Deadline})
		if err != nil {
			return marked, err
		}
		ok, err := s.store.MarkOverdue(ctx, inc, now, ev)
		if err != nil {
			return marked, err
		}
		if !ok {
			continue
		}
		marked++
		if err := s.record(ctx, systemCaller(inc.TenantID), steward.AuditEvent{Action: steward.ActionIncidentOverdue,
			Target: inc.ID}); err != nil {
			return marked, err
		}
	}
	return marked, nil
}

// OpenCount counts the incidents of every tenant that are not closed, for
// the steward_incidents_open gauge.
func (s *Service) OpenCount(ctx context.Context) (int, error) { return s.store.CountIncidents(ctx) }
